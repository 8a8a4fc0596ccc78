#include "tgmesh/mesh/aes_ctr.h"

#include <openssl/evp.h>

#include <cstring>
#include <memory>

namespace tgmesh::mesh {

namespace {
struct CipherCtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// Every uplink is opened here, so the per-call costs count (bench/codec): OpenSSL 3 looks a
// cipher up in its providers on each init given EVP_aes_*(), so the two ciphers are fetched
// once, and each thread keeps one context instead of allocating one per packet.
const EVP_CIPHER* ctr_cipher(size_t key_size) {
    static EVP_CIPHER* const aes128 = EVP_CIPHER_fetch(nullptr, "AES-128-CTR", nullptr);
    static EVP_CIPHER* const aes256 = EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr);
    if (key_size == 16) return aes128 ? aes128 : EVP_aes_128_ctr();
    if (key_size == 32) return aes256 ? aes256 : EVP_aes_256_ctr();
    return nullptr;
}

EVP_CIPHER_CTX* thread_context() {
    thread_local CipherCtx ctx(EVP_CIPHER_CTX_new());
    return ctx.get();
}
}  // namespace

Nonce packet_nonce(uint32_t packet_id, uint32_t from) {
    Nonce nonce{};
    for (int i = 0; i < 4; ++i) {
        nonce[i] = static_cast<uint8_t>(packet_id >> (8 * i));
        nonce[8 + i] = static_cast<uint8_t>(from >> (8 * i));
    }
    return nonce;
}

std::optional<Bytes> aes_ctr(BytesView key, const Nonce& iv, BytesView data) {
    if (key.empty()) return Bytes(data);
    const EVP_CIPHER* cipher = ctr_cipher(key.size());
    if (cipher == nullptr) return std::nullopt;
    EVP_CIPHER_CTX* ctx = thread_context();
    if (ctx == nullptr) return std::nullopt;
    // The context keeps the key schedule of the last key: for the same key only the IV is set.
    thread_local Bytes ctx_key;
    const bool same_key = !ctx_key.empty() && BytesView(ctx_key) == key;
    if (EVP_EncryptInit_ex(ctx, same_key ? nullptr : cipher, nullptr,
                           same_key ? nullptr : byte_ptr(key), iv.data()) != 1) {
        ctx_key.clear();
        return std::nullopt;
    }
    if (!same_key) ctx_key.assign(key);
    Bytes out(data.size(), '\0');
    int written = 0;
    if (!data.empty() &&
        EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &written,
                          byte_ptr(data), static_cast<int>(data.size())) != 1) {
        return std::nullopt;
    }
    out.resize(static_cast<size_t>(written));
    return out;
}

}  // namespace tgmesh::mesh
