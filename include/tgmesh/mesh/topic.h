#pragma once
// Meshtastic MQTT topic layout (firmware v2.7.26 src/mqtt/MQTT.h:104-106, MQTT.cpp:434-440):
// topics are parsed by locating the /2/e/, /2/json/ or /2/map/ segment after a configured root.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tgmesh::mesh {

enum class TopicKind { kEnvelope, kJson, kMap };

struct MeshTopic {
    TopicKind kind = TopicKind::kEnvelope;
    size_t root_index = 0;
    std::string_view channel;  // empty for map reports
    std::string_view gateway;  // "!xxxxxxxx" as published; empty for map reports
};

// Matches <root>/2/e/+/+, <root>/2/json/+/+ and <root>/2/map/ for each root. The result's
// views point into `topic`. Cheap enough for the broker thread: prefix compares only.
std::optional<MeshTopic> match_mesh_topic(std::string_view topic,
                                          const std::vector<std::string>& roots);

std::string envelope_topic(std::string_view root, std::string_view channel,
                           std::string_view gateway);
std::string json_downlink_topic(std::string_view root);

}  // namespace tgmesh::mesh
