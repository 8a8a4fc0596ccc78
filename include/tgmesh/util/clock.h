#pragma once
#include <cstdint>

namespace tgmesh {

// Milliseconds on a monotonic clock; all timers and rate limits use it.
using Millis = int64_t;
constexpr Millis kSecond = 1000;
constexpr Millis kMinute = 60 * kSecond;
constexpr Millis kHour = 60 * kMinute;
constexpr Millis kNever = INT64_MAX;

// Time source for the core, injected so unit tests control it.
class Clock {
  public:
    virtual ~Clock() = default;
    virtual Millis now_ms() const = 0;
    virtual int64_t unix_seconds() const = 0;
};

}  // namespace tgmesh
