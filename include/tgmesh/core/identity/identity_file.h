#pragma once
// The bridge node's identity: its node id and X25519 private key. Kept in a file of its own
// next to the state file (identity_file_for), written (fsync'd, 0600) before the key is first
// announced, so that neither a lost or corrupt state file nor a kill -9 right after the first
// start can give the same node id a new key: every node that pinned the old one would then
// drop the bridge's packets.
#include <optional>
#include <string>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/bytes.h"

namespace tgmesh::core {

struct Identity {
    std::optional<mesh::NodeNum> node_id;
    Bytes private_key;  // 32 bytes, or empty when node_private_key_file supplies it (a secret)
};

// "/var/lib/mosquitto/tgmesh.json" -> "/var/lib/mosquitto/tgmesh.key"; other names get ".key".
std::string identity_file_for(const std::string& state_file);

std::string serialize_identity(const Identity& identity);
// nullopt if the text is not an identity document.
std::optional<Identity> parse_identity(const std::string& text);

}  // namespace tgmesh::core
