// Chats that are not bridged: a /start there is answered with the chat's id and how to bridge
// it (discovery: a new operator learns the id to put in chat_ids), at most once a minute per
// chat; nothing else gets a reply or reaches the mesh. An admin's private chat with the bot
// takes the admin commands (it gets no mesh posts).
#include "tgmesh/core/chat/chat_commands.h"

namespace tgmesh::core {

using telegram::IncomingMessage;

void ChatCommands::handle_outside(const IncomingMessage& m, const std::string& bot_username) {
    auto cmd = telegram::parse_command(m.text, bot_username);
    if (d_.config.is_admin_private_chat(m.chat_id, m.user_id)) {
        if (cmd) admin_private_chat(m, *cmd);
        return;
    }
    log_ignored(m.chat_id);
    if (cmd && cmd->name == "start") answer_discovery(m);
}

void ChatCommands::log_ignored(int64_t chat_id) {
    if (ignored_chats_.size() >= kIgnoredChatsLogged || !ignored_chats_.insert(chat_id).second) {
        return;
    }
    d_.log.log(LogLevel::kNotice, "ignoring updates from chat " + std::to_string(chat_id) +
                                      " (not in chat_ids; /start there answers with its id)");
}

void ChatCommands::answer_discovery(const IncomingMessage& m) {
    const Millis now = d_.clock.now_ms();
    if (discovery_answered_at_.size() >= kDiscoveryChatsRemembered) {
        std::erase_if(discovery_answered_at_,
                      [&](const auto& entry) { return now - entry.second >= kDiscoveryAnswerGap; });
        if (discovery_answered_at_.size() >= kDiscoveryChatsRemembered) return;  // a flood
    }
    auto [it, first] = discovery_answered_at_.try_emplace(m.chat_id, now);
    if (!first && now - it->second < kDiscoveryAnswerGap) return;
    it->second = now;
    std::string text = i18n::fill(cat().not_bridged_chat, {{"chat", std::to_string(m.chat_id)}});
    if (m.chat_type == "private") {
        text += i18n::fill(cat().not_bridged_private, {{"user", std::to_string(m.user_id)}});
    }
    reply(m, text);
}

void ChatCommands::admin_private_chat(const IncomingMessage& m, const telegram::Command& cmd) {
    for (const auto& command : commands()) {
        if (command.in_admin_chat && command.name == cmd.name) return run(command, m, cmd.args);
    }
    std::string text = std::string(cat().admin_chat_only);
    if (cmd.name == "start" || cmd.name == "help") {
        text = i18n::fill(cat().not_bridged_chat, {{"chat", std::to_string(m.chat_id)}}) + "\n" +
               text + std::string(cat().help_admin);
    }
    reply(m, text);
}

}  // namespace tgmesh::core
