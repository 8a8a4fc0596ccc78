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
    const EVP_CIPHER* cipher = nullptr;
    if (key.empty()) return Bytes(data);
    if (key.size() == 16) {
        cipher = EVP_aes_128_ctr();
    } else if (key.size() == 32) {
        cipher = EVP_aes_256_ctr();
    } else {
        return std::nullopt;
    }
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, byte_ptr(key), iv.data()) != 1) {
        return std::nullopt;
    }
    Bytes out(data.size(), '\0');
    int written = 0;
    if (!data.empty() &&
        EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &written,
                          byte_ptr(data), static_cast<int>(data.size())) != 1) {
        return std::nullopt;
    }
    out.resize(static_cast<size_t>(written));
    return out;
}

}  // namespace tgmesh::mesh
