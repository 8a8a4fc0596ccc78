#pragma once
// /status for admins: uptime, the gateways heard from in the last 15 minutes (with how many
// nodes each reported), queue depths, and the counters.
#include <cstddef>
#include <string>

#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/node_registry.h"
#include "tgmesh/core/stats.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::core {

struct StatusInputs {
    Millis uptime = 0;
    const Stats& stats;
    const NodeRegistry& nodes;
    int64_t now_unix = 0;
    size_t mesh_queue = 0;
    size_t chat_queue = 0;
};

std::string format_status(const StatusInputs& in, const i18n::Catalog& cat);

}  // namespace tgmesh::core
