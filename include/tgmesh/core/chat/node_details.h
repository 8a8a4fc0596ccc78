#pragma once
// /node <!id|name>: everything the registry knows about one node, and its position as a map pin.
#include <optional>
#include <string>

#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/telegram/bot_api.h"

namespace tgmesh::core {

std::string format_node_details(const Node& node, const NodeRegistry& nodes, int64_t now_unix,
                                const i18n::Catalog& cat);

// The position as a sendLocation point: latitude/longitude = the integers × 1e-7, and the
// horizontal accuracy that position precision (precision_bits) leaves, at most 1500 m.
std::optional<telegram::GeoPoint> node_location(const Node& node);
// Metres of uncertainty for a position kept to `precision_bits` of each coordinate; nullopt
// for full precision (32) or unknown.
std::optional<double> precision_metres(std::optional<uint32_t> precision_bits);

}  // namespace tgmesh::core
