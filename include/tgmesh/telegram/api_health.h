#pragma once
// Shared view of whether the Bot API is reachable: one backoff for all requests, and one log
// line when trouble starts and one when it ends, instead of a line per failed request.
#include <string>
#include <string_view>

#include "tgmesh/core/ports.h"
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
    explicit ApiHealth(core::Logger& log) : log_(log) {}

    // Records a failed call of `method`; returns how long to wait before trying again.
    Millis on_failure(std::string_view method, const ApiResult& result, const std::string& error);
    void on_success();
    bool failing() const { return failures_ > 0; }

  private:
    core::Logger& log_;
    Backoff backoff_;
    int failures_ = 0;
    Outcome last_outcome_ = Outcome::kOk;
};

}  // namespace tgmesh::telegram
