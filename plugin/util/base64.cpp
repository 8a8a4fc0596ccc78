#include "tgmesh/util/base64.h"

#include <openssl/evp.h>

#include <memory>

namespace tgmesh {

namespace {
struct EncodeCtxDeleter {
    void operator()(EVP_ENCODE_CTX* ctx) const { EVP_ENCODE_CTX_free(ctx); }
};
using EncodeCtx = std::unique_ptr<EVP_ENCODE_CTX, EncodeCtxDeleter>;

bool is_base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}
}  // namespace

std::optional<Bytes> base64_decode(std::string_view text) {
    // OpenSSL's decoder skips whitespace and tolerates some odd forms; require the canonical
    // padded alphabet so that a typo in a key is reported instead of silently decoded.
    if (text.empty() || text.size() % 4 != 0) return std::nullopt;
    size_t padding = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '=') {
            if (i + 2 < text.size()) return std::nullopt;
            ++padding;
        } else if (!is_base64_char(c) || padding > 0) {
            return std::nullopt;
        }
    }
    EncodeCtx ctx(EVP_ENCODE_CTX_new());
    if (!ctx) return std::nullopt;
    EVP_DecodeInit(ctx.get());
    Bytes out(text.size() / 4 * 3 + 3, '\0');
    int produced = 0;
    if (EVP_DecodeUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &produced,
                         reinterpret_cast<const unsigned char*>(text.data()),
                         static_cast<int>(text.size())) < 0) {
        return std::nullopt;
    }
    int tail = 0;
    if (EVP_DecodeFinal(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + produced,
                        &tail) != 1) {
        return std::nullopt;
    }
    out.resize(static_cast<size_t>(produced) + static_cast<size_t>(tail));
    return out;
}

std::string base64_encode(BytesView bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), byte_ptr(bytes),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(written));
    return out;
}

}  // namespace tgmesh
