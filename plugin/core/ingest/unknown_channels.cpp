#include "tgmesh/core/ingest/unknown_channels.h"

#include <algorithm>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::core {

void UnknownChannels::record(uint8_t hash, std::string_view name, std::string_view gateway,
                             Millis now) {
    auto it = std::find_if(channels_.begin(), channels_.end(),
                           [&](const UnknownChannel& c) { return c.hash == hash; });
    if (it == channels_.end()) {
        if (channels_.size() >= kMaxChannels) {
            // Forget the one seen longest ago.
            it = std::min_element(
                channels_.begin(), channels_.end(),
                [](const auto& a, const auto& b) { return a.last_seen < b.last_seen; });
            *it = UnknownChannel{};
        } else {
            it = channels_.insert(channels_.end(), UnknownChannel{});
        }
        it->hash = hash;
    }
    ++it->count;
    it->last_seen = now;
    if (!name.empty()) it->name = utf8::printable(name, kMaxNameBytes);
    // Gateway ids are "!" + 8 hex digits; anything else is not worth keeping.
    if (mesh::parse_node_id(gateway) && it->gateways.size() < kMaxGateways &&
        std::find(it->gateways.begin(), it->gateways.end(), gateway) == it->gateways.end()) {
        it->gateways.emplace_back(gateway);
    }
}

std::vector<UnknownChannel> UnknownChannels::seen_since(Millis since) const {
    std::vector<UnknownChannel> out;
    for (const auto& c : channels_) {
        if (c.last_seen >= since) out.push_back(c);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.last_seen > b.last_seen; });
    return out;
}

}  // namespace tgmesh::core
