#pragma once
#include "tgmesh/util/clock.h"

namespace tgmesh::adapters {

// Monotonic milliseconds from std::chrono::steady_clock (the broker glue stamps publish
// receipts with the same clock) and wall-clock unix seconds.
class SteadyClock : public Clock {
  public:
    Millis now_ms() const override;
    int64_t unix_seconds() const override;
};

Millis steady_now_ms();

}  // namespace tgmesh::adapters
