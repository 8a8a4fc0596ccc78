#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tgmesh::mesh {

using NodeNum = uint32_t;
constexpr NodeNum kBroadcast = 0xFFFFFFFFu;

// "!%08x", as the firmware prints node ids (NodeDB::getNodeId).
std::string format_node_id(NodeNum num);
// Accepts "!" followed by exactly 8 hex digits (either case).
std::optional<NodeNum> parse_node_id(std::string_view text);

}  // namespace tgmesh::mesh
