#pragma once
// Plain C++ views of the Meshtastic messages tgmesh uses; the protobuf-c structs stay inside
// the codec so the rest of the code never manages their memory.
#include <cstdint>
#include <optional>
#include <string>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/bytes.h"

namespace tgmesh::mesh {

struct Data {
    uint32_t portnum = 0;
    Bytes payload;
    bool want_response = false;
    std::optional<uint32_t> dest;
    std::optional<uint32_t> source;
    std::optional<uint32_t> request_id;
    std::optional<uint32_t> reply_id;
    std::optional<uint32_t> emoji;
    std::optional<uint32_t> bitfield;
};

struct Packet {
    NodeNum from = 0;
    NodeNum to = 0;
    uint32_t channel = 0;  // hash when encrypted, local index when decoded
    uint32_t id = 0;
    std::optional<Data> decoded;
    std::optional<Bytes> encrypted;
    std::optional<uint32_t> rx_time;
    std::optional<float> rx_snr;
    std::optional<int32_t> rx_rssi;
    std::optional<uint32_t> hop_limit;
    std::optional<uint32_t> hop_start;
    bool want_ack = false;
    bool via_mqtt = false;
    bool pki_encrypted = false;
    std::optional<uint32_t> priority;
    std::optional<Bytes> public_key;

    // hop_start - hop_limit, when the sender's firmware reports hop_start (2.3+).
    std::optional<int> hops_away() const;
};

struct Envelope {
    Packet packet;
    std::string channel_id;
    std::string gateway_id;
};

std::optional<Envelope> decode_envelope(BytesView bytes);
Bytes encode_envelope(const Envelope& envelope);
std::optional<Data> decode_data(BytesView bytes);
Bytes encode_data(const Data& data);

}  // namespace tgmesh::mesh
