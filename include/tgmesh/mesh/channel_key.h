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

// Expands a channel PSK as Channels::getKey() does: 0 bytes or 0x00 = no encryption, one byte N
// = the default key with its last byte + (N-1), 16 or 32 bytes = AES-128/256 as given.
// Other lengths are refused (nullopt) instead of zero-padded, so a truncated key is reported.
std::optional<Bytes> expand_psk(BytesView psk);
uint8_t channel_hash(std::string_view name, BytesView expanded_key);
ChannelKey make_channel_key(std::string name, Bytes expanded_key);

// The default key "AQ==" expanded.
const Bytes& default_channel_key();

}  // namespace tgmesh::mesh
