#include "tgmesh/mesh/keyring.h"

#include "tgmesh/mesh/aes_ctr.h"

namespace tgmesh::mesh {

const ChannelKey* Keyring::find(std::string_view name) const {
    for (const auto& key : keys_) {
        if (key.name == name) return &key;
    }
    return nullptr;
}

std::optional<Keyring::Opened> Keyring::open(const Packet& packet) const {
    if (!packet.encrypted) return std::nullopt;
    const Nonce nonce = packet_nonce(packet.id, packet.from);
    for (const auto& key : keys_) {
        if (key.hash != packet.channel) continue;
        auto plain = aes_ctr(key.key, nonce, *packet.encrypted);
        if (!plain) continue;
        auto data = decode_data(*plain);
        if (data && data->portnum != 0) return Opened{std::move(*data), &key};
    }
    return std::nullopt;
}

Bytes seal_envelope(const ChannelKey& key, Packet header, const Data& data,
                    const std::string& gateway_id) {
    auto cipher = aes_ctr(key.key, packet_nonce(header.id, header.from), encode_data(data));
    header.channel = key.hash;
    header.decoded.reset();
    header.encrypted = cipher.value_or(Bytes());
    Envelope env{std::move(header), key.name, gateway_id};
    return encode_envelope(env);
}

}  // namespace tgmesh::mesh
