#pragma once
// Legacy JSON on MQTT (firmware 2.2.20 to 2.7; removed in 2.8): the uplink format of
// MeshPacketSerializer and the "sendtext" downlink (firmware v2.7.26
// src/serialization/MeshPacketSerializer.cpp, src/mqtt/MQTT.cpp:170-200).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/mesh/payloads.h"

namespace tgmesh::mesh {

struct JsonUplink {
    NodeNum from = 0;
    NodeNum to = kBroadcast;
    uint32_t id = 0;
    uint32_t channel_index = 0;
    std::string type;
    std::string sender;  // the gateway, not the author
    std::optional<float> snr;
    std::optional<int32_t> rssi;
    std::optional<int> hops_away;
    std::optional<uint32_t> hop_start;
    std::optional<uint32_t> timestamp;
    std::optional<std::string> text;
    std::optional<UserInfo> user;
    std::optional<PositionInfo> position;
    std::optional<DeviceMetricsInfo> device_metrics;
};

// nullopt when the payload is not a JSON object with numeric from and id and a string type.
// Accepts the pre-2.2 signed form of from/to. A text that itself parsed as JSON (the firmware
// then puts the value in "payload" instead of {"text": ...}) is turned back into text.
std::optional<JsonUplink> parse_json_uplink(std::string_view payload);

// {"from":<gateway>,"to":<to>,"channel":<index>,"type":"sendtext","payload":<text>,
//  "hopLimit":<hops>} as the firmware's onReceiveJson expects.
std::string build_json_sendtext(NodeNum gateway, NodeNum to, uint32_t channel_index,
                                std::string_view text, uint32_t hop_limit);

}  // namespace tgmesh::mesh
