#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tgmesh/util/bytes.h"

namespace tgmesh::mesh {

// A channel's name and expanded AES key (empty = no encryption), plus its 8-bit hash,
// which the firmware puts in MeshPacket.channel of encrypted packets.
struct ChannelKey {
    std::string name;
    Bytes key;
    uint8_t hash = 0;
};

// Expands a channel PSK as firmware does (src/mesh/Channels.cpp:208-250, Channels::getKey, at
// v2.7.26): 0 bytes or 0x00 = no encryption, one byte N = the default key with its last byte
// + (N-1), 2-15 bytes zero-padded to 16 (AES-128), 17-31 zero-padded to 32 (AES-256), 16 or 32
// as given. Longer keys are refused (nullopt).
std::optional<Bytes> expand_psk(BytesView psk);

// A PSK as written in channel_keys, in the forms the Meshtastic CLI reads: base64 (with or
// without "base64:"), "0x" + hex, "none" (no encryption), "default" (the default key), or
// "simple0".."simple10" (the 1-byte PSK N+1, so simple0 = default). Empty = no encryption.
// nullopt when it is none of these; the bytes are not expanded yet.
std::optional<Bytes> parse_psk(std::string_view text);
uint8_t channel_hash(std::string_view name, BytesView expanded_key);
ChannelKey make_channel_key(std::string name, Bytes expanded_key);

// The default key "AQ==" expanded.
const Bytes& default_channel_key();

}  // namespace tgmesh::mesh
