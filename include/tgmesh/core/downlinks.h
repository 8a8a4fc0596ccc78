#pragma once
// Turns chat texts into what the gateways transmit. In protobuf mode the bridge is a virtual
// node: broadcasts are AES-CTR encrypted with the channel key in a ServiceEnvelope on
// <root>/2/e/<channel>/<node_id>; a DM to a node whose public key is known is PKI-encrypted
// (X25519 + AES-256-CCM) on <root>/2/e/PKI/<node_id>, else sent with the channel key ("legacy
// DM", refused by firmware 2.7.14+). In json mode a legacy "sendtext" for one gateway.
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tgmesh/core/config.h"
#include "tgmesh/core/ports.h"
#include "tgmesh/mesh/node_id.h"
#include "tgmesh/mesh/packet.h"
#include "tgmesh/mesh/pki.h"

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

class Downlinks {
  public:
    // Longest text part a packet carries: the encrypted Data must fit one LoRa frame (239
    // bytes); PKI adds 12 bytes, a reply_id 5.
    static constexpr size_t kMaxChannelText = 227;
    static constexpr size_t kMaxPkiText = 215;

    Downlinks(const Config& config, const Clock& clock, std::function<uint32_t()> random)
        : config_(config), clock_(clock), random_(std::move(random)) {}

    void set_identity(mesh::NodeNum node, uint32_t packet_counter, mesh::KeyPair keys);
    mesh::NodeNum node() const { return node_; }
    uint32_t packet_counter() const { return counter_; }
    const mesh::KeyPair& keys() const { return keys_; }

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
    // The AES key shared with a node, for opening its PKI DMs; nullopt without keys.
    std::optional<Bytes> pki_key_with(const Bytes& peer_public_key) const;

    // json mode: the gateway uplinks every sendtext it transmits; true (once) for that copy.
    bool is_gateway_echo(mesh::NodeNum from, std::string_view text);
    // json mode: the gateway's index of the bridged channel, learned from its JSON uplinks.
    void learn_channel_index(std::string_view channel, uint32_t index);

  private:
    uint32_t next_packet_id();
    mesh::Packet header(mesh::NodeNum to, bool want_ack, std::optional<uint32_t> hop_limit = {});
    Downlink channel_packet(mesh::NodeNum to, const mesh::Data& data, bool want_ack,
                            std::string_view channel = {}, std::optional<uint32_t> hop_limit = {});
    Downlink pki_packet(mesh::NodeNum to, const mesh::Data& data, const Bytes& peer_public_key,
                        std::optional<uint32_t> hop_limit);
    Downlink json_text(mesh::NodeNum to, std::string_view text, uint32_t hop_limit);
    std::string client_id() const;

    struct SentText {
        mesh::NodeNum gateway;
        std::string text;
        Millis at;
    };

    const Config& config_;
    const Clock& clock_;
    std::function<uint32_t()> random_;
    mesh::NodeNum node_ = 0;
    uint32_t counter_ = 0;
    mesh::KeyPair keys_;
    uint32_t json_channel_index_ = 0;
    std::deque<SentText> recent_json_texts_;
};

}  // namespace tgmesh::core
