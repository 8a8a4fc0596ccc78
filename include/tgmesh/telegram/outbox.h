#pragma once
// Paced delivery of chat messages: per chat at most ~1/s, per group 20/min (each with a small
// burst), 30/s overall; one request in flight per chat so messages keep their order. A 429
// holds that chat for retry_after; network errors and 5xx back off for every chat.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tgmesh/core/ports.h"
#include "tgmesh/core/stats.h"
#include "tgmesh/telegram/api_health.h"

namespace tgmesh::telegram {

struct OutboundMessage {
    int64_t chat_id = 0;
    std::string html;
    SendOptions options;
    uint64_t tag = 0;  // passed back to the SentHandler; 0 = nobody waits for it
    // Set: replace the text of this earlier message (editMessageText) instead of sending.
    std::optional<int64_t> edit_message_id;
    std::string reply_markup;  // JSON (keyboard.h), for a message or an edit
    // Set: a map pin (sendLocation) instead of a text.
    std::optional<GeoPoint> location;
    // Set: react to message edit_message_id with this emoji (setMessageReaction).
    std::string reaction;

    // The Bot API method this message is sent with.
    const char* method() const;
    std::string body() const;
};

class Outbox {
  public:
    static constexpr size_t kCapacity = 2000;
    // Refusals (4xx) are logged at most this often per chat.
    static constexpr Millis kRefusalLogInterval = 10 * kMinute;
    using SentHandler = std::function<void(uint64_t tag, int64_t chat_id, int64_t message_id)>;

    Outbox(core::HttpClient& http, const Clock& clock, core::Logger& log, ApiHealth& health,
           const Endpoint& endpoint, core::Stats& stats)
        : http_(http),
          clock_(clock),
          log_(log),
          health_(health),
          endpoint_(endpoint),
          stats_(stats) {}

    void set_sent_handler(SentHandler handler) { on_sent_ = std::move(handler); }
    // Off: no rate limits of our own (a 429 is still obeyed). For a local test server or a
    // benchmark; Telegram itself would answer 429s and, when abused, ban the bot.
    void set_pacing(bool on) { pacing_ = on; }
    // A call that is not a chat message (answerCallbackQuery, setMyCommands): sent at once,
    // outside the pacing; a failure is logged, not retried.
    void post_now(std::string_view method, std::string body);
    // False (and counted) when the outbox is full.
    bool enqueue(OutboundMessage message);
    // Puts messages whose request was cancelled back at the front of their queues.
    void requeue_in_flight();

    void run_due(Millis now);
    Millis next_due(Millis now) const;

    size_t size() const;
    size_t in_flight() const;
    // Everything not yet delivered, in order, for the state file.
    std::vector<OutboundMessage> pending() const;

  private:
    struct Lane {
        std::deque<OutboundMessage> queue;
        bool in_flight = false;
        Millis not_before = 0;
        TokenBucket per_chat{1.0, 3.0};
        TokenBucket per_group{20.0 / 60.0, 5.0};
        Millis refusal_logged_at = -1;
        uint64_t refusals_unlogged = 0;
    };

    Millis lane_ready_at(int64_t chat_id, const Lane& lane, Millis now) const;
    void send_head(int64_t chat_id, Lane& lane);
    void on_response(int64_t chat_id, const core::HttpResponse& response);

    core::HttpClient& http_;
    const Clock& clock_;
    core::Logger& log_;
    ApiHealth& health_;
    const Endpoint& endpoint_;
    core::Stats& stats_;
    SentHandler on_sent_;
    std::map<int64_t, Lane> lanes_;
    TokenBucket global_{30.0, 30.0};
    Millis api_not_before_ = 0;
    uint64_t generation_ = 0;
    bool pacing_ = true;
};

}  // namespace tgmesh::telegram
