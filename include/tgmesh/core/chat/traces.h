#pragma once
// Traceroutes asked for in the chat (/trace), waiting for the destination's answer: the
// ROUTING-less reply of firmware's TraceRouteModule (portnum 70, request_id = our request's
// packet id, src/modules/TraceRouteModule.cpp at v2.7.26). One per destination at a time, a
// bounded number in all; an unanswered one times out.
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "tgmesh/core/config/config.h"
#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::core {

struct PendingTrace {
    mesh::NodeNum dest = 0;
    int64_t chat_id = 0;
    int64_t message_id = 0;  // the /trace command: the answer replies to it
    std::optional<int64_t> thread_id;
    Language language = Language::kEn;
    Millis deadline = 0;
};

class Traces {
  public:
    // Firmware relays a traceroute like any packet; 7 hops there and back at LongFast take
    // well under a minute.
    static constexpr Millis kTimeout = kMinute;
    static constexpr size_t kMaxPending = 20;

    bool busy(mesh::NodeNum dest) const;
    bool full() const { return pending_.size() >= kMaxPending; }
    void started(uint32_t packet_id, PendingTrace trace) { pending_[packet_id] = trace; }
    // The answer to request `request_id` came from `from`: the trace it ends, if it was ours.
    std::optional<PendingTrace> answered(mesh::NodeNum from, uint32_t request_id);
    // The traces whose time is up (removed).
    std::vector<PendingTrace> expire(Millis now);
    Millis next_due() const;

  private:
    std::map<uint32_t, PendingTrace> pending_;  // by request packet id
};

}  // namespace tgmesh::core
