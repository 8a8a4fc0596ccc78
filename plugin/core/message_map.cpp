#include "tgmesh/core/message_map.h"

namespace tgmesh::core {

void MessageMap::remember(int64_t chat_id, int64_t message_id, const MeshRef& ref) {
    Key key{chat_id, message_id};
    auto [it, inserted] = entries_.insert_or_assign(key, ref);
    by_packet_[{chat_id, ref.packet_id}] = message_id;
    if (!inserted) return;
    order_.push_back(key);
    while (order_.size() > capacity_) {
        auto oldest = entries_.find(order_.front());
        auto index = by_packet_.find({oldest->first.first, oldest->second.packet_id});
        if (index != by_packet_.end() && index->second == oldest->first.second) {
            by_packet_.erase(index);
        }
        entries_.erase(oldest);
        order_.pop_front();
    }
}

std::optional<int64_t> MessageMap::message_for(int64_t chat_id, uint32_t packet_id) const {
    auto it = by_packet_.find({chat_id, packet_id});
    if (it == by_packet_.end()) return std::nullopt;
    return it->second;
}

const MeshRef* MessageMap::find(int64_t chat_id, int64_t message_id) const {
    auto it = entries_.find({chat_id, message_id});
    return it == entries_.end() ? nullptr : &it->second;
}

std::vector<MessageLink> MessageMap::links() const {
    std::vector<MessageLink> out;
    out.reserve(order_.size());
    for (const Key& key : order_)
        out.push_back({key.first, key.second, entries_.at(key)});
    return out;
}

void MessageMap::restore(const std::vector<MessageLink>& links) {
    entries_.clear();
    by_packet_.clear();
    order_.clear();
    for (const auto& link : links)
        remember(link.chat_id, link.message_id, link.ref);
}

}  // namespace tgmesh::core
