#pragma once
// Meshtastic PKI direct messages (firmware 2.5+; src/mesh/CryptoEngine.cpp:88-151 at v2.7.26):
// X25519 between the two nodes' keys, SHA-256 of the shared secret as the AES-256-CCM key, an
// 8-byte tag and a 13-byte nonce id (u32 LE) || extraNonce (4 bytes) || from (u32 LE) || 0x00. On
// the radio the payload is ciphertext || tag || extraNonce. All through OpenSSL.
#include <cstdint>
#include <optional>

#include "tgmesh/util/bytes.h"

namespace tgmesh::mesh {

constexpr size_t kPkiKeyBytes = 32;
constexpr size_t kPkiTagBytes = 8;
constexpr size_t kPkiExtraNonceBytes = 4;
constexpr size_t kPkiOverhead = kPkiTagBytes + kPkiExtraNonceBytes;

struct KeyPair {
    Bytes private_key;  // 32 bytes, X25519
    Bytes public_key;   // 32 bytes
};

std::optional<KeyPair> generate_key_pair();
// nullopt unless `private_key` is 32 bytes.
std::optional<KeyPair> key_pair_from_private(BytesView private_key);
// SHA-256(X25519(mine, theirs)); nullopt for wrong lengths or a degenerate peer key.
std::optional<Bytes> pki_shared_key(BytesView my_private, BytesView peer_public);

// Encrypts a serialized Data for the radio; `extra_nonce` is the 4 random nonce bytes.
std::optional<Bytes> pki_encrypt(BytesView shared_key, uint32_t packet_id, uint32_t from,
                                 BytesView extra_nonce, BytesView plaintext);
// Checks the tag and returns the serialized Data; nullopt if it does not authenticate.
std::optional<Bytes> pki_decrypt(BytesView shared_key, uint32_t packet_id, uint32_t from,
                                 BytesView payload);

}  // namespace tgmesh::mesh
