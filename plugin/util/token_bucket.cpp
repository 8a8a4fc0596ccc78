#include "tgmesh/util/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace tgmesh {

void TokenBucket::refill(Millis now) {
    if (last_ >= 0 && now > last_) {
        tokens_ = std::min(burst_, tokens_ + static_cast<double>(now - last_) * rate_per_ms_);
    }
    if (last_ < 0 || now > last_) last_ = now;
}

bool TokenBucket::try_take(Millis now) {
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

Millis TokenBucket::ready_at(Millis now) const {
    double tokens = tokens_;
    if (last_ >= 0 && now > last_) {
        tokens = std::min(burst_, tokens + static_cast<double>(now - last_) * rate_per_ms_);
    }
    if (tokens >= 1.0) return now;
    return now + static_cast<Millis>(std::ceil((1.0 - tokens) / rate_per_ms_));
}

Millis Backoff::record_failure() {
    Millis delay = initial_;
    for (int i = 0; i < failures_ && delay < cap_; ++i)
        delay *= 2;
    ++failures_;
    return std::min(delay, cap_);
}

}  // namespace tgmesh
