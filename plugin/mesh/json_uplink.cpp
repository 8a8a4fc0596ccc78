#include "tgmesh/mesh/json_uplink.h"

#include "tgmesh/util/json.h"

namespace tgmesh::mesh {

namespace {

// Node numbers are unsigned 32-bit, but firmware before 2.2.0 printed them signed.
std::optional<NodeNum> get_node_num(const cJSON* obj, const char* key) {
    auto v = json::get_int(obj, key, INT32_MIN, UINT32_MAX);
    if (!v) return std::nullopt;
    return static_cast<NodeNum>(static_cast<uint32_t>(*v & 0xFFFFFFFF));
}

std::optional<uint32_t> get_u32(const cJSON* obj, const char* key) {
    auto v = json::get_int(obj, key, 0, UINT32_MAX);
    if (!v) return std::nullopt;
    return static_cast<uint32_t>(*v);
}

std::optional<std::string> text_of(const cJSON* payload) {
    if (payload == nullptr) return std::nullopt;
    if (auto text = json::get_string(payload, "text"); text && cJSON_GetArraySize(payload) == 1) {
        return text;
    }
    return json::print(payload);
}

UserInfo user_of(const cJSON* payload) {
    UserInfo user;
    user.id = json::get_string(payload, "id").value_or("");
    user.long_name = json::get_string(payload, "longname").value_or("");
    user.short_name = json::get_string(payload, "shortname").value_or("");
    user.hw_model = get_u32(payload, "hardware");
    user.role = get_u32(payload, "role");
    return user;
}

std::optional<PositionInfo> position_of(const cJSON* payload) {
    auto lat = json::get_int(payload, "latitude_i", INT32_MIN, INT32_MAX);
    auto lon = json::get_int(payload, "longitude_i", INT32_MIN, INT32_MAX);
    if (!lat || !lon || (*lat == 0 && *lon == 0)) return std::nullopt;
    PositionInfo pos;
    pos.latitude_i = static_cast<int32_t>(*lat);
    pos.longitude_i = static_cast<int32_t>(*lon);
    if (auto alt = json::get_int(payload, "altitude", INT32_MIN, INT32_MAX)) {
        pos.altitude = static_cast<int32_t>(*alt);
    }
    pos.time = get_u32(payload, "time");
    if (!pos.time) pos.time = get_u32(payload, "timestamp");
    pos.precision_bits = get_u32(payload, "precision_bits");
    return pos;
}

// Environment telemetry also has "voltage"; device metrics are recognised by their own keys.
std::optional<DeviceMetricsInfo> device_metrics_of(const cJSON* payload) {
    if (!json::member(payload, "battery_level") && !json::member(payload, "channel_utilization") &&
        !json::member(payload, "air_util_tx") && !json::member(payload, "uptime_seconds")) {
        return std::nullopt;
    }
    DeviceMetricsInfo info;
    if (auto level = get_u32(payload, "battery_level")) info.battery_level = *level;
    info.voltage = json::get_float(payload, "voltage");
    return info;
}

}  // namespace

std::optional<JsonUplink> parse_json_uplink(std::string_view payload) {
    auto root = json::parse(payload);
    if (!cJSON_IsObject(root.get())) return std::nullopt;
    const cJSON* obj = root.get();
    JsonUplink up;
    auto from = get_node_num(obj, "from");
    auto id = get_u32(obj, "id");
    auto type = json::get_string(obj, "type");
    if (!from || !id || !type) return std::nullopt;
    up.from = *from;
    up.id = *id;
    up.type = *type;
    up.to = get_node_num(obj, "to").value_or(kBroadcast);
    up.channel_index = get_u32(obj, "channel").value_or(0);
    up.sender = json::get_string(obj, "sender").value_or("");
    up.snr = json::get_float(obj, "snr");  // beyond float range: absent, not infinity
    if (auto rssi = json::get_int(obj, "rssi", INT32_MIN, INT32_MAX)) {
        up.rssi = static_cast<int32_t>(*rssi);
    }
    if (auto hops = json::get_int(obj, "hops_away", 0, 255)) up.hops_away = static_cast<int>(*hops);
    up.hop_start = get_u32(obj, "hop_start");
    up.timestamp = get_u32(obj, "timestamp");

    const cJSON* body = json::member(obj, "payload");
    if (up.type == "text") {
        up.text = text_of(body);
    } else if (up.type == "nodeinfo" && cJSON_IsObject(body)) {
        up.user = user_of(body);
    } else if (up.type == "position" && cJSON_IsObject(body)) {
        up.position = position_of(body);
    } else if (up.type == "telemetry" && cJSON_IsObject(body)) {
        up.device_metrics = device_metrics_of(body);
    }
    return up;
}

std::string build_json_sendtext(NodeNum gateway, NodeNum to, uint32_t channel_index,
                                std::string_view text, uint32_t hop_limit) {
    auto obj = json::make_object();
    json::add_int(obj.get(), "from", gateway);
    json::add_int(obj.get(), "to", to);
    json::add_int(obj.get(), "channel", channel_index);
    json::add_string(obj.get(), "type", "sendtext");
    json::add_string(obj.get(), "payload", text);
    json::add_int(obj.get(), "hopLimit", hop_limit);
    return json::print(obj.get());
}

}  // namespace tgmesh::mesh
