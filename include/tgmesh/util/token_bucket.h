#pragma once
#include "tgmesh/util/clock.h"

namespace tgmesh {

// Classic token bucket: `rate` tokens per second, holding at most `burst` tokens.
class TokenBucket {
  public:
    TokenBucket(double rate_per_second, double burst)
        : rate_per_ms_(rate_per_second / 1000.0), burst_(burst), tokens_(burst) {}

    bool try_take(Millis now);
    // Earliest time at which try_take would succeed.
    Millis ready_at(Millis now) const;

  private:
    void refill(Millis now);

    double rate_per_ms_;
    double burst_;
    double tokens_;
    Millis last_ = -1;
};

// Exponential backoff: 1 s, 2 s, 4 s ... capped; reset by a success.
class Backoff {
  public:
    explicit Backoff(Millis initial = kSecond, Millis cap = kMinute)
        : initial_(initial), cap_(cap) {}
    // Records a failure and returns the delay before the next attempt.
    Millis record_failure();
    void reset() { failures_ = 0; }
    int failures() const { return failures_; }

  private:
    Millis initial_;
    Millis cap_;
    int failures_ = 0;
};

}  // namespace tgmesh
