#include "tgmesh/mesh/channel_key.h"

#include <charconv>

#include "tgmesh/util/base64.h"

namespace tgmesh::mesh {

const Bytes& default_channel_key() {
    static const Bytes key("\xd4\xf1\xbb\x3a\x20\x29\x07\x59\xf0\xbc\xff\xab\xcf\x4e\x69\x01", 16);
    return key;
}

std::optional<Bytes> expand_psk(BytesView psk) {
    if (psk.empty()) return Bytes();
    if (psk.size() == 1) {
        auto index = static_cast<unsigned char>(psk[0]);
        if (index == 0) return Bytes();
        Bytes key = default_channel_key();
        key.back() = static_cast<char>(static_cast<unsigned char>(key.back()) + index - 1);
        return key;
    }
    if (psk.size() > 32) return std::nullopt;
    Bytes key(psk);
    // "The user specified only the first few bits of an AES key": padded with zeros.
    key.resize(psk.size() <= 16 ? 16 : 32, '\0');
    return key;
}

std::optional<Bytes> parse_psk(std::string_view text) {
    if (text.empty() || text == "none") return text.empty() ? Bytes() : Bytes(1, '\0');
    if (text == "default") return Bytes(1, '\1');
    if (text.starts_with("simple")) {
        unsigned n = 0;
        const std::string_view digits = text.substr(6);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || n > 10) {
            return std::nullopt;
        }
        return Bytes(1, static_cast<char>(n + 1));
    }
    if (text.starts_with("0x") || text.starts_with("0X")) {
        Bytes raw;
        if (text.size() == 2 || !from_hex(text.substr(2), raw)) return std::nullopt;
        return raw;
    }
    if (text.starts_with("base64:")) text.remove_prefix(7);
    return base64_decode(text);
}

uint8_t channel_hash(std::string_view name, BytesView expanded_key) {
    uint8_t hash = 0;
    for (unsigned char c : name)
        hash ^= c;
    for (unsigned char c : expanded_key)
        hash ^= c;
    return hash;
}

ChannelKey make_channel_key(std::string name, Bytes expanded_key) {
    ChannelKey key;
    key.hash = channel_hash(name, expanded_key);
    key.name = std::move(name);
    key.key = std::move(expanded_key);
    return key;
}

}  // namespace tgmesh::mesh
