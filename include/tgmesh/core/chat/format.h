#pragma once
// How mesh traffic and node lists look in the chat (Telegram HTML). Every string that came
// from the mesh or from a user is escaped here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/ingest/mesh_text.h"
#include "tgmesh/core/ingest/node_registry.h"

namespace tgmesh::core {

// Always within Telegram's 4096 characters: an oversized text or name is cut.
std::string format_mesh_text(const MeshText& text, const Node* sender, const NodeRegistry& nodes,
                             const i18n::Catalog& cat);
// A mesh emoji reaction, with who reacted (a bot's own Telegram reaction would lose that).
std::string format_reaction(const MeshText& text, const Node* sender, const i18n::Catalog& cat);
// "Long name (SN) !id" with HTML; used in replies that name a node.
std::string format_node_ref(const Node* node, mesh::NodeNum num);
std::string format_age(int64_t seconds, const i18n::Catalog& cat);
// One /nodes line: name, !id, last heard, hops and SNR of the best gateway, battery.
std::string format_node_line(const Node& node, int64_t now, const i18n::Catalog& cat);
// "2 hops · SNR 5.2 dB · RSSI -90 dBm" (parts that are unknown are left out).
std::string format_link_quality(const Reception& reception, const i18n::Catalog& cat);

// A traceroute's answer: the way there and the way back, each "A › B (6.2 dB) › C (3.0 dB)"
// with the SNR each node heard the packet at ("?" unknown). `origin_html` names the bridge.
std::string format_trace(const mesh::RouteDiscovery& route, const std::string& origin_html,
                         mesh::NodeNum dest, const NodeRegistry& nodes, const i18n::Catalog& cat);

}  // namespace tgmesh::core
