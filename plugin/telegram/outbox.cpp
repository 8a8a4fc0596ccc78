#include "tgmesh/telegram/outbox.h"

#include <algorithm>

namespace tgmesh::telegram {

namespace {
bool is_group(int64_t chat_id) {
    return chat_id < 0;
}
}  // namespace

const char* OutboundMessage::method() const {
    if (location) return "sendLocation";
    if (!reaction.empty()) return "setMessageReaction";
    if (edit_message_id) return "editMessageText";
    return "sendMessage";
}

std::string OutboundMessage::body() const {
    if (location) return send_location_body(chat_id, *location, options);
    if (!reaction.empty()) return set_reaction_body(chat_id, edit_message_id.value_or(0), reaction);
    if (edit_message_id) return edit_message_body(chat_id, *edit_message_id, html, reply_markup);
    return send_message_body(chat_id, html, options, reply_markup);
}

void Outbox::post_now(std::string_view method, std::string body) {
    if (!endpoint_.enabled()) return;
    const std::string name(method);
    http_.post({endpoint_.url(method), std::move(body), 30 * kSecond},
               [this, name](const core::HttpResponse& response) {
                   ApiResult r = parse_response(response.status, response.body);
                   if (r.outcome == Outcome::kOk) return;
                   ++stats_.telegram_errors;
                   log_.log(core::LogLevel::kWarning,
                            "Telegram " + name + " failed: " +
                                (response.status == 0 ? response.error : r.description));
               });
}

bool Outbox::enqueue(OutboundMessage message) {
    if (size() >= kCapacity) {
        stats_.drop(core::Drop::kTelegramQueueFull);
        return false;
    }
    lanes_[message.chat_id].queue.push_back(std::move(message));
    return true;
}

size_t Outbox::size() const {
    size_t n = 0;
    for (const auto& [id, lane] : lanes_)
        n += lane.queue.size();
    return n;
}

size_t Outbox::in_flight() const {
    size_t n = 0;
    for (const auto& [id, lane] : lanes_)
        n += lane.in_flight ? 1 : 0;
    return n;
}

std::vector<OutboundMessage> Outbox::pending() const {
    std::vector<OutboundMessage> out;
    for (const auto& [id, lane] : lanes_)
        out.insert(out.end(), lane.queue.begin(), lane.queue.end());
    return out;
}

void Outbox::requeue_in_flight() {
    // In-flight messages stay at the head of their queue until answered, so only the flags
    // and callbacks need resetting.
    ++generation_;
    for (auto& [id, lane] : lanes_)
        lane.in_flight = false;
}

Millis Outbox::lane_ready_at(int64_t chat_id, const Lane& lane, Millis now) const {
    if (!pacing_) return std::max({now, lane.not_before, api_not_before_});
    Millis at = std::max({now, lane.not_before, api_not_before_, lane.per_chat.ready_at(now),
                          global_.ready_at(now)});
    if (is_group(chat_id)) at = std::max(at, lane.per_group.ready_at(now));
    return at;
}

Millis Outbox::next_due(Millis now) const {
    if (!endpoint_.enabled()) return kNever;
    Millis next = kNever;
    for (const auto& [id, lane] : lanes_) {
        if (lane.queue.empty() || lane.in_flight) continue;
        next = std::min(next, lane_ready_at(id, lane, now));
    }
    return next;
}

void Outbox::run_due(Millis now) {
    if (!endpoint_.enabled()) return;
    for (auto& [id, lane] : lanes_) {
        if (lane.queue.empty() || lane.in_flight) continue;
        if (lane_ready_at(id, lane, now) > now) continue;
        if (pacing_) {
            if (!lane.per_chat.try_take(now) || !global_.try_take(now)) continue;
            if (is_group(id) && !lane.per_group.try_take(now)) continue;
        }
        send_head(id, lane);
    }
}

void Outbox::send_head(int64_t chat_id, Lane& lane) {
    lane.in_flight = true;
    const OutboundMessage& m = lane.queue.front();
    uint64_t gen = generation_;
    http_.post({endpoint_.url(m.method()), m.body(), 30 * kSecond},
               [this, chat_id, gen](const core::HttpResponse& r) {
                   if (gen == generation_) on_response(chat_id, r);
               });
}

void Outbox::on_response(int64_t chat_id, const core::HttpResponse& response) {
    Lane& lane = lanes_[chat_id];
    lane.in_flight = false;
    if (lane.queue.empty()) return;
    ApiResult r = parse_response(response.status, response.body);
    Millis now = clock_.now_ms();
    switch (r.outcome) {
        case Outcome::kOk: {
            health_.on_success();
            OutboundMessage sent = std::move(lane.queue.front());
            lane.queue.pop_front();
            ++stats_.telegram_sent;
            if (on_sent_ && sent.tag != 0) {
                on_sent_(sent.tag, chat_id, json::get_int(r.result, "message_id").value_or(0));
            }
            return;
        }
        case Outcome::kRetryAfter:
            // Telegram's flood control is per chat: hold only this chat, keep the message.
            ++stats_.telegram_429;
            ++stats_.telegram_errors;
            lane.not_before = now + static_cast<Millis>(r.retry_after_s) * kSecond;
            log_.log(core::LogLevel::kWarning, "Telegram rate limit for chat " +
                                                   std::to_string(chat_id) + ": retrying after " +
                                                   std::to_string(r.retry_after_s) + " s");
            return;
        case Outcome::kRejected: {
            ++stats_.telegram_errors;
            stats_.drop(core::Drop::kTelegramRejected);
            std::string line = "Telegram refused a message to chat " + std::to_string(chat_id) +
                               ": " + r.description;
            if (r.migrate_to_chat_id) {
                line += " (the group became supergroup " + std::to_string(*r.migrate_to_chat_id) +
                        ": put that id in chat_ids)";
            }
            // A bot removed from a group would otherwise log a line for every mesh text.
            if (lane.refusals_unlogged > 0) {
                line += " (" + std::to_string(lane.refusals_unlogged) + " more refused before)";
            }
            if (now - lane.refusal_logged_at >= kRefusalLogInterval || lane.refusal_logged_at < 0) {
                log_.log(core::LogLevel::kWarning, line + "; message dropped");
                lane.refusal_logged_at = now;
                lane.refusals_unlogged = 0;
            } else {
                ++lane.refusals_unlogged;
            }
            lane.queue.pop_front();
            return;
        }
        default:
            ++stats_.telegram_errors;
            api_not_before_ = now + health_.on_failure("sendMessage", r, response.error);
            return;
    }
}

}  // namespace tgmesh::telegram
