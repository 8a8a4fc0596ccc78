#pragma once
// The DMs the bridge sent lately, part by part, for what the destination may answer about
// them (firmware 2.7, src/mesh/ReliableRouter.cpp:117-121, 134-139 at v2.7.26):
// - ROUTING error 35 PKI_UNKNOWN_PUBKEY: the node lacks the bridge's key; the bridge sends its
//   NODEINFO to the node and the part once more as a new packet (resend_of());
// - ROUTING error 6 NO_CHANNEL to a DM sent with the channel key: the node (2.7.14+) refuses
//   such DMs; later DMs to it wait for its key instead (refuses_legacy()).
// Bounded: the oldest parts are forgotten first; the nodes that refused are kept for the run.
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/bounded_map.h"

namespace tgmesh::core {

struct SentDmPart {
    mesh::NodeNum to = 0;
    std::string text;
    std::optional<uint32_t> reply_id;
    std::optional<uint32_t> hop_limit;
    bool pki = false;
    bool resent = false;  // already the second try: another NAK 35 fails it
};

class SentDms {
  public:
    static constexpr size_t kCapacity = 500;
    static constexpr size_t kMaxRefusing = 1000;

    void remember(uint32_t packet_id, SentDmPart part);
    const SentDmPart* find(uint32_t packet_id) const;

    // A NAK 35 from the destination for `packet_id`: the part to send again (and forget), or
    // nullopt when it is unknown, not from its destination, or was already sent twice.
    std::optional<SentDmPart> resend_of(mesh::NodeNum from, uint32_t packet_id);

    void note_legacy_refused(mesh::NodeNum node);
    bool refuses_legacy(mesh::NodeNum node) const { return refusing_.count(node) != 0; }

  private:
    BoundedMap<uint32_t, SentDmPart> parts_{kCapacity};
    std::set<mesh::NodeNum> refusing_;
};

}  // namespace tgmesh::core
