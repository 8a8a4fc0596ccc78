#include "tgmesh/core/identity/node_identity.h"

namespace tgmesh::core {

void NodeIdentity::set(mesh::NodeNum node, uint32_t packet_counter, mesh::KeyPair keys) {
    node_ = node;
    id_ = mesh::format_node_id(node);
    counter_ = packet_counter;
    keys_ = std::move(keys);
}

uint32_t NodeIdentity::next_packet_id() {
    ++counter_;
    if (counter_ == 0) counter_ = 1;
    return counter_;
}

std::optional<Bytes> NodeIdentity::pki_key_with(const Bytes& peer_public_key) const {
    if (!has_keys()) return std::nullopt;
    return mesh::pki_shared_key(keys_.private_key, peer_public_key);
}

}  // namespace tgmesh::core
