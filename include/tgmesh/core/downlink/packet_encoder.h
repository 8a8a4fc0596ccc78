#pragma once
// Turns what the bridge sends into what the gateways transmit. In protobuf mode the bridge is
// a virtual node: broadcasts are AES-CTR encrypted with the channel key in a ServiceEnvelope on
// <root>/2/e/<channel>/<node_id>; a DM to a node whose public key is known is PKI-encrypted
// (X25519 + AES-256-CCM) on <root>/2/e/PKI/<node_id>, else sent with the channel key ("legacy
// DM", refused by firmware 2.7.14+). In json mode a legacy "sendtext" for one gateway.
#include <functional>
#include <optional>
#include <string_view>

#include "tgmesh/base/ports.h"
#include "tgmesh/core/config/config.h"
#include "tgmesh/core/identity/node_identity.h"
#include "tgmesh/core/ingest/json_gateway.h"
#include "tgmesh/mesh/node_id.h"
#include "tgmesh/mesh/packet.h"
#include "tgmesh/mesh/payloads.h"

namespace tgmesh::core {

// One mesh text part to send.
struct TextRequest {
    mesh::NodeNum to = mesh::kBroadcast;
    std::string_view text;
    std::string_view channel;  // for broadcasts; empty: the bridged `channel`
    Bytes peer_public_key;     // a DM is PKI when it allows
    std::optional<uint32_t> reply_id;
    bool emoji = false;                 // the text is a reaction to reply_id
    std::optional<uint32_t> hop_limit;  // instead of the option (1 for /send_nearby)
};

struct Downlink {
    Outgoing message;
    uint32_t packet_id = 0;  // 0 in json mode (the gateway picks the id)
    bool pki = false;
};

class PacketEncoder {
  public:
    // Longest text part a packet carries: the encrypted Data must fit one LoRa frame (239
    // bytes); PKI adds 12 bytes, a reply_id 5.
    static constexpr size_t kMaxChannelText = 227;
    static constexpr size_t kMaxPkiText = 215;

    PacketEncoder(const Config& config, NodeIdentity& identity, JsonGateway& json_gateway,
                  std::function<uint32_t()> random)
        : config_(config),
          identity_(identity),
          json_gateway_(json_gateway),
          random_(std::move(random)) {}

    // True when a DM to a node with this public key goes out PKI-encrypted.
    bool can_pki(const Bytes& peer_public_key) const;
    size_t max_text_bytes(bool pki) const;

    // One mesh text part (a broadcast, or a DM that is PKI when the peer's key allows).
    Downlink text(const TextRequest& request);
    // The virtual node's NODEINFO (protobuf mode), with its public key: broadcast so that nodes
    // learn the bridge and can DM it; to one node with want_response to ask for that node's
    // NODEINFO (and key); to one gateway, published only to its MQTT client (its client id is
    // its node id), so that it learns the bridge without transmitting anything.
    Outgoing nodeinfo(mesh::NodeNum to = mesh::kBroadcast, bool want_response = false);
    Outgoing nodeinfo_for_gateway(mesh::NodeNum gateway);
    // A ROUTING answer to packet `request_id` of `to`: an ACK (error 0) for a packet that asked
    // for one (want_ack), so the sender sees "delivered", or a NAK such as 35
    // PKI_UNKNOWN_PUBKEY. Sent with the channel key, as firmware sends them.
    Outgoing routing(mesh::NodeNum to, uint32_t request_id, uint32_t error_reason = 0);
    // A traceroute request (TRACEROUTE_APP with want_response and an empty RouteDiscovery):
    // every node on the way adds itself and its SNR, the destination answers. With the channel
    // key: firmware never sends traceroutes PKI (src/mesh/Router.cpp:655-656 at v2.7.26).
    Downlink traceroute(mesh::NodeNum to);
    // A waypoint broadcast (WAYPOINT_APP) on `channel` (empty: the bridged one).
    Downlink waypoint(const mesh::WaypointInfo& waypoint, std::string_view channel);

  private:
    mesh::Packet header(mesh::NodeNum to, bool want_ack, std::optional<uint32_t> hop_limit = {});
    Downlink channel_packet(mesh::NodeNum to, const mesh::Data& data, bool want_ack,
                            std::string_view channel = {}, std::optional<uint32_t> hop_limit = {});
    Downlink pki_packet(mesh::NodeNum to, const mesh::Data& data, const Bytes& peer_public_key,
                        std::optional<uint32_t> hop_limit);
    Downlink json_text(mesh::NodeNum to, std::string_view text, uint32_t hop_limit);
    // A packet of the bridge's own (not a text) with the channel key, without want_ack.
    Outgoing service_packet(mesh::NodeNum to, mesh::Data data);
    std::string client_id() const;

    const Config& config_;
    NodeIdentity& identity_;
    JsonGateway& json_gateway_;
    std::function<uint32_t()> random_;
};

}  // namespace tgmesh::core
