#include "tgmesh/mesh/pki.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <memory>

namespace tgmesh::mesh {

namespace {

struct PkeyDeleter {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxDeleter {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct CipherCtxDeleter {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

constexpr size_t kNonceBytes = 13;

std::optional<Bytes> raw_public(EVP_PKEY* key) {
    Bytes out(kPkiKeyBytes, '\0');
    size_t len = out.size();
    if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
        len != kPkiKeyBytes) {
        return std::nullopt;
    }
    return out;
}

std::array<unsigned char, kNonceBytes> pki_nonce(uint32_t packet_id, uint32_t from,
                                                 BytesView extra_nonce) {
    std::array<unsigned char, kNonceBytes> nonce{};
    for (int i = 0; i < 4; ++i) {
        nonce[i] = static_cast<unsigned char>(packet_id >> (8 * i));
        nonce[4 + i] = static_cast<unsigned char>(extra_nonce[i]);
        nonce[8 + i] = static_cast<unsigned char>(from >> (8 * i));
    }
    return nonce;
}

// Sets up AES-256-CCM with an 8-byte tag and a 13-byte nonce for `encrypt` or decrypt.
CipherCtx ccm_context(BytesView key, const std::array<unsigned char, kNonceBytes>& nonce,
                      bool encrypt, BytesView expected_tag = {}) {
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx ||
        EVP_CipherInit_ex(ctx.get(), EVP_aes_256_ccm(), nullptr, nullptr, nullptr,
                          encrypt ? 1 : 0) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, kNonceBytes, nullptr) != 1) {
        return nullptr;
    }
    void* tag = encrypt ? nullptr : const_cast<char*>(expected_tag.data());
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kPkiTagBytes, tag) != 1 ||
        EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, byte_ptr(key), nonce.data(),
                          encrypt ? 1 : 0) != 1) {
        return nullptr;
    }
    return ctx;
}

}  // namespace

std::optional<KeyPair> generate_key_pair() {
    PkeyCtx ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
        return std::nullopt;
    }
    Pkey key(raw);
    Bytes priv(kPkiKeyBytes, '\0');
    size_t len = priv.size();
    if (EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(priv.data()),
                                     &len) != 1 ||
        len != kPkiKeyBytes) {
        return std::nullopt;
    }
    auto pub = raw_public(key.get());
    if (!pub) return std::nullopt;
    return KeyPair{std::move(priv), std::move(*pub)};
}

std::optional<KeyPair> key_pair_from_private(BytesView private_key) {
    if (private_key.size() != kPkiKeyBytes) return std::nullopt;
    Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, byte_ptr(private_key),
                                          private_key.size()));
    if (!key) return std::nullopt;
    auto pub = raw_public(key.get());
    if (!pub) return std::nullopt;
    return KeyPair{Bytes(private_key), std::move(*pub)};
}

std::optional<Bytes> pki_shared_key(BytesView my_private, BytesView peer_public) {
    if (my_private.size() != kPkiKeyBytes || peer_public.size() != kPkiKeyBytes) {
        return std::nullopt;
    }
    Pkey mine(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, byte_ptr(my_private),
                                           my_private.size()));
    Pkey theirs(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, byte_ptr(peer_public),
                                            peer_public.size()));
    if (!mine || !theirs) return std::nullopt;
    PkeyCtx ctx(EVP_PKEY_CTX_new(mine.get(), nullptr));
    std::array<unsigned char, kPkiKeyBytes> secret{};
    size_t len = secret.size();
    // OpenSSL refuses an all-zero result (a small-order peer key), as it should.
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
        EVP_PKEY_derive_set_peer(ctx.get(), theirs.get()) != 1 ||
        EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1 || len != kPkiKeyBytes) {
        return std::nullopt;
    }
    Bytes key(SHA256_DIGEST_LENGTH, '\0');
    SHA256(secret.data(), secret.size(), reinterpret_cast<unsigned char*>(key.data()));
    return key;
}

std::optional<Bytes> pki_encrypt(BytesView shared_key, uint32_t packet_id, uint32_t from,
                                 BytesView extra_nonce, BytesView plaintext) {
    if (shared_key.size() != kPkiKeyBytes || extra_nonce.size() != kPkiExtraNonceBytes) {
        return std::nullopt;
    }
    auto nonce = pki_nonce(packet_id, from, extra_nonce);
    CipherCtx ctx = ccm_context(shared_key, nonce, true);
    if (!ctx) return std::nullopt;
    Bytes out(plaintext.size() + kPkiOverhead, '\0');
    auto* cipher = reinterpret_cast<unsigned char*>(out.data());
    int len = 0;
    // CCM needs the total length first.
    if (EVP_EncryptUpdate(ctx.get(), nullptr, &len, nullptr, static_cast<int>(plaintext.size())) !=
            1 ||
        EVP_EncryptUpdate(ctx.get(), cipher, &len, byte_ptr(plaintext),
                          static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), cipher + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kPkiTagBytes,
                            cipher + plaintext.size()) != 1) {
        return std::nullopt;
    }
    out.replace(plaintext.size() + kPkiTagBytes, kPkiExtraNonceBytes, extra_nonce);
    return out;
}

std::optional<Bytes> pki_decrypt(BytesView shared_key, uint32_t packet_id, uint32_t from,
                                 BytesView payload) {
    if (shared_key.size() != kPkiKeyBytes || payload.size() < kPkiOverhead) return std::nullopt;
    const size_t text_len = payload.size() - kPkiOverhead;
    BytesView tag = payload.substr(text_len, kPkiTagBytes);
    BytesView extra_nonce = payload.substr(text_len + kPkiTagBytes);
    auto nonce = pki_nonce(packet_id, from, extra_nonce);
    CipherCtx ctx = ccm_context(shared_key, nonce, false, tag);
    if (!ctx) return std::nullopt;
    Bytes out(text_len, '\0');
    int len = 0;
    if (EVP_DecryptUpdate(ctx.get(), nullptr, &len, nullptr, static_cast<int>(text_len)) != 1) {
        return std::nullopt;
    }
    // In CCM the tag is checked by this single update: failure means forged or wrong key.
    if (EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                          byte_ptr(payload), static_cast<int>(text_len)) != 1) {
        return std::nullopt;
    }
    return out;
}

}  // namespace tgmesh::mesh
