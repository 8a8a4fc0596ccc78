#pragma once
// Uplinks that no configured channel key opens, by channel hash: what `diagnose` reports as
// unknown_channel (a gateway uplinks a channel whose key is not in channel_keys, or a wrong
// key). Bounded: at most kMaxChannels hashes and kMaxGateways gateways each.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tgmesh/util/clock.h"

namespace tgmesh::core {

struct UnknownChannel {
    uint8_t hash = 0;
    std::string name;  // the envelope's channel_id (the channel's name), if it carried one
    uint64_t count = 0;
    Millis last_seen = 0;
    std::vector<std::string> gateways;  // that uplinked it, first heard first
};

class UnknownChannels {
  public:
    static constexpr size_t kMaxChannels = 32;
    static constexpr size_t kMaxGateways = 8;
    static constexpr size_t kMaxNameBytes = 11;  // a Meshtastic channel name

    void record(uint8_t hash, std::string_view name, std::string_view gateway, Millis now);
    // Those seen at or after `since`, most recent first.
    std::vector<UnknownChannel> seen_since(Millis since) const;

  private:
    std::vector<UnknownChannel> channels_;
};

}  // namespace tgmesh::core
