#include "tgmesh/mesh/channel_key.h"

namespace tgmesh::mesh {

const Bytes& default_channel_key() {
    static const Bytes key("\xd4\xf1\xbb\x3a\x20\x29\x07\x59\xf0\xbc\xff\xab\xcf\x4e\x69\x01", 16);
    return key;
}

std::optional<Bytes> expand_psk(BytesView psk) {
    switch (psk.size()) {
        case 0:
            return Bytes();
        case 1: {
            auto index = static_cast<unsigned char>(psk[0]);
            if (index == 0) return Bytes();
            Bytes key = default_channel_key();
            key.back() = static_cast<char>(static_cast<unsigned char>(key.back()) + index - 1);
            return key;
        }
        case 16:
        case 32:
            return Bytes(psk);
        default:
            return std::nullopt;
    }
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
