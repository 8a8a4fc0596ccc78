#include "tgmesh/mesh/payloads.h"

#include "protobuf_c_util.h"

namespace tgmesh::mesh {

std::optional<UserInfo> decode_user(BytesView bytes) {
    auto msg = pb::unpack<Meshtastic__User>(meshtastic__user__descriptor, bytes);
    if (!msg) return std::nullopt;
    UserInfo user;
    user.id = pb::to_string(msg->id);
    user.long_name = pb::to_string(msg->long_name);
    user.short_name = pb::to_string(msg->short_name);
    user.hw_model = pb::opt(msg->has_hw_model, msg->hw_model);
    user.role = pb::opt(msg->has_role, msg->role);
    if (msg->has_public_key) user.public_key = pb::to_bytes(msg->public_key);
    return user;
}

Bytes encode_user(const UserInfo& user) {
    Meshtastic__User out = MESHTASTIC__USER__INIT;
    out.id = const_cast<char*>(user.id.c_str());
    out.long_name = const_cast<char*>(user.long_name.c_str());
    out.short_name = const_cast<char*>(user.short_name.c_str());
    pb::set(out.has_hw_model, out.hw_model, user.hw_model);
    pb::set(out.has_role, out.role, user.role);
    pb::set_bytes(out.has_public_key, out.public_key, user.public_key);
    return pb::pack(&out.base);
}

std::optional<PositionInfo> decode_position(BytesView bytes) {
    auto msg = pb::unpack<Meshtastic__Position>(meshtastic__position__descriptor, bytes);
    if (!msg || !msg->has_latitude_i || !msg->has_longitude_i) return std::nullopt;
    if (msg->latitude_i == 0 && msg->longitude_i == 0) return std::nullopt;
    PositionInfo pos;
    pos.latitude_i = msg->latitude_i;
    pos.longitude_i = msg->longitude_i;
    pos.altitude = pb::opt(msg->has_altitude, msg->altitude);
    if (msg->has_time && msg->time != 0) {
        pos.time = msg->time;
    } else if (msg->has_timestamp && msg->timestamp != 0) {
        pos.time = msg->timestamp;
    }
    pos.precision_bits = pb::opt(msg->has_precision_bits, msg->precision_bits);
    return pos;
}

std::optional<DeviceMetricsInfo> decode_device_metrics(BytesView bytes) {
    auto msg = pb::unpack<Meshtastic__Telemetry>(meshtastic__telemetry__descriptor, bytes);
    if (!msg || msg->device_metrics == nullptr) return std::nullopt;
    const Meshtastic__DeviceMetrics& dm = *msg->device_metrics;
    DeviceMetricsInfo info;
    info.battery_level = pb::opt(dm.has_battery_level, dm.battery_level);
    info.voltage = pb::opt(dm.has_voltage, dm.voltage);
    return info;
}

std::optional<MapReportInfo> decode_map_report(BytesView bytes) {
    auto msg = pb::unpack<Meshtastic__MapReport>(meshtastic__map_report__descriptor, bytes);
    if (!msg) return std::nullopt;
    MapReportInfo info;
    info.long_name = pb::to_string(msg->long_name);
    info.short_name = pb::to_string(msg->short_name);
    info.role = pb::opt(msg->has_role, msg->role);
    info.hw_model = pb::opt(msg->has_hw_model, msg->hw_model);
    info.firmware_version = pb::to_string(msg->firmware_version);
    if (msg->has_latitude_i && msg->has_longitude_i &&
        (msg->latitude_i != 0 || msg->longitude_i != 0)) {
        PositionInfo pos;
        pos.latitude_i = msg->latitude_i;
        pos.longitude_i = msg->longitude_i;
        pos.altitude = pb::opt(msg->has_altitude, msg->altitude);
        pos.precision_bits = pb::opt(msg->has_position_precision, msg->position_precision);
        info.position = pos;
    }
    return info;
}

std::optional<uint32_t> decode_routing_error(BytesView bytes) {
    auto msg = pb::unpack<Meshtastic__Routing>(meshtastic__routing__descriptor, bytes);
    if (!msg) return std::nullopt;
    return msg->has_error_reason ? msg->error_reason : 0;
}

Bytes encode_routing(uint32_t error_reason) {
    Meshtastic__Routing out = MESHTASTIC__ROUTING__INIT;
    out.has_error_reason = 1;
    out.error_reason = error_reason;
    return pb::pack(&out.base);
}

}  // namespace tgmesh::mesh
