// Browsing nodes from the chat: /write's picker, /nodes pages, /node details.
#include "tgmesh/core/chat/chat_commands.h"
#include "tgmesh/core/chat/format.h"
#include "tgmesh/core/chat/node_details.h"
#include "tgmesh/telegram/html.h"
#include "tgmesh/telegram/keyboard.h"

namespace tgmesh::core {

using telegram::escape_html;
using telegram::IncomingMessage;

std::optional<NodeRegistry::Resolution> ChatCommands::resolve_or_reply(const IncomingMessage& m,
                                                                       std::string_view args,
                                                                       std::string_view usage) {
    if (args.empty()) {
        reply(m, std::string(usage));
        return std::nullopt;
    }
    auto res = d_.nodes.resolve(args);
    if (res.candidates.size() > 1) {
        std::string list;
        for (auto num : res.candidates) {
            if (!list.empty()) list += ", ";
            list += format_node_ref(d_.nodes.find(num), num);
        }
        reply(m, i18n::fill(cat().node_ambiguous,
                            {{"query", escape_html(res.query)}, {"list", list}}));
        return std::nullopt;
    }
    if (!res.node) {
        reply(m, i18n::fill(cat().node_not_found, {{"query", escape_html(res.query)}}));
        return std::nullopt;
    }
    return res;
}

// ---- /write ----------------------------------------------------------------------------------

void ChatCommands::write(const IncomingMessage& m, std::string_view) {
    if (d_.nodes.size() == 0) return reply(m, std::string(cat().nodes_empty));
    const uint32_t session =
        write_.start(m.chat_id, m.user_id, m.display_name(), m.message_id, d_.clock.now_ms());
    auto keyboard = write_.keyboard(session, 0, d_.nodes, d_.clock.unix_seconds(), cat());
    reply(m, std::string(cat().write_choose), 0, telegram::inline_keyboard(keyboard));
}

void ChatCommands::write_pressed(const telegram::CallbackQuery& q) {
    using Kind = WriteFlow::Press::Kind;
    const WriteFlow::Press p = write_.press(q.data, q.chat_id, q.user_id, d_.clock.now_ms());
    switch (p.kind) {
        case Kind::kExpired:
            return d_.poster.answer(q, cat().callback_expired);
        case Kind::kForeign:
            return d_.poster.answer(q,
                                    i18n::fill(cat().callback_foreign, {{"name", p.owner_name}}));
        case Kind::kCancel:
            d_.poster.answer(q, cat().write_cancelled);
            return d_.poster.edit(q.chat_id, q.message_id, std::string(cat().write_cancelled));
        case Kind::kPage: {
            d_.poster.answer(q);
            auto keyboard =
                write_.keyboard(p.session, p.page, d_.nodes, d_.clock.unix_seconds(), cat());
            return d_.poster.edit(q.chat_id, q.message_id, std::string(cat().write_choose),
                                  telegram::inline_keyboard(keyboard));
        }
        case Kind::kPick: {
            d_.poster.answer(q);
            const std::string name = format_node_ref(d_.nodes.find(p.node), p.node);
            d_.poster.edit(q.chat_id, q.message_id, i18n::fill(cat().write_to, {{"node", name}}));
            // The prompt answers the user's /write, so that ForceReply (selective) opens the
            // reply field for that user only.
            IncomingMessage origin;
            origin.chat_id = q.chat_id;
            origin.thread_id = q.thread_id;
            origin.message_id = write_.command_message(q.chat_id, q.user_id);
            const Node* node = d_.nodes.find(p.node);
            const std::string plain = node ? node->display_name() : mesh::format_node_id(p.node);
            reply(origin, i18n::fill(cat().write_prompt, {{"node", name}}), 0,
                  telegram::force_reply(i18n::fill(cat().write_placeholder, {{"node", plain}})));
            return;
        }
    }
}

// ---- /nodes and /node ------------------------------------------------------------------------

void ChatCommands::list_nodes(const IncomingMessage& m, std::string_view filter) {
    const uint32_t view = pages_.open(std::string(filter), d_.clock.now_ms());
    auto page = pages_.render(view, 0, d_.nodes, d_.clock.unix_seconds(), cat());
    reply(m, page.html, 0, page.reply_markup);
}

void ChatCommands::nodes_pressed(const telegram::CallbackQuery& q) {
    auto p = pages_.press(q.data, d_.clock.now_ms());
    if (!p) return d_.poster.answer(q, cat().callback_expired);
    d_.poster.answer(q);
    auto page = pages_.render(p->view, p->page, d_.nodes, d_.clock.unix_seconds(), cat());
    d_.poster.edit(q.chat_id, q.message_id, page.html, page.reply_markup);
}

void ChatCommands::node(const IncomingMessage& m, std::string_view args) {
    auto res = resolve_or_reply(m, args, cat().usage_node);
    if (!res) return;
    // An id never heard still gets an answer: the id and "nothing known yet".
    const Node* known = d_.nodes.find(*res->node);
    Node unknown;
    unknown.num = *res->node;
    const Node& n = known ? *known : unknown;
    reply(m, format_node_details(n, d_.nodes, d_.clock.unix_seconds(), cat()));
    if (auto point = node_location(n)) {
        d_.poster.reply_location(m, *point);
    }
}

}  // namespace tgmesh::core
