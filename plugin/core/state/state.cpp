#include "tgmesh/core/state/state.h"

#include "tgmesh/util/base64.h"

namespace tgmesh::core {

namespace {
constexpr int kVersion = 1;

json::Ptr mesh_queue_json(const std::vector<Outgoing>& queue) {
    auto array = json::make_array();
    for (const auto& m : queue) {
        auto o = json::make_object();
        json::add_string(o.get(), "topic", m.topic);
        json::add_string(o.get(), "payload", base64_encode(m.payload));
        if (!m.client_id.empty()) json::add_string(o.get(), "client_id", m.client_id);
        json::append(array.get(), std::move(o));
    }
    return array;
}

json::Ptr chat_queue_json(const std::vector<telegram::OutboundMessage>& queue) {
    auto array = json::make_array();
    for (const auto& m : queue) {
        auto o = json::make_object();
        json::add_int(o.get(), "chat_id", m.chat_id);
        json::add_string(o.get(), "html", m.html);
        if (m.options.reply_to_message_id) {
            json::add_int(o.get(), "reply_to", *m.options.reply_to_message_id);
        }
        if (m.options.message_thread_id)
            json::add_int(o.get(), "thread_id", *m.options.message_thread_id);
        if (m.edit_message_id) json::add_int(o.get(), "edit_message_id", *m.edit_message_id);
        if (!m.reply_markup.empty()) json::add_string(o.get(), "reply_markup", m.reply_markup);
        if (!m.reaction.empty()) json::add_string(o.get(), "reaction", m.reaction);
        if (const telegram::GeoPoint* point = m.venue      ? &m.venue->point
                                              : m.location ? &*m.location
                                                           : nullptr) {
            json::add_number(o.get(), "latitude", point->latitude);
            json::add_number(o.get(), "longitude", point->longitude);
            if (point->horizontal_accuracy) {
                json::add_number(o.get(), "accuracy", *point->horizontal_accuracy);
            }
        }
        if (m.venue) {
            json::add_string(o.get(), "venue_title", m.venue->title);
            json::add_string(o.get(), "venue_address", m.venue->address);
        }
        json::append(array.get(), std::move(o));
    }
    return array;
}
json::Ptr message_links_json(const std::vector<MessageLink>& links) {
    auto array = json::make_array();
    for (const auto& link : links) {
        auto o = json::make_object();
        json::add_int(o.get(), "chat_id", link.chat_id);
        json::add_int(o.get(), "message_id", link.message_id);
        json::add_string(o.get(), "node", mesh::format_node_id(link.ref.node));
        json::add_int(o.get(), "packet_id", link.ref.packet_id);
        if (link.ref.direct) json::add_bool(o.get(), "direct", true);
        if (!link.ref.channel.empty()) json::add_string(o.get(), "channel", link.ref.channel);
        json::append(array.get(), std::move(o));
    }
    return array;
}

std::vector<MessageLink> message_links_of(const cJSON* array) {
    std::vector<MessageLink> links;
    const cJSON* item = nullptr;
    if (!cJSON_IsArray(array)) return links;
    cJSON_ArrayForEach(item, array) {
        auto chat = json::get_int(item, "chat_id");
        auto message = json::get_int(item, "message_id");
        auto from_id = json::get_string(item, "node");
        auto from = from_id ? mesh::parse_node_id(*from_id) : std::nullopt;
        auto packet = json::get_int(item, "packet_id", 0, UINT32_MAX);
        if (!chat || !message || !from || !packet) continue;
        // A channel name is at most 11 bytes; anything else names no channel.
        std::string channel = json::get_string(item, "channel").value_or("");
        if (channel.size() > 11) channel.clear();
        links.push_back({*chat,
                         *message,
                         {*from, static_cast<uint32_t>(*packet),
                          json::get_bool(item, "direct").value_or(false), std::move(channel)}});
    }
    return links;
}
json::Ptr dm_origins_json(const std::vector<DmOrigin>& origins) {
    auto array = json::make_array();
    for (const auto& origin : origins) {
        auto o = json::make_object();
        json::add_int(o.get(), "packet_id", origin.packet_id);
        json::add_int(o.get(), "chat_id", origin.chat_id);
        if (origin.thread_id) json::add_int(o.get(), "thread_id", *origin.thread_id);
        json::append(array.get(), std::move(o));
    }
    return array;
}

json::Ptr key_requests_json(const std::map<mesh::NodeNum, int64_t>& requests) {
    auto object = json::make_object();
    for (const auto& [node, at] : requests)
        json::add_int(object.get(), mesh::format_node_id(node).c_str(), at);
    return object;
}

std::map<mesh::NodeNum, int64_t> key_requests_of(const cJSON* object) {
    std::map<mesh::NodeNum, int64_t> out;
    const cJSON* item = nullptr;
    if (!cJSON_IsObject(object)) return out;
    cJSON_ArrayForEach(item, object) {
        if (item->string == nullptr || out.size() >= NodeRegistry::kDefaultCapacity) continue;
        const std::optional<mesh::NodeNum> node = mesh::parse_node_id(item->string);
        const std::optional<int64_t> at = json::get_int(object, item->string);
        if (!node.has_value() || !at.has_value()) continue;
        out.emplace(node.value(), at.value());
    }
    return out;
}

std::vector<DmOrigin> dm_origins_of(const cJSON* array) {
    std::vector<DmOrigin> origins;
    const cJSON* item = nullptr;
    if (!cJSON_IsArray(array)) return origins;
    cJSON_ArrayForEach(item, array) {
        auto packet = json::get_int(item, "packet_id", 1, UINT32_MAX);
        auto chat = json::get_int(item, "chat_id");
        if (!packet || !chat || *chat == 0) continue;
        origins.push_back(
            {static_cast<uint32_t>(*packet), *chat, json::get_int(item, "thread_id", 1)});
    }
    return origins;
}
}  // namespace

std::string serialize_state(const PersistentState& state, const NodeRegistry& nodes) {
    auto root = json::make_object();
    cJSON* o = root.get();
    json::add_int(o, "version", kVersion);
    if (state.node_id) json::add_string(o, "node_id", mesh::format_node_id(*state.node_id));
    json::add_int(o, "packet_counter", state.packet_counter);
    json::add_int(o, "telegram_offset", state.telegram_offset);
    json::add_item(o, "mesh_queue", mesh_queue_json(state.mesh_queue));
    json::add_item(o, "chat_queue", chat_queue_json(state.chat_queue));
    if (state.private_key.size() == 32) {
        json::add_string(o, "private_key", base64_encode(state.private_key));
    }
    json::add_item(o, "message_links", message_links_json(state.message_links));
    json::add_item(o, "dm_origins", dm_origins_json(state.dm_origins));
    auto gateways = json::make_array();
    for (const auto& g : state.gateways)
        json::append(gateways.get(), json::Ptr(cJSON_CreateString(g.c_str())));
    json::add_item(o, "gateways", std::move(gateways));
    json::add_item(o, "key_requests", key_requests_json(state.key_requests));
    auto blocked_users = json::make_array();
    for (int64_t user : state.blocked_users)
        json::append(blocked_users.get(), json::Ptr(cJSON_CreateNumber(static_cast<double>(user))));
    json::add_item(o, "blocked_users", std::move(blocked_users));
    auto blocked_nodes = json::make_array();
    for (mesh::NodeNum node : state.blocked_nodes) {
        json::append(blocked_nodes.get(),
                     json::Ptr(cJSON_CreateString(mesh::format_node_id(node).c_str())));
    }
    json::add_item(o, "blocked_nodes", std::move(blocked_nodes));
    // The node list, by far the largest part, is printed onto the document without a tree.
    std::string text = json::print(o);
    text.pop_back();  // the closing '}'
    text += R"(,"nodes":)";
    nodes.print_json(text);
    text += '}';
    return text;
}

Status parse_state(const std::string& text, PersistentState& state, NodeRegistry& nodes) {
    auto root = json::parse(text);
    if (!cJSON_IsObject(root.get())) return Status::failure("not a JSON object");
    const cJSON* o = root.get();
    auto version = json::get_int(o, "version");
    if (!version || *version != kVersion) return Status::failure("unknown state version");
    PersistentState s;
    if (auto id = json::get_string(o, "node_id")) s.node_id = mesh::parse_node_id(*id);
    s.packet_counter =
        static_cast<uint32_t>(json::get_int(o, "packet_counter", 0, UINT32_MAX).value_or(0));
    s.telegram_offset = json::get_int(o, "telegram_offset").value_or(0);
    const cJSON* item = nullptr;
    const cJSON* mesh_queue = json::member(o, "mesh_queue");
    if (cJSON_IsArray(mesh_queue)) {
        cJSON_ArrayForEach(item, mesh_queue) {
            auto topic = json::get_string(item, "topic");
            auto payload = json::get_string(item, "payload");
            auto raw = payload ? base64_decode(*payload) : std::nullopt;
            if (!topic || !raw) continue;
            s.mesh_queue.push_back(
                {*topic, *raw, json::get_string(item, "client_id").value_or(""), 0});
        }
    }
    const cJSON* chat_queue = json::member(o, "chat_queue");
    if (cJSON_IsArray(chat_queue)) {
        cJSON_ArrayForEach(item, chat_queue) {
            auto chat = json::get_int(item, "chat_id");
            auto html = json::get_string(item, "html");
            if (!chat || !html) continue;
            telegram::OutboundMessage m;
            m.chat_id = *chat;
            m.html = *html;
            m.options.reply_to_message_id = json::get_int(item, "reply_to");
            m.options.message_thread_id = json::get_int(item, "thread_id");
            m.edit_message_id = json::get_int(item, "edit_message_id");
            m.reply_markup = json::get_string(item, "reply_markup").value_or("");
            m.reaction = json::get_string(item, "reaction").value_or("");
            auto lat = json::get_number(item, "latitude");
            auto lon = json::get_number(item, "longitude");
            auto title = json::get_string(item, "venue_title");
            auto address = json::get_string(item, "venue_address");
            if (lat && lon) {
                const telegram::GeoPoint point{*lat, *lon, json::get_number(item, "accuracy")};
                if (title && address && !address->empty()) {
                    m.venue = telegram::Venue{point, *title, *address};
                } else {
                    m.location = point;
                }
            }
            s.chat_queue.push_back(std::move(m));
        }
    }
    if (auto key = json::get_string(o, "private_key")) {
        if (auto raw = base64_decode(*key); raw && raw->size() == 32) s.private_key = *raw;
    }
    s.message_links = message_links_of(json::member(o, "message_links"));
    s.dm_origins = dm_origins_of(json::member(o, "dm_origins"));
    const cJSON* gateways = json::member(o, "gateways");
    if (cJSON_IsArray(gateways)) {
        cJSON_ArrayForEach(item, gateways) {
            if (cJSON_IsString(item) && mesh::parse_node_id(item->valuestring)) {
                s.gateways.emplace_back(item->valuestring);
            }
        }
    }
    s.key_requests = key_requests_of(json::member(o, "key_requests"));
    const cJSON* blocked = nullptr;
    cJSON_ArrayForEach(blocked, json::member(o, "blocked_users")) {
        if (cJSON_IsNumber(blocked) && blocked->valuedouble >= 1 &&
            blocked->valuedouble <= static_cast<double>(json::kMaxExactInt)) {
            s.blocked_users.push_back(static_cast<int64_t>(blocked->valuedouble));
        }
    }
    cJSON_ArrayForEach(blocked, json::member(o, "blocked_nodes")) {
        if (!cJSON_IsString(blocked)) continue;
        if (auto node = mesh::parse_node_id(blocked->valuestring)) s.blocked_nodes.push_back(*node);
    }
    nodes.load_json(json::member(o, "nodes"));
    state = std::move(s);
    return Status::ok();
}

}  // namespace tgmesh::core
