#include "tgmesh/telegram/poller.h"

#include <algorithm>
#include <vector>

namespace tgmesh::telegram {

void Poller::start(UpdateHandler handler) {
    handler_ = std::move(handler);
    ++generation_;
    phase_ = Phase::kIdle;
    after_wait_ = Phase::kNeedMe;
    next_at_ = clock_.now_ms();
}

void Poller::stop() {
    ++generation_;
    phase_ = Phase::kStopped;
}

Millis Poller::next_due() const {
    return phase_ == Phase::kIdle ? next_at_ : kNever;
}

void Poller::run_due(Millis now) {
    if (phase_ != Phase::kIdle || now < next_at_) return;
    if (after_wait_ == Phase::kNeedMe) {
        request_me();
    } else {
        request_updates();
    }
}

void Poller::request_me() {
    phase_ = Phase::kInFlight;
    after_wait_ = Phase::kNeedMe;
    uint64_t gen = generation_;
    http_.post({endpoint_.url("getMe"), "{}", 30 * kSecond}, [this, gen](const HttpResponse& r) {
        if (gen == generation_) on_me(r);
    });
}

void Poller::request_updates() {
    if (offset_ != confirmed_offset_ && before_confirm_) before_confirm_();
    confirmed_offset_ = offset_;
    phase_ = Phase::kInFlight;
    after_wait_ = Phase::kIdle;
    poll_started_at_ = clock_.now_ms();
    uint64_t gen = generation_;
    // The HTTP timeout exceeds the server-side long poll so an idle poll ends normally.
    http_.post({endpoint_.url("getUpdates"), get_updates_body(offset_, kLongPollSeconds),
                (kLongPollSeconds + 15) * kSecond},
               [this, gen](const HttpResponse& r) {
                   if (gen == generation_) on_updates(r);
               });
}

void Poller::retry_later(std::string_view method, const ApiResult& result,
                         const std::string& error) {
    Millis delay = health_.on_failure(method, result, error);
    phase_ = Phase::kIdle;
    next_at_ = clock_.now_ms() + delay;
}

void Poller::on_me(const HttpResponse& response) {
    ApiResult r = parse_response(response.status, response.body);
    if (r.outcome != Outcome::kOk) {
        ++stats_.telegram_errors;
        retry_later("getMe", r, response.error);
        return;
    }
    health_.on_success(clock_.now_ms());
    bot_username_ = json::get_string(r.result, "username").value_or("");
    can_read_groups_ = json::get_bool(r.result, "can_read_all_group_messages");
    log_.log(LogLevel::kNotice,
             "Telegram bot @" + bot_username_ + " connected; polling for updates");
    phase_ = Phase::kIdle;
    after_wait_ = Phase::kIdle;
    next_at_ = clock_.now_ms();
    if (on_connected_) on_connected_();
}

void Poller::on_updates(const HttpResponse& response) {
    ApiResult r = parse_response(response.status, response.body);
    if (r.outcome != Outcome::kOk) {
        ++stats_.telegram_errors;
        if (r.outcome == Outcome::kRetryAfter) ++stats_.telegram_429;
        retry_later("getUpdates", r, response.error);
        return;
    }
    health_.on_success(clock_.now_ms());
    uint64_t gen = generation_;
    const std::vector<Update> updates = parse_updates(r.result);
    for (const Update& update : updates) {
        // Telegram re-sends nothing below the offset; this guards against a confused server.
        if (update.update_id < offset_) continue;
        handler_(update);
        if (gen != generation_) return;  // the handler stopped or restarted polling
        offset_ = update.update_id + 1;
        ++stats_.updates_handled;
    }
    phase_ = Phase::kIdle;
    next_at_ = clock_.now_ms();
    // A server (or proxy) that answers an empty long poll at once would make this loop spin.
    if (updates.empty()) next_at_ = std::max(next_at_, poll_started_at_ + kMinEmptyPollGap);
}

}  // namespace tgmesh::telegram
