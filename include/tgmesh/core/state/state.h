#pragma once
// The state file: what must survive a restart. JSON (cJSON); never holds the bot token.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tgmesh/base/ports.h"
#include "tgmesh/core/chat/dm_origins.h"
#include "tgmesh/core/chat/message_map.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/mesh/node_id.h"
#include "tgmesh/telegram/outbox.h"

namespace tgmesh::core {

struct PersistentState {
    std::optional<mesh::NodeNum> node_id;
    uint32_t packet_counter = 0;
    int64_t telegram_offset = 0;
    std::vector<Outgoing> mesh_queue;                   // downlinks not yet published
    std::vector<telegram::OutboundMessage> chat_queue;  // chat messages not yet delivered
    Bytes private_key;                                  // the bridge node's X25519 key (a secret)
    std::vector<MessageLink> message_links;             // chat message <-> mesh packet
    std::vector<DmOrigin> dm_origins;                   // the chat each sent DM came from
    std::vector<std::string> gateways;                  // heard so far: greeted already
    std::map<mesh::NodeNum, int64_t> key_requests;      // NODEINFO asked of a node, unix seconds
    std::vector<int64_t> blocked_users;                 // added by /block (besides the option)
    std::vector<mesh::NodeNum> blocked_nodes;           // ditto
};

std::string serialize_state(const PersistentState& state, const NodeRegistry& nodes);
// Fails if the text is not a state document; `state` and `nodes` are replaced on success.
Status parse_state(const std::string& text, PersistentState& state, NodeRegistry& nodes);

}  // namespace tgmesh::core
