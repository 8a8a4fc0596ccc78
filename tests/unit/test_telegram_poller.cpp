// telegram::Poller: getMe, then getUpdates long polling with an offset that advances only past
// handled updates; 409 / 401 / 5xx / 429 handling; stop().
#include <string>
#include <vector>

#include "test_support.h"
#include "tgmesh/base/stats.h"
#include "tgmesh/telegram/poller.h"
#include "tgmesh/util/json.h"

using tgmesh::kNever;
using tgmesh::kSecond;
using tgmesh::Millis;
using tgmesh::telegram::ApiHealth;
using tgmesh::telegram::Endpoint;
using tgmesh::telegram::Poller;
using tgmesh::telegram::Update;
namespace json = tgmesh::json;

namespace {

const char* kMe =
    R"({"ok":true,"result":{"id":42,"is_bot":true,"first_name":"Mesh","username":"tgmesh_bot"}})";
const char* kEmpty = R"({"ok":true,"result":[]})";
const char* kServerError = R"({"ok":false,"error_code":500,"description":"Internal Server Error"})";
const char* kConflict =
    R"({"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"})";
const char* kUnauthorized = R"({"ok":false,"error_code":401,"description":"Unauthorized"})";

std::string text_update(int64_t update_id, const std::string& text) {
    return R"({"update_id":)" + std::to_string(update_id) + R"(,"message":{"message_id":)" +
           std::to_string(update_id + 1000) +
           R"(,"chat":{"id":-1001234567890,"type":"supergroup"},"from":{"id":7,"is_bot":false,"first_name":"Ann"},"text":")" +
           text + R"("}})";
}

std::string result_of(const std::vector<std::string>& updates) {
    std::string body = R"({"ok":true,"result":[)";
    for (size_t i = 0; i < updates.size(); ++i)
        body += (i ? "," : "") + updates[i];
    return body + "]}";
}

size_t count_lines(const test::FakeLogger& log, const std::string& needle) {
    size_t n = 0;
    for (const auto& l : log.lines)
        n += l.find(needle) != std::string::npos ? 1 : 0;
    return n;
}

struct Rig {
    test::FakeHttp http;
    test::FakeClock clock;
    test::FakeLogger log;
    ApiHealth health{log};
    Endpoint endpoint{"http://127.0.0.1:1", "123:abc"};
    tgmesh::Stats stats;
    Poller poller{http, clock, log, health, endpoint, stats};
    std::vector<Update> handled;

    void run() { poller.run_due(clock.now); }

    void start() {
        poller.start([this](const Update& u) { handled.push_back(u); });
        run();
    }

    // Starts and answers getMe; leaves the first getUpdates pending.
    void start_connected() {
        start();
        auto me = http.take("getMe");
        test::FakeHttp::reply(me, 200, kMe);
        run();
        if (!http.has("getUpdates")) fail_msg("no getUpdates after getMe");
    }

    json::Ptr take_updates_body(test::FakeHttp::Pending& out) {
        out = http.take("getUpdates");
        auto doc = json::parse(out.request.json_body);
        if (!doc) fail_msg("getUpdates body is not JSON: %s", out.request.json_body.c_str());
        return doc;
    }
};

void starts_with_get_me_then_long_polls(void**) {
    Rig rig;
    rig.start();
    assert_int_equal(rig.http.pending.size(), 1);
    auto me = rig.http.take("getMe");
    assert_string_equal(me.request.url.c_str(), "http://127.0.0.1:1/bot123:abc/getMe");
    test::FakeHttp::reply(me, 200, kMe);
    assert_string_equal(rig.poller.bot_username().c_str(), "tgmesh_bot");
    rig.run();
    test::FakeHttp::Pending p;
    auto body = rig.take_updates_body(p);
    assert_true(json::get_int(body.get(), "timeout") == 50);
    // The HTTP timeout must exceed the server-side long poll.
    assert_true(p.request.timeout_ms > 50 * kSecond);
    assert_true(rig.http.pending.empty());
}

void updates_are_handled_in_order_and_offset_advances(void**) {
    Rig rig;
    rig.start_connected();
    auto p = rig.http.take("getUpdates");
    test::FakeHttp::reply(
        p, 200,
        result_of(
            {text_update(500, "one"), text_update(501, "two"),
             R"({"update_id":502,"edited_message":{"message_id":1,"chat":{"id":1,"type":"private"},"text":"e"}})"}));
    assert_int_equal(rig.handled.size(), 3);
    assert_true(rig.handled[0].update_id == 500);
    assert_string_equal(rig.handled[0].message->text.c_str(), "one");
    assert_true(rig.handled[1].update_id == 501);
    assert_string_equal(rig.handled[1].message->text.c_str(), "two");
    assert_true(rig.handled[2].update_id == 502);
    assert_false(rig.handled[2].message.has_value());
    assert_true(rig.poller.offset() == 503);
    assert_int_equal(rig.stats.updates_handled, 3);

    rig.run();
    test::FakeHttp::Pending next;
    auto body = rig.take_updates_body(next);
    assert_true(json::get_int(body.get(), "offset") == 503);
    assert_true(json::get_int(body.get(), "timeout") == 50);
}

void empty_result_polls_again_with_the_same_offset(void**) {
    Rig rig;
    rig.poller.set_offset(77);
    rig.start_connected();
    auto p = rig.http.take("getUpdates");
    test::FakeHttp::reply(p, 200, kEmpty);
    rig.run();
    // An empty answer that came back at once: the next poll waits a second, not a spin.
    assert_false(rig.http.has("getUpdates"));
    assert_true(rig.poller.next_due() == rig.clock.now + tgmesh::telegram::kMinEmptyPollGap);
    rig.clock.advance(tgmesh::telegram::kMinEmptyPollGap);
    rig.run();
    test::FakeHttp::Pending next;
    auto body = rig.take_updates_body(next);
    assert_true(json::get_int(body.get(), "offset") == 77);
    assert_int_equal(rig.handled.size(), 0);
}

void an_empty_long_poll_that_took_its_time_polls_again_at_once(void**) {
    Rig rig;
    rig.start_connected();
    auto p = rig.http.take("getUpdates");
    rig.clock.advance(50'000);
    test::FakeHttp::reply(p, 200, kEmpty);
    rig.run();
    assert_true(rig.http.has("getUpdates"));
}

void offset_from_state_is_used_by_the_first_get_updates(void**) {
    Rig rig;
    rig.poller.set_offset(987654321);
    rig.start_connected();
    test::FakeHttp::Pending p;
    auto body = rig.take_updates_body(p);
    assert_true(json::get_int(body.get(), "offset") == 987654321);
}

void update_below_the_offset_is_ignored(void**) {
    Rig rig;
    rig.poller.set_offset(100);
    rig.start_connected();
    auto p = rig.http.take("getUpdates");
    test::FakeHttp::reply(
        p, 200,
        result_of({text_update(98, "old"), text_update(99, "old too"), text_update(100, "new")}));
    assert_int_equal(rig.handled.size(), 1);
    assert_true(rig.handled[0].update_id == 100);
    assert_true(rig.poller.offset() == 101);
}

void conflict_is_logged_once_and_retried_with_backoff(void**) {
    Rig rig;
    rig.start_connected();
    const Millis expected[] = {1000, 2000, 4000, 8000};
    for (Millis delay : expected) {
        auto p = rig.http.take("getUpdates");
        test::FakeHttp::reply(p, 409, kConflict);
        assert_true(rig.poller.next_due() == rig.clock.now + delay);
        rig.clock.advance(delay - 1);
        rig.run();
        assert_true(rig.http.pending.empty());
        rig.clock.advance(1);
        rig.run();
        assert_true(rig.http.has("getUpdates"));  // polls again; no new getMe
        assert_false(rig.http.has("getMe"));
    }
    assert_int_equal(count_lines(rig.log, "409"), 1);
    assert_int_equal(rig.log.lines.size(), 2);  // "connected" and the 409 line
    const std::string& line = rig.log.lines.back();
    assert_true(line.find("another") != std::string::npos);
    assert_true(line.find("webhook") != std::string::npos);
}

void unauthorized_is_logged_once(void**) {
    Rig rig;
    rig.start();
    for (int i = 0; i < 6; ++i) {
        auto p = rig.http.take("getMe");
        test::FakeHttp::reply(p, 401, kUnauthorized);
        Millis due = rig.poller.next_due();
        assert_true(due > rig.clock.now);
        rig.clock.advance(due - rig.clock.now);
        rig.run();
    }
    assert_int_equal(rig.log.lines.size(), 1);
    assert_true(rig.log.lines[0].find("401") != std::string::npos);
    assert_true(rig.poller.bot_username().empty());
    assert_true(rig.http.has("getMe"));
}

void transient_failures_are_logged_once_per_episode_with_a_recovery_line(void**) {
    Rig rig;
    rig.start_connected();
    const size_t after_connect = rig.log.lines.size();
    struct Answer {
        long status;
        const char* body;
    };
    const Answer episode[] = {
        {500, kServerError}, {0, ""}, {502, "<html>Bad Gateway</html>"}, {500, kServerError}};
    for (const auto& a : episode) {
        auto p = rig.http.take("getUpdates");
        test::FakeHttp::reply(p, a.status, a.body);
        rig.clock.advance(rig.poller.next_due() - rig.clock.now);
        rig.run();
    }
    assert_int_equal(rig.log.lines.size(), after_connect + 1);
    auto p = rig.http.take("getUpdates");
    test::FakeHttp::reply(p, 200, kEmpty);
    assert_int_equal(rig.log.lines.size(), after_connect + 2);
    assert_true(rig.log.lines.back().find("again") != std::string::npos);

    // A second episode gets its own line, and the backoff starts over.
    rig.clock.advance(rig.poller.next_due() - rig.clock.now);
    rig.run();
    p = rig.http.take("getUpdates");
    test::FakeHttp::reply(p, 500, kServerError);
    assert_int_equal(rig.log.lines.size(), after_connect + 3);
    assert_true(rig.poller.next_due() == rig.clock.now + 1000);
}

void retry_after_is_honoured(void**) {
    Rig rig;
    rig.start_connected();
    auto p = rig.http.take("getUpdates");
    test::FakeHttp::reply(
        p, 429,
        R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})");
    assert_true(rig.poller.next_due() == rig.clock.now + 7000);
    rig.clock.advance(6999);
    rig.run();
    assert_true(rig.http.pending.empty());
    rig.clock.advance(1);
    rig.run();
    assert_true(rig.http.has("getUpdates"));
    assert_int_equal(rig.stats.telegram_429, 1);
}

void failed_get_me_is_retried_before_polling(void**) {
    Rig rig;
    rig.start();
    auto p = rig.http.take("getMe");
    test::FakeHttp::reply(p, 0, "");
    rig.clock.advance(rig.poller.next_due() - rig.clock.now);
    rig.run();
    assert_true(rig.http.has("getMe"));
    assert_false(rig.http.has("getUpdates"));
    p = rig.http.take("getMe");
    test::FakeHttp::reply(p, 200, kMe);
    rig.run();
    assert_true(rig.http.has("getUpdates"));
}

void stop_makes_late_answers_harmless(void**) {
    Rig rig;
    rig.poller.set_offset(10);
    rig.start_connected();
    auto p = rig.http.take("getUpdates");
    rig.poller.stop();
    assert_false(rig.poller.running());
    test::FakeHttp::reply(p, 200, result_of({text_update(10, "late")}));
    assert_int_equal(rig.handled.size(), 0);
    assert_true(rig.poller.offset() == 10);
    assert_true(rig.poller.next_due() == kNever);
    rig.clock.advance(60 * kSecond);
    rig.run();
    assert_true(rig.http.pending.empty());
}

void stop_during_get_me_ignores_its_answer(void**) {
    Rig rig;
    rig.start();
    auto p = rig.http.take("getMe");
    rig.poller.stop();
    test::FakeHttp::reply(p, 200, kMe);
    rig.clock.advance(kSecond);
    rig.run();
    assert_true(rig.http.pending.empty());
    assert_false(rig.poller.running());
}

void restart_after_stop_ignores_the_old_request(void**) {
    Rig rig;
    rig.start_connected();
    auto old = rig.http.take("getUpdates");
    rig.poller.stop();
    rig.start();  // getMe again
    test::FakeHttp::reply(old, 200, result_of({text_update(5, "stale")}));
    assert_int_equal(rig.handled.size(), 0);
    auto me = rig.http.take("getMe");
    test::FakeHttp::reply(me, 200, kMe);
    rig.run();
    assert_true(rig.http.has("getUpdates"));
    assert_int_equal(rig.http.pending.size(), 1);
}

void token_never_appears_in_the_log(void**) {
    Rig rig;
    rig.start();
    auto p = rig.http.take("getMe");
    tgmesh::HttpResponse r;
    r.status = 0;
    r.error = "Could not resolve host";
    p.done(r);
    rig.clock.advance(rig.poller.next_due() - rig.clock.now);
    rig.run();
    p = rig.http.take("getMe");
    test::FakeHttp::reply(p, 401, kUnauthorized);
    rig.clock.advance(rig.poller.next_due() - rig.clock.now);
    rig.run();
    p = rig.http.take("getMe");
    test::FakeHttp::reply(p, 200, kMe);
    rig.run();
    p = rig.http.take("getUpdates");
    test::FakeHttp::reply(p, 409, kConflict);
    assert_true(rig.log.lines.size() >= 3);
    assert_false(rig.log.contains("123:abc"));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starts_with_get_me_then_long_polls),
        cmocka_unit_test(updates_are_handled_in_order_and_offset_advances),
        cmocka_unit_test(empty_result_polls_again_with_the_same_offset),
        cmocka_unit_test(an_empty_long_poll_that_took_its_time_polls_again_at_once),
        cmocka_unit_test(offset_from_state_is_used_by_the_first_get_updates),
        cmocka_unit_test(update_below_the_offset_is_ignored),
        cmocka_unit_test(conflict_is_logged_once_and_retried_with_backoff),
        cmocka_unit_test(unauthorized_is_logged_once),
        cmocka_unit_test(transient_failures_are_logged_once_per_episode_with_a_recovery_line),
        cmocka_unit_test(retry_after_is_honoured),
        cmocka_unit_test(failed_get_me_is_retried_before_polling),
        cmocka_unit_test(stop_makes_late_answers_harmless),
        cmocka_unit_test(stop_during_get_me_ignores_its_answer),
        cmocka_unit_test(restart_after_stop_ignores_the_old_request),
        cmocka_unit_test(token_never_appears_in_the_log),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
