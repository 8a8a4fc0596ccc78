// Bot API wire format: response classification, URLs, request bodies, updates and commands.
#include <string>

#include "test_support.h"
#include "tgmesh/telegram/bot_api.h"
#include "tgmesh/telegram/update.h"
#include "tgmesh/util/json.h"

using tgmesh::json::Ptr;
using tgmesh::telegram::ApiResult;
using tgmesh::telegram::Command;
using tgmesh::telegram::IncomingMessage;
using tgmesh::telegram::Outcome;
using tgmesh::telegram::parse_command;
using tgmesh::telegram::parse_response;
using tgmesh::telegram::parse_updates;
using tgmesh::telegram::SendOptions;
using tgmesh::telegram::Update;
namespace json = tgmesh::json;

namespace {

Ptr parse_json(const std::string& text) {
    Ptr doc = json::parse(text);
    if (!doc) fail_msg("not JSON: %s", text.c_str());
    return doc;
}

// Parses `text` (a JSON array) with parse_updates.
std::vector<Update> updates_from(const std::string& text) {
    Ptr doc = parse_json(text);
    return parse_updates(doc.get());
}

// ---- parse_response ---------------------------------------------------------------------

void ok_response_exposes_result(void**) {
    ApiResult r = parse_response(200, R"({"ok":true,"result":{"message_id":42}})");
    assert_true(r.outcome == Outcome::kOk);
    assert_non_null(r.result);
    assert_true(json::get_int(r.result, "message_id") == 42);
    assert_int_equal(r.http_status, 200);
}

void too_many_requests_gives_retry_after(void**) {
    ApiResult r = parse_response(
        429,
        R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})");
    assert_true(r.outcome == Outcome::kRetryAfter);
    assert_int_equal(r.retry_after_s, 7);
    assert_string_equal(r.description.c_str(), "Too Many Requests: retry after 7");
}

void too_many_requests_without_retry_after_waits_at_least_a_second(void**) {
    ApiResult r =
        parse_response(429, R"({"ok":false,"error_code":429,"description":"Too Many Requests"})");
    assert_true(r.outcome == Outcome::kRetryAfter);
    assert_true(r.retry_after_s >= 1);
}

void conflict_409(void**) {
    ApiResult r = parse_response(
        409,
        R"({"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"})");
    assert_true(r.outcome == Outcome::kConflict);
}

void unauthorized_401(void**) {
    ApiResult r =
        parse_response(401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})");
    assert_true(r.outcome == Outcome::kUnauthorized);
}

// bot_api.h documents kUnauthorized as "401/404 on every method: the token is wrong".
void not_found_404_is_unauthorized_as_documented(void**) {
    ApiResult r = parse_response(404, R"({"ok":false,"error_code":404,"description":"Not Found"})");
    assert_true(r.outcome == Outcome::kUnauthorized);
}

void server_error_500_is_transient(void**) {
    ApiResult r = parse_response(
        500, R"({"ok":false,"error_code":500,"description":"Internal Server Error"})");
    assert_true(r.outcome == Outcome::kTransient);
    r = parse_response(502, R"({"ok":false,"error_code":502,"description":"Bad Gateway"})");
    assert_true(r.outcome == Outcome::kTransient);
}

void bad_request_400_is_rejected(void**) {
    ApiResult r = parse_response(
        400, R"({"ok":false,"error_code":400,"description":"Bad Request: can't parse entities"})");
    assert_true(r.outcome == Outcome::kRejected);
    assert_string_equal(r.description.c_str(), "Bad Request: can't parse entities");
    assert_false(r.migrate_to_chat_id.has_value());
}

void garbage_or_truncated_body_is_transient(void**) {
    assert_true(parse_response(502, "<html><body>Bad Gateway</body></html>").outcome ==
                Outcome::kTransient);
    assert_true(parse_response(200, R"({"ok":true,"result":[{"update_id":1,)").outcome ==
                Outcome::kTransient);
    assert_true(parse_response(200, "").outcome == Outcome::kTransient);
    assert_true(parse_response(200, R"({"ok":true})").outcome == Outcome::kTransient);
}

void no_http_response_is_transient(void**) {
    ApiResult r = parse_response(0, "");
    assert_true(r.outcome == Outcome::kTransient);
    assert_int_equal(r.http_status, 0);
}

void migrate_to_chat_id_is_exact(void**) {
    ApiResult r = parse_response(
        400,
        R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890123}})");
    assert_true(r.outcome == Outcome::kRejected);
    assert_true(r.migrate_to_chat_id.has_value());
    assert_true(*r.migrate_to_chat_id == -1001234567890123LL);
}

// ---- method_url and request bodies -----------------------------------------------------

void method_url_joins_base_token_and_method(void**) {
    using tgmesh::telegram::method_url;
    assert_string_equal(method_url("https://api.telegram.org", "123:abc", "getMe").c_str(),
                        "https://api.telegram.org/bot123:abc/getMe");
    assert_string_equal(method_url("https://api.telegram.org/", "123:abc", "getMe").c_str(),
                        "https://api.telegram.org/bot123:abc/getMe");
    assert_string_equal(method_url("http://127.0.0.1:8081//", "1:x", "sendMessage").c_str(),
                        "http://127.0.0.1:8081/bot1:x/sendMessage");
}

void get_updates_body_has_offset_and_timeout(void**) {
    Ptr body = parse_json(tgmesh::telegram::get_updates_body(123456789012, 50));
    assert_true(json::get_int(body.get(), "offset") == 123456789012);
    assert_true(json::get_int(body.get(), "timeout") == 50);
    // Listed explicitly: without it Telegram reuses whatever an earlier client asked for.
    const cJSON* allowed = json::member(body.get(), "allowed_updates");
    assert_true(cJSON_IsArray(allowed));
    bool has_message = false;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, allowed) {
        if (cJSON_IsString(item) && std::string(item->valuestring) == "message") has_message = true;
    }
    assert_true(has_message);
}

void send_message_body_fields(void**) {
    SendOptions options;
    options.reply_to_message_id = 987;
    options.message_thread_id = 12;
    Ptr body = parse_json(
        tgmesh::telegram::send_message_body(-1001234567890, "<b>Ann</b>: hi &amp; bye", options));
    assert_true(json::get_int(body.get(), "chat_id") == -1001234567890LL);
    assert_true(json::get_string(body.get(), "text") == "<b>Ann</b>: hi &amp; bye");
    assert_true(json::get_string(body.get(), "parse_mode") == "HTML");
    assert_true(json::get_int(body.get(), "message_thread_id") == 12);
    const cJSON* reply = json::member(body.get(), "reply_parameters");
    assert_non_null(reply);
    assert_true(json::get_int(reply, "message_id") == 987);
}

void send_message_body_without_options_has_no_reply_or_thread(void**) {
    Ptr body = parse_json(tgmesh::telegram::send_message_body(42, "hello", SendOptions{}));
    assert_true(json::get_int(body.get(), "chat_id") == 42);
    assert_null(json::member(body.get(), "reply_parameters"));
    assert_null(json::member(body.get(), "reply_to_message_id"));
    assert_null(json::member(body.get(), "message_thread_id"));
}

void send_message_body_keeps_unicode_text(void**) {
    const std::string text =
        "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xF0\x9F\x98\x80 \"q\"\n2";
    Ptr body = parse_json(tgmesh::telegram::send_message_body(1, text, SendOptions{}));
    assert_true(json::get_string(body.get(), "text") == text);
}

// ---- parse_updates ----------------------------------------------------------------------

void parse_updates_reads_text_messages(void**) {
    auto updates = updates_from(R"([
      {"update_id": 100, "message": {"message_id": 5, "date": 1,
        "chat": {"id": -1001234567890123, "type": "supergroup", "title": "Mesh"},
        "from": {"id": 4503599627370495, "is_bot": false, "first_name": "Ann", "last_name": "Lee",
                 "username": "annlee"},
        "text": "/send hi"}}
    ])");
    assert_int_equal(updates.size(), 1);
    const Update& u = updates[0];
    assert_true(u.update_id == 100);
    assert_true(u.message.has_value());
    const IncomingMessage& m = *u.message;
    assert_true(m.message_id == 5);
    assert_true(m.chat_id == -1001234567890123LL);
    assert_string_equal(m.chat_type.c_str(), "supergroup");
    assert_true(m.user_id == 4503599627370495LL);
    assert_false(m.from_bot);
    assert_string_equal(m.first_name.c_str(), "Ann");
    assert_string_equal(m.last_name.c_str(), "Lee");
    assert_string_equal(m.username.c_str(), "annlee");
    assert_string_equal(m.text.c_str(), "/send hi");
    assert_false(m.reply_to_message_id.has_value());
    assert_false(m.thread_id.has_value());
}

void parse_updates_uses_caption_when_there_is_no_text(void**) {
    auto updates = updates_from(R"([
      {"update_id": 7, "message": {"message_id": 9, "chat": {"id": 55, "type": "private"},
        "from": {"id": 55, "is_bot": false, "first_name": "Bo"},
        "photo": [{"file_id": "x", "width": 1, "height": 1}], "caption": "look at this"}}
    ])");
    assert_int_equal(updates.size(), 1);
    assert_true(updates[0].message.has_value());
    assert_string_equal(updates[0].message->text.c_str(), "look at this");
}

void parse_updates_keeps_other_kinds_without_message(void**) {
    auto updates = updates_from(R"([
      {"update_id": 10, "edited_message": {"message_id": 1, "chat": {"id": 1, "type": "private"},
        "text": "edited"}},
      {"update_id": 11, "message": {"message_id": 2, "chat": {"id": 1, "type": "private"},
        "from": {"id": 1, "is_bot": false, "first_name": "A"},
        "sticker": {"file_id": "s"}}},
      {"update_id": 12, "my_chat_member": {"chat": {"id": -5}}}
    ])");
    assert_int_equal(updates.size(), 3);
    assert_true(updates[0].update_id == 10);
    assert_true(updates[1].update_id == 11);
    assert_true(updates[2].update_id == 12);
    assert_false(updates[0].message.has_value());
    assert_false(updates[1].message.has_value());
    assert_false(updates[2].message.has_value());
}

void parse_updates_skips_entries_without_update_id(void**) {
    auto updates = updates_from(R"([
      {"message": {"message_id": 1, "chat": {"id": 1, "type": "private"}, "text": "a"}},
      {"update_id": "21", "message": {"message_id": 2, "chat": {"id": 1, "type": "private"}, "text": "b"}},
      {"update_id": 22, "message": {"message_id": 3, "chat": {"id": 1, "type": "private"}, "text": "c"}}
    ])");
    assert_int_equal(updates.size(), 1);
    assert_true(updates[0].update_id == 22);
    assert_string_equal(updates[0].message->text.c_str(), "c");
}

void parse_updates_reads_reply_to_message(void**) {
    auto updates = updates_from(R"([
      {"update_id": 30, "message": {"message_id": 300, "chat": {"id": -100777, "type": "supergroup"},
        "from": {"id": 9, "is_bot": false, "first_name": "C"},
        "reply_to_message": {"message_id": 299, "chat": {"id": -100777, "type": "supergroup"},
                             "from": {"id": 1, "is_bot": true, "first_name": "bridge"}, "text": "orig"},
        "text": "answer"}}
    ])");
    assert_int_equal(updates.size(), 1);
    const IncomingMessage& m = *updates[0].message;
    assert_true(m.reply_to_message_id.has_value());
    assert_true(*m.reply_to_message_id == 299);
    assert_string_equal(m.text.c_str(), "answer");
}

void parse_updates_reads_forum_topic_thread(void**) {
    auto updates = updates_from(R"([
      {"update_id": 31, "message": {"message_id": 301, "message_thread_id": 17,
        "is_topic_message": true, "chat": {"id": -100777, "type": "supergroup", "is_forum": true},
        "from": {"id": 9, "is_bot": false, "first_name": "C"}, "text": "in topic"}}
    ])");
    assert_true(updates[0].message->thread_id == 17);
}

void parse_updates_of_non_array_is_empty(void**) {
    Ptr doc = parse_json(R"({"update_id": 1})");
    assert_int_equal(parse_updates(doc.get()).size(), 0);
    assert_int_equal(parse_updates(nullptr).size(), 0);
}

// ---- parse_command ----------------------------------------------------------------------

void command_with_args(void**) {
    auto c = parse_command("/send hi", "tgmesh_bot");
    assert_true(c.has_value());
    assert_string_equal(c->name.c_str(), "send");
    assert_string_equal(c->args.c_str(), "hi");
    assert_false(c->addressed);
}

void command_addressed_to_this_bot_case_insensitively(void**) {
    auto c = parse_command("/Send@TgMesh_Bot hi", "tgmesh_bot");
    assert_true(c.has_value());
    assert_string_equal(c->name.c_str(), "send");
    assert_string_equal(c->args.c_str(), "hi");
    assert_true(c->addressed);
}

void command_addressed_to_another_bot_is_ignored(void**) {
    assert_false(parse_command("/send@other_bot hi", "tgmesh_bot").has_value());
}

void command_without_args(void**) {
    auto c = parse_command("/nodes", "tgmesh_bot");
    assert_true(c.has_value());
    assert_string_equal(c->name.c_str(), "nodes");
    assert_true(c->args.empty());
    c = parse_command("/nodes@tgmesh_bot   ", "tgmesh_bot");
    assert_true(c.has_value());
    assert_string_equal(c->name.c_str(), "nodes");
    assert_true(c->args.empty());
    assert_true(c->addressed);
}

void command_args_keep_their_lines(void**) {
    auto c = parse_command("/send first line\nsecond line\n", "tgmesh_bot");
    assert_true(c.has_value());
    assert_string_equal(c->args.c_str(), "first line\nsecond line");
    c = parse_command("/send\nonly below", "tgmesh_bot");
    assert_true(c.has_value());
    assert_string_equal(c->name.c_str(), "send");
    assert_string_equal(c->args.c_str(), "only below");
}

void plain_text_is_not_a_command(void**) {
    assert_false(parse_command("hello /send", "tgmesh_bot").has_value());
    assert_false(parse_command("/", "tgmesh_bot").has_value());
    assert_false(parse_command("", "tgmesh_bot").has_value());
    assert_false(parse_command("/@tgmesh_bot x", "tgmesh_bot").has_value());
}

// ---- display_name -----------------------------------------------------------------------

void display_name_prefers_full_name_then_username_then_id(void**) {
    IncomingMessage m;
    m.user_id = 777;
    m.first_name = "Ann";
    m.last_name = "Lee";
    m.username = "annlee";
    assert_string_equal(m.display_name().c_str(), "Ann Lee");
    m.last_name.clear();
    assert_string_equal(m.display_name().c_str(), "Ann");
    m.first_name.clear();
    m.last_name = "Lee";
    assert_string_equal(m.display_name().c_str(), "Lee");
    m.last_name.clear();
    assert_string_equal(m.display_name().c_str(), "@annlee");
    m.username.clear();
    assert_string_equal(m.display_name().c_str(), "777");
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ok_response_exposes_result),
        cmocka_unit_test(too_many_requests_gives_retry_after),
        cmocka_unit_test(too_many_requests_without_retry_after_waits_at_least_a_second),
        cmocka_unit_test(conflict_409),
        cmocka_unit_test(unauthorized_401),
        cmocka_unit_test(not_found_404_is_unauthorized_as_documented),
        cmocka_unit_test(server_error_500_is_transient),
        cmocka_unit_test(bad_request_400_is_rejected),
        cmocka_unit_test(garbage_or_truncated_body_is_transient),
        cmocka_unit_test(no_http_response_is_transient),
        cmocka_unit_test(migrate_to_chat_id_is_exact),
        cmocka_unit_test(method_url_joins_base_token_and_method),
        cmocka_unit_test(get_updates_body_has_offset_and_timeout),
        cmocka_unit_test(send_message_body_fields),
        cmocka_unit_test(send_message_body_without_options_has_no_reply_or_thread),
        cmocka_unit_test(send_message_body_keeps_unicode_text),
        cmocka_unit_test(parse_updates_reads_text_messages),
        cmocka_unit_test(parse_updates_uses_caption_when_there_is_no_text),
        cmocka_unit_test(parse_updates_keeps_other_kinds_without_message),
        cmocka_unit_test(parse_updates_skips_entries_without_update_id),
        cmocka_unit_test(parse_updates_reads_reply_to_message),
        cmocka_unit_test(parse_updates_reads_forum_topic_thread),
        cmocka_unit_test(parse_updates_of_non_array_is_empty),
        cmocka_unit_test(command_with_args),
        cmocka_unit_test(command_addressed_to_this_bot_case_insensitively),
        cmocka_unit_test(command_addressed_to_another_bot_is_ignored),
        cmocka_unit_test(command_without_args),
        cmocka_unit_test(command_args_keep_their_lines),
        cmocka_unit_test(plain_text_is_not_a_command),
        cmocka_unit_test(display_name_prefers_full_name_then_username_then_id),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
