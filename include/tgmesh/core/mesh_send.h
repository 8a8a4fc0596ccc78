#pragma once
// Queues a text for the mesh in as many parts as it needs (PKI for a DM when the node's key is
// known). Shared by the chat commands and the control API, which report the outcome each in
// their own way.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tgmesh/core/downlinks.h"
#include "tgmesh/core/drop_reporter.h"
#include "tgmesh/core/mesh_outbox.h"
#include "tgmesh/core/node_registry.h"
#include "tgmesh/core/sent_dms.h"
#include "tgmesh/core/stats.h"

namespace tgmesh::core {

struct MeshSendContext {
    const NodeRegistry& nodes;
    Downlinks& downlinks;
    MeshOutbox& outbox;
    Stats& stats;
    DropReporter& drops;
    SentDms& sent_dms;
};

struct MeshSendRequest {
    mesh::NodeNum to = mesh::kBroadcast;
    std::string_view text;
    std::string_view prefix;   // on every part, e.g. "Alice: "
    std::string_view channel;  // of a broadcast; empty: the bridged `channel`
    std::optional<uint32_t> reply_id;
    std::optional<uint32_t> hop_limit;
    std::string_view origin;  // for the log when the queue is full: "text from chat 42"
};

struct MeshSendResult {
    // kNeedsKey: a DM to a node that refused one sent with the channel key, whose key is not
    // known yet.
    enum class Status { kQueued, kEmpty, kTooLong, kQueueFull, kNeedsKey };
    Status status = Status::kQueued;
    bool pki = false;
    size_t parts = 0;
    size_t ahead = 0;                  // downlinks that were already waiting
    size_t length = 0;                 // bytes of the cleaned text
    size_t part_bytes = 0;             // room in one part
    size_t capacity = 0;               // kTooLong: the longest text accepted
    std::vector<uint32_t> packet_ids;  // empty in json mode
};

MeshSendResult queue_mesh_text(const MeshSendContext& ctx, const MeshSendRequest& request);

}  // namespace tgmesh::core
