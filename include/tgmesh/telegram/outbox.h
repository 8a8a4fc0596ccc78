#pragma once
// Paced delivery of chat messages: per chat at most ~1/s, per group 20/min (each with a small
// burst), 30/s overall; one request in flight per chat so messages keep their order. Each
// chat is its own lane: a 429 holds that chat for retry_after, network errors, timeouts and
// 5xx back off that chat only, so one chat's failing message never holds up another chat. A
// message still failing after kGiveUpAfter while other requests go through is dropped and
// counted (drops/telegram_gave_up); one the API refuses (4xx) is dropped at once.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tgmesh/base/drop_reporter.h"
#include "tgmesh/base/ports.h"
#include "tgmesh/base/stats.h"
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
    // Set: a named place (sendVenue) instead of a text.
    std::optional<Venue> venue;
    // Set: react to message edit_message_id with this emoji (setMessageReaction).
    std::string reaction;

    // The Bot API method this message is sent with.
    const char* method() const;
    std::string body() const;
};

// A chat the Bot API refused to deliver to (the bot was removed or lacks rights, the chat does
// not exist), and has not delivered to since.
struct ChatRefusal {
    int64_t chat_id = 0;
    std::string description;  // Telegram's words
};

class Outbox {
  public:
    static constexpr size_t kCapacity = 2000;
    // A message that keeps failing this long while other requests succeed is dropped.
    static constexpr Millis kGiveUpAfter = kMinute;
    // Sends answer in well under a second; a hung one must not hold its chat for long.
    static constexpr Millis kRequestTimeout = 15 * kSecond;
    // Chats whose lanes are kept while idle; beyond this, idle lanes are forgotten.
    static constexpr size_t kIdleLanesKept = 256;
    using SentHandler = std::function<void(uint64_t tag, int64_t chat_id, int64_t message_id)>;

    // `api` is the getUpdates side's view of the Bot API: while nothing at all gets through (the
    // network or Telegram is down), failing messages wait instead of being given up.
    Outbox(HttpClient& http, const Clock& clock, Logger& log, const ApiHealth& api,
           const Endpoint& endpoint, Stats& stats, DropReporter& drops)
        : http_(http),
          clock_(clock),
          log_(log),
          api_(api),
          endpoint_(endpoint),
          stats_(stats),
          drops_(drops) {}

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
    // Chats refused by the Bot API (403, chat not found, no rights) since their last delivery.
    std::vector<ChatRefusal> unreachable_chats() const;
    // Everything not yet delivered, in order, for the state file.
    std::vector<OutboundMessage> pending() const;

  private:
    struct Lane {
        std::deque<OutboundMessage> queue;
        bool in_flight = false;
        Millis not_before = 0;
        TokenBucket per_chat{1.0, 3.0};
        TokenBucket per_group{20.0 / 60.0, 5.0};
        // The current run of failed requests (network, timeout, 5xx) of this chat.
        Backoff backoff{kSecond, 15 * kSecond};
        int failures = 0;
        Millis failing_since = 0;
        Outcome last_failure = Outcome::kOk;
        std::string refused;  // why the API refused this chat, until it delivers again
        // The last refusal's description: a new one is logged at once, repeats are summed up.
        std::string last_refusal;
        bool gave_up = false;  // since its last delivery: later give-ups are summed up
    };

    Millis lane_ready_at(int64_t chat_id, const Lane& lane, Millis now) const;
    void send_head(int64_t chat_id, Lane& lane);
    void on_response(int64_t chat_id, const std::string& method, const HttpResponse& response);
    void on_failure(int64_t chat_id, Lane& lane, const std::string& method, const ApiResult& r,
                    const std::string& error);
    void on_refusal(int64_t chat_id, Lane& lane, const ApiResult& r);
    // Another request got an answer from the Bot API after `since`.
    bool api_answered_since(Millis since) const;
    void forget_idle_lanes();

    HttpClient& http_;
    const Clock& clock_;
    Logger& log_;
    const ApiHealth& api_;
    const Endpoint& endpoint_;
    Stats& stats_;
    DropReporter& drops_;
    SentHandler on_sent_;
    std::map<int64_t, Lane> lanes_;
    TokenBucket global_{30.0, 30.0};
    Millis last_answer_at_ = -1;  // the latest success of any chat
    uint64_t generation_ = 0;
    bool pacing_ = true;
};

}  // namespace tgmesh::telegram
