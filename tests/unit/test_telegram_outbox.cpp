// telegram::Outbox: pacing per chat / per group / overall, one request in flight per chat,
// 429 / 5xx / 4xx handling per chat (one chat's failures never hold another; a message failing
// for a minute while others flow is given up), capacity, pending(), requeue after cancel, sent
// handler, no token in the log.
#include <string>
#include <vector>

#include "test_support.h"
#include "tgmesh/base/stats.h"
#include "tgmesh/telegram/outbox.h"
#include "tgmesh/util/json.h"

using tgmesh::Drop;
using tgmesh::DropReporter;
using tgmesh::kMinute;
using tgmesh::kNever;
using tgmesh::kSecond;
using tgmesh::Millis;
using tgmesh::telegram::ApiHealth;
using tgmesh::telegram::Endpoint;
using tgmesh::telegram::OutboundMessage;
using tgmesh::telegram::Outbox;
namespace json = tgmesh::json;

namespace {

constexpr int64_t kPrivate = 5;  // a private chat (positive id)
constexpr int64_t kOtherPrivate = 6;
constexpr int64_t kGroup = -1001234567890;  // a supergroup

std::string ok_body(int64_t message_id) {
    return R"({"ok":true,"result":{"message_id":)" + std::to_string(message_id) +
           R"(,"chat":{"id":1,"type":"private"},"date":1,"text":"x"}})";
}

const char* kServerError = R"({"ok":false,"error_code":500,"description":"Internal Server Error"})";

std::string retry_after_body(int seconds) {
    return R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after )" +
           std::to_string(seconds) + R"(","parameters":{"retry_after":)" + std::to_string(seconds) +
           "}}";
}

std::string text_of(const test::FakeHttp::Pending& p) {
    auto doc = json::parse(p.request.json_body);
    if (!doc) fail_msg("request body is not JSON: %s", p.request.json_body.c_str());
    return json::get_string(doc.get(), "text").value_or("<no text>");
}

int64_t chat_of(const test::FakeHttp::Pending& p) {
    auto doc = json::parse(p.request.json_body);
    if (!doc) fail_msg("request body is not JSON: %s", p.request.json_body.c_str());
    return json::get_int(doc.get(), "chat_id").value_or(0);
}

OutboundMessage msg(int64_t chat, const std::string& text, uint64_t tag = 0) {
    OutboundMessage m;
    m.chat_id = chat;
    m.html = text;
    m.tag = tag;
    return m;
}

size_t pending_sends(const test::FakeHttp& http) {
    size_t n = 0;
    for (const auto& p : http.pending)
        n += p.method() == "sendMessage" ? 1 : 0;
    return n;
}

struct Rig {
    test::FakeHttp http;
    test::FakeClock clock;
    test::FakeLogger log;
    ApiHealth health{log};
    Endpoint endpoint{"http://127.0.0.1:1", "123:abc"};
    tgmesh::Stats stats;
    tgmesh::DropReporter drops{log, clock, stats};
    Outbox outbox{http, clock, log, health, endpoint, stats, drops};
    int64_t next_message_id = 1000;

    void run() { outbox.run_due(clock.now); }

    // Runs the outbox and answers every request it makes with ok, at the current time;
    // returns the texts delivered in order.
    std::vector<std::string> deliver_now() {
        std::vector<std::string> sent;
        run();
        while (!http.pending.empty()) {
            auto p = http.take("sendMessage");
            sent.push_back(text_of(p));
            test::FakeHttp::reply(p, 200, ok_body(next_message_id++));
            run();
        }
        return sent;
    }

    // Delivers everything, jumping the clock to next_due each time; returns the delivery
    // times. `spins` counts the times next_due said "now" but nothing could be sent.
    std::vector<Millis> deliver_all(Millis horizon, int& spins) {
        std::vector<Millis> times;
        spins = 0;
        const Millis end = clock.now + horizon;
        while (outbox.size() > 0 && clock.now < end) {
            auto sent = deliver_now();
            for (size_t i = 0; i < sent.size(); ++i)
                times.push_back(clock.now);
            Millis next = outbox.next_due(clock.now);
            if (next == kNever) break;
            if (next <= clock.now) {
                if (sent.empty()) {
                    ++spins;
                    clock.advance(1);
                }
                continue;
            }
            clock.advance(next - clock.now);
        }
        return times;
    }
};

// ---- pacing -----------------------------------------------------------------------------

void private_chat_gets_a_burst_then_one_per_second(void**) {
    Rig rig;
    for (int i = 0; i < 10; ++i)
        assert_true(rig.outbox.enqueue(msg(kPrivate, "m" + std::to_string(i))));
    const Millis t0 = rig.clock.now;
    int spins = 0;
    auto times = rig.deliver_all(60 * kSecond, spins);
    assert_int_equal(times.size(), 10);
    assert_int_equal(spins, 0);
    // A burst at once...
    size_t burst = 0;
    while (burst < times.size() && times[burst] == t0)
        ++burst;
    assert_true(burst >= 2);
    assert_true(burst <= 5);
    // ...then at least a second apart, and not much more.
    for (size_t i = burst; i < times.size(); ++i) {
        Millis gap = times[i] - times[i - 1];
        assert_true(gap >= 1000);
        assert_true(gap <= 1100);
    }
}

void next_due_tells_when_the_private_chat_may_send_again(void**) {
    Rig rig;
    for (int i = 0; i < 10; ++i)
        rig.outbox.enqueue(msg(kPrivate, "m" + std::to_string(i)));
    size_t burst = rig.deliver_now().size();
    assert_true(burst >= 1);
    const Millis now = rig.clock.now;
    Millis due = rig.outbox.next_due(now);
    assert_true(due > now);
    assert_true(due <= now + 1000);
    rig.clock.advance(due - now - 1);
    rig.run();
    assert_int_equal(pending_sends(rig.http), 0);
    rig.clock.advance(1);
    rig.run();
    assert_int_equal(pending_sends(rig.http), 1);
}

void group_chat_gets_a_burst_then_at_most_20_per_minute(void**) {
    Rig rig;
    for (int i = 0; i < 80; ++i)
        rig.outbox.enqueue(msg(kGroup, "g" + std::to_string(i)));
    const Millis t0 = rig.clock.now;
    int spins = 0;
    auto times = rig.deliver_all(4 * 60 * kSecond, spins);
    assert_int_equal(spins, 0);
    size_t burst = 0;
    while (burst < times.size() && times[burst] == t0)
        ++burst;
    assert_true(burst >= 2);
    // Once the burst is used up (from the second minute on, the queue never being empty),
    // every 60 s window holds at most 20 messages.
    for (size_t i = 0; i < times.size(); ++i) {
        if (times[i] < t0 + 60 * kSecond) continue;
        size_t in_window = 0;
        for (size_t k = i; k < times.size() && times[k] < times[i] + 60 * kSecond; ++k)
            ++in_window;
        assert_true(in_window <= 20);
    }
    // And the group is not starved: the second minute carries close to 20.
    size_t second_minute = 0;
    for (Millis t : times) {
        if (t >= t0 + 60 * kSecond && t < t0 + 120 * kSecond) ++second_minute;
    }
    assert_true(second_minute >= 19);
}

void overall_rate_is_30_per_second(void**) {
    Rig rig;
    for (int64_t chat = 1; chat <= 40; ++chat)
        rig.outbox.enqueue(msg(chat, "hi"));
    rig.run();
    assert_int_equal(pending_sends(rig.http), 30);
    // Answer them all; nothing more goes out at the same instant.
    while (!rig.http.pending.empty()) {
        auto p = rig.http.take("sendMessage");
        test::FakeHttp::reply(p, 200, ok_body(1));
    }
    rig.run();
    assert_int_equal(pending_sends(rig.http), 0);
    assert_true(rig.outbox.next_due(rig.clock.now) > rig.clock.now);
    int spins = 0;
    auto times = rig.deliver_all(2 * kSecond, spins);
    assert_int_equal(times.size(), 10);
    assert_int_equal(spins, 0);
}

void pacing_off_sends_as_fast_as_answered_but_obeys_429(void**) {
    Rig rig;
    rig.outbox.set_pacing(false);
    for (int i = 0; i < 80; ++i)
        rig.outbox.enqueue(msg(kGroup, "g" + std::to_string(i)));
    for (int64_t chat = 1; chat <= 40; ++chat)
        rig.outbox.enqueue(msg(chat, "hi"));
    // Everything goes at the same instant, still one request in flight per chat, in order.
    auto sent = rig.deliver_now();
    assert_int_equal(sent.size(), 120);
    assert_string_equal(sent.back().c_str(), "g79");
    // A 429 still holds the chat for retry_after.
    rig.outbox.enqueue(msg(kPrivate, "a"));
    rig.run();
    auto p = rig.http.take("sendMessage");
    test::FakeHttp::reply(p, 429, retry_after_body(3));
    rig.run();
    assert_int_equal(pending_sends(rig.http), 0);
    assert_int_equal(rig.outbox.next_due(rig.clock.now), rig.clock.now + 3 * kSecond);
}

// ---- ordering and in-flight -------------------------------------------------------------

void one_request_in_flight_per_chat_and_order_kept(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "first"));
    rig.outbox.enqueue(msg(kPrivate, "second"));
    rig.outbox.enqueue(msg(kPrivate, "third"));
    rig.run();
    assert_int_equal(pending_sends(rig.http), 1);
    rig.clock.advance(5 * kSecond);
    rig.run();
    assert_int_equal(pending_sends(rig.http), 1);  // still waiting for the first answer
    auto p = rig.http.take("sendMessage");
    assert_string_equal(text_of(p).c_str(), "first");
    assert_true(chat_of(p) == kPrivate);
    assert_string_equal(p.request.url.c_str(), "http://127.0.0.1:1/bot123:abc/sendMessage");
    test::FakeHttp::reply(p, 200, ok_body(1));
    rig.clock.advance(5 * kSecond);
    auto rest = rig.deliver_now();
    assert_int_equal(rest.size(), 2);
    assert_string_equal(rest[0].c_str(), "second");
    assert_string_equal(rest[1].c_str(), "third");
    assert_int_equal(rig.stats.telegram_sent, 3);
}

void different_chats_are_in_flight_together(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "a"));
    rig.outbox.enqueue(msg(kGroup, "b"));
    rig.run();
    assert_int_equal(pending_sends(rig.http), 2);
}

// ---- errors -----------------------------------------------------------------------------

void retry_after_holds_only_that_chat_and_resends_the_same_message(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "held <b>message</b>"));
    rig.outbox.enqueue(msg(kPrivate, "after it"));
    rig.outbox.enqueue(msg(kOtherPrivate, "other chat"));
    rig.run();
    assert_int_equal(pending_sends(rig.http), 2);
    auto held = rig.http.take("sendMessage");
    auto other = rig.http.take("sendMessage");
    if (chat_of(held) != kPrivate) std::swap(held, other);
    const std::string first_body = held.request.json_body;
    test::FakeHttp::reply(held, 429, retry_after_body(5));
    test::FakeHttp::reply(other, 200, ok_body(1));
    assert_int_equal(rig.stats.telegram_429, 1);

    // The other chat keeps flowing.
    rig.outbox.enqueue(msg(kOtherPrivate, "other again"));
    rig.clock.advance(1 * kSecond);
    auto sent = rig.deliver_now();
    assert_int_equal(sent.size(), 1);
    assert_string_equal(sent[0].c_str(), "other again");

    // The held chat waits retry_after from the 429.
    assert_true(rig.outbox.next_due(rig.clock.now) == rig.clock.now + 4 * kSecond);
    rig.clock.advance(4 * kSecond - 1);
    rig.run();
    assert_int_equal(pending_sends(rig.http), 0);
    rig.clock.advance(1);
    rig.run();
    assert_int_equal(pending_sends(rig.http), 1);
    auto retried = rig.http.take("sendMessage");
    assert_string_equal(retried.request.json_body.c_str(), first_body.c_str());
    assert_string_equal(text_of(retried).c_str(), "held <b>message</b>");
    test::FakeHttp::reply(retried, 200, ok_body(2));
    auto rest = rig.deliver_now();
    assert_int_equal(rest.size(), 1);
    assert_string_equal(rest[0].c_str(), "after it");
}

void server_errors_back_off_exponentially_then_deliver(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "persistent"));
    rig.run();
    // Nothing else gets an answer from the API (it is down): the message waits, however long.
    const Millis expected[] = {1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000, 15000};
    int n = 0;
    for (Millis delay : expected) {
        auto p = rig.http.take("sendMessage");
        assert_string_equal(text_of(p).c_str(), "persistent");
        if (n % 2 == 0) {
            test::FakeHttp::reply(p, 500, kServerError);
        } else {
            test::FakeHttp::reply(p, 0, "");  // no HTTP response at all
        }
        ++n;
        assert_true(rig.outbox.next_due(rig.clock.now) == rig.clock.now + delay);
        rig.clock.advance(delay - 1);
        rig.run();
        assert_int_equal(pending_sends(rig.http), 0);
        rig.clock.advance(1);
        rig.run();
        assert_int_equal(pending_sends(rig.http), 1);
    }
    auto p = rig.http.take("sendMessage");
    test::FakeHttp::reply(p, 200, ok_body(9));
    assert_int_equal(rig.outbox.size(), 0);
    assert_int_equal(rig.stats.telegram_sent, 1);
    assert_int_equal(rig.stats.telegram_errors, 9);
    assert_int_equal(rig.stats.dropped(Drop::kTelegramGaveUp), 0);
    assert_true(rig.log.contains("Telegram delivers to chat 5 again after 9 failed requests"));
}

void server_error_holds_only_that_chat(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "a"));
    rig.run();
    auto p = rig.http.take("sendMessage");
    test::FakeHttp::reply(p, 503,
                          R"({"ok":false,"error_code":503,"description":"Service Unavailable"})");
    rig.outbox.enqueue(msg(kOtherPrivate, "b"));
    rig.outbox.enqueue(msg(kPrivate, "a2"));
    rig.run();
    // The other chat goes at once; the failing one waits its backoff, in order.
    assert_int_equal(pending_sends(rig.http), 1);
    auto other = rig.http.take("sendMessage");
    assert_string_equal(text_of(other).c_str(), "b");
    rig.clock.advance(1 * kSecond);
    rig.run();
    auto again = rig.http.take("sendMessage");
    assert_string_equal(text_of(again).c_str(), "a");
}

// One chat's sendLocation keeps failing (seen with 5xx) while another chat's messages flow:
// after a minute of retries it is dropped and counted, and that chat's next message goes.
void a_message_failing_for_a_minute_while_others_flow_is_given_up(void**) {
    Rig rig;
    OutboundMessage pin = msg(kGroup, "");
    pin.location = tgmesh::telegram::GeoPoint{52.5, 13.4, std::nullopt};
    rig.outbox.enqueue(pin);
    rig.outbox.enqueue(msg(kGroup, "after the pin"));
    const Millis t0 = rig.clock.now;
    int failures = 0;
    int other_sent = 0;
    while (rig.clock.now - t0 < 2 * kMinute) {
        rig.outbox.enqueue(msg(kPrivate, "flowing " + std::to_string(other_sent)));
        rig.run();
        for (auto it = rig.http.pending.begin(); it != rig.http.pending.end();) {
            auto p = std::move(*it);
            it = rig.http.pending.erase(it);
            if (p.method() == "sendLocation") {
                ++failures;
                test::FakeHttp::reply(
                    p, 502, R"({"ok":false,"error_code":502,"description":"Bad Gateway"})");
            } else if (chat_of(p) == kPrivate) {
                ++other_sent;
                test::FakeHttp::reply(p, 200, ok_body(100 + other_sent));
            } else {
                assert_string_equal(text_of(p).c_str(), "after the pin");
                assert_true(rig.clock.now - t0 >= Outbox::kGiveUpAfter);
                assert_int_equal(rig.stats.dropped(Drop::kTelegramGaveUp), 1);
                assert_true(
                    rig.log.contains("Telegram sendLocation failed: HTTP 502 Bad Gateway "
                                     "(chat -1001234567890); retrying in 1 s"));
                assert_true(rig.log.contains(
                    "dropped (telegram_gave_up): Telegram sendLocation failed: HTTP 502 Bad "
                    "Gateway (chat -1001234567890, failing for 6"));
                assert_true(other_sent >= 30);  // the other chat was never held up
                assert_true(failures >= 5);
                return;
            }
            it = rig.http.pending.begin();
        }
        rig.clock.advance(2 * kSecond);
    }
    fail_msg("the failing sendLocation was never given up (%d failures)", failures);
}

// A send that hangs times out after kRequestTimeout (shorter than the long poll's) and holds
// only its own chat.
void a_hung_send_times_out_and_holds_only_its_chat(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kGroup, "hangs"));
    rig.outbox.enqueue(msg(kPrivate, "flows"));
    rig.run();
    assert_int_equal(pending_sends(rig.http), 2);
    for (const auto& p : rig.http.pending)
        assert_true(p.request.timeout_ms == Outbox::kRequestTimeout);
    assert_true(Outbox::kRequestTimeout < 30 * kSecond);
    auto a = rig.http.take("sendMessage");
    auto b = rig.http.take("sendMessage");
    if (chat_of(a) != kGroup) std::swap(a, b);
    test::FakeHttp::reply(b, 200, ok_body(1));
    rig.outbox.enqueue(msg(kPrivate, "flows again"));
    rig.clock.advance(1 * kSecond);
    auto sent = rig.deliver_now();
    assert_int_equal(sent.size(), 1);
    // The hung one ends as a timeout (no HTTP response) and is retried after its backoff.
    test::FakeHttp::reply(a, 0, "");
    assert_int_equal(rig.outbox.size(), 1);
}

// While nothing gets through at all (the getUpdates side fails too), nothing is given up.
void nothing_is_given_up_while_the_api_is_down(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "wait for me"));
    const Millis t0 = rig.clock.now;
    while (rig.clock.now - t0 < 10 * kMinute) {
        rig.run();
        if (pending_sends(rig.http) > 0) {
            auto p = rig.http.take("sendMessage");
            test::FakeHttp::reply(p, 0, "");
        }
        rig.clock.advance(1 * kSecond);
    }
    assert_int_equal(rig.stats.dropped(Drop::kTelegramGaveUp), 0);
    assert_int_equal(rig.outbox.size(), 1);
    // The poller's success counts as "the API answers": now it is this message's fault.
    rig.health.on_success(rig.clock.now);
    for (int guard = 0; guard < 100 && rig.outbox.size() > 0; ++guard) {
        rig.run();
        if (pending_sends(rig.http) > 0) {
            auto p = rig.http.take("sendMessage");
            test::FakeHttp::reply(p, 0, "");
        }
        rig.clock.advance(1 * kSecond);
    }
    assert_int_equal(rig.stats.dropped(Drop::kTelegramGaveUp), 1);
}

void retry_after_over_an_hour_is_capped_and_logged(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "held"));
    rig.run();
    auto p = rig.http.take("sendMessage");
    test::FakeHttp::reply(p, 429, retry_after_body(86400));
    assert_true(rig.outbox.next_due(rig.clock.now) ==
                rig.clock.now + tgmesh::telegram::kMaxRetryAfterSeconds * kSecond);
    assert_true(rig.log.contains("retrying after 3600 s (asked 86400 s; capped at an hour)"));
}

void refusals_that_close_the_chat_are_reported_until_it_delivers(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kGroup, "to a chat the bot left"));
    rig.outbox.enqueue(msg(kPrivate, "bad <x>"));
    rig.run();
    for (auto& p :
         std::vector<test::FakeHttp::Pending>(rig.http.pending.begin(), rig.http.pending.end())) {
        if (chat_of(p) == kGroup) {
            test::FakeHttp::reply(
                p, 403,
                R"({"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the supergroup chat"})");
        } else {
            test::FakeHttp::reply(
                p, 400,
                R"({"ok":false,"error_code":400,"description":"Bad Request: can't parse entities"})");
        }
    }
    rig.http.pending.clear();
    auto refused = rig.outbox.unreachable_chats();
    assert_int_equal(refused.size(), 1);  // a bad message says nothing about its chat
    assert_true(refused[0].chat_id == kGroup);
    assert_true(refused[0].description.find("kicked") != std::string::npos);
    rig.outbox.enqueue(msg(kGroup, "back in"));
    rig.clock.advance(5 * kSecond);
    rig.deliver_now();
    assert_int_equal(rig.outbox.unreachable_chats().size(), 0);
}

void recovery_after_errors_resets_the_backoff(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "a"));
    rig.run();
    for (Millis delay : {1000, 2000, 4000}) {
        auto p = rig.http.take("sendMessage");
        test::FakeHttp::reply(p, 500, kServerError);
        rig.clock.advance(delay);
        rig.run();
    }
    auto p = rig.http.take("sendMessage");
    test::FakeHttp::reply(p, 200, ok_body(1));
    rig.clock.advance(10 * kSecond);
    rig.outbox.enqueue(msg(kPrivate, "b"));
    rig.run();
    p = rig.http.take("sendMessage");
    test::FakeHttp::reply(p, 500, kServerError);
    assert_true(rig.outbox.next_due(rig.clock.now) == rig.clock.now + 1000);
}

void bad_request_drops_the_message_and_counts_it(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "bad <x>"));
    rig.outbox.enqueue(msg(kPrivate, "good"));
    rig.run();
    auto p = rig.http.take("sendMessage");
    assert_string_equal(text_of(p).c_str(), "bad <x>");
    test::FakeHttp::reply(
        p, 400,
        R"({"ok":false,"error_code":400,"description":"Bad Request: can't parse entities"})");
    assert_int_equal(rig.stats.dropped(Drop::kTelegramRejected), 1);
    assert_int_equal(rig.outbox.size(), 1);
    rig.clock.advance(1 * kSecond);
    auto sent = rig.deliver_now();
    assert_int_equal(sent.size(), 1);
    assert_string_equal(sent[0].c_str(), "good");
    assert_int_equal(rig.stats.telegram_sent, 1);
}

// A chat's refusal is logged at once with Telegram's reason, and again only when the reason
// changes: a bot removed from a group would otherwise log a line for every mesh text. The
// repeats show in the drop reporter's summary.
void refusals_are_logged_once_per_chat_and_reason(void**) {
    Rig rig;
    const char* kicked =
        R"({"ok":false,"error_code":403,"description":"Forbidden: bot was kicked"})";
    auto refuse = [&](int64_t chat, const char* body) {
        rig.outbox.enqueue(msg(chat, "t"));
        rig.clock.advance(5 * kSecond);
        rig.run();
        auto p = rig.http.take("sendMessage");
        test::FakeHttp::reply(p, 403, body);
    };
    for (int i = 0; i < 3; ++i)
        refuse(kGroup, kicked);
    assert_int_equal(rig.stats.dropped(Drop::kTelegramRejected), 3);
    assert_int_equal(rig.log.count("Forbidden: bot was kicked"), 1);
    assert_true(
        rig.log.contains("dropped (telegram_rejected): Telegram refused a message to chat " +
                         std::to_string(kGroup)));
    // Another chat's first refusal is logged at once, though the summary is not due.
    refuse(
        kPrivate,
        R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})");
    assert_int_equal(rig.log.count("bot was blocked by the user"), 1);
    assert_int_equal(rig.log.count("Forbidden: bot was kicked"), 1);
    // Ten minutes on, the next refusal brings the summary of those not logged.
    rig.clock.advance(DropReporter::kInterval);
    refuse(kGroup, kicked);
    assert_true(rig.log.contains("dropped 4 more (telegram_rejected)"));
}

void group_upgrade_is_logged_with_the_new_chat_id(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(-4001, "to the old group"));
    rig.run();
    auto p = rig.http.take("sendMessage");
    test::FakeHttp::reply(
        p, 400,
        R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890123}})");
    assert_int_equal(rig.outbox.size(), 0);
    assert_int_equal(rig.stats.dropped(Drop::kTelegramRejected), 1);
    assert_true(rig.log.contains("-1001234567890123"));
}

void full_outbox_refuses_and_counts(void**) {
    Rig rig;
    for (size_t i = 0; i < Outbox::kCapacity; ++i) {
        assert_true(rig.outbox.enqueue(msg(static_cast<int64_t>(i % 7) + 1, "x")));
    }
    assert_int_equal(rig.outbox.size(), Outbox::kCapacity);
    assert_false(rig.outbox.enqueue(msg(kPrivate, "one too many")));
    assert_int_equal(rig.outbox.size(), Outbox::kCapacity);
    assert_int_equal(rig.stats.dropped(Drop::kTelegramQueueFull), 1);
}

// ---- pending / requeue ------------------------------------------------------------------

void pending_lists_undelivered_messages_including_in_flight(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "p1"));
    rig.outbox.enqueue(msg(kGroup, "g1"));
    rig.outbox.enqueue(msg(kPrivate, "p2"));
    rig.outbox.enqueue(msg(kGroup, "g2", 42));
    rig.run();  // p1 and g1 in flight
    auto pending = rig.outbox.pending();
    assert_int_equal(pending.size(), 4);
    std::vector<std::string> p_texts;
    std::vector<std::string> g_texts;
    for (const auto& m : pending)
        (m.chat_id == kPrivate ? p_texts : g_texts).push_back(m.html);
    assert_int_equal(p_texts.size(), 2);
    assert_string_equal(p_texts[0].c_str(), "p1");
    assert_string_equal(p_texts[1].c_str(), "p2");
    assert_int_equal(g_texts.size(), 2);
    assert_string_equal(g_texts[0].c_str(), "g1");
    assert_string_equal(g_texts[1].c_str(), "g2");
    for (const auto& m : pending) {
        if (m.html == "g2") assert_int_equal(m.tag, 42);
    }

    // A delivered message leaves the list.
    auto p = rig.http.take("sendMessage");
    const std::string delivered = text_of(p);
    test::FakeHttp::reply(p, 200, ok_body(1));
    pending = rig.outbox.pending();
    assert_int_equal(pending.size(), 3);
    for (const auto& m : pending)
        assert_string_not_equal(m.html.c_str(), delivered.c_str());
}

void requeue_after_cancel_resends_the_head(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "head"));
    rig.outbox.enqueue(msg(kPrivate, "next"));
    rig.run();
    assert_int_equal(pending_sends(rig.http), 1);
    rig.http.cancel_all();
    rig.outbox.requeue_in_flight();
    rig.clock.advance(1 * kSecond);
    auto sent = rig.deliver_now();
    assert_int_equal(sent.size(), 2);
    assert_string_equal(sent[0].c_str(), "head");
    assert_string_equal(sent[1].c_str(), "next");
    assert_int_equal(rig.stats.telegram_sent, 2);
}

void late_answer_to_a_cancelled_request_is_ignored(void**) {
    Rig rig;
    rig.outbox.enqueue(msg(kPrivate, "head"));
    rig.outbox.enqueue(msg(kPrivate, "next"));
    rig.run();
    auto stale = rig.http.take("sendMessage");  // the transfer the test "cancels"
    rig.outbox.requeue_in_flight();
    rig.clock.advance(1 * kSecond);
    rig.run();
    auto fresh = rig.http.take("sendMessage");
    assert_string_equal(text_of(fresh).c_str(), "head");
    test::FakeHttp::reply(stale, 200, ok_body(1));  // must not count as delivering "head"
    assert_int_equal(rig.outbox.size(), 2);
    assert_int_equal(rig.stats.telegram_sent, 0);
    test::FakeHttp::reply(fresh, 200, ok_body(2));
    assert_int_equal(rig.outbox.size(), 1);
    rig.clock.advance(1 * kSecond);
    auto sent = rig.deliver_now();
    assert_int_equal(sent.size(), 1);
    assert_string_equal(sent[0].c_str(), "next");
}

// ---- sent handler, logging ---------------------------------------------------------------

void sent_handler_gets_message_id_of_tagged_messages(void**) {
    Rig rig;
    struct Call {
        uint64_t tag;
        int64_t chat;
        int64_t message_id;
    };
    std::vector<Call> calls;
    rig.outbox.set_sent_handler([&](uint64_t tag, int64_t chat, int64_t id) {
        calls.push_back({tag, chat, id});
    });
    rig.outbox.enqueue(msg(kGroup, "untagged"));
    rig.outbox.enqueue(msg(kGroup, "tagged", 77));
    rig.run();
    auto p = rig.http.take("sendMessage");
    test::FakeHttp::reply(p, 200, ok_body(501));
    assert_int_equal(calls.size(), 0);
    rig.clock.advance(3 * kSecond);
    rig.run();
    p = rig.http.take("sendMessage");
    assert_string_equal(text_of(p).c_str(), "tagged");
    test::FakeHttp::reply(p, 200, ok_body(502));
    assert_int_equal(calls.size(), 1);
    assert_int_equal(calls[0].tag, 77);
    assert_true(calls[0].chat == kGroup);
    assert_int_equal(calls[0].message_id, 502);
}

void token_never_appears_in_the_log(void**) {
    Rig rig;
    const std::vector<std::pair<long, std::string>> answers = {
        {429, retry_after_body(1)},
        {500, kServerError},
        {0, ""},
        {401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})"},
        {409, R"({"ok":false,"error_code":409,"description":"Conflict"})"},
        {502, "<html>bad gateway</html>"},
        {400,
         R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009999}})"},
        {403, R"({"ok":false,"error_code":403,"description":"Forbidden: bot was kicked"})"},
        {200, ok_body(1)},
    };
    for (int i = 0; i < 4; ++i)
        rig.outbox.enqueue(msg(kGroup, "m" + std::to_string(i)));
    for (const auto& [status, body] : answers) {
        for (int guard = 0; guard < 1000 && pending_sends(rig.http) == 0; ++guard) {
            rig.clock.advance(1 * kSecond);
            rig.run();
        }
        auto p = rig.http.take("sendMessage");
        tgmesh::HttpResponse r;
        r.status = status;
        r.body = body;
        if (status == 0) r.error = "Couldn't connect to server";
        p.done(r);
    }
    assert_true(rig.log.lines.size() >= 4);
    assert_false(rig.log.contains("123:abc"));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(private_chat_gets_a_burst_then_one_per_second),
        cmocka_unit_test(next_due_tells_when_the_private_chat_may_send_again),
        cmocka_unit_test(group_chat_gets_a_burst_then_at_most_20_per_minute),
        cmocka_unit_test(overall_rate_is_30_per_second),
        cmocka_unit_test(pacing_off_sends_as_fast_as_answered_but_obeys_429),
        cmocka_unit_test(one_request_in_flight_per_chat_and_order_kept),
        cmocka_unit_test(different_chats_are_in_flight_together),
        cmocka_unit_test(retry_after_holds_only_that_chat_and_resends_the_same_message),
        cmocka_unit_test(server_errors_back_off_exponentially_then_deliver),
        cmocka_unit_test(server_error_holds_only_that_chat),
        cmocka_unit_test(a_message_failing_for_a_minute_while_others_flow_is_given_up),
        cmocka_unit_test(a_hung_send_times_out_and_holds_only_its_chat),
        cmocka_unit_test(nothing_is_given_up_while_the_api_is_down),
        cmocka_unit_test(retry_after_over_an_hour_is_capped_and_logged),
        cmocka_unit_test(refusals_that_close_the_chat_are_reported_until_it_delivers),
        cmocka_unit_test(recovery_after_errors_resets_the_backoff),
        cmocka_unit_test(bad_request_drops_the_message_and_counts_it),
        cmocka_unit_test(refusals_are_logged_once_per_chat_and_reason),
        cmocka_unit_test(group_upgrade_is_logged_with_the_new_chat_id),
        cmocka_unit_test(full_outbox_refuses_and_counts),
        cmocka_unit_test(pending_lists_undelivered_messages_including_in_flight),
        cmocka_unit_test(requeue_after_cancel_resends_the_head),
        cmocka_unit_test(late_answer_to_a_cancelled_request_is_ignored),
        cmocka_unit_test(sent_handler_gets_message_id_of_tagged_messages),
        cmocka_unit_test(token_never_appears_in_the_log),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
