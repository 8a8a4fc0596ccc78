#include "tgmesh/core/chat/dm_origins.h"

namespace tgmesh::core {

void DmOrigins::remember(const DmOrigin& origin) {
    by_packet_.put(origin.packet_id, origin);
}

const DmOrigin* DmOrigins::find(uint32_t packet_id) const {
    return by_packet_.find(packet_id);
}

std::vector<DmOrigin> DmOrigins::list() const {
    std::vector<DmOrigin> out;
    out.reserve(by_packet_.size());
    by_packet_.for_each([&](uint32_t, const DmOrigin& origin) { out.push_back(origin); });
    return out;
}

void DmOrigins::restore(const std::vector<DmOrigin>& origins) {
    by_packet_.clear();
    for (const auto& o : origins)
        remember(o);
}

}  // namespace tgmesh::core
