// Airtime is shared: user_rate, blocked users (their messages never reach the mesh) and
// blocked nodes (their texts never reach the chats); admins' /block and /unblock.
#include <charconv>

#include "tgmesh/core/chat/chat_commands.h"
#include "tgmesh/core/chat/format.h"
#include "tgmesh/telegram/html.h"

namespace tgmesh::core {

using telegram::IncomingMessage;

namespace {
// "123456789": a Telegram user id; anything else is not one.
std::optional<int64_t> user_id_of(std::string_view text) {
    int64_t id = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (error != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
    return id;
}
}  // namespace

bool ChatCommands::may_send(const IncomingMessage& m, bool quiet) {
    if (d_.moderation.user_blocked(m.user_id)) {
        d_.drops.record(Drop::kBlocked, "a message of blocked user " + std::to_string(m.user_id));
        return false;
    }
    auto wait = d_.moderation.take(m.user_id);
    if (!wait) return true;
    if (!quiet) {
        const Millis minutes = (*wait + kMinute - 1) / kMinute;
        reply(m, i18n::fill(cat().rate_limited, {{"n", std::to_string(d_.config.user_rate)},
                                                 {"minutes", std::to_string(minutes)}}));
    }
    return false;
}

void ChatCommands::block(const IncomingMessage& m, std::string_view args) {
    change_block(m, args, true);
}

void ChatCommands::unblock(const IncomingMessage& m, std::string_view args) {
    change_block(m, args, false);
}

void ChatCommands::change_block(const IncomingMessage& m, std::string_view args, bool blocking) {
    std::optional<int64_t> user;
    std::optional<mesh::NodeNum> node;
    if (!args.empty()) {
        if (!(user = user_id_of(args))) {
            auto res = resolve_or_reply(m, args, cat().usage_block);
            if (!res) return;
            node = res->node;
        }
    } else if (m.reply_to_message_id && m.reply_to_bot) {
        // One of the bot's messages: the mesh text it stands for names the node.
        const MeshRef* ref = d_.poster.messages().find(m.chat_id, *m.reply_to_message_id);
        if (ref && ref->node != d_.identity.node()) node = ref->node;
    } else if (m.reply_to_message_id && m.reply_to_user_id > 0) {
        user = m.reply_to_user_id;
    }
    if (!user && !node) return reply(m, std::string(cat().usage_block));
    if (node && (*node == 0 || *node == mesh::kBroadcast || *node == d_.identity.node())) {
        return reply(m, i18n::fill(cat().not_a_node, {{"query", mesh::format_node_id(*node)}}));
    }
    const std::string what = user ? "<code>" + std::to_string(*user) + "</code>"
                                  : format_node_ref(d_.nodes.find(*node), *node);
    using Change = Moderation::Change;
    const Change change =
        user ? (blocking ? d_.moderation.block_user(*user) : d_.moderation.unblock_user(*user))
             : (blocking ? d_.moderation.block_node(*node) : d_.moderation.unblock_node(*node));
    std::string text;
    switch (change) {
        case Change::kDone:
        case Change::kAlready:
            if (!blocking && change == Change::kAlready) {
                text = i18n::fill(cat().not_blocked, {{"what", what}});
            } else if (user) {
                text = i18n::fill(blocking ? cat().blocked_user : cat().unblocked_user,
                                  {{"user", what}});
            } else {
                text = i18n::fill(blocking ? cat().blocked_node : cat().unblocked_node,
                                  {{"node", what}});
            }
            break;
        case Change::kInConfig:
            text = i18n::fill(cat().block_in_config, {{"what", what}});
            break;
        case Change::kAdmin:
            text = std::string(cat().block_admin);
            break;
        case Change::kFull:
            text = i18n::fill(cat().block_full, {{"n", std::to_string(Moderation::kMaxBlocked)}});
            break;
    }
    if (change == Change::kDone) {
        d_.log.log(LogLevel::kNotice, std::string(blocking ? "blocked " : "unblocked ") +
                                          (user ? "Telegram user " + std::to_string(*user)
                                                : "node " + mesh::format_node_id(*node)) +
                                          " (admin " + std::to_string(m.user_id) + ")");
    }
    reply(m, text);
}

}  // namespace tgmesh::core
