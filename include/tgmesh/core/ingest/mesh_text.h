#pragma once
// A text from the mesh that belongs in the chats: what ingest found, what the chat shows.
#include <cstdint>
#include <optional>
#include <string>

#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/mesh/node_id.h"

namespace tgmesh::core {

struct MeshText {
    mesh::NodeNum from = 0;
    mesh::NodeNum to = 0;
    uint32_t packet_id = 0;
    bool direct = false;  // a DM to the bridge node
    bool pki = false;     // end-to-end encrypted (PKI) rather than with the channel key
    std::optional<uint32_t> reply_id;  // it answers this packet
    bool emoji = false;                // a reaction (the text is the emoji) to reply_id
    std::string channel;
    std::string text;
    Reception reception;  // the first gateway that reported it
};

}  // namespace tgmesh::core
