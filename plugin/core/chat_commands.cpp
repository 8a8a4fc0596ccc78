#include "tgmesh/core/chat_commands.h"

#include "tgmesh/core/format.h"
#include "tgmesh/mesh/text_chunker.h"
#include "tgmesh/telegram/html.h"
#include "tgmesh/telegram/message_split.h"
#include "tgmesh/util/json.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::core {

using telegram::escape_html;
using telegram::IncomingMessage;

void ChatCommands::reply(const IncomingMessage& m, const std::string& html, uint64_t tag) {
    for (auto& part : telegram::split_message({html})) {
        telegram::OutboundMessage out;
        out.chat_id = m.chat_id;
        out.html = std::move(part);
        out.tag = tag;
        tag = 0;  // a long reply is tracked by its first message
        out.options.reply_to_message_id = m.message_id;
        out.options.message_thread_id = m.thread_id;
        if (!d_.chat.enqueue(std::move(out))) {
            d_.drops.note(Drop::kTelegramQueueFull, "reply to chat " + std::to_string(m.chat_id));
        }
    }
}

void ChatCommands::handle(const IncomingMessage& m, const std::string& bot_username) {
    auto cmd = telegram::parse_command(m.text, bot_username);
    if (!cmd) {
        if (m.text.starts_with("/")) return;  // a command for another bot
        if (m.reply_to_message_id) {
            const MeshRef* original = d_.messages.find(m.chat_id, *m.reply_to_message_id);
            // A reply to a DM is addressed to its author; one to a broadcast is chat like any
            // other plain message and follows chat_to_mesh.
            if (original && (original->direct || d_.config.chat_to_mesh)) {
                return reply_on_mesh(m, *original);
            }
        }
        if (d_.config.chat_to_mesh) {
            send_text(m, mesh::kBroadcast, m.text, escape_html(d_.config.channel));
        }
        return;
    }
    if (cmd->name == "start") {
        help(m, true);
    } else if (cmd->name == "help") {
        help(m, false);
    } else if (cmd->name == "send") {
        if (cmd->args.empty()) return reply(m, std::string(cat().usage_send));
        send_text(m, mesh::kBroadcast, cmd->args, escape_html(d_.config.channel));
    } else if (cmd->name == "send_to_node") {
        send_to_node(m, cmd->args);
    } else if (cmd->name == "nodes") {
        list_nodes(m);
    } else if (cmd->name == "probe") {
        probe(m);
    } else if (m.chat_type == "private" || cmd->addressed) {
        // In groups an unknown bare /command may belong to another bot: stay quiet.
        reply(m, std::string(cat().unknown_command));
    }
}

void ChatCommands::help(const IncomingMessage& m, bool start) {
    std::string text = i18n::fill(cat().help, {{"channel", escape_html(d_.config.channel)}});
    if (start && m.chat_type != "private") text += "\n\n" + std::string(cat().start_group);
    reply(m, text);
}

std::string ChatCommands::prefix_for(const IncomingMessage& m) const {
    std::string name = utf8::sanitize(m.display_name());
    name.resize(utf8::prefix_at_boundary(name, kMaxNameInPrefix));
    return i18n::fill(d_.config.text_prefix, {{"name", name}});
}

void ChatCommands::send_text(const IncomingMessage& m, mesh::NodeNum to, std::string_view text,
                             const std::string& target_html, std::optional<uint32_t> reply_id) {
    std::string clean = utf8::sanitize(text);
    while (!clean.empty() && std::isspace(static_cast<unsigned char>(clean.back())))
        clean.pop_back();
    if (clean.empty()) return reply(m, std::string(cat().empty_text));
    const bool direct = to != mesh::kBroadcast;
    const Node* node = direct ? d_.nodes.find(to) : nullptr;
    const Bytes peer_key = node ? node->public_key : Bytes();
    const bool pki = direct && d_.downlinks.can_pki(peer_key);
    const size_t part_bytes = d_.downlinks.max_text_bytes(pki);
    const std::string prefix = prefix_for(m);
    auto parts = mesh::chunk_text(prefix, clean, part_bytes);
    if (parts.empty()) {
        size_t capacity = mesh::chunk_capacity(prefix, part_bytes);
        return reply(m, i18n::fill(cat().too_long, {{"len", std::to_string(clean.size())},
                                                    {"max", std::to_string(capacity)},
                                                    {"parts", std::to_string(mesh::kMaxTextParts)},
                                                    {"part_bytes", std::to_string(part_bytes)}}));
    }
    if (d_.mesh_outbox.free_slots() < parts.size()) {
        d_.stats.drop(Drop::kMeshQueueFull);
        d_.drops.note(Drop::kMeshQueueFull, "text from chat " + std::to_string(m.chat_id));
        return reply(m,
                     i18n::fill(cat().queue_full, {{"n", std::to_string(d_.mesh_outbox.size())}}));
    }
    const size_t ahead = d_.mesh_outbox.size();
    std::vector<uint32_t> packet_ids;
    for (const auto& part : parts) {
        Downlink downlink = d_.downlinks.text(to, part, peer_key, reply_id);
        if (downlink.packet_id != 0) packet_ids.push_back(downlink.packet_id);
        d_.mesh_outbox.push(std::move(downlink.message));
        ++d_.stats.downlinks;
    }
    std::string confirmation;
    if (!direct) {
        confirmation = i18n::fill(cat().sent_broadcast, {{"channel", target_html}});
    } else {
        confirmation = i18n::fill(pki ? cat().sent_dm_pki : cat().sent_dm, {{"node", target_html}});
    }
    if (parts.size() > 1)
        confirmation += i18n::fill(cat().sent_parts, {{"n", std::to_string(parts.size())}});
    if (ahead > 0) confirmation += i18n::fill(cat().queued_behind, {{"n", std::to_string(ahead)}});
    if (direct && !pki) {
        if (d_.config.downlink == DownlinkMode::kProtobuf) {
            // Older firmware takes it now; ask for the key so that the next DM is PKI.
            confirmation += i18n::fill(cat().dm_key_unknown, {{"node", target_html}});
            d_.request_key(to);
        } else {
            confirmation += std::string(cat().dm_legacy_note);
        }
    }
    uint64_t tag = 0;
    if (direct && !packet_ids.empty()) {
        tag = d_.track_delivery(to, std::move(packet_ids), m.chat_id, confirmation);
    }
    reply(m, confirmation, tag);
}

void ChatCommands::reply_on_mesh(const IncomingMessage& m, const MeshRef& original) {
    if (original.direct) {
        return send_text(m, original.from, m.text,
                         format_node_ref(d_.nodes.find(original.from), original.from),
                         original.packet_id);
    }
    send_text(m, mesh::kBroadcast, m.text, escape_html(d_.config.channel), original.packet_id);
}

void ChatCommands::send_to_node(const IncomingMessage& m, std::string_view args) {
    if (args.empty()) return reply(m, std::string(cat().usage_send_to_node));
    auto res = d_.nodes.resolve(args);
    if (res.candidates.size() > 1) {
        std::string list;
        for (auto num : res.candidates) {
            if (!list.empty()) list += ", ";
            list += format_node_ref(d_.nodes.find(num), num);
        }
        return reply(m, i18n::fill(cat().node_ambiguous,
                                   {{"query", escape_html(res.query)}, {"list", list}}));
    }
    if (!res.node) {
        return reply(m, i18n::fill(cat().node_not_found, {{"query", escape_html(res.query)}}));
    }
    if (res.rest.empty()) return reply(m, std::string(cat().usage_send_to_node));
    send_text(m, *res.node, res.rest, format_node_ref(d_.nodes.find(*res.node), *res.node));
}

void ChatCommands::list_nodes(const IncomingMessage& m) {
    auto lines = format_node_list(d_.nodes, d_.clock.unix_seconds(), kNodesListed, cat());
    for (auto& text : telegram::split_message(lines))
        reply(m, text);
}

void ChatCommands::probe(const IncomingMessage& m) {
    if (!d_.config.is_admin(m.user_id)) return reply(m, std::string(cat().admins_only));
    auto body = json::make_object();
    json::add_string(body.get(), "ping", "probe");
    json::add_int(body.get(), "ts", d_.clock.unix_seconds());
    Outgoing out;
    out.topic = d_.config.probe_topic;
    out.payload = json::print(body.get());
    out.receipt_id = next_receipt_++;
    probes_[out.receipt_id] = {m.chat_id, m.message_id, m.thread_id, d_.clock.now_ms(), out.topic};
    d_.publisher.publish(std::move(out));
}

void ChatCommands::on_published(uint64_t receipt_id, bool ok, Millis at) {
    auto it = probes_.find(receipt_id);
    if (it == probes_.end()) return;
    PendingProbe p = std::move(it->second);
    probes_.erase(it);
    IncomingMessage origin;
    origin.chat_id = p.chat_id;
    origin.message_id = p.message_id;
    origin.thread_id = p.thread_id;
    std::string topic = escape_html(p.topic);
    reply(origin, ok ? i18n::fill(cat().probe_published,
                                  {{"topic", topic}, {"ms", std::to_string(at - p.requested_at)}})
                     : i18n::fill(cat().probe_failed, {{"topic", topic}}));
}

}  // namespace tgmesh::core
