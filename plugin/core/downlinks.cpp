#include "tgmesh/core/downlinks.h"

#include "tgmesh/mesh/json_uplink.h"
#include "tgmesh/mesh/keyring.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/mesh/portnum.h"
#include "tgmesh/mesh/topic.h"

namespace tgmesh::core {

namespace {
constexpr Millis kEchoWindow = 10 * kMinute;
constexpr size_t kEchoMemory = 200;
}  // namespace

void Downlinks::set_identity(mesh::NodeNum node, uint32_t packet_counter) {
    node_ = node;
    counter_ = packet_counter;
}

uint32_t Downlinks::next_packet_id() {
    // Ids must be unique per sender and nonzero, or gateways drop the packet as a duplicate.
    ++counter_;
    if (counter_ == 0) counter_ = 1;
    return counter_;
}

Outgoing Downlinks::encrypted_packet(mesh::NodeNum to, uint32_t portnum, std::string payload,
                                     bool want_ack) {
    const mesh::ChannelKey& key = *config_.bridged_key();
    mesh::Packet header;
    header.from = node_;
    header.to = to;
    header.id = next_packet_id();
    header.hop_limit = config_.hop_limit;
    header.hop_start = config_.hop_limit;
    header.want_ack = want_ack;
    mesh::Data data;
    data.portnum = portnum;
    data.payload = std::move(payload);
    data.bitfield = mesh::kBitfieldOkToMqtt;
    const std::string gateway = mesh::format_node_id(node_);
    Outgoing out;
    out.topic = mesh::envelope_topic(config_.topic_roots.front(), key.name, gateway);
    out.payload = mesh::seal_envelope(key, header, data, gateway);
    if (config_.gateway_id) out.client_id = mesh::format_node_id(*config_.gateway_id);
    return out;
}

Outgoing Downlinks::text(mesh::NodeNum to, std::string_view text) {
    if (config_.downlink == DownlinkMode::kJson) {
        const mesh::NodeNum gateway = *config_.gateway_id;
        recent_json_texts_.push_back({gateway, std::string(text), clock_.now_ms()});
        if (recent_json_texts_.size() > kEchoMemory) recent_json_texts_.pop_front();
        Outgoing out;
        out.topic = mesh::json_downlink_topic(config_.topic_roots.front());
        out.payload =
            mesh::build_json_sendtext(gateway, to, json_channel_index_, text, config_.hop_limit);
        return out;
    }
    return encrypted_packet(to, mesh::port::kTextMessage, std::string(text),
                            to != mesh::kBroadcast);
}

Outgoing Downlinks::nodeinfo() {
    mesh::UserInfo user;
    user.id = mesh::format_node_id(node_);
    user.long_name = config_.node_long_name;
    user.short_name = config_.node_short_name;
    user.hw_model = mesh::kHwPrivate;
    return encrypted_packet(mesh::kBroadcast, mesh::port::kNodeInfo, mesh::encode_user(user),
                            false);
}

bool Downlinks::is_gateway_echo(mesh::NodeNum from, std::string_view text) {
    const Millis now = clock_.now_ms();
    while (!recent_json_texts_.empty() && now - recent_json_texts_.front().at > kEchoWindow) {
        recent_json_texts_.pop_front();
    }
    for (auto it = recent_json_texts_.begin(); it != recent_json_texts_.end(); ++it) {
        if (it->gateway == from && it->text == text) {
            recent_json_texts_.erase(it);
            return true;
        }
    }
    return false;
}

void Downlinks::learn_channel_index(std::string_view channel, uint32_t index) {
    if (channel == config_.channel && index < 8) json_channel_index_ = index;
}

}  // namespace tgmesh::core
