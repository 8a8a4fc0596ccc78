#include "tgmesh/core/ingest/dedup.h"

namespace tgmesh::core {

void Dedup::expire(Millis now) {
    while (!order_.empty() && (now - order_.front().second >= ttl_ || order_.size() > capacity_)) {
        auto [key, at] = order_.front();
        order_.pop_front();
        // Only erase if the map still holds this insertion (not a later re-insertion).
        if (auto it = seen_.find(key); it != seen_.end() && it->second == at) seen_.erase(it);
    }
}

bool Dedup::first_sighting(mesh::NodeNum from, uint32_t id, Millis now) {
    expire(now);
    const uint64_t key = (static_cast<uint64_t>(from) << 32) | id;
    auto [it, inserted] = seen_.try_emplace(key, now);
    if (!inserted) {
        if (now - it->second < ttl_) return false;
        it->second = now;  // an expired entry not yet swept: treat as new
    }
    order_.emplace_back(key, now);
    expire(now);
    return true;
}

}  // namespace tgmesh::core
