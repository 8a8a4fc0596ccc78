#pragma once
// Turns chat texts into what the gateways transmit: in protobuf mode a packet from the
// bridge's virtual node, AES-CTR encrypted with the channel key, in a ServiceEnvelope on
// <root>/2/e/<channel>/<node_id>; in json mode a legacy "sendtext" for one gateway.
#include <deque>
#include <string>
#include <string_view>

#include "tgmesh/core/config.h"
#include "tgmesh/core/ports.h"
#include "tgmesh/mesh/node_id.h"

namespace tgmesh::core {

class Downlinks {
  public:
    Downlinks(const Config& config, const Clock& clock) : config_(config), clock_(clock) {}

    void set_identity(mesh::NodeNum node, uint32_t packet_counter);
    mesh::NodeNum node() const { return node_; }
    uint32_t packet_counter() const { return counter_; }

    // One mesh text part addressed to `to` (mesh::kBroadcast or a node number).
    Outgoing text(mesh::NodeNum to, std::string_view text);
    // The virtual node's NODEINFO broadcast (protobuf mode), so that gateways whose rebroadcast
    // mode is KNOWN_ONLY relay the bridge's packets and apps show its name.
    Outgoing nodeinfo();

    // json mode: the gateway uplinks every sendtext it transmits; true (once) for that copy.
    bool is_gateway_echo(mesh::NodeNum from, std::string_view text);
    // json mode: the gateway's index of the bridged channel, learned from its JSON uplinks.
    void learn_channel_index(std::string_view channel, uint32_t index);

  private:
    uint32_t next_packet_id();
    Outgoing encrypted_packet(mesh::NodeNum to, uint32_t portnum, std::string payload,
                              bool want_ack);

    struct SentText {
        mesh::NodeNum gateway;
        std::string text;
        Millis at;
    };

    const Config& config_;
    const Clock& clock_;
    mesh::NodeNum node_ = 0;
    uint32_t counter_ = 0;
    uint32_t json_channel_index_ = 0;
    std::deque<SentText> recent_json_texts_;
};

}  // namespace tgmesh::core
