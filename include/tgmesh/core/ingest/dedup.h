#pragma once
// Remembers (from, id) of recent packets so that the copies every gateway uplinks are handled
// once. Entries live at least `ttl`; memory is bounded by `capacity` (oldest forgotten first).
#include <cstdint>
#include <deque>
#include <unordered_map>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::core {

class Dedup {
  public:
    static constexpr Millis kDefaultTtl = 15 * kMinute;
    static constexpr size_t kDefaultCapacity = 100000;

    explicit Dedup(Millis ttl = kDefaultTtl, size_t capacity = kDefaultCapacity)
        : ttl_(ttl), capacity_(capacity) {}

    // True the first time (from, id) is seen within the ttl; records it.
    bool first_sighting(mesh::NodeNum from, uint32_t id, Millis now);
    size_t size() const { return seen_.size(); }

  private:
    void expire(Millis now);

    Millis ttl_;
    size_t capacity_;
    std::unordered_map<uint64_t, Millis> seen_;
    std::deque<std::pair<uint64_t, Millis>> order_;  // insertion order, for expiry
};

}  // namespace tgmesh::core
