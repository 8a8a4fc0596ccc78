#include "tgmesh/telegram/api_health.h"

#include <algorithm>

namespace tgmesh::telegram {

std::string describe_failure(std::string_view method, const ApiResult& r,
                             const std::string& error) {
    std::string what = "Telegram " + std::string(method) + " failed: ";
    switch (r.outcome) {
        case Outcome::kConflict:
            return what +
                   "409 Conflict (another process polls this bot token, or a webhook is set). "
                   "Stop the other bot instance, or call deleteWebhook for this bot.";
        case Outcome::kUnauthorized:
            return what + "HTTP " + std::to_string(r.http_status) +
                   ": the bot token or api_url was rejected; check bot_token / bot_token_file / "
                   "api_url.";
        default:
            break;
    }
    if (r.http_status == 0) return what + (error.empty() ? "no response" : error);
    what += "HTTP " + std::to_string(r.http_status);
    if (!r.description.empty()) what += " " + r.description;
    return what;
}

Millis ApiHealth::on_failure(std::string_view method, const ApiResult& result,
                             const std::string& error) {
    Millis delay = backoff_.record_failure();
    if (result.outcome == Outcome::kRetryAfter) {
        delay =
            static_cast<Millis>(std::min(result.retry_after_s, kMaxRetryAfterSeconds)) * kSecond;
    }
    // One line per episode, plus one whenever the kind of failure changes.
    if (failures_ == 0 || result.outcome != last_outcome_) {
        log_.log(LogLevel::kWarning, describe_failure(method, result, error) + "; retrying in " +
                                         std::to_string(delay / kSecond) +
                                         " s (further failures are not logged)");
    }
    ++failures_;
    last_outcome_ = result.outcome;
    return delay;
}

void ApiHealth::on_success(Millis now) {
    last_success_at_ = now;
    if (failures_ > 0) {
        log_.log(LogLevel::kNotice, "Telegram reachable again after " + std::to_string(failures_) +
                                        " failed requests");
    }
    failures_ = 0;
    last_outcome_ = Outcome::kOk;
    backoff_.reset();
}

}  // namespace tgmesh::telegram
