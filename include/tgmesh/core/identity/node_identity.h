#pragma once
// The bridge's own node: its number, its X25519 key pair and the counter its packet ids come
// from. Kept apart from the rest of the state (identity_file.h); read by ingest (its own
// packets, PKI DMs to it) and by the packet encoder (what it sends).
#include <cstdint>
#include <optional>
#include <string>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/mesh/pki.h"

namespace tgmesh::core {

class NodeIdentity {
  public:
    void set(mesh::NodeNum node, uint32_t packet_counter, mesh::KeyPair keys);

    mesh::NodeNum node() const { return node_; }
    // format_node_id(node()), kept: the hot path compares every uplink's gateway with it.
    const std::string& id() const { return id_; }
    const mesh::KeyPair& keys() const { return keys_; }
    bool has_keys() const { return keys_.private_key.size() == 32; }
    uint32_t packet_counter() const { return counter_; }
    // Unique per sender and nonzero, or gateways drop the packet as a duplicate.
    uint32_t next_packet_id();
    // The AES key shared with a node, for its PKI DMs both ways; nullopt without keys.
    std::optional<Bytes> pki_key_with(const Bytes& peer_public_key) const;

  private:
    mesh::NodeNum node_ = 0;
    std::string id_ = mesh::format_node_id(0);
    uint32_t counter_ = 0;
    mesh::KeyPair keys_;
};

}  // namespace tgmesh::core
