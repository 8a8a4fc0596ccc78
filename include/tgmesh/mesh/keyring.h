#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "tgmesh/mesh/channel_key.h"
#include "tgmesh/mesh/packet.h"

namespace tgmesh::mesh {

// The configured channel keys, used to open uplinks and seal downlinks.
class Keyring {
  public:
    Keyring() = default;
    explicit Keyring(std::vector<ChannelKey> keys) : keys_(std::move(keys)) {}

    const ChannelKey* find(std::string_view name) const;
    const std::vector<ChannelKey>& keys() const { return keys_; }

    struct Opened {
        Data data;
        const ChannelKey* key = nullptr;
    };
    // Tries every key whose hash equals packet.channel, as Router::perhapsDecode does: the
    // first that yields a Data with a nonzero portnum wins. nullopt = no key fits.
    std::optional<Opened> open(const Packet& packet) const;

  private:
    std::vector<ChannelKey> keys_;
};

// Serializes `data`, encrypts it with the channel key and the packet's nonce, and wraps it in
// a ServiceEnvelope{packet, channel_id = key.name, gateway_id}. `header` supplies from, to, id,
// hop fields and want_ack; channel is set to the key's hash.
Bytes seal_envelope(const ChannelKey& key, Packet header, const Data& data,
                    const std::string& gateway_id);

}  // namespace tgmesh::mesh
