#pragma once
// /status for admins: uptime, the gateways heard from in the last 15 minutes (with how many
// nodes each reported), queue depths, the counters, and what `diagnose` finds wrong.
#include <cstdint>
#include <string>
#include <vector>

#include "tgmesh/core/admin/diagnosis.h"
#include "tgmesh/core/admin/metrics.h"
#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/ingest/node_registry.h"

namespace tgmesh::core {

// `m` is what $SYS shows; `nodes` names the gateways.
std::string format_status(const Metrics& m, const NodeRegistry& nodes, int64_t now_unix,
                          const std::vector<Finding>& findings, const i18n::Catalog& cat);

}  // namespace tgmesh::core
