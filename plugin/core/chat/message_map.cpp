#include "tgmesh/core/chat/message_map.h"

namespace tgmesh::core {

void MessageMap::remember(int64_t chat_id, int64_t message_id, const MeshRef& ref) {
    by_packet_[{chat_id, ref.packet_id}] = message_id;
    auto evicted = entries_.put({chat_id, message_id}, ref);
    if (!evicted) return;
    const auto& [key, old] = *evicted;
    // Unless a newer message of that chat stands for the same packet now.
    auto index = by_packet_.find({key.first, old.packet_id});
    if (index != by_packet_.end() && index->second == key.second) by_packet_.erase(index);
}

std::optional<int64_t> MessageMap::message_for(int64_t chat_id, uint32_t packet_id) const {
    auto it = by_packet_.find({chat_id, packet_id});
    if (it == by_packet_.end()) return std::nullopt;
    return it->second;
}

const MeshRef* MessageMap::find(int64_t chat_id, int64_t message_id) const {
    return entries_.find({chat_id, message_id});
}

std::vector<MessageLink> MessageMap::links() const {
    std::vector<MessageLink> out;
    out.reserve(entries_.size());
    entries_.for_each([&](const Key& key, const MeshRef& ref) {
        out.push_back({key.first, key.second, ref});
    });
    return out;
}

void MessageMap::restore(const std::vector<MessageLink>& links) {
    entries_.clear();
    by_packet_.clear();
    for (const auto& link : links)
        remember(link.chat_id, link.message_id, link.ref);
}

}  // namespace tgmesh::core
