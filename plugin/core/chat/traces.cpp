#include "tgmesh/core/chat/traces.h"

#include <algorithm>

namespace tgmesh::core {

bool Traces::busy(mesh::NodeNum dest) const {
    return std::any_of(pending_.begin(), pending_.end(),
                       [&](const auto& entry) { return entry.second.dest == dest; });
}

std::optional<PendingTrace> Traces::answered(mesh::NodeNum from, uint32_t request_id) {
    auto it = pending_.find(request_id);
    if (it == pending_.end() || it->second.dest != from) return std::nullopt;
    PendingTrace trace = it->second;
    pending_.erase(it);
    return trace;
}

std::vector<PendingTrace> Traces::expire(Millis now) {
    std::vector<PendingTrace> out;
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (now >= it->second.deadline) {
            out.push_back(it->second);
            it = pending_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

Millis Traces::next_due() const {
    Millis next = kNever;
    for (const auto& [id, trace] : pending_)
        next = std::min(next, trace.deadline);
    return next;
}

}  // namespace tgmesh::core
