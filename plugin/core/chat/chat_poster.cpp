#include "tgmesh/core/chat/chat_poster.h"

#include "tgmesh/core/chat/format.h"
#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/telegram/message_split.h"
#include "tgmesh/telegram/reactions.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::core {

namespace {
// A venue's title and address: a mesh waypoint's name has 30 characters, its description 100.
constexpr size_t kMaxVenueText = 128;
}  // namespace

ChatPoster::ChatPoster(const Config& config, const NodeRegistry& nodes,
                       const Moderation& moderation, telegram::Outbox& outbox, const Clock& clock,
                       Stats& stats, DropReporter& drops)
    : config_(config),
      nodes_(nodes),
      moderation_(moderation),
      outbox_(outbox),
      stats_(stats),
      drops_(drops),
      receipts_([this](const DeliveryReport& report) { report_delivery(report); }),
      clock_(clock) {
    outbox_.set_sent_handler([this](uint64_t tag, int64_t chat_id, int64_t message_id) {
        auto it = sent_actions_.find(tag);
        if (it == sent_actions_.end()) return;
        auto action = std::move(it->second);
        sent_actions_.erase(it);
        action(chat_id, message_id);
    });
}

uint64_t ChatPoster::when_sent(std::function<void(int64_t, int64_t)> action) {
    // Messages that never get sent (Telegram refused them) leave their action behind.
    if (sent_actions_.size() >= kMaxSentActions) sent_actions_.erase(sent_actions_.begin());
    const uint64_t tag = next_tag_++;
    sent_actions_.emplace(tag, std::move(action));
    return tag;
}

void ChatPoster::remember(int64_t chat_id, int64_t message_id, const MeshRef& ref) {
    messages_.remember(chat_id, message_id, ref);
    changed_ = true;
}

std::vector<ChannelRoute> ChatPoster::dm_targets(const MeshText& text) const {
    if (text.reply_id) {
        const DmOrigin* origin = dm_origins_.find(*text.reply_id);
        // Only while that chat is still bridged (a reload may have removed it).
        if (origin && config_.is_bridged_chat(origin->chat_id)) {
            return {ChannelRoute{config_.channel, origin->chat_id, origin->thread_id}};
        }
    }
    return config_.dm_routes();
}

std::vector<ChannelRoute> ChatPoster::targets(const MeshText& text) {
    if (moderation_.node_blocked(text.from)) {
        drops_.record(Drop::kBlocked, "text from " + mesh::format_node_id(text.from));
        return {};
    }
    // DMs to the bridge go to the DM chats; channel texts to the chats (topics) of their channel.
    if (text.direct) return dm_targets(text);
    std::vector<ChannelRoute> out;
    for (const auto& route : config_.routes()) {
        if (route.channel == text.channel) out.push_back(route);
    }
    return out;
}

bool ChatPoster::react(int64_t chat_id, std::optional<int64_t> message_id,
                       const std::string& emoji) {
    auto reaction = telegram::as_reaction(emoji);
    if (!message_id || !reaction || reacted_.find({chat_id, *message_id})) return false;
    reacted_.put({chat_id, *message_id}, true);
    telegram::OutboundMessage out;
    out.chat_id = chat_id;
    out.edit_message_id = message_id;
    out.reaction = *reaction;
    if (outbox_.enqueue(std::move(out))) ++stats_.texts_to_telegram;
    return true;
}

void ChatPoster::post_mesh_text(const MeshText& text) {
    if (!config_.telegram_enabled()) return;
    const std::vector<ChannelRoute> routes = targets(text);
    if (outbox_.size() >= telegram::Outbox::kCapacity) {
        // Full (Telegram down or a flood): drop before the formatting work, counted as usual.
        if (!routes.empty()) {
            drops_.record(Drop::kTelegramQueueFull, "text from " + mesh::format_node_id(text.from),
                          routes.size());
        }
        return;
    }
    const auto& cat = i18n::catalog(config_.language);
    const Node* sender = nodes_.find(text.from);
    std::string html;  // made once, and only if some chat gets a message
    const MeshRef ref{text.from, text.packet_id, text.direct, text.direct ? "" : text.channel};
    for (const auto& route : routes) {
        // A mesh reply (or reaction) answers the chat message that stands for its packet.
        std::optional<int64_t> answers;
        if (text.reply_id) answers = messages_.message_for(route.chat_id, *text.reply_id);
        if (text.emoji && react(route.chat_id, answers, text.text)) continue;
        if (html.empty()) {
            html = text.emoji ? format_reaction(text, sender, cat)
                              : format_mesh_text(text, sender, nodes_, cat);
        }
        telegram::OutboundMessage post;
        post.chat_id = route.chat_id;
        post.options.message_thread_id = route.thread_id;
        post.options.reply_to_message_id = answers;
        post.html = html;
        // Remember which mesh packet the chat message stands for, so a reply can answer it.
        post.tag = when_sent([this, ref](int64_t chat_id, int64_t message_id) {
            remember(chat_id, message_id, ref);
        });
        if (outbox_.enqueue(std::move(post))) ++stats_.texts_to_telegram;
    }
}

void ChatPoster::post_waypoint(const MeshWaypoint& w) {
    if (!config_.telegram_enabled()) return;
    if (moderation_.node_blocked(w.from)) {
        drops_.record(Drop::kBlocked, "waypoint from " + mesh::format_node_id(w.from));
        return;
    }
    const auto& cat = i18n::catalog(config_.language);
    const Node* sender = nodes_.find(w.from);
    telegram::Venue venue;
    venue.point = {*w.waypoint.latitude_i * 1e-7, *w.waypoint.longitude_i * 1e-7, std::nullopt};
    // Plain text (sendVenue has no parse mode): printable, as every string off the mesh.
    venue.title = utf8::printable(w.waypoint.name, kMaxVenueText);
    if (venue.title.empty()) venue.title = std::string(cat.waypoint_unnamed);
    venue.address = utf8::printable(w.waypoint.description, kMaxVenueText);
    if (venue.address.empty()) {
        venue.address =
            i18n::fill(cat.waypoint_from,
                       {{"node", sender ? sender->display_name() : mesh::format_node_id(w.from)}});
    }
    const MeshRef ref{w.from, w.packet_id, false, w.channel};
    for (const auto& route : config_.routes()) {
        if (route.channel != w.channel) continue;
        telegram::OutboundMessage post;
        post.chat_id = route.chat_id;
        post.options.message_thread_id = route.thread_id;
        post.venue = venue;
        post.tag = when_sent([this, ref](int64_t chat_id, int64_t message_id) {
            remember(chat_id, message_id, ref);
        });
        if (outbox_.enqueue(std::move(post))) ++stats_.texts_to_telegram;
    }
}

void ChatPoster::post_alerts(const std::vector<std::string>& alerts) {
    if (!config_.telegram_enabled()) return;
    for (const auto& text : alerts) {
        for (const auto& route : config_.home_routes()) {
            telegram::OutboundMessage out;
            out.chat_id = route.chat_id;
            out.options.message_thread_id = route.thread_id;
            out.html = text;
            outbox_.enqueue(std::move(out));
        }
    }
}

void ChatPoster::reply(const telegram::IncomingMessage& m, const std::string& html, uint64_t tag,
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
        outbox_.enqueue(std::move(out));
    }
}

void ChatPoster::reply_location(const telegram::IncomingMessage& m,
                                const telegram::GeoPoint& point) {
    telegram::OutboundMessage pin;
    pin.chat_id = m.chat_id;
    pin.location = point;
    pin.options.reply_to_message_id = m.message_id;
    pin.options.message_thread_id = m.thread_id;
    outbox_.enqueue(std::move(pin));
}

void ChatPoster::edit(int64_t chat_id, int64_t message_id, const std::string& html,
                      const std::string& reply_markup) {
    telegram::OutboundMessage out;
    out.chat_id = chat_id;
    out.edit_message_id = message_id;
    out.html = html;
    out.reply_markup = reply_markup;
    outbox_.enqueue(std::move(out));
}

void ChatPoster::answer(const telegram::CallbackQuery& q, std::string_view text) {
    outbox_.post_now("answerCallbackQuery", telegram::answer_callback_body(q.id, text));
}

uint64_t ChatPoster::track_delivery(mesh::NodeNum dest, std::vector<uint32_t> packet_ids,
                                    int64_t chat_id, std::optional<int64_t> thread_id,
                                    const std::string& confirmation_html, bool legacy,
                                    Language language) {
    // The node's answer to any part of this DM comes back to this chat (topic) only.
    for (uint32_t id : packet_ids)
        dm_origins_.remember({id, chat_id, thread_id});
    changed_ = true;
    const Millis deadline = clock_.now_ms() + config_.ack_timeout_s * kSecond;
    const uint64_t receipt = receipts_.track(dest, std::move(packet_ids), chat_id,
                                             confirmation_html, deadline, legacy, language);
    return when_sent([this, receipt](int64_t, int64_t message_id) {
        receipts_.confirmation_sent(receipt, message_id);
    });
}

void ChatPoster::on_routing(mesh::NodeNum from, uint32_t request_id, uint32_t error_reason) {
    receipts_.on_routing(from, request_id, error_reason);
}

void ChatPoster::resent(mesh::NodeNum dest, uint32_t old_id, uint32_t new_id) {
    receipts_.replace_part(dest, old_id, new_id);
    if (const DmOrigin* origin = dm_origins_.find(old_id)) {
        dm_origins_.remember({new_id, origin->chat_id, origin->thread_id});
    }
    changed_ = true;
}

void ChatPoster::report_delivery(const DeliveryReport& report) {
    const auto& cat = i18n::catalog(report.language);
    std::string outcome;
    switch (report.outcome) {
        case DeliveryOutcome::kDelivered:
            outcome = std::string(cat.delivered);
            break;
        case DeliveryOutcome::kFailed:
            outcome = i18n::fill(
                cat.not_delivered,
                {{"reason", report.legacy && report.error_reason == mesh::kRoutingNoChannel
                                ? std::string(cat.legacy_dm_refused)
                                : i18n::routing_error_text(cat, report.error_reason)}});
            break;
        case DeliveryOutcome::kTimedOut:
            outcome = i18n::fill(cat.no_ack, {{"s", std::to_string(config_.ack_timeout_s)}});
            break;
    }
    edit(report.chat_id, report.message_id, report.confirmation_html + "\n" + outcome);
}

void ChatPoster::restore(const std::vector<MessageLink>& links,
                         const std::vector<DmOrigin>& origins) {
    messages_.restore(links);
    dm_origins_.restore(origins);
}

}  // namespace tgmesh::core
