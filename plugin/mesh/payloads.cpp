#include "tgmesh/mesh/payloads.h"

#include <cstdint>

#include "protobuf_c_util.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::mesh {

namespace {

DeviceMetricsInfo device_info(const Meshtastic__DeviceMetrics& dm) {
    DeviceMetricsInfo info;
    info.battery_level = pb::opt(dm.has_battery_level, dm.battery_level);
    info.voltage = pb::opt(dm.has_voltage, dm.voltage);
    info.channel_utilization = pb::opt(dm.has_channel_utilization, dm.channel_utilization);
    info.air_util_tx = pb::opt(dm.has_air_util_tx, dm.air_util_tx);
    return info;
}

EnvironmentInfo environment_info(const Meshtastic__EnvironmentMetrics& em) {
    EnvironmentInfo info;
    info.temperature = pb::opt(em.has_temperature, em.temperature);
    info.relative_humidity = pb::opt(em.has_relative_humidity, em.relative_humidity);
    info.barometric_pressure = pb::opt(em.has_barometric_pressure, em.barometric_pressure);
    return info;
}

// The SNRs of a RouteDiscovery list: the firmware keeps them in an int8 (mesh.options
// int_size:8), so anything outside that range cannot come from it and reads as unknown.
std::vector<int32_t> route_snrs(const int32_t* items, size_t count) {
    std::vector<int32_t> snrs = pb::first(items, count, kMaxRouteEntries);
    for (int32_t& snr : snrs) {
        if (snr < INT8_MIN || snr > INT8_MAX) snr = kSnrUnknown;
    }
    return snrs;
}

// A string field cut at `max_bytes` on a UTF-8 character boundary.
std::string bounded_string(const char* text, size_t max_bytes) {
    std::string out = pb::to_string(text);
    out.resize(utf8::prefix_at_boundary(out, max_bytes));
    return out;
}

}  // namespace

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
    auto telemetry = decode_telemetry(bytes);
    if (!telemetry) return std::nullopt;
    return telemetry->device;
}

std::optional<TelemetryInfo> decode_telemetry(BytesView bytes) {
    auto msg = pb::unpack<Meshtastic__Telemetry>(meshtastic__telemetry__descriptor, bytes);
    if (!msg) return std::nullopt;
    TelemetryInfo info;
    if (msg->device_metrics) info.device = device_info(*msg->device_metrics);
    if (msg->environment_metrics) info.environment = environment_info(*msg->environment_metrics);
    if (!info.device && !info.environment) return std::nullopt;
    return info;
}

Bytes encode_telemetry(const TelemetryInfo& telemetry) {
    Meshtastic__Telemetry out = MESHTASTIC__TELEMETRY__INIT;
    Meshtastic__DeviceMetrics dm = MESHTASTIC__DEVICE_METRICS__INIT;
    Meshtastic__EnvironmentMetrics em = MESHTASTIC__ENVIRONMENT_METRICS__INIT;
    if (const auto& device = telemetry.device) {
        pb::set(dm.has_battery_level, dm.battery_level, device->battery_level);
        pb::set(dm.has_voltage, dm.voltage, device->voltage);
        pb::set(dm.has_channel_utilization, dm.channel_utilization, device->channel_utilization);
        pb::set(dm.has_air_util_tx, dm.air_util_tx, device->air_util_tx);
        out.device_metrics = &dm;
    }
    if (const auto& env = telemetry.environment) {
        pb::set(em.has_temperature, em.temperature, env->temperature);
        pb::set(em.has_relative_humidity, em.relative_humidity, env->relative_humidity);
        pb::set(em.has_barometric_pressure, em.barometric_pressure, env->barometric_pressure);
        out.environment_metrics = &em;
    }
    return pb::pack(&out.base);
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

std::optional<RouteDiscovery> decode_route_discovery(BytesView bytes) {
    auto msg =
        pb::unpack<Meshtastic__RouteDiscovery>(meshtastic__route_discovery__descriptor, bytes);
    if (!msg) return std::nullopt;
    return RouteDiscovery{
        .route = pb::first(msg->route, msg->n_route, kMaxRouteEntries),
        .snr_towards = route_snrs(msg->snr_towards, msg->n_snr_towards),
        .route_back = pb::first(msg->route_back, msg->n_route_back, kMaxRouteEntries),
        .snr_back = route_snrs(msg->snr_back, msg->n_snr_back),
    };
}

Bytes encode_route_discovery(const RouteDiscovery& route) {
    Meshtastic__RouteDiscovery out = MESHTASTIC__ROUTE_DISCOVERY__INIT;
    pb::set_repeated(out.n_route, out.route, route.route);
    pb::set_repeated(out.n_snr_towards, out.snr_towards, route.snr_towards);
    pb::set_repeated(out.n_route_back, out.route_back, route.route_back);
    pb::set_repeated(out.n_snr_back, out.snr_back, route.snr_back);
    return pb::pack(&out.base);
}

std::optional<WaypointInfo> decode_waypoint(BytesView bytes) {
    auto msg = pb::unpack<Meshtastic__Waypoint>(meshtastic__waypoint__descriptor, bytes);
    if (!msg) return std::nullopt;
    // protobuf-c leaves an absent field 0: proto3's default for the implicit ones.
    return WaypointInfo{
        .id = msg->id,
        .latitude_i = pb::opt(msg->has_latitude_i, msg->latitude_i),
        .longitude_i = pb::opt(msg->has_longitude_i, msg->longitude_i),
        .expire = msg->expire,
        .locked_to = msg->locked_to,
        .name = bounded_string(msg->name, kMaxWaypointName),
        .description = bounded_string(msg->description, kMaxWaypointDescription),
        .icon = msg->icon,
    };
}

Bytes encode_waypoint(const WaypointInfo& waypoint) {
    Meshtastic__Waypoint out = MESHTASTIC__WAYPOINT__INIT;
    pb::set_nonzero(out.has_id, out.id, waypoint.id);
    pb::set(out.has_latitude_i, out.latitude_i, waypoint.latitude_i);
    pb::set(out.has_longitude_i, out.longitude_i, waypoint.longitude_i);
    pb::set_nonzero(out.has_expire, out.expire, waypoint.expire);
    pb::set_nonzero(out.has_locked_to, out.locked_to, waypoint.locked_to);
    pb::set_string(out.name, waypoint.name);
    pb::set_string(out.description, waypoint.description);
    pb::set_nonzero(out.has_icon, out.icon, waypoint.icon);
    return pb::pack(&out.base);
}

std::optional<NeighborInfoMsg> decode_neighbor_info(BytesView bytes) {
    auto msg = pb::unpack<Meshtastic__NeighborInfo>(meshtastic__neighbor_info__descriptor, bytes);
    if (!msg) return std::nullopt;
    NeighborInfoMsg info;
    info.node = msg->node_id;
    info.broadcast_interval_s = msg->node_broadcast_interval_secs;
    for (size_t i = 0; i < msg->n_neighbors && i < kMaxNeighbors; ++i) {
        const Meshtastic__Neighbor& neighbor = *msg->neighbors[i];
        info.neighbors.push_back(NeighborEntry{neighbor.node_id, neighbor.snr});
    }
    return info;
}

Bytes encode_neighbor_info(const NeighborInfoMsg& info) {
    Meshtastic__NeighborInfo out = MESHTASTIC__NEIGHBOR_INFO__INIT;
    pb::set_nonzero(out.has_node_id, out.node_id, info.node);
    pb::set_nonzero(out.has_node_broadcast_interval_secs, out.node_broadcast_interval_secs,
                    info.broadcast_interval_s);
    std::vector<Meshtastic__Neighbor> neighbors(info.neighbors.size());
    std::vector<Meshtastic__Neighbor*> pointers;
    for (size_t i = 0; i < neighbors.size(); ++i) {
        neighbors[i] = MESHTASTIC__NEIGHBOR__INIT;
        pb::set_nonzero(neighbors[i].has_node_id, neighbors[i].node_id, info.neighbors[i].node);
        pb::set_nonzero(neighbors[i].has_snr, neighbors[i].snr, info.neighbors[i].snr);
        pointers.push_back(&neighbors[i]);
    }
    pb::set_repeated(out.n_neighbors, out.neighbors, pointers);
    return pb::pack(&out.base);
}

}  // namespace tgmesh::mesh
