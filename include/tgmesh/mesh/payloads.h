#pragma once
// Payloads of the ports that feed the node registry.
#include <cstdint>
#include <optional>
#include <string>

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

struct DeviceMetricsInfo {
    std::optional<uint32_t> battery_level;  // 101 = externally powered
    std::optional<float> voltage;
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
std::optional<MapReportInfo> decode_map_report(BytesView bytes);
// Routing.Error values the bridge acts on (meshtastic/mesh.proto).
constexpr uint32_t kRoutingNoChannel = 6;          // no channel key fits: a legacy DM refused
constexpr uint32_t kRoutingPkiUnknownPubkey = 35;  // the receiver lacks the sender's key

// Routing.error_reason (0 = ACK); nullopt if the payload is not a Routing message.
std::optional<uint32_t> decode_routing_error(BytesView bytes);
// Routing{error_reason} with the field present even for NONE, as the firmware sends ACKs.
Bytes encode_routing(uint32_t error_reason);

}  // namespace tgmesh::mesh
