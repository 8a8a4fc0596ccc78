#pragma once
// Everything the bridge learns from uplinks: decodes envelopes, legacy JSON and map reports,
// opens them with the channel keys, drops duplicates and the bridge's own packets, feeds the
// node registry, and picks out the texts that belong in the chat.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tgmesh/base/drop_reporter.h"
#include "tgmesh/base/stats.h"
#include "tgmesh/core/config/config.h"
#include "tgmesh/core/identity/node_identity.h"
#include "tgmesh/core/ingest/dedup.h"
#include "tgmesh/core/ingest/json_gateway.h"
#include "tgmesh/core/ingest/mesh_text.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/core/ingest/unknown_channels.h"
#include "tgmesh/mesh/keyring.h"
#include "tgmesh/mesh/packet.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/mesh/topic.h"

namespace tgmesh::core {

// A ROUTING packet addressed to the bridge: the answer to one of its packets.
struct RoutingAnswer {
    mesh::NodeNum from = 0;
    uint32_t request_id = 0;
    uint32_t error_reason = 0;  // 0 = ACK
};

// A traceroute answer (TRACEROUTE_APP) to one of the bridge's requests.
struct TraceAnswer {
    mesh::NodeNum from = 0;
    uint32_t request_id = 0;
    mesh::RouteDiscovery route;
};

// A waypoint broadcast on a bridged channel (WAYPOINT_APP), still valid.
struct MeshWaypoint {
    mesh::NodeNum from = 0;
    uint32_t packet_id = 0;
    std::string channel;
    mesh::WaypointInfo waypoint;
};

struct IngestResult {
    std::optional<MeshText> text;        // to post in the bridged chats
    std::string new_gateway;             // a gateway never heard before ("!xxxxxxxx"), else empty
    std::optional<mesh::NodeNum> heard;  // the node a packet came from (after the own check)
    bool new_node = false;               // ... and the registry did not know it
    std::optional<RoutingAnswer> routing;
    std::optional<TraceAnswer> trace;
    std::optional<MeshWaypoint> waypoint;
    // A packet to the bridge that asked for an ACK (want_ack): {from, id}.
    std::optional<std::pair<mesh::NodeNum, uint32_t>> ack_wanted;
    // A PKI DM to the bridge from a node whose public key is not known yet: {from, id}, to be
    // answered with a NAK 35 PKI_UNKNOWN_PUBKEY, which makes firmware send its NODEINFO.
    std::optional<std::pair<mesh::NodeNum, uint32_t>> pki_unknown;
    // A copy of a packet to the bridge that asked for an ACK (want_ack) came again: {from, id}
    // (the sender's retransmission, or another gateway's copy).
    std::optional<std::pair<mesh::NodeNum, uint32_t>> repeat_ack;
    // A node sent its NODEINFO to the bridge with want_response: it wants ours (and our key).
    std::optional<mesh::NodeNum> nodeinfo_wanted;
};

class MeshIngest {
  public:
    MeshIngest(const Config& config, const mesh::Keyring& keys, const NodeIdentity& identity,
               JsonGateway& json_gateway, NodeRegistry& nodes, Dedup& dedup, Stats& stats,
               DropReporter& drops, const Clock& clock)
        : config_(config),
          keys_(keys),
          identity_(identity),
          json_gateway_(json_gateway),
          nodes_(nodes),
          dedup_(dedup),
          stats_(stats),
          drops_(drops),
          clock_(clock) {}

    // `topic` must be one the broker glue matched with mesh::match_mesh_topic.
    IngestResult ingest(std::string_view topic, BytesView payload);
    // Uplinks no channel key opened, by channel hash (diagnose: unknown_channel).
    const UnknownChannels& unknown_channels() const { return unknown_; }
    // The gateways heard so far (kept in the state file: a restart greets none of them again).
    std::vector<std::string> gateways() const {
        return {gateways_seen_.begin(), gateways_seen_.end()};
    }
    void restore_gateways(const std::vector<std::string>& gateways);

  private:
    IngestResult ingest_envelope(const mesh::MeshTopic& topic, BytesView payload);
    IngestResult ingest_json(const mesh::MeshTopic& topic, BytesView payload);
    IngestResult ingest_map(BytesView payload);
    // Common path once a packet's header is known: own/duplicate checks and the registry.
    bool admit(mesh::NodeNum from, uint32_t id, const Reception& reception, IngestResult& result,
               const mesh::Packet* packet = nullptr);
    std::optional<MeshText> text_for_chat(mesh::NodeNum from, mesh::NodeNum to, uint32_t id,
                                          std::string_view channel, std::string text,
                                          const Reception& reception, bool pki = false,
                                          const mesh::Data* data = nullptr);
    bool routed(std::string_view channel) const;
    std::optional<MeshWaypoint> waypoint_for_chat(mesh::NodeNum from, uint32_t id,
                                                  std::string_view channel, BytesView payload);
    // A PKI packet: opened if it is addressed to the bridge and the sender's key is known.
    std::optional<mesh::Data> open_pki(const mesh::Packet& packet, IngestResult& result);
    void apply_payload(mesh::NodeNum from, const mesh::Data& data, KeySource source);
    void apply_user(mesh::NodeNum from, const mesh::UserInfo& user, KeySource source);
    void drop(Drop reason);

    const Config& config_;
    const mesh::Keyring& keys_;
    const NodeIdentity& identity_;
    JsonGateway& json_gateway_;
    NodeRegistry& nodes_;
    Dedup& dedup_;
    Stats& stats_;
    DropReporter& drops_;
    const Clock& clock_;
    std::set<std::string> gateways_seen_;
    UnknownChannels unknown_;
    std::string_view topic_;  // of the uplink being ingested, for drop reports
};

}  // namespace tgmesh::core
