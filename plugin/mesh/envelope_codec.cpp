#include "protobuf_c_util.h"
#include "tgmesh/mesh/packet.h"

namespace tgmesh::mesh {

std::optional<int> Packet::hops_away() const {
    if (!hop_start || *hop_start == 0) return std::nullopt;
    uint32_t limit = hop_limit.value_or(0);
    if (limit > *hop_start) return std::nullopt;
    return static_cast<int>(*hop_start - limit);
}

namespace {

Data data_from_pb(const Meshtastic__Data& in) {
    Data out;
    out.portnum = in.portnum;
    if (in.has_payload) out.payload = pb::to_bytes(in.payload);
    out.want_response = in.has_want_response && in.want_response;
    out.dest = pb::opt(in.has_dest, in.dest);
    out.source = pb::opt(in.has_source, in.source);
    out.request_id = pb::opt(in.has_request_id, in.request_id);
    out.reply_id = pb::opt(in.has_reply_id, in.reply_id);
    out.emoji = pb::opt(in.has_emoji, in.emoji);
    out.bitfield = pb::opt(in.has_bitfield, in.bitfield);
    return out;
}

// Fills a protobuf-c Data that borrows `in`'s payload; `in` must outlive the packing.
void data_to_pb(const Data& in, Meshtastic__Data& out) {
    out.has_portnum = 1;
    out.portnum = in.portnum;
    pb::set_bytes(out.has_payload, out.payload, in.payload);
    pb::set_true(out.has_want_response, out.want_response, in.want_response);
    pb::set(out.has_dest, out.dest, in.dest);
    pb::set(out.has_source, out.source, in.source);
    pb::set(out.has_request_id, out.request_id, in.request_id);
    pb::set(out.has_reply_id, out.reply_id, in.reply_id);
    pb::set(out.has_emoji, out.emoji, in.emoji);
    pb::set(out.has_bitfield, out.bitfield, in.bitfield);
}

}  // namespace

std::optional<Data> decode_data(BytesView bytes) {
    auto msg = pb::unpack<Meshtastic__Data>(meshtastic__data__descriptor, bytes);
    if (!msg) return std::nullopt;
    return data_from_pb(*msg);
}

Bytes encode_data(const Data& data) {
    Meshtastic__Data out = MESHTASTIC__DATA__INIT;
    data_to_pb(data, out);
    return pb::pack(&out.base);
}

std::optional<Envelope> decode_envelope(BytesView bytes) {
    auto msg =
        pb::unpack<Meshtastic__ServiceEnvelope>(meshtastic__service_envelope__descriptor, bytes);
    if (!msg || msg->packet == nullptr) return std::nullopt;
    const Meshtastic__MeshPacket& in = *msg->packet;
    Envelope env;
    env.channel_id = pb::to_string(msg->channel_id);
    env.gateway_id = pb::to_string(msg->gateway_id);
    Packet& p = env.packet;
    p.from = in.from;
    p.to = in.to;
    p.channel = in.channel;
    p.id = in.id;
    if (in.decoded != nullptr) p.decoded = data_from_pb(*in.decoded);
    if (in.has_encrypted) p.encrypted = pb::to_bytes(in.encrypted);
    p.rx_time = pb::opt(in.has_rx_time, in.rx_time);
    p.rx_snr = pb::opt(in.has_rx_snr, in.rx_snr);
    p.rx_rssi = pb::opt(in.has_rx_rssi, in.rx_rssi);
    p.hop_limit = pb::opt(in.has_hop_limit, in.hop_limit);
    p.hop_start = pb::opt(in.has_hop_start, in.hop_start);
    p.want_ack = in.has_want_ack && in.want_ack;
    p.via_mqtt = in.has_via_mqtt && in.via_mqtt;
    p.pki_encrypted = in.has_pki_encrypted && in.pki_encrypted;
    p.priority = pb::opt(in.has_priority, in.priority);
    if (in.has_public_key) p.public_key = pb::to_bytes(in.public_key);
    return env;
}

Bytes encode_envelope(const Envelope& env) {
    const Packet& p = env.packet;
    Meshtastic__MeshPacket packet = MESHTASTIC__MESH_PACKET__INIT;
    packet.has_from = 1;
    packet.from = p.from;
    packet.has_to = 1;
    packet.to = p.to;
    if (p.channel != 0) {
        packet.has_channel = 1;
        packet.channel = p.channel;
    }
    Meshtastic__Data data = MESHTASTIC__DATA__INIT;
    if (p.decoded) {
        data_to_pb(*p.decoded, data);
        packet.decoded = &data;
    }
    if (p.encrypted) {
        packet.has_encrypted = 1;
        packet.encrypted = pb::binary_view(*p.encrypted);
    }
    packet.has_id = 1;
    packet.id = p.id;
    pb::set(packet.has_rx_time, packet.rx_time, p.rx_time);
    pb::set(packet.has_rx_snr, packet.rx_snr, p.rx_snr);
    pb::set(packet.has_rx_rssi, packet.rx_rssi, p.rx_rssi);
    pb::set(packet.has_hop_limit, packet.hop_limit, p.hop_limit);
    pb::set(packet.has_hop_start, packet.hop_start, p.hop_start);
    pb::set(packet.has_priority, packet.priority, p.priority);
    pb::set_true(packet.has_want_ack, packet.want_ack, p.want_ack);
    pb::set_true(packet.has_pki_encrypted, packet.pki_encrypted, p.pki_encrypted);
    if (p.public_key) {
        packet.has_public_key = 1;
        packet.public_key = pb::binary_view(*p.public_key);
    }
    Meshtastic__ServiceEnvelope out = MESHTASTIC__SERVICE_ENVELOPE__INIT;
    out.packet = &packet;
    // protobuf-c never writes through these pointers when packing.
    out.channel_id = const_cast<char*>(env.channel_id.c_str());
    out.gateway_id = const_cast<char*>(env.gateway_id.c_str());
    return pb::pack(&out.base);
}

}  // namespace tgmesh::mesh
