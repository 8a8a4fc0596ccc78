#include "tgmesh/telegram/outbox.h"

#include <algorithm>

namespace tgmesh::telegram {

namespace {
bool is_group(int64_t chat_id) {
    return chat_id < 0;
}

// A refusal that says the bot cannot write to the chat at all (not one about this message).
bool refuses_the_chat(const ApiResult& r) {
    if (r.http_status == 403 || r.migrate_to_chat_id) return true;
    for (std::string_view words : {"chat not found", "not enough rights", "have no rights",
                                   "CHAT_WRITE_FORBIDDEN", "TOPIC_CLOSED", "bot was kicked"}) {
        if (r.description.find(words) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

const char* OutboundMessage::method() const {
    if (location) return "sendLocation";
    if (venue) return "sendVenue";
    if (!reaction.empty()) return "setMessageReaction";
    if (edit_message_id) return "editMessageText";
    return "sendMessage";
}

std::string OutboundMessage::body() const {
    if (location) return send_location_body(chat_id, *location, options);
    if (venue) return send_venue_body(chat_id, *venue, options);
    if (!reaction.empty()) return set_reaction_body(chat_id, edit_message_id.value_or(0), reaction);
    if (edit_message_id) return edit_message_body(chat_id, *edit_message_id, html, reply_markup);
    return send_message_body(chat_id, html, options, reply_markup);
}

void Outbox::post_now(std::string_view method, std::string body) {
    if (!endpoint_.enabled()) return;
    const std::string name(method);
    http_.post({endpoint_.url(method), std::move(body), kRequestTimeout},
               [this, name](const HttpResponse& response) {
                   ApiResult r = parse_response(response.status, response.body);
                   if (r.outcome == Outcome::kOk) return;
                   ++stats_.telegram_errors;
                   log_.log(LogLevel::kWarning, describe_failure(name, r, response.error));
               });
}

bool Outbox::enqueue(OutboundMessage message) {
    if (size() >= kCapacity) {
        drops_.record(Drop::kTelegramQueueFull, "a " + std::string(message.method()) + " to chat " +
                                                    std::to_string(message.chat_id));
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

std::vector<ChatRefusal> Outbox::unreachable_chats() const {
    std::vector<ChatRefusal> out;
    for (const auto& [id, lane] : lanes_) {
        if (!lane.refused.empty()) out.push_back({id, lane.refused});
    }
    return out;
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
    if (!pacing_) return std::max(now, lane.not_before);
    Millis at =
        std::max({now, lane.not_before, lane.per_chat.ready_at(now), global_.ready_at(now)});
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

void Outbox::forget_idle_lanes() {
    if (lanes_.size() <= kIdleLanesKept) return;
    const Millis now = clock_.now_ms();
    for (auto it = lanes_.begin(); it != lanes_.end();) {
        const Lane& lane = it->second;
        const bool idle =
            lane.queue.empty() && !lane.in_flight && lane.not_before <= now && lane.refused.empty();
        it = idle ? lanes_.erase(it) : std::next(it);
    }
}

void Outbox::run_due(Millis now) {
    if (!endpoint_.enabled()) return;
    forget_idle_lanes();
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
    const uint64_t gen = generation_;
    std::string method = m.method();
    http_.post({endpoint_.url(method), m.body(), kRequestTimeout},
               [this, chat_id, gen, method](const HttpResponse& r) {
                   if (gen == generation_) on_response(chat_id, method, r);
               });
}

bool Outbox::api_answered_since(Millis since) const {
    return last_answer_at_ > since || api_.last_success_at() > since;
}

void Outbox::on_response(int64_t chat_id, const std::string& method, const HttpResponse& response) {
    Lane& lane = lanes_[chat_id];
    lane.in_flight = false;
    if (lane.queue.empty()) return;
    ApiResult r = parse_response(response.status, response.body);
    const Millis now = clock_.now_ms();
    switch (r.outcome) {
        case Outcome::kOk: {
            if (lane.failures > 0) {
                log_.log(LogLevel::kNotice, "Telegram delivers to chat " + std::to_string(chat_id) +
                                                " again after " + std::to_string(lane.failures) +
                                                " failed requests");
            }
            lane.failures = 0;
            lane.backoff.reset();
            lane.refused.clear();
            lane.last_refusal.clear();
            lane.gave_up = false;
            last_answer_at_ = now;
            OutboundMessage sent = std::move(lane.queue.front());
            lane.queue.pop_front();
            ++stats_.telegram_sent;
            if (on_sent_ && sent.tag != 0) {
                on_sent_(sent.tag, chat_id, json::get_int(r.result, "message_id").value_or(0));
            }
            return;
        }
        case Outcome::kRetryAfter: {
            // Telegram's flood control is per chat: hold only this chat, keep the message.
            ++stats_.telegram_429;
            ++stats_.telegram_errors;
            int wait_s = r.retry_after_s;
            std::string capped;
            if (wait_s > kMaxRetryAfterSeconds) {
                capped = " (asked " + std::to_string(wait_s) + " s; capped at an hour)";
                wait_s = kMaxRetryAfterSeconds;
            }
            lane.not_before = now + static_cast<Millis>(wait_s) * kSecond;
            log_.log(LogLevel::kWarning, "Telegram rate limit for chat " + std::to_string(chat_id) +
                                             ": retrying after " + std::to_string(wait_s) + " s" +
                                             capped);
            return;
        }
        case Outcome::kRejected:
            last_answer_at_ = now;  // the API answered: it is up
            return on_refusal(chat_id, lane, r);
        default:
            return on_failure(chat_id, lane, method, r, response.error);
    }
}

void Outbox::on_failure(int64_t chat_id, Lane& lane, const std::string& method, const ApiResult& r,
                        const std::string& error) {
    const Millis now = clock_.now_ms();
    ++stats_.telegram_errors;
    if (lane.failures == 0) lane.failing_since = now;
    ++lane.failures;
    const std::string chat = std::to_string(chat_id);
    if (now - lane.failing_since >= kGiveUpAfter && api_answered_since(lane.failing_since)) {
        // Other requests get through: it is this message (or this chat), not the API.
        // A chat's first give-up is logged at once; the rest show in the summaries.
        drops_.record_lazy(
            Drop::kTelegramGaveUp,
            [&] {
                return describe_failure(method, r, error) + " (chat " + chat + ", failing for " +
                       std::to_string((now - lane.failing_since) / kSecond) +
                       " s while other requests went through)";
            },
            1, !lane.gave_up);
        lane.gave_up = true;
        lane.queue.pop_front();
        lane.failures = 0;
        lane.backoff.reset();
        lane.not_before = now;
        return;
    }
    const Millis delay = lane.backoff.record_failure();
    lane.not_before = now + delay;
    // One line per run of failures, plus one whenever the kind of failure changes.
    if (lane.failures == 1 || r.outcome != lane.last_failure) {
        log_.log(LogLevel::kWarning,
                 describe_failure(method, r, error) + " (chat " + chat + "); retrying in " +
                     std::to_string(delay / kSecond) +
                     " s; other chats are not held up (further failures are not logged)");
    }
    lane.last_failure = r.outcome;
}

void Outbox::on_refusal(int64_t chat_id, Lane& lane, const ApiResult& r) {
    ++stats_.telegram_errors;
    lane.failures = 0;
    lane.backoff.reset();
    if (refuses_the_chat(r)) lane.refused = r.description.empty() ? "refused" : r.description;
    std::string example = "Telegram refused a message to chat " + std::to_string(chat_id) + " (" +
                          lane.queue.front().method() + "): " + r.description;
    if (r.migrate_to_chat_id) {
        example += " (the group became supergroup " + std::to_string(*r.migrate_to_chat_id) +
                   ": put that id in chat_ids)";
    }
    // A chat's first refusal (and a new reason) is logged at once: it names what to fix. A bot
    // removed from a group would otherwise log a line for every mesh text.
    const bool new_reason = r.description != lane.last_refusal;
    lane.last_refusal = r.description;
    drops_.record_lazy(
        Drop::kTelegramRejected, [&] { return example; }, 1, new_reason);
    lane.queue.pop_front();
}

}  // namespace tgmesh::telegram
