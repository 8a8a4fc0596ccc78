// What the fuzzers found (fuzz/RESULTS.md), on the minimised reproducers kept in
// fuzz/regressions/<harness>/: the same code paths as the harnesses, in the normal build.
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.h"
#include "tgmesh/core/bridge.h"
#include "tgmesh/core/config/config.h"
#include "tgmesh/core/state/state.h"
#include "tgmesh/mesh/json_uplink.h"
#include "tgmesh/telegram/bot_api.h"
#include "tgmesh/telegram/html.h"
#include "tgmesh/telegram/message_split.h"
#include "tgmesh/util/json.h"
#include "tgmesh/util/utf8.h"

using namespace tgmesh;
using namespace tgmesh::core;

namespace {

// fuzz/regressions/<harness>/<name>, next to tests/vectors in the source tree.
std::string reproducer(const char* harness, const char* name) {
    const std::string path =
        std::string(TGMESH_VECTORS_DIR) + "/../../fuzz/regressions/" + harness + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_msg("missing reproducer %s", path.c_str());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Tags <b>, <i>, <code> properly nested, every '<' one of them.
bool balanced_html(std::string_view html) {
    std::vector<std::string_view> open;
    for (size_t i = html.find('<'); i != std::string_view::npos; i = html.find('<', i + 1)) {
        size_t gt = html.find('>', i);
        if (gt == std::string_view::npos) return false;
        std::string_view tag = html.substr(i + 1, gt - i - 1);
        if (tag.starts_with('/')) {
            if (open.empty() || open.back() != tag.substr(1)) return false;
            open.pop_back();
        } else if (tag == "b" || tag == "i" || tag == "code") {
            open.push_back(tag);
        } else {
            return false;
        }
    }
    return open.empty();
}

// ---- fuzz_state: integers beyond 2^52 -------------------------------------------------------

// {"version":1,"telegram_offset":9007199254740993}: cJSON printed the offset as
// 9.00719925474099e+15, so the saved state reloaded another offset. Such a number is no
// Telegram offset now (ids fit in 52 bits): it reads as absent, and what is saved reloads.
void state_offset_beyond_52_bits_is_not_corrupted_by_a_save(void**) {
    const std::string text = reproducer("fuzz_state", "offset-beyond-2pow52.json");
    PersistentState state;
    NodeRegistry nodes;
    assert_true(parse_state(text, state, nodes).is_ok());
    assert_int_equal(state.telegram_offset, 0);
    PersistentState again;
    assert_true(parse_state(serialize_state(state, nodes), again, nodes).is_ok());
    assert_int_equal(again.telegram_offset, state.telegram_offset);
}

void the_largest_52_bit_ids_survive_a_save_exactly(void**) {
    PersistentState state;
    NodeRegistry nodes;
    state.telegram_offset = json::kMaxExactInt;
    telegram::OutboundMessage queued;
    queued.chat_id = -json::kMaxExactInt;
    queued.html = "x";
    queued.options = {json::kMaxExactInt, 7};
    state.chat_queue.push_back(queued);
    const std::string text = serialize_state(state, nodes);
    assert_null(std::strstr(text.c_str(), "e+"));
    PersistentState again;
    assert_true(parse_state(text, again, nodes).is_ok());
    assert_true(again.telegram_offset == json::kMaxExactInt);
    assert_int_equal(again.chat_queue.size(), 1);
    assert_true(again.chat_queue[0].chat_id == -json::kMaxExactInt);
    assert_true(again.chat_queue[0].options.reply_to_message_id == json::kMaxExactInt);
    // And in request bodies: no exponent, the exact digits.
    std::string body = telegram::send_message_body(-json::kMaxExactInt, "x", {});
    assert_non_null(std::strstr(body.c_str(), "\"chat_id\":-4503599627370495"));
}

void chat_ids_beyond_52_bits_are_refused(void**) {
    auto r = load_config({{"chat_ids", "-1001,9007199254740993"}});
    assert_false(r.config.is_ok());
    assert_non_null(std::strstr(r.config.error().c_str(), "chat_ids"));
    r = load_config({{"admin_ids", "4503599627370496"}});
    assert_false(r.config.is_ok());
    r = load_config({{"chat_ids", "-4503599627370495,4503599627370495"}});
    assert_true(r.config.is_ok());
}

// ---- fuzz_config: a directory for a file ---------------------------------------------------

// Seen while writing fuzz_config's sandbox (it holds a directory): config_file naming a
// directory read as an empty file, so the broker started without the admin's settings and no
// error; bot_token_file naming one was reported as "empty".
void a_directory_is_no_config_file_or_token_file(void**) {
    auto r = load_config({{"config_file", TGMESH_VECTORS_DIR}});
    assert_false(r.config.is_ok());
    assert_non_null(std::strstr(r.config.error().c_str(), "option config_file: cannot read"));
    r = load_config({{"bot_token_file", TGMESH_VECTORS_DIR}});
    assert_false(r.config.is_ok());
    assert_non_null(std::strstr(r.config.error().c_str(), "option bot_token_file: cannot read"));
}

// ---- fuzz_json_uplink / fuzz_state: numbers beyond float range ----------------------------

// {"from":1,"id":7,"type":"o","snr":5555...5} (39 digits): the SNR became infinity ("SNR inf
// dB" in the chat, null in the state file). Out of float range now means absent.
void json_uplink_snr_beyond_float_range_is_absent(void**) {
    auto up = mesh::parse_json_uplink(reproducer("fuzz_json_uplink", "snr-beyond-float.json"));
    assert_true(up.has_value());
    assert_false(up->snr.has_value());
    up = mesh::parse_json_uplink(
        R"({"from":1,"id":8,"type":"telemetry","snr":-1e39,"payload":{"battery_level":50,"voltage":1e39}})");
    assert_true(up.has_value() && up->device_metrics.has_value());
    assert_false(up->snr.has_value());
    assert_false(up->device_metrics->voltage.has_value());
    assert_int_equal(*up->device_metrics->battery_level, 50);
    up = mesh::parse_json_uplink(R"({"from":1,"id":9,"type":"text","snr":-7.25})");
    assert_true(up->snr == -7.25f);
}

// The same numbers in the state file (NodeRegistry::load_json still reads them as infinity,
// see fuzz/RESULTS.md): once saved and loaded again they are absent, never infinite, and
// saving is stable from then on.
void state_numbers_beyond_float_range_settle_after_one_save(void**) {
    const std::string text = reproducer("fuzz_state", "snr-beyond-float.json");
    PersistentState state;
    NodeRegistry nodes;
    assert_true(parse_state(text, state, nodes).is_ok());
    assert_int_equal(nodes.size(), 1);
    const std::string once = serialize_state(state, nodes);
    NodeRegistry again;
    assert_true(parse_state(once, state, again).is_ok());
    const Node* n = again.find(1);
    assert_non_null(n);
    assert_int_equal(n->receptions.size(), 1);
    assert_true(!n->receptions[0].snr || std::isfinite(*n->receptions[0].snr));
    assert_true(!n->voltage || std::isfinite(*n->voltage));
    const std::string twice = serialize_state(state, again);
    NodeRegistry third;
    assert_true(parse_state(twice, state, third).is_ok());
    assert_string_equal(serialize_state(state, third).c_str(), twice.c_str());
}

// ---- fuzz_telegram: messages cut inside their tags ----------------------------------------

// The harness's own check on the reproducer's text ("send_od" and twelve '<'): an escaped
// line in <b> over the limit was cut between "<b>" and "</b>", so neither part was HTML.
void split_keeps_every_part_valid_html(void**) {
    const std::string body = reproducer("fuzz_telegram", "split-cuts-inside-tags").substr(1);
    auto response = telegram::parse_response(200, body);
    auto updates = telegram::parse_updates(response.result);
    assert_int_equal(updates.size(), 1);
    const std::string line = "<b>" + telegram::escape_html(updates[0].message->text) + "</b>";
    auto parts = telegram::split_message({line}, 64);
    assert_true(parts.size() >= 2);
    std::string shown;
    for (const auto& p : parts) {
        assert_true(utf8::utf16_length(p) <= 64);
        assert_true(balanced_html(p));
        assert_int_equal(p.rfind("<b>", 0), 0);  // each part opens the tag again
        shown += p.substr(3, p.size() - 7);
    }
    assert_string_equal(shown.c_str(), telegram::escape_html(updates[0].message->text).c_str());
    // Nested tags and attributes are closed and opened again in order.
    parts = telegram::split_message({R"(<a href="x"><b>)" + std::string(30, 'z') + "</b></a>"}, 24);
    for (const auto& p : parts)
        assert_int_equal(p.find(R"(<a href="x"><b>)"), 0);
    assert_true(parts.back().ends_with("</b></a>"));
}

// End to end: /send_to_node with a 1005-character name of '<'. The "not found" reply was over
// 4096 units, cut inside its <code> tag, and Telegram refused both parts: no reply at all.
void a_long_not_found_reply_is_sent_as_valid_html(void**) {
    test::FakeClock clock;
    test::FakePublisher publisher;
    test::FakeHttp http;
    test::FakeStore store;
    test::FakeStore identity;
    test::FakeLogger log;
    auto r = load_config({{"bot_token", "123456:TEST-token_abc"},
                          {"chat_ids", "-1001"},
                          {"node_id", "!7b000001"},
                          {"mesh_interval", "0"}});
    assert_true(r.config.is_ok());
    Bridge bridge(*r.config,
                  Services{clock, publisher, http, store, identity, log, [] { return 7u; }});
    bridge.start();
    bridge.run_due();
    auto me = http.take("getMe");
    test::FakeHttp::reply(me, 200, R"({"ok":true,"result":{"id":9,"username":"tgmesh_bot"}})");
    bridge.run_due();
    auto poll = http.take("getUpdates");
    test::FakeHttp::reply(
        poll, 200, reproducer("fuzz_telegram", "node-not-found-reply-cut-in-code-tag").substr(1));
    size_t replies = 0;
    for (int round = 0; round < 10; ++round) {
        clock.advance(3000);
        bridge.run_due();
        while (http.has("sendMessage")) {
            auto p = http.take("sendMessage");
            auto body = json::parse(p.request.json_body);
            const std::string text = *json::get_string(body.get(), "text");
            assert_true(balanced_html(text));
            assert_true(utf8::utf16_length(text) <= telegram::kMaxMessageChars);
            ++replies;
            test::FakeHttp::reply(p, 200, R"({"ok":true,"result":{"message_id":5}})");
        }
    }
    assert_true(replies >= 2);
}

// fuzz_control: a command name is the client's text and goes into the log line of the command
// ("ran <name> (refused: Unknown command)"); the harness found it by sending the bot token as
// a name. Since then the name is logged bounded and with control characters shown as '?'.
void a_command_name_is_logged_bounded_on_one_line(void**) {
    test::FakeClock clock;
    test::FakePublisher publisher;
    test::FakeHttp http;
    test::FakeStore store;
    test::FakeStore identity;
    test::FakeLogger log;
    auto r = load_config({{"node_id", "!7b000001"}, {"mesh_interval", "0"}});
    assert_true(r.config.is_ok());
    Bridge bridge(*r.config,
                  Services{clock, publisher, http, store, identity, log, [] { return 7u; }});
    bridge.start();
    bridge.run_due();
    publisher.published.clear();
    bridge.on_control(
        {"admin-1", "admin", reproducer("fuzz_control", "command-name-echoed-in-log")});
    bridge.run_due();
    assert_int_equal(publisher.published.size(), 1);
    const auto& answer = publisher.published[0].payload;
    auto doc = json::parse(std::string(answer.begin(), answer.end()));
    const cJSON* response = cJSON_GetArrayItem(json::member(doc.get(), "responses"), 0);
    assert_string_equal(json::get_string(response, "error")->c_str(), "Unknown command");
    assert_string_equal(log.lines.back().c_str(),
                        "control: client admin-1 (user admin) ran "
                        "123456:FUZZ-token_abcdefghijklmnopqrstuvwxyzs (refused: Unknown command)");
    // The same with a line break and a long name: one line, cut at 64 bytes.
    bridge.on_control({"admin-1", "admin",
                       R"({"commands":[{"command":"x\nforged"},{"command":")" +
                           std::string(100, 'n') + R"("}]})"});
    bridge.run_due();
    assert_string_equal(log.lines[log.lines.size() - 2].c_str(),
                        "control: client admin-1 (user admin) ran x?forged (refused: Unknown "
                        "command)");
    assert_string_equal(log.lines.back().c_str(),
                        ("control: client admin-1 (user admin) ran " + std::string(64, 'n') +
                         "... (refused: Unknown command)")
                            .c_str());
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_offset_beyond_52_bits_is_not_corrupted_by_a_save),
        cmocka_unit_test(the_largest_52_bit_ids_survive_a_save_exactly),
        cmocka_unit_test(chat_ids_beyond_52_bits_are_refused),
        cmocka_unit_test(a_directory_is_no_config_file_or_token_file),
        cmocka_unit_test(json_uplink_snr_beyond_float_range_is_absent),
        cmocka_unit_test(state_numbers_beyond_float_range_settle_after_one_save),
        cmocka_unit_test(split_keeps_every_part_valid_html),
        cmocka_unit_test(a_long_not_found_reply_is_sent_as_valid_html),
        cmocka_unit_test(a_command_name_is_logged_bounded_on_one_line),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
