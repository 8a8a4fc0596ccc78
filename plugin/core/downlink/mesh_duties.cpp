#include "tgmesh/core/downlink/mesh_duties.h"

#include <algorithm>

#include "tgmesh/mesh/payloads.h"

namespace tgmesh::core {

void MeshDuties::start() {
    if (virtual_node()) next_announce_at_ = clock_.now_ms() + kAnnounceAtTheLatest;
}

void MeshDuties::on_uplink() {
    if (!announced_this_run_ && virtual_node()) {
        schedule_announce(clock_.now_ms() + kAnnounceAfterFirstUplink);
    }
}

void MeshDuties::schedule_announce(Millis at) {
    if (!virtual_node()) return;
    next_announce_at_ =
        std::min(next_announce_at_, std::max(at, last_announce_at_ + kMinAnnounceGap));
}

void MeshDuties::run_due(bool identity_on_disk) {
    const Millis now = clock_.now_ms();
    if (now < next_announce_at_ || !identity_on_disk) return;
    announced_this_run_ = true;
    sender_.send_nodeinfo();
    last_announce_at_ = now;
    next_announce_at_ = now + kAnnounceInterval;
}

void MeshDuties::on_ingest(const IngestResult& result) {
    if (!virtual_node()) return;
    if (!result.new_gateway.empty() && announced_this_run_) {
        // A gateway that did not hear this run's broadcast: our NODEINFO to it alone.
        if (auto gateway = mesh::parse_node_id(result.new_gateway)) sender_.greet_gateway(*gateway);
    }
    if (result.ack_wanted) ack(result.ack_wanted->first, result.ack_wanted->second);
    if (result.repeat_ack) {
        // Firmware ACKs a retransmission again (src/mesh/NextHopRouter.cpp:67-75 at v2.7.26).
        auto it = acked_.find(*result.repeat_ack);
        if (it != acked_.end() && clock_.now_ms() - it->second >= kReAckGap) {
            ack(result.repeat_ack->first, result.repeat_ack->second);
        }
    }
    if (result.pki_unknown) {
        // Firmware answers this NAK with its NODEINFO (src/mesh/ReliableRouter.cpp:134-139).
        const auto [from, id] = *result.pki_unknown;
        if (first_in_a_while(nak35_sent_at_, from, kNakGap)) {
            sender_.send_routing(from, id, mesh::kRoutingPkiUnknownPubkey);
        }
    }
    if (result.nodeinfo_wanted &&
        first_in_a_while(nodeinfo_answered_at_, *result.nodeinfo_wanted, kNodeInfoAnswerGap)) {
        sender_.send_nodeinfo(*result.nodeinfo_wanted);
    }
}

void MeshDuties::ack(mesh::NodeNum from, uint32_t id) {
    sender_.send_routing(from, id);
    if (acked_.size() >= kAcksRemembered) acked_.clear();
    acked_[{from, id}] = clock_.now_ms();
}

bool MeshDuties::first_in_a_while(std::map<mesh::NodeNum, Millis>& last, mesh::NodeNum node,
                                  Millis gap) {
    const Millis now = clock_.now_ms();
    if (last.size() > NodeRegistry::kDefaultCapacity) last.clear();
    auto [it, first] = last.try_emplace(node, now);
    if (!first && now - it->second < gap) return false;
    it->second = now;
    return true;
}

}  // namespace tgmesh::core
