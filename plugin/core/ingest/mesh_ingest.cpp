#include "tgmesh/core/ingest/mesh_ingest.h"

#include <algorithm>
#include <cctype>

#include "tgmesh/mesh/json_uplink.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/mesh/pki.h"
#include "tgmesh/mesh/portnum.h"
#include "tgmesh/mesh/topic.h"

namespace tgmesh::core {

namespace {
constexpr size_t kMaxGatewaysRemembered = 1000;

bool is_pki(const mesh::Envelope& env, std::string_view topic_channel) {
    return env.channel_id == "PKI" || topic_channel == "PKI" || env.packet.pki_encrypted;
}
}  // namespace

void MeshIngest::drop(Drop reason) {
    // The example (the topic: gateway and channel) is made only when a line is due.
    drops_.record_lazy(reason, [this] { return "on " + std::string(topic_); });
}

IngestResult MeshIngest::ingest(std::string_view topic, BytesView payload) {
    ++stats_.uplinks;
    topic_ = topic;
    auto match = mesh::match_mesh_topic(topic, config_.topic_roots);
    if (!match) return {};
    switch (match->kind) {
        case mesh::TopicKind::kEnvelope:
            return ingest_envelope(*match, payload);
        case mesh::TopicKind::kJson:
            return ingest_json(*match, payload);
        case mesh::TopicKind::kMap:
            return ingest_map(payload);
    }
    return {};
}

void MeshIngest::restore_gateways(const std::vector<std::string>& gateways) {
    gateways_seen_.clear();
    for (const auto& g : gateways) {
        if (mesh::parse_node_id(g) && gateways_seen_.size() < kMaxGatewaysRemembered) {
            gateways_seen_.insert(g);
        }
    }
}

bool MeshIngest::admit(mesh::NodeNum from, uint32_t id, const Reception& reception,
                       IngestResult& result, const mesh::Packet* packet) {
    if (from == identity_.node()) {
        drop(Drop::kOwnPacket);
        return false;
    }
    if (!reception.gateway.empty() && !gateways_seen_.count(reception.gateway) &&
        gateways_seen_.size() < kMaxGatewaysRemembered) {
        gateways_seen_.insert(reception.gateway);
        result.new_gateway = reception.gateway;
    }
    // Every copy updates the per-gateway reception; only the first is handled further.
    result.heard = from;
    result.new_node = nodes_.find(from) == nullptr;
    nodes_.heard(from, reception);
    if (id != 0 && !dedup_.first_sighting(from, id, clock_.now_ms())) {
        // A sender retransmits until it hears the ACK; firmware ACKs a repeat again
        // (src/mesh/NextHopRouter.cpp:67-75 at v2.7.26).
        if (packet && packet->to == identity_.node() && packet->want_ack) {
            result.repeat_ack = std::make_pair(from, id);
        }
        drop(Drop::kDuplicate);
        return false;
    }
    return true;
}

void MeshIngest::apply_user(mesh::NodeNum from, const mesh::UserInfo& user, KeySource source) {
    if (nodes_.apply_user(from, user, source) != UserUpdate::kKeyMismatch) return;
    // Logged for each node's first mismatch, and in the reporter's summaries after that.
    const Node* node = nodes_.find(from);
    const bool first_for_node = node != nullptr && node->key_mismatches == 1;
    drops_.record_lazy(
        Drop::kKeyMismatch,
        [&] { return "NODEINFO of " + mesh::format_node_id(from) + " on " + std::string(topic_); },
        1, first_for_node);
}

void MeshIngest::apply_payload(mesh::NodeNum from, const mesh::Data& data, KeySource source) {
    const int64_t now = clock_.unix_seconds();
    switch (data.portnum) {
        case mesh::port::kNodeInfo:
            if (auto user = mesh::decode_user(data.payload)) apply_user(from, *user, source);
            break;
        case mesh::port::kPosition:
            if (auto pos = mesh::decode_position(data.payload))
                nodes_.apply_position(from, *pos, now);
            break;
        case mesh::port::kTelemetry:
            if (auto t = mesh::decode_telemetry(data.payload)) {
                if (t->device) nodes_.apply_metrics(from, *t->device, now);
                if (t->environment) nodes_.apply_environment(from, *t->environment, now);
            }
            break;
        case mesh::port::kNeighborInfo:
            if (auto info = mesh::decode_neighbor_info(data.payload)) {
                nodes_.apply_neighbors(from, *info, now);
            }
            break;
        default:
            break;
    }
}

std::optional<MeshText> MeshIngest::text_for_chat(mesh::NodeNum from, mesh::NodeNum to, uint32_t id,
                                                  std::string_view channel, std::string text,
                                                  const Reception& reception, bool pki,
                                                  const mesh::Data* data) {
    const bool direct = (to == identity_.node());
    if (to != mesh::kBroadcast && !direct) {
        drop(Drop::kDmNotForUs);
        return std::nullopt;
    }
    // A DM to the bridge is for the chat whatever channel key it came with.
    if (!direct && !routed(channel)) {
        drop(Drop::kOtherChannel);
        return std::nullopt;
    }
    if (std::all_of(text.begin(), text.end(), [](char c) {
            return c == '\0' || std::isspace(static_cast<unsigned char>(c));
        })) {
        drop(Drop::kEmptyText);
        return std::nullopt;
    }
    if (config_.downlink == DownlinkMode::kJson && json_gateway_.is_echo(from, text)) {
        drop(Drop::kGatewayEcho);
        return std::nullopt;
    }
    MeshText t;
    t.from = from;
    t.to = to;
    t.packet_id = id;
    t.direct = direct;
    t.pki = pki;
    if (data != nullptr) {
        t.reply_id = data->reply_id;
        t.emoji = data->emoji.value_or(0) != 0 && data->reply_id.has_value();
    }
    t.channel = std::string(channel);
    t.text = std::move(text);
    t.reception = reception;
    return t;
}

std::optional<MeshWaypoint> MeshIngest::waypoint_for_chat(mesh::NodeNum from, uint32_t id,
                                                          std::string_view channel,
                                                          BytesView payload) {
    auto waypoint = mesh::decode_waypoint(payload);
    if (!waypoint || !waypoint->latitude_i || !waypoint->longitude_i) {
        drop(Drop::kMalformedEnvelope);
        return std::nullopt;
    }
    // An expired waypoint is how the apps delete one: nothing to show.
    if (waypoint->expire != 0 && waypoint->expire <= clock_.unix_seconds()) return std::nullopt;
    return MeshWaypoint{from, id, std::string(channel), std::move(*waypoint)};
}

bool MeshIngest::routed(std::string_view channel) const {
    if (config_.channel_map.empty()) return channel == config_.channel;
    auto routes = config_.routes();
    return std::any_of(routes.begin(), routes.end(),
                       [&](const ChannelRoute& r) { return r.channel == channel; });
}

std::optional<mesh::Data> MeshIngest::open_pki(const mesh::Packet& p, IngestResult& result) {
    if (p.to != identity_.node()) {
        // Encrypted for another node's key; a third party cannot read it.
        drop(Drop::kPkiNotForUs);
        return std::nullopt;
    }
    const Node* sender = nodes_.find(p.from);
    if (sender == nullptr || sender->public_key.size() != mesh::kPkiKeyBytes) {
        drop(Drop::kPkiUnknownSender);
        // As firmware answers it (src/mesh/ReliableRouter.cpp:117-121 at v2.7.26).
        if (p.want_ack && p.id != 0) result.pki_unknown = std::make_pair(p.from, p.id);
        return std::nullopt;
    }
    auto key = identity_.pki_key_with(sender->public_key);
    auto plain =
        (key && p.encrypted) ? mesh::pki_decrypt(*key, p.id, p.from, *p.encrypted) : std::nullopt;
    auto data = plain ? mesh::decode_data(*plain) : std::nullopt;
    if (!data || data->portnum == 0) {
        drop(Drop::kUndecryptable);
        return std::nullopt;
    }
    return data;
}

IngestResult MeshIngest::ingest_envelope(const mesh::MeshTopic& topic, BytesView payload) {
    const std::string_view topic_channel = topic.channel;
    IngestResult result;
    auto env = mesh::decode_envelope(payload);
    if (!env) {
        drop(Drop::kMalformedEnvelope);
        return result;
    }
    const mesh::Packet& p = env->packet;
    // Gateways name themselves by node id, in the envelope and as the topic's last level
    // (src/mqtt/MQTT.cpp at v2.7.26: topic = root/2/e/<channel>/<owner id>, gateway_id = owner
    // id, client id = owner id); anything else is not a gateway's envelope. With the ACL of
    // conf/acl.example (write <root>/2/e/+/%c), a client can then only speak as itself.
    if (!mesh::parse_node_id(env->gateway_id) || env->gateway_id != topic.gateway) {
        drop(Drop::kMalformedEnvelope);
        return result;
    }
    if (env->gateway_id == identity_.id()) {
        drop(Drop::kOwnPacket);
        return result;
    }
    // While MQTT encryption is on, firmware gateways ignore decoded envelopes
    // (src/mqtt/MQTT.cpp:128-132 at v2.7.26): anyone on the broker can write one.
    if (p.decoded && !config_.accept_decoded) {
        drop(Drop::kDecoded);
        return result;
    }
    Reception reception{env->gateway_id, p.hops_away(), p.rx_snr, p.rx_rssi, clock_.unix_seconds()};
    if (!admit(p.from, p.id, reception, result, &p)) return result;

    std::optional<mesh::Data> data;
    std::string channel = env->channel_id.empty() ? std::string(topic_channel) : env->channel_id;
    bool pki = false;
    if (p.decoded) {
        data = p.decoded;
    } else if (is_pki(*env, topic_channel)) {
        data = open_pki(p, result);
        if (!data) return result;
        pki = true;
    } else if (auto opened = keys_.open(p)) {
        data = std::move(opened->data);
        channel = opened->key->name;
    } else {
        unknown_.record(static_cast<uint8_t>(p.channel), env->channel_id, env->gateway_id,
                        clock_.now_ms());
        drop(Drop::kUndecryptable);
        return result;
    }
    ++stats_.decoded;
    apply_payload(p.from, *data, p.decoded ? KeySource::kPlain : KeySource::kEncrypted);
    const bool to_us = p.to == identity_.node();
    if (data->portnum == mesh::port::kTextMessage) {
        result.text =
            text_for_chat(p.from, p.to, p.id, channel, data->payload, reception, pki, &*data);
    } else if (data->portnum == mesh::port::kRouting && to_us) {
        auto error = mesh::decode_routing_error(data->payload);
        if (error && data->request_id)
            result.routing = RoutingAnswer{p.from, *data->request_id, *error};
    } else if (data->portnum == mesh::port::kTraceroute && to_us && data->request_id) {
        if (auto route = mesh::decode_route_discovery(data->payload)) {
            result.trace = TraceAnswer{p.from, *data->request_id, std::move(*route)};
        }
    } else if (data->portnum == mesh::port::kWaypoint && p.to == mesh::kBroadcast &&
               routed(channel)) {
        result.waypoint = waypoint_for_chat(p.from, p.id, channel, data->payload);
    }
    if (data->portnum == mesh::port::kNodeInfo && data->want_response && to_us) {
        result.nodeinfo_wanted = p.from;
    }
    // Answer what asks for an ACK (never an ACK itself), as a node would.
    if (to_us && p.want_ack && p.id != 0 && data->portnum != mesh::port::kRouting) {
        result.ack_wanted = std::make_pair(p.from, p.id);
    }
    return result;
}

IngestResult MeshIngest::ingest_json(const mesh::MeshTopic& topic, BytesView payload) {
    const std::string_view topic_channel = topic.channel;
    IngestResult result;
    auto up = mesh::parse_json_uplink(payload);
    if (!up) {
        drop(Drop::kMalformedEnvelope);
        return result;
    }
    if (up->type == "sendtext") return result;  // a downlink for gateways, not an uplink
    if (!mesh::parse_node_id(up->sender) || up->sender != topic.gateway) {
        drop(Drop::kMalformedEnvelope);
        return result;
    }
    if (up->sender == identity_.id()) {
        drop(Drop::kOwnPacket);
        return result;
    }
    if (topic_channel == config_.channel) json_gateway_.learn_channel_index(up->channel_index);
    std::optional<int> hops = up->hops_away;
    Reception reception{up->sender, hops, up->snr, up->rssi, clock_.unix_seconds()};
    if (!admit(up->from, up->id, reception, result)) return result;
    ++stats_.decoded;
    if (up->user) apply_user(up->from, *up->user, KeySource::kPlain);
    if (up->position) nodes_.apply_position(up->from, *up->position, clock_.unix_seconds());
    if (up->device_metrics) {
        nodes_.apply_metrics(up->from, *up->device_metrics, clock_.unix_seconds());
    }
    if (up->text) {
        result.text = text_for_chat(up->from, up->to, up->id, topic_channel, *up->text, reception);
    }
    return result;
}

IngestResult MeshIngest::ingest_map(BytesView payload) {
    IngestResult result;
    auto env = mesh::decode_envelope(payload);
    if (!env || !env->packet.decoded || env->packet.decoded->portnum != mesh::port::kMapReport) {
        drop(Drop::kMalformedEnvelope);
        return result;
    }
    const mesh::Packet& p = env->packet;
    if (!mesh::parse_node_id(env->gateway_id)) {
        drop(Drop::kMalformedEnvelope);
        return result;
    }
    Reception reception{env->gateway_id, p.hops_away(), p.rx_snr, p.rx_rssi, clock_.unix_seconds()};
    if (!admit(p.from, p.id, reception, result)) return result;
    ++stats_.decoded;
    if (auto report = mesh::decode_map_report(p.decoded->payload)) {
        nodes_.apply_map_report(p.from, *report, clock_.unix_seconds());
    }
    return result;
}

}  // namespace tgmesh::core
