#pragma once
// Payloads of the ports that feed the node registry, and of traceroute, waypoints and
// neighbour info. Field numbers: meshtastic/protobufs 6b1ded43 (what firmware v2.7.26 pins),
// see plugin/mesh/meshtastic.proto. Decoders bound what they return: these payloads come from
// any client of the broker.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/bytes.h"

namespace tgmesh::mesh {

struct UserInfo {
    std::string id;
    std::string long_name;
    std::string short_name;
    std::optional<uint32_t> hw_model;
    std::optional<uint32_t> role;
    Bytes public_key;
};

struct PositionInfo {
    int32_t latitude_i = 0;
    int32_t longitude_i = 0;
    std::optional<int32_t> altitude;
    std::optional<uint32_t> time;
    std::optional<uint32_t> precision_bits;
};

// telemetry.proto DeviceMetrics.
struct DeviceMetricsInfo {
    std::optional<uint32_t> battery_level;  // 101 = externally powered
    std::optional<float> voltage;
    std::optional<float> channel_utilization;  // percent of airtime the node hears in use
    std::optional<float> air_util_tx;          // percent of the last hour it transmitted
};

// telemetry.proto EnvironmentMetrics (the first three of its fields).
struct EnvironmentInfo {
    std::optional<float> temperature;          // °C
    std::optional<float> relative_humidity;    // %
    std::optional<float> barometric_pressure;  // hPa
};

// telemetry.proto Telemetry: the variants tgmesh reads. In the firmware they are a oneof, so a
// node sends one per packet.
struct TelemetryInfo {
    std::optional<DeviceMetricsInfo> device;
    std::optional<EnvironmentInfo> environment;
};

struct MapReportInfo {
    std::string long_name;
    std::string short_name;
    std::optional<uint32_t> role;
    std::optional<uint32_t> hw_model;
    std::string firmware_version;
    std::optional<PositionInfo> position;
};

std::optional<UserInfo> decode_user(BytesView bytes);
Bytes encode_user(const UserInfo& user);
// nullopt also when the position carries no coordinates (position sharing disabled).
std::optional<PositionInfo> decode_position(BytesView bytes);
// nullopt when the telemetry is not device metrics.
std::optional<DeviceMetricsInfo> decode_device_metrics(BytesView bytes);
// nullopt when it is not a Telemetry or carries neither variant.
std::optional<TelemetryInfo> decode_telemetry(BytesView bytes);
// For tests and fuzz corpora. Both variants set encode both fields; the firmware's oneof would
// keep the last one (environment).
Bytes encode_telemetry(const TelemetryInfo& telemetry);
std::optional<MapReportInfo> decode_map_report(BytesView bytes);
// Routing.Error values the bridge acts on (meshtastic/mesh.proto).
constexpr uint32_t kRoutingNoChannel = 6;          // no channel key fits: a legacy DM refused
constexpr uint32_t kRoutingPkiUnknownPubkey = 35;  // the receiver lacks the sender's key

// Routing.error_reason (0 = ACK); nullopt if the payload is not a Routing message.
std::optional<uint32_t> decode_routing_error(BytesView bytes);
// Routing{error_reason} with the field present even for NONE, as the firmware sends ACKs.
Bytes encode_routing(uint32_t error_reason);

// mesh.proto RouteDiscovery, the TRACEROUTE_APP payload. The firmware holds at most ROUTE_SIZE
// (8) entries per list (mesh.options max_count:8; src/modules/TraceRouteModule.h:12).
constexpr size_t kMaxRouteEntries = 8;
constexpr int32_t kSnrUnknown = -128;  // INT8_MIN in RouteDiscovery SNR lists
struct RouteDiscovery {
    std::vector<NodeNum> route;        // nodes on the way to the destination, in order
    std::vector<int32_t> snr_towards;  // dB x 4, one per hop received (kSnrUnknown: unknown)
    std::vector<NodeNum> route_back;   // nodes on the way back, in order from the destination
    std::vector<int32_t> snr_back;
};
// Each list cut at kMaxRouteEntries; an SNR outside int8 (the firmware's int_size:8) reads as
// kSnrUnknown. An empty payload is a RouteDiscovery with empty lists (a traceroute request).
std::optional<RouteDiscovery> decode_route_discovery(BytesView bytes);
Bytes encode_route_discovery(const RouteDiscovery& route);  // {} encodes to an empty payload

// mesh.proto Waypoint, the WAYPOINT_APP payload. mesh.options gives name max_size:30 and
// description max_size:100 (nanopb counts the NUL in those: the firmware's char[30] holds 29
// bytes); decoding cuts them at these sizes on a UTF-8 character boundary.
constexpr size_t kMaxWaypointName = 30;
constexpr size_t kMaxWaypointDescription = 100;
struct WaypointInfo {
    uint32_t id = 0;
    std::optional<int32_t> latitude_i;  // degrees x 1e7
    std::optional<int32_t> longitude_i;
    uint32_t expire = 0;  // unix seconds; 0 = never
    uint32_t locked_to = 0;
    std::string name;         // firmware allows 30 bytes: decoded, at most kMaxWaypointName
    std::string description;  // 100: kMaxWaypointDescription
    uint32_t icon = 0;        // a Unicode code point (an emoji)
};
std::optional<WaypointInfo> decode_waypoint(BytesView bytes);
// Zero and empty fields are left out, as proto3 does.
Bytes encode_waypoint(const WaypointInfo& waypoint);

// mesh.proto NeighborInfo, the NEIGHBORINFO_APP payload. The firmware sends at most 10
// neighbours (mesh.options NeighborInfo.neighbors max_count:10); decoding keeps the first 10.
constexpr size_t kMaxNeighbors = 10;
struct NeighborEntry {
    NodeNum node = 0;
    float snr = 0;
};
struct NeighborInfoMsg {
    NodeNum node = 0;
    uint32_t broadcast_interval_s = 0;
    std::vector<NeighborEntry> neighbors;
};
std::optional<NeighborInfoMsg> decode_neighbor_info(BytesView bytes);
Bytes encode_neighbor_info(const NeighborInfoMsg& info);

}  // namespace tgmesh::mesh
