#include "tgmesh/core/downlinks.h"

#include <algorithm>

#include "tgmesh/mesh/json_uplink.h"
#include "tgmesh/mesh/keyring.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/mesh/portnum.h"
#include "tgmesh/mesh/topic.h"

namespace tgmesh::core {

namespace {
constexpr Millis kEchoWindow = 10 * kMinute;
constexpr size_t kEchoMemory = 200;
constexpr uint32_t kPriorityAck = 120;
const char* const kPkiChannel = "PKI";
}  // namespace

void Downlinks::set_identity(mesh::NodeNum node, uint32_t packet_counter, mesh::KeyPair keys) {
    node_ = node;
    counter_ = packet_counter;
    keys_ = std::move(keys);
}

uint32_t Downlinks::next_packet_id() {
    // Ids must be unique per sender and nonzero, or gateways drop the packet as a duplicate.
    ++counter_;
    if (counter_ == 0) counter_ = 1;
    return counter_;
}

bool Downlinks::can_pki(const Bytes& peer_public_key) const {
    return config_.downlink == DownlinkMode::kProtobuf && peer_public_key.size() == 32 &&
           keys_.private_key.size() == 32;
}

size_t Downlinks::max_text_bytes(bool pki) const {
    return std::min(config_.max_text_bytes, pki ? kMaxPkiText : kMaxChannelText);
}

std::string Downlinks::client_id() const {
    return config_.gateway_id ? mesh::format_node_id(*config_.gateway_id) : std::string();
}

mesh::Packet Downlinks::header(mesh::NodeNum to, bool want_ack, std::optional<uint32_t> hop_limit) {
    mesh::Packet h;
    h.from = node_;
    h.to = to;
    h.id = next_packet_id();
    h.hop_limit = hop_limit.value_or(config_.hop_limit);
    h.hop_start = h.hop_limit;
    h.want_ack = want_ack;
    return h;
}

Downlink Downlinks::channel_packet(mesh::NodeNum to, const mesh::Data& data, bool want_ack,
                                   std::string_view channel, std::optional<uint32_t> hop_limit) {
    const mesh::ChannelKey* found = channel.empty() ? nullptr : config_.key_of(channel);
    const mesh::ChannelKey& key = found ? *found : *config_.bridged_key();
    mesh::Packet h = header(to, want_ack, hop_limit);
    if (data.portnum == mesh::port::kRouting) h.priority = kPriorityAck;
    const std::string gateway = mesh::format_node_id(node_);
    Downlink out;
    out.packet_id = h.id;
    out.message.topic = mesh::envelope_topic(config_.topic_roots.front(), key.name, gateway);
    out.message.payload = mesh::seal_envelope(key, h, data, gateway);
    out.message.client_id = client_id();
    return out;
}

Downlink Downlinks::pki_packet(mesh::NodeNum to, const mesh::Data& data,
                               const Bytes& peer_public_key, std::optional<uint32_t> hop_limit) {
    mesh::Packet h = header(to, true, hop_limit);
    const uint32_t extra = random_();
    const Bytes extra_nonce(reinterpret_cast<const char*>(&extra), sizeof extra);
    auto key = pki_key_with(peer_public_key);
    auto cipher = key ? mesh::pki_encrypt(*key, h.id, h.from, extra_nonce, mesh::encode_data(data))
                      : std::nullopt;
    if (!cipher) return channel_packet(to, data, true, {}, hop_limit);  // a degenerate key
    // PKI packets travel with channel 0 (no hash) under the pseudo-channel "PKI".
    h.channel = 0;
    h.pki_encrypted = true;
    h.encrypted = std::move(*cipher);
    const std::string gateway = mesh::format_node_id(node_);
    Downlink out;
    out.packet_id = h.id;
    out.pki = true;
    out.message.topic = mesh::envelope_topic(config_.topic_roots.front(), kPkiChannel, gateway);
    out.message.payload = mesh::encode_envelope({std::move(h), kPkiChannel, gateway});
    out.message.client_id = client_id();
    return out;
}

Downlink Downlinks::json_text(mesh::NodeNum to, std::string_view text, uint32_t hop_limit) {
    const mesh::NodeNum gateway = *config_.gateway_id;
    recent_json_texts_.push_back({gateway, std::string(text), clock_.now_ms()});
    if (recent_json_texts_.size() > kEchoMemory) recent_json_texts_.pop_front();
    Downlink out;
    out.message.topic = mesh::json_downlink_topic(config_.topic_roots.front());
    out.message.payload =
        mesh::build_json_sendtext(gateway, to, json_channel_index_, text, hop_limit);
    return out;
}

Downlink Downlinks::text(const TextRequest& r) {
    if (config_.downlink == DownlinkMode::kJson) {
        return json_text(r.to, r.text, r.hop_limit.value_or(config_.hop_limit));
    }
    mesh::Data data;
    data.portnum = mesh::port::kTextMessage;
    data.payload = std::string(r.text);
    data.bitfield = mesh::kBitfieldOkToMqtt;
    data.reply_id = r.reply_id;
    if (r.emoji) data.emoji = 1;
    const bool direct = r.to != mesh::kBroadcast;
    if (direct && can_pki(r.peer_public_key)) {
        return pki_packet(r.to, data, r.peer_public_key, r.hop_limit);
    }
    // A DM that cannot be PKI goes with the bridged channel's key.
    return channel_packet(r.to, data, direct, direct ? std::string_view() : r.channel, r.hop_limit);
}

Outgoing Downlinks::nodeinfo(mesh::NodeNum to, bool want_response) {
    mesh::UserInfo user;
    user.id = mesh::format_node_id(node_);
    user.long_name = config_.node_long_name;
    user.short_name = config_.node_short_name;
    user.hw_model = mesh::kHwPrivate;
    user.public_key = keys_.public_key;
    mesh::Data data;
    data.portnum = mesh::port::kNodeInfo;
    data.payload = mesh::encode_user(user);
    data.want_response = want_response;
    data.bitfield = mesh::kBitfieldOkToMqtt;
    return channel_packet(to, data, false).message;
}

Outgoing Downlinks::nodeinfo_for_gateway(mesh::NodeNum gateway) {
    Outgoing out = nodeinfo(gateway);
    out.client_id = mesh::format_node_id(gateway);
    return out;
}

Outgoing Downlinks::routing(mesh::NodeNum to, uint32_t request_id, uint32_t error_reason) {
    mesh::Data data;
    data.portnum = mesh::port::kRouting;
    data.payload = mesh::encode_routing(error_reason);
    data.request_id = request_id;
    data.bitfield = mesh::kBitfieldOkToMqtt;
    return channel_packet(to, data, false).message;
}

std::optional<Bytes> Downlinks::pki_key_with(const Bytes& peer_public_key) const {
    if (keys_.private_key.size() != 32) return std::nullopt;
    return mesh::pki_shared_key(keys_.private_key, peer_public_key);
}

bool Downlinks::is_gateway_echo(mesh::NodeNum from, std::string_view text) {
    const Millis now = clock_.now_ms();
    while (!recent_json_texts_.empty() && now - recent_json_texts_.front().at > kEchoWindow) {
        recent_json_texts_.pop_front();
    }
    for (auto it = recent_json_texts_.begin(); it != recent_json_texts_.end(); ++it) {
        if (it->gateway == from && it->text == text) {
            recent_json_texts_.erase(it);
            return true;
        }
    }
    return false;
}

void Downlinks::learn_channel_index(std::string_view channel, uint32_t index) {
    if (channel == config_.channel && index < 8) json_channel_index_ = index;
}

}  // namespace tgmesh::core
