#include "tgmesh/core/chat_commands.h"

#include "tgmesh/core/format.h"
#include "tgmesh/telegram/html.h"
#include "tgmesh/telegram/message_split.h"
#include "tgmesh/util/json.h"

namespace tgmesh::core {

using telegram::escape_html;
using telegram::IncomingMessage;

void ChatCommands::reply(const IncomingMessage& m, const std::string& html, uint64_t tag,
                         const std::string& reply_markup) {
    auto parts = telegram::split_message({html});
    for (size_t i = 0; i < parts.size(); ++i) {
        telegram::OutboundMessage out;
        out.chat_id = m.chat_id;
        out.html = std::move(parts[i]);
        out.tag = i == 0 ? tag : 0;  // a long reply is tracked by its first message
        if (i + 1 == parts.size()) out.reply_markup = reply_markup;  // buttons under the end
        out.options.reply_to_message_id = m.message_id;
        out.options.message_thread_id = m.thread_id;
        if (!d_.chat.enqueue(std::move(out))) {
            d_.drops.note(Drop::kTelegramQueueFull, "reply to chat " + std::to_string(m.chat_id));
        }
    }
}

void ChatCommands::edit(int64_t chat_id, int64_t message_id, const std::string& html,
                        const std::string& reply_markup) {
    telegram::OutboundMessage out;
    out.chat_id = chat_id;
    out.edit_message_id = message_id;
    out.html = html;
    out.reply_markup = reply_markup;
    d_.chat.enqueue(std::move(out));
}

void ChatCommands::answer(const telegram::CallbackQuery& q, std::string_view text) {
    d_.chat.post_now("answerCallbackQuery", telegram::answer_callback_body(q.id, text));
}

void ChatCommands::handle(const IncomingMessage& m, const std::string& bot_username) {
    auto cmd = telegram::parse_command(m.text, bot_username);
    if (!cmd) {
        if (m.text.starts_with("/")) return;  // a command for another bot
        // After /write picked a node, the user's next text is the DM.
        if (auto node = write_.take_target(m.chat_id, m.user_id, d_.clock.now_ms())) {
            return send(m, m.text, dm_to(*node));
        }
        if (m.reply_to_message_id) {
            const MeshRef* original = d_.messages.find(m.chat_id, *m.reply_to_message_id);
            // A reply to a DM is addressed to its author; one to a broadcast is chat like any
            // other plain message and follows chat_to_mesh.
            if (original && (original->direct || d_.config.chat_to_mesh)) {
                return reply_on_mesh(m, *original);
            }
        }
        // A forum topic that is not bridged keeps its chat to itself, without a word.
        if (d_.config.chat_to_mesh && d_.config.channel_for_chat(m.chat_id, m.thread_id)) {
            if (auto spec = broadcast_in(m)) send(m, m.text, *spec);
        }
        return;
    }
    const std::string& name = cmd->name;
    if (name == "start" || name == "help") {
        help(m, name == "start");
    } else if (name == "send") {
        if (cmd->args.empty()) return reply(m, std::string(cat().usage_send));
        if (auto spec = broadcast_in(m)) send(m, cmd->args, *spec);
    } else if (name == "send_to_node") {
        send_to_node(m, cmd->args);
    } else if (name == "send_nearby") {
        send_nearby(m, cmd->args);
    } else if (name == "write") {
        write(m);
    } else if (name == "nodes") {
        list_nodes(m, cmd->args);
    } else if (name == "node") {
        node(m, cmd->args);
    } else if (name == "probe") {
        probe(m);
    } else if (name == "status") {
        status(m);
    } else if (name == "forget_key") {
        forget_key(m, cmd->args);
    } else if (m.chat_type == "private" || cmd->addressed) {
        // In groups an unknown bare /command may belong to another bot: stay quiet.
        reply(m, std::string(cat().unknown_command));
    }
}

void ChatCommands::handle_callback(const telegram::CallbackQuery& q) {
    if (q.data.starts_with("w:")) return write_pressed(q);
    if (q.data.starts_with("v:")) return nodes_pressed(q);
    answer(q, cat().callback_expired);
}

std::vector<std::pair<std::string, std::string_view>> ChatCommands::menu(const i18n::Catalog& cat,
                                                                         bool admin) {
    std::vector<std::pair<std::string, std::string_view>> items = {
        {"send", cat.cmd_send},   {"send_to_node", cat.cmd_send_to_node},
        {"write", cat.cmd_write}, {"send_nearby", cat.cmd_send_nearby},
        {"nodes", cat.cmd_nodes}, {"node", cat.cmd_node},
        {"help", cat.cmd_help}};
    if (admin) {
        items.emplace_back("status", cat.cmd_status);
        items.emplace_back("probe", cat.cmd_probe);
        items.emplace_back("forget_key", cat.cmd_forget_key);
    }
    return items;
}

void ChatCommands::help(const IncomingMessage& m, bool start) {
    const std::string channel =
        d_.config.channel_for_chat(m.chat_id, m.thread_id).value_or(d_.config.channel);
    std::string text = i18n::fill(cat().help, {{"channel", escape_html(channel)}});
    if (d_.config.is_admin(m.user_id)) text += std::string(cat().help_admin);
    if (start && m.chat_type != "private") text += "\n\n" + std::string(cat().start_group);
    reply(m, text);
}

void ChatCommands::status(const IncomingMessage& m) {
    if (!d_.config.is_admin(m.user_id)) return reply(m, std::string(cat().admins_only));
    reply(m, d_.status(cat()));
}

void ChatCommands::forget_key(const IncomingMessage& m, std::string_view args) {
    if (!d_.config.is_admin(m.user_id)) return reply(m, std::string(cat().admins_only));
    auto res = resolve_or_reply(m, args, cat().usage_forget_key);
    if (!res) return;
    const std::string node = format_node_ref(d_.nodes.find(*res->node), *res->node);
    if (!d_.forget_key(*res->node)) return reply(m, i18n::fill(cat().key_none, {{"node", node}}));
    reply(m, i18n::fill(cat().key_forgotten, {{"node", node}}));
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
