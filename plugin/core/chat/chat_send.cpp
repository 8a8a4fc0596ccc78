// Sending from the chat to the mesh: broadcasts, DMs, nearby broadcasts, mesh replies,
// reactions (emoji replies) and shared locations (waypoints).
#include <cmath>

#include "tgmesh/core/chat/chat_commands.h"
#include "tgmesh/core/chat/format.h"
#include "tgmesh/mesh/text_chunker.h"
#include "tgmesh/telegram/html.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::core {

using telegram::escape_html;
using telegram::IncomingMessage;

namespace {
constexpr int64_t kNearbyWindowSeconds = 3600;
// Heard once, relayed by nobody. A protobuf downlink is "received" by the gateway, which puts
// it on the air only by relaying it (hop_limit - 1); a JSON sendtext is originated by the
// gateway itself with the hop limit given.
constexpr uint32_t kNearbyHopsProtobuf = 1;
constexpr uint32_t kNearbyHopsJson = 0;
// A shared location stays on the nodes' maps this long (then they drop it).
constexpr int64_t kWaypointLifetimeS = 3600;
// Waypoint.name: nanopb max_size:30 (meshtastic/mesh.options), 29 bytes and the NUL.
constexpr size_t kMaxWaypointName = 29;
constexpr uint32_t kWaypointIcon = 0x1F4CD;  // 📍
}  // namespace

std::string ChatCommands::prefix_for(const IncomingMessage& m) const {
    std::string name = utf8::sanitize(m.display_name());
    name.resize(utf8::prefix_at_boundary(name, kMaxNameInPrefix));
    return i18n::fill(d_.config.text_prefix, {{"name", name}});
}

std::optional<ChatCommands::SendSpec> ChatCommands::broadcast_in(const IncomingMessage& m) {
    auto channel = d_.config.channel_for_chat(m.chat_id, m.thread_id);
    if (!channel) {
        reply(m, std::string(cat().topic_not_bridged));
        return std::nullopt;
    }
    SendSpec spec;
    spec.channel = *channel;
    spec.target_html = escape_html(*channel);
    return spec;
}

ChatCommands::SendSpec ChatCommands::dm_to(mesh::NodeNum node) const {
    SendSpec spec;
    spec.to = node;
    spec.target_html = format_node_ref(d_.nodes.find(node), node);
    return spec;
}

void ChatCommands::send(const IncomingMessage& m, std::string_view text, const SendSpec& spec) {
    if (!may_send(m)) return;
    const std::string prefix = prefix_for(m);
    const std::string origin = "text from chat " + std::to_string(m.chat_id);
    MeshSendRequest request;
    request.to = spec.to;
    request.text = text;
    request.prefix = prefix;
    request.channel = spec.channel;
    request.reply_id = spec.reply_id;
    request.hop_limit = spec.hop_limit;
    request.origin = origin;
    MeshSendResult sent = d_.sender.send(request);
    if (sent.refusal) return refuse(m, spec, sent);
    const bool direct = spec.to != mesh::kBroadcast;
    const bool pki = sent.pki;
    const size_t ahead = sent.ahead;
    std::vector<uint32_t>& packet_ids = sent.packet_ids;
    if (!packet_ids.empty()) {
        // A mesh reply to the first part answers this chat message.
        d_.poster.remember(m.chat_id, m.message_id,
                           {direct ? spec.to : d_.identity.node(), packet_ids.front(), direct,
                            direct ? "" : spec.channel});
    }
    std::string confirmation;
    if (spec.nearby) {
        confirmation = i18n::fill(cat().sent_nearby, {{"channel", spec.target_html}});
    } else if (!direct) {
        confirmation = i18n::fill(cat().sent_broadcast, {{"channel", spec.target_html}});
    } else {
        confirmation =
            i18n::fill(pki ? cat().sent_dm_pki : cat().sent_dm, {{"node", spec.target_html}});
    }
    if (sent.parts > 1)
        confirmation += i18n::fill(cat().sent_parts, {{"n", std::to_string(sent.parts)}});
    if (ahead > 0) confirmation += i18n::fill(cat().queued_behind, {{"n", std::to_string(ahead)}});
    if (spec.nearby) confirmation += heard_directly();
    if (direct && !pki) {
        if (d_.config.downlink == DownlinkMode::kProtobuf) {
            // Older firmware takes it now; ask for the key so that the next DM is PKI.
            confirmation += i18n::fill(cat().dm_key_unknown, {{"node", spec.target_html}});
            d_.sender.request_key(spec.to);
        } else {
            confirmation += std::string(cat().dm_legacy_note);
        }
    }
    uint64_t tag = 0;
    if (direct && !packet_ids.empty()) {
        tag = d_.poster.track_delivery(spec.to, std::move(packet_ids), m.chat_id, m.thread_id,
                                       confirmation, !pki, language_);
    }
    reply(m, confirmation, tag);
}

void ChatCommands::refuse(const IncomingMessage& m, const SendSpec& spec,
                          const MeshSendResult& sent) {
    switch (*sent.refusal) {
        case SendRefusal::kEmpty:
            return reply(m, std::string(cat().empty_text));
        case SendRefusal::kTooLong:
            return reply(
                m, i18n::fill(cat().too_long, {{"len", std::to_string(sent.length)},
                                               {"max", std::to_string(sent.capacity)},
                                               {"parts", std::to_string(mesh::kMaxTextParts)},
                                               {"part_bytes", std::to_string(sent.part_bytes)}}));
        case SendRefusal::kQueueFull:
            return reply(m, i18n::fill(cat().queue_full, {{"n", std::to_string(sent.ahead)}}));
        case SendRefusal::kNeedsKey:
            d_.sender.request_key(spec.to);
            return reply(m, i18n::fill(cat().dm_needs_key, {{"node", spec.target_html}}));
    }
}

void ChatCommands::send_to_node(const IncomingMessage& m, std::string_view args) {
    auto res = resolve_or_reply(m, args, cat().usage_send_to_node);
    if (!res) return;
    if (*res->node == 0 || *res->node == mesh::kBroadcast || *res->node == d_.identity.node()) {
        return reply(m, i18n::fill(cat().not_a_node, {{"query", escape_html(res->query)}}));
    }
    if (res->rest.empty()) return reply(m, std::string(cat().usage_send_to_node));
    send(m, res->rest, dm_to(*res->node));
}

std::string ChatCommands::heard_directly() const {
    const int64_t now = d_.clock.unix_seconds();
    std::string list;
    size_t listed = 0;
    for (const Node* n : d_.nodes.by_last_heard()) {
        if (now - n->last_heard > kNearbyWindowSeconds || listed == kMaxNearbyListed) break;
        // The best 0-hop reception of the last hour: heard directly by some gateway.
        std::optional<float> snr;
        bool direct = false;
        for (const auto& r : n->receptions) {
            if (r.hops == 0 && now - r.time <= kNearbyWindowSeconds) {
                direct = true;
                if (r.snr && (!snr || *r.snr > *snr)) snr = r.snr;
            }
        }
        if (!direct) continue;
        if (!list.empty()) list += ", ";
        list += format_node_ref(n, n->num);
        if (snr) list += " (" + format_link_quality(Reception{{}, {}, snr, {}, 0}, cat()) + ")";
        ++listed;
    }
    return list.empty() ? std::string(cat().nearby_none)
                        : i18n::fill(cat().nearby_heard, {{"list", list}});
}

void ChatCommands::send_nearby(const IncomingMessage& m, std::string_view args) {
    if (args.empty()) return reply(m, std::string(cat().usage_send_nearby));
    auto spec = broadcast_in(m);
    if (!spec) return;
    spec->hop_limit =
        d_.config.downlink == DownlinkMode::kJson ? kNearbyHopsJson : kNearbyHopsProtobuf;
    spec->nearby = true;
    send(m, args, *spec);
}

void ChatCommands::reply_on_mesh(const IncomingMessage& m, const MeshRef& original) {
    if (original.direct) {
        SendSpec spec = dm_to(original.node);
        spec.reply_id = original.packet_id;
        return send(m, m.text, spec);
    }
    auto spec = broadcast_in(m);
    if (!spec) return;
    spec->reply_id = original.packet_id;
    // A reply goes on the original's channel (a chat may carry several).
    if (!original.channel.empty()) spec->channel = original.channel;
    send(m, m.text, *spec);
}

void ChatCommands::handle_reaction(const telegram::ReactionChange& r) {
    const auto added = r.added();
    if (added.empty() || r.user_id == 0) return;  // taken back, or on behalf of a chat
    const MeshRef* original = d_.poster.messages().find(r.chat_id, r.message_id);
    if (original == nullptr) return;  // not a message that crossed
    IncomingMessage who;
    who.chat_id = r.chat_id;
    who.user_id = r.user_id;
    if (!may_send(who, true)) return;
    MeshSendRequest request;
    request.to = original->direct ? original->node : mesh::kBroadcast;
    request.text = added.front();  // one reaction per change: the mesh shows one per packet
    request.channel = original->channel;
    request.reply_id = original->packet_id;
    request.emoji = true;
    const std::string origin = "reaction in chat " + std::to_string(r.chat_id);
    request.origin = origin;
    // Nothing is said in the chat: the reaction is the answer, and a refusal would be noise.
    static_cast<void>(d_.sender.send(request));
}

void ChatCommands::share_location(const IncomingMessage& m) {
    auto channel = d_.config.channel_for_chat(m.chat_id, m.thread_id);
    if (!channel || !may_send(m)) return;
    mesh::WaypointInfo waypoint;
    // Unique enough to not replace another's waypoint; never 0 (firmware's "new").
    waypoint.id = static_cast<uint32_t>(d_.clock.now_ms() * 2654435761u) | 1u;
    waypoint.latitude_i = static_cast<int32_t>(std::lround(m.location->latitude * 1e7));
    waypoint.longitude_i = static_cast<int32_t>(std::lround(m.location->longitude * 1e7));
    waypoint.expire = static_cast<uint32_t>(d_.clock.unix_seconds() + kWaypointLifetimeS);
    std::string name = utf8::sanitize(m.display_name());
    name.resize(utf8::prefix_at_boundary(name, kMaxWaypointName));
    waypoint.name = name;
    waypoint.description = "Telegram";
    waypoint.icon = kWaypointIcon;
    const std::string origin = "location from chat " + std::to_string(m.chat_id);
    MeshSendResult sent = d_.sender.send_waypoint(waypoint, *channel, origin);
    if (sent.refusal) {
        return reply(m, i18n::fill(cat().queue_full, {{"n", std::to_string(sent.ahead)}}));
    }
    reply(m, i18n::fill(cat().waypoint_sent, {{"channel", escape_html(*channel)}}));
}

}  // namespace tgmesh::core
