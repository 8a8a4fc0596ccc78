// Reactions both ways (part 11). A Telegram reaction on a bridged message goes to the mesh as
// an emoji reply (Data.emoji = 1, reply_id, the emoji as payload), routed as a reply is; a
// mesh emoji reply Telegram allows becomes a native reaction (setMessageReaction) on the chat
// message it answers, one per message; any other stays a short reply.
#include <cstring>

#include "bridge_harness.h"
#include "tgmesh/telegram/reactions.h"

namespace {

using namespace bridge_test;
using Call = Harness::ApiCall;
using tgmesh::telegram::as_reaction;

constexpr int64_t kBob = 222;
constexpr mesh::NodeNum kCarol = 0x0c0c0c0c;

Bytes emoji_reply(mesh::NodeNum from, uint32_t id, uint32_t to_packet, const std::string& emoji) {
    UplinkSpec s;
    s.from = from;
    s.id = id;
    s.payload = emoji;
    s.reply_id = to_packet;
    s.emoji = 1;
    return seal(s);
}

// Alice's text (packet 42) posted in the chat as message 500.
void alice_posts(Harness& h) {
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              text_envelope(kAlice, 42, "hello mesh", "!11111111"));
    auto calls = h.flush_api();
    assert_int_equal(calls.size(), 1);
}

void telegram_accepts_these_reactions(void**) {
    assert_true(as_reaction("👍") == std::string("👍"));
    assert_true(as_reaction("❤\xEF\xB8\x8F") == std::string("❤"));      // as the apps send it
    assert_true(as_reaction("👍\xF0\x9F\x8F\xBD") == std::string("👍"));  // a skin tone
    assert_true(as_reaction("❤\u200d🔥") == std::string("❤\u200d🔥"));
    assert_false(as_reaction("🦀").has_value());
    assert_false(as_reaction("ok").has_value());
    assert_false(as_reaction("").has_value());
    assert_false(as_reaction(std::string(100, 'x')).has_value());
}

void a_mesh_reaction_becomes_a_native_reaction_once_per_message(void**) {
    Harness h;
    h.start_ready();
    alice_posts(h);
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              emoji_reply(kCarol, 43, 42, "❤\xEF\xB8\x8F"));
    auto calls = h.flush_api();
    assert_int_equal(calls.size(), 1);
    assert_string_equal(calls[0].method.c_str(), "setMessageReaction");
    assert_int_equal(*json::get_int(calls[0].body.get(), "message_id"), 500);
    assert_int_equal(*json::get_int(calls[0].body.get(), "chat_id"), kChat);
    const cJSON* reaction = cJSON_GetArrayItem(json::member(calls[0].body.get(), "reaction"), 0);
    assert_string_equal(json::get_string(reaction, "emoji")->c_str(), "❤");
    // A second reaction cannot be shown beside it (a bot sets one): a short reply instead.
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", emoji_reply(kAlice, 44, 42, "👍"));
    calls = h.flush_api();
    assert_int_equal(calls.size(), 1);
    assert_string_equal(calls[0].method.c_str(), "sendMessage");
    assert_non_null(std::strstr(calls[0].text().c_str(), "👍"));
    assert_int_equal(
        *json::get_int(json::member(calls[0].body.get(), "reply_parameters"), "message_id"), 500);
}

void an_emoji_telegram_does_not_take_stays_a_short_reply(void**) {
    Harness h;
    h.start_ready();
    alice_posts(h);
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", emoji_reply(kCarol, 43, 42, "🦀"));
    auto calls = h.flush_api();
    assert_int_equal(calls.size(), 1);
    assert_string_equal(calls[0].method.c_str(), "sendMessage");
    assert_non_null(std::strstr(calls[0].text().c_str(), "🦀"));
}

void a_telegram_reaction_goes_to_the_mesh_as_an_emoji_reply(void**) {
    Harness h;
    h.start_ready();
    alice_posts(h);
    h.take_published();
    h.deliver_updates("[" + reaction_update(10, kChat, kBob, 500, {"🔥"}) + "]");
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Packet p;
    mesh::Data data = open_downlink(out[0], &p);
    assert_int_equal(data.portnum, mesh::port::kTextMessage);
    assert_string_equal(data.payload.c_str(), "🔥");  // no name prefix: only the emoji
    assert_int_equal(data.emoji.value_or(0), 1);
    assert_int_equal(data.reply_id.value_or(0), 42);
    assert_int_equal(p.to, mesh::kBroadcast);
    // Nothing is said in the chat.
    assert_int_equal(h.flush_api().size(), 0);
    // Taking it back, or reacting to a message that never crossed, sends nothing.
    h.deliver_updates("[" + reaction_update(11, kChat, kBob, 500, {}, {"🔥"}) + "," +
                      reaction_update(12, kChat, kBob, 9999, {"👍"}) + "]");
    assert_int_equal(h.take_published().size(), 0);
    // A second emoji beside the first goes too.
    h.deliver_updates("[" + reaction_update(13, kChat, kBob, 500, {"🔥", "👍"}, {"🔥"}) + "]");
    out = h.take_published();
    assert_int_equal(out.size(), 1);
    assert_string_equal(open_downlink(out[0]).payload.c_str(), "👍");
}

void a_reaction_on_a_dm_goes_back_to_its_author_only(void**) {
    Harness h;
    h.start_ready();
    UplinkSpec dm;
    dm.to = kBridgeNode;
    dm.id = 77;
    dm.payload = "psst";
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", seal(dm));
    h.flush_api();  // message 500
    h.take_published();
    h.deliver_updates("[" + reaction_update(10, kChat, kAdmin, 500, {"👌"}) + "]");
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Packet p;
    mesh::Data data = open_downlink(out[0], &p);
    assert_int_equal(p.to, kAlice);
    assert_int_equal(data.reply_id.value_or(0), 77);
}

void reactions_count_against_user_rate_and_blocking_in_silence(void**) {
    Config c = base_config();
    c.user_rate = 1;
    c.blocked_users = {333};
    Harness h;
    h.start_ready(c);
    alice_posts(h);
    h.take_published();
    h.deliver_updates("[" + reaction_update(10, kChat, kBob, 500, {"👍"}) + "," +
                      reaction_update(11, kChat, kBob, 500, {"👍", "🔥"}, {"👍"}) + "," +
                      reaction_update(12, kChat, 333, 500, {"👍"}) + "]");
    assert_int_equal(h.take_published().size(), 1);
    assert_int_equal(h.flush_api().size(), 0);
}

void polls_ask_for_reactions(void**) {
    Harness h;
    h.start_connected();
    auto poll = h.http.take("getUpdates");
    auto body = json::parse(poll.request.json_body);
    bool asked = false;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, json::member(body.get(), "allowed_updates")) {
        asked |= cJSON_IsString(item) && std::strcmp(item->valuestring, "message_reaction") == 0;
    }
    assert_true(asked);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(telegram_accepts_these_reactions),
        cmocka_unit_test(a_mesh_reaction_becomes_a_native_reaction_once_per_message),
        cmocka_unit_test(an_emoji_telegram_does_not_take_stays_a_short_reply),
        cmocka_unit_test(a_telegram_reaction_goes_to_the_mesh_as_an_emoji_reply),
        cmocka_unit_test(a_reaction_on_a_dm_goes_back_to_its_author_only),
        cmocka_unit_test(reactions_count_against_user_rate_and_blocking_in_silence),
        cmocka_unit_test(polls_ask_for_reactions),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
