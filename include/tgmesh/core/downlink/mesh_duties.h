#pragma once
// What the bridge's node owes the mesh, as a firmware node does it (protobuf downlink only):
// its NODEINFO broadcast (the run's first soon after the first uplink, then every 3 h), its
// NODEINFO to a gateway first heard after that broadcast, ACKs to the packets to it that ask
// for one (again for a retransmission), a NAK 35 to a PKI DM it cannot open yet, and its
// NODEINFO to a node that asks for it.
#include <map>
#include <utility>

#include "tgmesh/core/config/config.h"
#include "tgmesh/core/downlink/mesh_sender.h"
#include "tgmesh/core/ingest/mesh_ingest.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::core {

class MeshDuties {
  public:
    static constexpr Millis kAnnounceInterval = 3 * kHour;
    // The run's first announcement: soon after the first uplink (gateways are connected), at
    // the latest this long after the start. Nothing goes into the broker while it loads.
    static constexpr Millis kAnnounceAfterFirstUplink = 5 * kSecond;
    static constexpr Millis kAnnounceAtTheLatest = kMinute;
    static constexpr Millis kMinAnnounceGap = kMinute;
    // A repeated want_ack packet is ACKed again when its last ACK is at least this old (copies
    // through several gateways arrive within milliseconds; a retransmission seconds later).
    static constexpr Millis kReAckGap = 2 * kSecond;
    static constexpr size_t kAcksRemembered = 2000;
    // NAK 35 to one node at most this often (each makes the node send its NODEINFO).
    static constexpr Millis kNakGap = kMinute;
    // A node asking for our NODEINFO is answered at most this often.
    static constexpr Millis kNodeInfoAnswerGap = 10 * kMinute;

    MeshDuties(const Config& config, MeshSender& sender, const Clock& clock)
        : config_(config), sender_(sender), clock_(clock) {}

    void start();
    // Any uplink: gateways are connected, the run's first announcement goes out soon.
    void on_uplink();
    // What an uplink asks of the bridge's node.
    void on_ingest(const IngestResult& result);
    // The node id or key changed (a reload): announced again at once, or a minute after the
    // last announcement.
    void announce_soon() { schedule_announce(clock_.now_ms()); }
    // `identity_on_disk`: the key goes out only once it is on disk; announced and then lost,
    // it would be pinned by nodes that then drop everything signed with the next one.
    void run_due(bool identity_on_disk);
    Millis next_due() const { return next_announce_at_; }

  private:
    bool virtual_node() const { return config_.downlink == DownlinkMode::kProtobuf; }
    void schedule_announce(Millis at);
    void ack(mesh::NodeNum from, uint32_t id);
    bool first_in_a_while(std::map<mesh::NodeNum, Millis>& last, mesh::NodeNum node, Millis gap);

    const Config& config_;
    MeshSender& sender_;
    const Clock& clock_;
    Millis next_announce_at_ = kNever;
    Millis last_announce_at_ = -kMinAnnounceGap;
    bool announced_this_run_ = false;
    std::map<std::pair<mesh::NodeNum, uint32_t>, Millis> acked_;
    std::map<mesh::NodeNum, Millis> nodeinfo_answered_at_;
    std::map<mesh::NodeNum, Millis> nak35_sent_at_;
};

}  // namespace tgmesh::core
