#pragma once
// getMe once, then getUpdates long polling. The offset advances past an update only after the
// handler has run, so an update is confirmed to Telegram (by the next getUpdates) only once it
// has been handled, and only after the before-confirm handler ran (the bridge saves its state
// there: a /send confirmed to Telegram is on disk); the offset is saved for restarts.
#include <functional>
#include <optional>
#include <string>

#include "tgmesh/base/ports.h"
#include "tgmesh/base/stats.h"
#include "tgmesh/telegram/api_health.h"
#include "tgmesh/telegram/update.h"

namespace tgmesh::telegram {

constexpr int kLongPollSeconds = 50;
// Empty polls that return early are spaced at least this far apart.
constexpr Millis kMinEmptyPollGap = kSecond;

class Poller {
  public:
    using UpdateHandler = std::function<void(const Update&)>;

    Poller(HttpClient& http, const Clock& clock, Logger& log, ApiHealth& health,
           const Endpoint& endpoint, Stats& stats)
        : http_(http),
          clock_(clock),
          log_(log),
          health_(health),
          endpoint_(endpoint),
          stats_(stats) {}

    void start(UpdateHandler handler);
    // Runs each time getMe succeeds (the bot is reachable with this token).
    void set_connected_handler(std::function<void()> handler) {
        on_connected_ = std::move(handler);
    }
    // Runs before a getUpdates that confirms updates handled since the last one.
    void set_before_confirm_handler(std::function<void()> handler) {
        before_confirm_ = std::move(handler);
    }
    // Forgets any request in flight; the caller cancels the HTTP transfers.
    void stop();
    bool running() const { return phase_ != Phase::kStopped; }
    // getMe succeeded and the latest getUpdates did not fail.
    bool connected() const { return running() && !bot_username_.empty() && !health_.failing(); }

    // getMe's can_read_all_group_messages (false: privacy mode is on); nullopt before getMe.
    std::optional<bool> can_read_all_group_messages() const { return can_read_groups_; }
    // The token (or api_url) was refused with 401/404 by the latest request.
    bool unauthorized() const { return health_.unauthorized(); }

    int64_t offset() const { return offset_; }
    void set_offset(int64_t offset) {
        offset_ = offset;
        confirmed_offset_ = offset;  // already confirmed, or never seen: nothing to save first
    }
    const std::string& bot_username() const { return bot_username_; }

    void run_due(Millis now);
    Millis next_due() const;

  private:
    enum class Phase { kStopped, kNeedMe, kIdle, kInFlight };

    void request_me();
    void request_updates();
    void on_me(const HttpResponse& response);
    void on_updates(const HttpResponse& response);
    void retry_later(std::string_view method, const ApiResult& result, const std::string& error);

    HttpClient& http_;
    const Clock& clock_;
    Logger& log_;
    ApiHealth& health_;
    const Endpoint& endpoint_;
    Stats& stats_;
    UpdateHandler handler_;
    std::function<void()> on_connected_;
    std::function<void()> before_confirm_;
    int64_t confirmed_offset_ = -1;  // the offset of the latest getUpdates sent
    Phase phase_ = Phase::kStopped;
    Phase after_wait_ = Phase::kNeedMe;
    Millis next_at_ = 0;
    Millis poll_started_at_ = 0;
    uint64_t generation_ = 0;
    int64_t offset_ = 0;
    std::string bot_username_;
    std::optional<bool> can_read_groups_;
};

}  // namespace tgmesh::telegram
