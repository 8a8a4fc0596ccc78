#pragma once
// Shared view of whether the Bot API is reachable: one backoff for all requests, and one log
// line when trouble starts and one when it ends, instead of a line per failed request.
#include <string>
#include <string_view>

#include "tgmesh/base/ports.h"
#include "tgmesh/telegram/bot_api.h"
#include "tgmesh/util/token_bucket.h"

namespace tgmesh::telegram {

struct Endpoint {
    std::string api_url;
    std::string token;
    bool enabled() const { return !token.empty(); }
    std::string url(std::string_view method) const { return method_url(api_url, token, method); }
};

class ApiHealth {
  public:
    explicit ApiHealth(Logger& log) : log_(log) {}

    // Records a failed call of `method`; returns how long to wait before trying again.
    Millis on_failure(std::string_view method, const ApiResult& result, const std::string& error);
    void on_success(Millis now);
    bool failing() const { return failures_ > 0; }
    // The latest failure was a 401/404: the token (or api_url) is refused.
    bool unauthorized() const { return failing() && last_outcome_ == Outcome::kUnauthorized; }
    // When a call last succeeded (-1: never).
    Millis last_success_at() const { return last_success_at_; }

  private:
    Logger& log_;
    Backoff backoff_;
    int failures_ = 0;
    Outcome last_outcome_ = Outcome::kOk;
    Millis last_success_at_ = -1;
};

// "Telegram <method> failed: <what went wrong, and what to do about it>".
std::string describe_failure(std::string_view method, const ApiResult& result,
                             const std::string& error);

}  // namespace tgmesh::telegram
