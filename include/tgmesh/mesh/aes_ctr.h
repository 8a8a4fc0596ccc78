#pragma once
#include <array>
#include <cstdint>
#include <optional>

#include "tgmesh/util/bytes.h"

namespace tgmesh::mesh {

using Nonce = std::array<uint8_t, 16>;

// CryptoEngine::initNonce: packet id as u64 LE, then from as u32 LE, then 4 zero bytes.
Nonce packet_nonce(uint32_t packet_id, uint32_t from);
// AES-128/256-CTR (128-bit big-endian counter); encryption and decryption are the same.
// An empty key means an unencrypted channel: the data is returned unchanged.
// Returns nullopt only if the key length is not 0, 16 or 32.
std::optional<Bytes> aes_ctr(BytesView key, const Nonce& iv, BytesView data);

}  // namespace tgmesh::mesh
