#include "tgmesh/core/chat/chat_commands.h"

#include "tgmesh/core/chat/format.h"
#include "tgmesh/telegram/bot_api.h"
#include "tgmesh/telegram/html.h"
#include "tgmesh/util/json.h"

namespace tgmesh::core {

using telegram::escape_html;
using telegram::IncomingMessage;

std::span<const ChatCommands::Command> ChatCommands::commands() {
    using C = i18n::Catalog;
    // In the menu's order.
    static constexpr Command kCommands[] = {
        {"send", &ChatCommands::send_command, false, false, &C::cmd_send},
        {"send_to_node", &ChatCommands::send_to_node, false, false, &C::cmd_send_to_node},
        {"write", &ChatCommands::write, false, false, &C::cmd_write},
        {"send_nearby", &ChatCommands::send_nearby, false, false, &C::cmd_send_nearby},
        {"nodes", &ChatCommands::list_nodes, false, false, &C::cmd_nodes},
        {"node", &ChatCommands::node, false, false, &C::cmd_node},
        {"trace", &ChatCommands::trace, false, false, &C::cmd_trace},
        {"help", &ChatCommands::help, false, false, &C::cmd_help},
        {"start", &ChatCommands::start, false, false, nullptr},
        {"status", &ChatCommands::status, true, true, &C::cmd_status},
        {"probe", &ChatCommands::probe, true, true, &C::cmd_probe},
        {"forget_key", &ChatCommands::forget_key, true, true, &C::cmd_forget_key},
        {"block", &ChatCommands::block, true, true, &C::cmd_block},
        {"unblock", &ChatCommands::unblock, true, true, &C::cmd_unblock},
    };
    return kCommands;
}

namespace {
const ChatCommands::Command* find_command(std::string_view name) {
    for (const auto& command : ChatCommands::commands()) {
        if (command.name == name) return &command;
    }
    return nullptr;
}
}  // namespace

std::vector<std::pair<std::string, std::string_view>> ChatCommands::menu(const i18n::Catalog& cat,
                                                                         bool admin) {
    std::vector<std::pair<std::string, std::string_view>> items;
    for (const auto& command : commands()) {
        if (command.menu && (admin || !command.admin_only)) {
            items.emplace_back(command.name, cat.*command.menu);
        }
    }
    return items;
}

void ChatCommands::run(const Command& command, const IncomingMessage& m, std::string_view args) {
    if (command.admin_only && !d_.config.is_admin(m.user_id)) {
        return reply(m, std::string(cat().admins_only));
    }
    (this->*command.run)(m, args);
}

void ChatCommands::handle_update(const telegram::Update& update, const std::string& bot_username) {
    if (update.reaction) {
        answer_in_language_of(update.reaction->language_code);
        if (d_.config.is_bridged_chat(update.reaction->chat_id)) handle_reaction(*update.reaction);
        return;
    }
    if (update.callback) {
        const auto& q = *update.callback;
        answer_in_language_of(q.language_code);
        // Outside the bridged chats only answered, so the presser's button stops spinning.
        if (!d_.config.is_bridged_chat(q.chat_id)) return d_.poster.answer(q);
        return handle_callback(q);
    }
    if (!update.message) return;
    const IncomingMessage& m = *update.message;
    if (m.from_bot) return;  // other bots (and our own echoes) never drive the mesh
    answer_in_language_of(m.language_code);
    if (!d_.config.is_bridged_chat(m.chat_id)) return handle_outside(m, bot_username);
    handle(m, bot_username);
}

void ChatCommands::handle(const IncomingMessage& m, const std::string& bot_username) {
    auto cmd = telegram::parse_command(m.text, bot_username);
    if (!cmd) {
        if (m.text.starts_with("/")) return;  // a command for another bot
        return plain_text(m);
    }
    if (const Command* command = find_command(cmd->name)) return run(*command, m, cmd->args);
    // In groups an unknown bare /command may belong to another bot: stay quiet.
    if (m.chat_type == "private" || cmd->addressed) reply(m, std::string(cat().unknown_command));
}

void ChatCommands::plain_text(const IncomingMessage& m) {
    if (m.location) {
        if (d_.config.chat_to_mesh && d_.config.channel_for_chat(m.chat_id, m.thread_id)) {
            share_location(m);
        }
        return;
    }
    // After /write picked a node, the user's next text is the DM.
    if (auto node = write_.take_target(m.chat_id, m.user_id, d_.clock.now_ms())) {
        return send(m, m.text, dm_to(*node));
    }
    if (m.reply_to_message_id) {
        const MeshRef* original = d_.poster.messages().find(m.chat_id, *m.reply_to_message_id);
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
}

void ChatCommands::handle_callback(const telegram::CallbackQuery& q) {
    if (q.data.starts_with(WriteFlow::kCallbackPrefix)) return write_pressed(q);
    if (q.data.starts_with(NodePages::kCallbackPrefix)) return nodes_pressed(q);
    d_.poster.answer(q, cat().callback_expired);
}

void ChatCommands::publish_menu() {
    // With `language auto`: English for everyone, Russian for Russian-speaking users.
    std::vector<std::pair<Language, std::string_view>> languages = {{d_.config.language, ""}};
    if (d_.config.language == Language::kAuto) {
        languages = {{Language::kEn, ""}, {Language::kRu, "ru"}};
    }
    auto commands_for = [](Language language, bool admin) {
        std::vector<telegram::BotCommand> list;
        for (const auto& [command, description] : menu(i18n::catalog(language), admin)) {
            list.push_back({command, std::string(description)});
        }
        return list;
    };
    for (const auto& [language, code] : languages) {
        d_.poster.call("setMyCommands", telegram::set_my_commands_body(
                                            commands_for(language, false), {"default"}, code));
    }
    // Earlier versions showed the admin commands to every group administrator.
    d_.poster.call("deleteMyCommands",
                   telegram::delete_my_commands_body({"all_chat_administrators"}));
    // The admin menu for admin_ids only: in their private chats with the bot, and to them in
    // each bridged group. Bounded: a long admin list in many chats would flood the API.
    std::vector<telegram::CommandScope> scopes;
    std::set<int64_t> groups;
    for (const auto& route : d_.config.routes()) {
        if (route.chat_id < 0) groups.insert(route.chat_id);
    }
    for (int64_t admin : d_.config.admin_ids) {
        scopes.push_back({"chat", admin, std::nullopt});
        for (int64_t group : groups)
            scopes.push_back({"chat_member", group, admin});
    }
    if (scopes.size() > kMaxAdminMenus) {
        d_.log.log(LogLevel::kNotice, "the admin command menu is set for the first " +
                                          std::to_string(kMaxAdminMenus) + " of " +
                                          std::to_string(scopes.size()) + " admin/chat pairs");
        scopes.resize(kMaxAdminMenus);
    }
    for (const auto& [language, code] : languages) {
        const auto admins = commands_for(language, true);
        for (const auto& scope : scopes) {
            d_.poster.call("setMyCommands", telegram::set_my_commands_body(admins, scope, code));
        }
    }
}

void ChatCommands::send_command(const IncomingMessage& m, std::string_view args) {
    if (args.empty()) return reply(m, std::string(cat().usage_send));
    if (auto spec = broadcast_in(m)) send(m, args, *spec);
}

void ChatCommands::start(const IncomingMessage& m, std::string_view) {
    std::string text = help_text(m);
    if (m.chat_type != "private") text += "\n\n" + std::string(cat().start_group);
    reply(m, text);
}

void ChatCommands::help(const IncomingMessage& m, std::string_view) {
    reply(m, help_text(m));
}

std::string ChatCommands::help_text(const IncomingMessage& m) const {
    const std::string channel =
        d_.config.channel_for_chat(m.chat_id, m.thread_id).value_or(d_.config.channel);
    std::string text = i18n::fill(cat().help, {{"channel", escape_html(channel)}});
    if (d_.config.is_admin(m.user_id)) text += std::string(cat().help_admin);
    return text;
}

void ChatCommands::status(const IncomingMessage& m, std::string_view) {
    reply(m, d_.status(cat()));
}

void ChatCommands::forget_key(const IncomingMessage& m, std::string_view args) {
    auto res = resolve_or_reply(m, args, cat().usage_forget_key);
    if (!res) return;
    const std::string node = format_node_ref(d_.nodes.find(*res->node), *res->node);
    if (!d_.forget_key(*res->node)) return reply(m, i18n::fill(cat().key_none, {{"node", node}}));
    reply(m, i18n::fill(cat().key_forgotten, {{"node", node}}));
}

void ChatCommands::probe(const IncomingMessage& m, std::string_view) {
    auto body = json::make_object();
    json::add_string(body.get(), "ping", "probe");
    json::add_int(body.get(), "ts", d_.clock.unix_seconds());
    Outgoing out;
    out.topic = d_.config.probe_topic;
    out.payload = json::print(body.get());
    out.receipt_id = next_receipt_++;
    probes_[out.receipt_id] = {m.chat_id,         m.message_id, m.thread_id,
                               d_.clock.now_ms(), out.topic,    language_};
    d_.publisher.publish(std::move(out));
}

void ChatCommands::on_published(uint64_t receipt_id, bool ok, Millis at) {
    auto it = probes_.find(receipt_id);
    if (it == probes_.end()) return;
    PendingProbe p = std::move(it->second);
    probes_.erase(it);
    language_ = p.language;
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
