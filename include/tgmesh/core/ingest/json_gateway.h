#pragma once
// What the bridge knows about the gateway that transmits its json downlinks (downlink json,
// firmware up to 2.7): the gateway uplinks every sendtext it transmits, and that copy must not
// come back to the chat; and its index of the bridged channel, learned from its JSON uplinks,
// which a sendtext must carry.
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::core {

class JsonGateway {
  public:
    static constexpr Millis kEchoWindow = 10 * kMinute;
    static constexpr size_t kEchoMemory = 200;

    explicit JsonGateway(const Clock& clock) : clock_(clock) {}

    // A sendtext went to `gateway` with this text.
    void sent(mesh::NodeNum gateway, std::string_view text);
    // True (once) for the gateway's uplink of a text it was sent.
    bool is_echo(mesh::NodeNum from, std::string_view text);

    void learn_channel_index(uint32_t index) {
        if (index < 8) channel_index_ = index;
    }
    uint32_t channel_index() const { return channel_index_; }

  private:
    struct SentText {
        mesh::NodeNum gateway;
        std::string text;
        Millis at;
    };
    const Clock& clock_;
    std::deque<SentText> recent_;
    uint32_t channel_index_ = 0;
};

}  // namespace tgmesh::core
