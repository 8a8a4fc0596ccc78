#include "tgmesh/core/downlink/packet_encoder.h"

#include <algorithm>

#include "tgmesh/mesh/json_uplink.h"
#include "tgmesh/mesh/keyring.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/mesh/portnum.h"
#include "tgmesh/mesh/topic.h"

namespace tgmesh::core {

namespace {
constexpr uint32_t kPriorityAck = 120;
const char* const kPkiChannel = "PKI";
}  // namespace

bool PacketEncoder::can_pki(const Bytes& peer_public_key) const {
    return config_.downlink == DownlinkMode::kProtobuf && peer_public_key.size() == 32 &&
           identity_.has_keys();
}

size_t PacketEncoder::max_text_bytes(bool pki) const {
    return std::min(config_.max_text_bytes, pki ? kMaxPkiText : kMaxChannelText);
}

std::string PacketEncoder::client_id() const {
    return config_.gateway_id ? mesh::format_node_id(*config_.gateway_id) : std::string();
}

mesh::Packet PacketEncoder::header(mesh::NodeNum to, bool want_ack,
                                   std::optional<uint32_t> hop_limit) {
    mesh::Packet h;
    h.from = identity_.node();
    h.to = to;
    h.id = identity_.next_packet_id();
    h.hop_limit = hop_limit.value_or(config_.hop_limit);
    h.hop_start = h.hop_limit;
    h.want_ack = want_ack;
    return h;
}

Downlink PacketEncoder::channel_packet(mesh::NodeNum to, const mesh::Data& data, bool want_ack,
                                       std::string_view channel,
                                       std::optional<uint32_t> hop_limit) {
    const mesh::ChannelKey* found = channel.empty() ? nullptr : config_.key_of(channel);
    const mesh::ChannelKey& key = found ? *found : *config_.bridged_key();
    mesh::Packet h = header(to, want_ack, hop_limit);
    if (data.portnum == mesh::port::kRouting) h.priority = kPriorityAck;
    const std::string gateway = identity_.id();
    Downlink out;
    out.packet_id = h.id;
    out.message.topic = mesh::envelope_topic(config_.topic_roots.front(), key.name, gateway);
    out.message.payload = mesh::seal_envelope(key, h, data, gateway);
    out.message.client_id = client_id();
    return out;
}

Downlink PacketEncoder::pki_packet(mesh::NodeNum to, const mesh::Data& data,
                                   const Bytes& peer_public_key,
                                   std::optional<uint32_t> hop_limit) {
    mesh::Packet h = header(to, true, hop_limit);
    const uint32_t extra = random_();
    const Bytes extra_nonce(reinterpret_cast<const char*>(&extra), sizeof extra);
    auto key = identity_.pki_key_with(peer_public_key);
    auto cipher = key ? mesh::pki_encrypt(*key, h.id, h.from, extra_nonce, mesh::encode_data(data))
                      : std::nullopt;
    if (!cipher) return channel_packet(to, data, true, {}, hop_limit);  // a degenerate key
    // PKI packets travel with channel 0 (no hash) under the pseudo-channel "PKI".
    h.channel = 0;
    h.pki_encrypted = true;
    h.encrypted = std::move(*cipher);
    const std::string gateway = identity_.id();
    Downlink out;
    out.packet_id = h.id;
    out.pki = true;
    out.message.topic = mesh::envelope_topic(config_.topic_roots.front(), kPkiChannel, gateway);
    out.message.payload = mesh::encode_envelope({std::move(h), kPkiChannel, gateway});
    out.message.client_id = client_id();
    return out;
}

Downlink PacketEncoder::json_text(mesh::NodeNum to, std::string_view text, uint32_t hop_limit) {
    const mesh::NodeNum gateway = *config_.gateway_id;
    json_gateway_.sent(gateway, text);
    Downlink out;
    out.message.topic = mesh::json_downlink_topic(config_.topic_roots.front());
    out.message.payload =
        mesh::build_json_sendtext(gateway, to, json_gateway_.channel_index(), text, hop_limit);
    return out;
}

Downlink PacketEncoder::text(const TextRequest& r) {
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

Outgoing PacketEncoder::nodeinfo(mesh::NodeNum to, bool want_response) {
    mesh::UserInfo user;
    user.id = identity_.id();
    user.long_name = config_.node_long_name;
    user.short_name = config_.node_short_name;
    user.hw_model = mesh::kHwPrivate;
    user.public_key = identity_.keys().public_key;
    mesh::Data data;
    data.portnum = mesh::port::kNodeInfo;
    data.payload = mesh::encode_user(user);
    data.want_response = want_response;
    return service_packet(to, std::move(data));
}

Outgoing PacketEncoder::nodeinfo_for_gateway(mesh::NodeNum gateway) {
    Outgoing out = nodeinfo(gateway);
    out.client_id = mesh::format_node_id(gateway);
    return out;
}

Outgoing PacketEncoder::routing(mesh::NodeNum to, uint32_t request_id, uint32_t error_reason) {
    mesh::Data data;
    data.portnum = mesh::port::kRouting;
    data.payload = mesh::encode_routing(error_reason);
    data.request_id = request_id;
    return service_packet(to, std::move(data));
}

Downlink PacketEncoder::traceroute(mesh::NodeNum to) {
    mesh::Data data;
    data.portnum = mesh::port::kTraceroute;
    data.payload = mesh::encode_route_discovery({});
    data.want_response = true;
    data.bitfield = mesh::kBitfieldOkToMqtt;
    return channel_packet(to, data, false);
}

Downlink PacketEncoder::waypoint(const mesh::WaypointInfo& waypoint, std::string_view channel) {
    mesh::Data data;
    data.portnum = mesh::port::kWaypoint;
    data.payload = mesh::encode_waypoint(waypoint);
    data.bitfield = mesh::kBitfieldOkToMqtt;
    return channel_packet(mesh::kBroadcast, data, false, channel);
}

Outgoing PacketEncoder::service_packet(mesh::NodeNum to, mesh::Data data) {
    // Firmware sets ok_to_mqtt on what it originates when the channel allows MQTT uplink.
    data.bitfield = mesh::kBitfieldOkToMqtt;
    return channel_packet(to, data, false).message;
}

}  // namespace tgmesh::core
