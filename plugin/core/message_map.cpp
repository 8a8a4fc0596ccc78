#include "tgmesh/core/message_map.h"

namespace tgmesh::core {

void MessageMap::remember(int64_t chat_id, int64_t message_id, const MeshRef& ref) {
    Key key{chat_id, message_id};
    auto [it, inserted] = entries_.insert_or_assign(key, ref);
    if (!inserted) return;
    order_.push_back(key);
    while (order_.size() > capacity_) {
        entries_.erase(order_.front());
        order_.pop_front();
    }
}

const MeshRef* MessageMap::find(int64_t chat_id, int64_t message_id) const {
    auto it = entries_.find({chat_id, message_id});
    return it == entries_.end() ? nullptr : &it->second;
}

json::Ptr MessageMap::to_json() const {
    auto array = json::make_array();
    for (const Key& key : order_) {
        const MeshRef& ref = entries_.at(key);
        auto o = json::make_object();
        json::add_int(o.get(), "chat_id", key.first);
        json::add_int(o.get(), "message_id", key.second);
        json::add_string(o.get(), "from", mesh::format_node_id(ref.from));
        json::add_int(o.get(), "packet_id", ref.packet_id);
        if (ref.direct) json::add_bool(o.get(), "direct", true);
        json::append(array.get(), std::move(o));
    }
    return array;
}

void MessageMap::load_json(const cJSON* array) {
    entries_.clear();
    order_.clear();
    if (!cJSON_IsArray(array)) return;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, array) {
        auto chat = json::get_int(item, "chat_id");
        auto message = json::get_int(item, "message_id");
        auto from_id = json::get_string(item, "from");
        auto from = from_id ? mesh::parse_node_id(*from_id) : std::nullopt;
        auto packet = json::get_int(item, "packet_id", 0, UINT32_MAX);
        if (!chat || !message || !from || !packet) continue;
        remember(*chat, *message,
                 {*from, static_cast<uint32_t>(*packet),
                  json::get_bool(item, "direct").value_or(false)});
    }
}

}  // namespace tgmesh::core
