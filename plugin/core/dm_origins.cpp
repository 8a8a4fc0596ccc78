#include "tgmesh/core/dm_origins.h"

namespace tgmesh::core {

void DmOrigins::remember(const DmOrigin& origin) {
    auto [it, inserted] = by_packet_.insert_or_assign(origin.packet_id, origin);
    if (!inserted) return;
    order_.push_back(origin.packet_id);
    while (order_.size() > kCapacity) {
        by_packet_.erase(order_.front());
        order_.pop_front();
    }
}

const DmOrigin* DmOrigins::find(uint32_t packet_id) const {
    auto it = by_packet_.find(packet_id);
    return it == by_packet_.end() ? nullptr : &it->second;
}

std::vector<DmOrigin> DmOrigins::list() const {
    std::vector<DmOrigin> out;
    out.reserve(order_.size());
    for (uint32_t id : order_)
        out.push_back(by_packet_.at(id));
    return out;
}

void DmOrigins::restore(const std::vector<DmOrigin>& origins) {
    by_packet_.clear();
    order_.clear();
    for (const auto& o : origins)
        remember(o);
}

}  // namespace tgmesh::core
