// Channels and chats (channel_map with forum topics), and replies and reactions across the
// bridge in both directions.
#include "bridge_harness.h"

namespace {

using namespace bridge_test;
using Call = Harness::ApiCall;

constexpr int64_t kForum = -2002;
constexpr int64_t kOpsTopic = 42;
constexpr const char* kGatewayTopic = "msh/US/2/e/LongFast/!11111111";

// `update_json` as if written in forum topic `thread`.
std::string in_topic(const std::string& update_json, int64_t thread) {
    auto u = json::parse(update_json);
    cJSON* message = cJSON_GetObjectItem(u.get(), "message");
    json::add_int(message, "message_thread_id", thread);
    json::add_bool(message, "is_topic_message", true);
    return json::print(u.get());
}

std::optional<int64_t> reply_target(const Call& call) {
    return json::get_int(json::member(call.body.get(), "reply_parameters"), "message_id");
}

std::vector<Call> sent(const std::vector<Call>& calls) {
    std::vector<Call> out;
    for (const auto& c : calls) {
        if (c.method == "sendMessage") out.push_back(c);
    }
    return out;
}

void each_channel_posts_to_its_chat_or_topic(void**) {
    Harness h;
    h.start_ready(mapped_config());
    UplinkSpec ops;
    ops.channel = "Ops";
    ops.id = 1;
    ops.payload = "ops check";
    h.bridge->on_mqtt_message("msh/US/2/e/Ops/!11111111", seal(ops));
    UplinkSpec chat;
    chat.id = 2;
    chat.payload = "hello all";
    h.bridge->on_mqtt_message(kGatewayTopic, seal(chat));
    auto posts = sent(h.flush_api());
    assert_int_equal(posts.size(), 2);
    assert_int_equal(*json::get_int(posts[0].body.get(), "chat_id"), kForum);
    assert_int_equal(*json::get_int(posts[0].body.get(), "message_thread_id"), kOpsTopic);
    assert_non_null(std::strstr(posts[0].text().c_str(), "ops check"));
    assert_int_equal(*json::get_int(posts[1].body.get(), "chat_id"), -1001);
    assert_null(json::member(posts[1].body.get(), "message_thread_id"));
    assert_non_null(std::strstr(posts[1].text().c_str(), "hello all"));
}

void what_is_written_in_a_topic_goes_to_its_channel(void**) {
    Harness h;
    h.start_ready(mapped_config());
    h.deliver_updates("[" + in_topic(update(1, kForum, 5, "status green"), kOpsTopic) + "]");
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    assert_string_equal(out[0].topic.c_str(), "msh/US/2/e/Ops/!7b000001");
    mesh::Packet p;
    assert_string_equal(open_downlink(out[0], &p, "Ops").payload.c_str(), "Alice: status green");
    assert_int_equal(p.to, mesh::kBroadcast);
    auto replies = sent(h.flush_api());
    assert_int_equal(replies.size(), 1);  // /send-style confirmation? only for commands
    // In the other chat, the other channel.
    h.deliver_updates("[" + update(2, -1001, 5, "/send hi") + "]");
    out = h.take_published();
    assert_int_equal(out.size(), 1);
    assert_string_equal(out[0].topic.c_str(), "msh/US/2/e/LongFast/!7b000001");
    h.flush_api();

    // Another topic of the forum is not bridged: plain talk there stays, a command is told.
    h.deliver_updates("[" + in_topic(update(3, kForum, 5, "off topic"), 7) + "," +
                      in_topic(update(4, kForum, 5, "/send hi"), 7) + "]");
    assert_int_equal(h.take_published().size(), 0);
    replies = sent(h.flush_api());
    assert_int_equal(replies.size(), 1);
    assert_int_equal(*json::get_int(replies[0].body.get(), "message_thread_id"), 7);
    assert_non_null(std::strstr(replies[0].text().c_str(), "not bridged"));
}

void mesh_replies_and_reactions_answer_their_chat_message(void**) {
    Harness h;
    h.start_ready();
    UplinkSpec original;
    original.id = 0x100;
    original.payload = "who is on the ridge?";
    h.bridge->on_mqtt_message(kGatewayTopic, seal(original));
    auto posts = sent(h.flush_api());
    assert_int_equal(posts.size(), 1);
    assert_false(reply_target(posts[0]).has_value());
    const int64_t posted_as = h.next_message_id - 1;

    UplinkSpec answer;
    answer.from = 0x0000b0b0;
    answer.id = 0x101;
    answer.payload = "me, at the hut";
    answer.reply_id = 0x100;
    h.bridge->on_mqtt_message(kGatewayTopic, seal(answer));
    UplinkSpec reaction = answer;
    reaction.id = 0x102;
    reaction.payload = "🛰";  // not among Telegram's reactions: a short reply line
    reaction.emoji = 1;
    h.bridge->on_mqtt_message(kGatewayTopic, seal(reaction));
    // A reply to a packet the chat never saw is an ordinary message.
    UplinkSpec orphan = answer;
    orphan.id = 0x103;
    orphan.reply_id = 0x999;
    orphan.payload = "orphan";
    h.bridge->on_mqtt_message(kGatewayTopic, seal(orphan));
    posts = sent(h.flush_api());
    assert_int_equal(posts.size(), 3);
    assert_int_equal(*reply_target(posts[0]), posted_as);
    assert_non_null(std::strstr(posts[0].text().c_str(), "me, at the hut"));
    assert_int_equal(*reply_target(posts[1]), posted_as);
    assert_non_null(std::strstr(posts[1].text().c_str(), "🛰"));
    assert_non_null(std::strstr(posts[1].text().c_str(), "!0000b0b0"));
    assert_true(posts[1].text().size() < 80);  // a short line, not a full message
    assert_false(reply_target(posts[2]).has_value());
}

void chat_replies_go_to_the_mesh_as_replies(void**) {
    Config c = base_config();
    c.chat_to_mesh = false;  // a reply to a DM is still a DM; one to a broadcast is chat
    Harness h;
    h.start_ready(c);
    UplinkSpec broadcast;
    broadcast.id = 0x200;
    broadcast.payload = "anyone?";
    h.bridge->on_mqtt_message(kGatewayTopic, seal(broadcast));
    UplinkSpec dm;
    dm.id = 0x201;
    dm.to = kBridgeNode;
    dm.payload = "private question";
    h.bridge->on_mqtt_message(kGatewayTopic, seal(dm));
    auto posts = sent(h.flush_api());
    assert_int_equal(posts.size(), 2);
    const int64_t broadcast_post = h.next_message_id - 2;
    const int64_t dm_post = h.next_message_id - 1;
    h.take_published();

    h.deliver_updates("[" + update(1, kChat, 5, "here", "group", dm_post) + "," +
                      update(2, kChat, 5, "me too", "group", broadcast_post) + "]");
    auto out = h.take_published();
    size_t texts = 0;
    for (const auto& o : out) {
        mesh::Packet p;
        mesh::Data d = open_downlink(o, &p);
        if (d.portnum != mesh::port::kTextMessage) continue;
        ++texts;
        assert_int_equal(p.to, kAlice);
        assert_int_equal(*d.reply_id, 0x201);
        assert_string_equal(d.payload.c_str(), "Alice: here");
    }
    assert_int_equal(texts, 1);

    // With chat_to_mesh, a reply to a broadcast goes to the channel, answering it.
    Harness open_chat;
    open_chat.start_ready();
    open_chat.bridge->on_mqtt_message(kGatewayTopic, seal(broadcast));
    open_chat.flush_api();
    open_chat.take_published();
    open_chat.deliver_updates(
        "[" + update(1, kChat, 5, "me too", "group", open_chat.next_message_id - 1) + "]");
    out = open_chat.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Packet p;
    mesh::Data d = open_downlink(out[0], &p);
    assert_int_equal(p.to, mesh::kBroadcast);
    assert_int_equal(*d.reply_id, 0x200);
}

void the_message_map_survives_a_restart(void**) {
    Harness h;
    h.start_ready();
    UplinkSpec original;
    original.id = 0x300;
    original.payload = "before restart";
    h.bridge->on_mqtt_message(kGatewayTopic, seal(original));
    h.flush_api();
    const int64_t posted_as = h.next_message_id - 1;
    h.bridge->shutdown({});
    const std::string saved = *h.store.text;

    Harness again;
    again.store.text = saved;
    again.start_ready();
    again.take_published();
    again.deliver_updates("[" + update(1, kChat, 5, "after", "group", posted_as) + "]");
    auto out = again.take_published();
    assert_int_equal(out.size(), 1);
    assert_int_equal(*open_downlink(out[0]).reply_id, 0x300);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_channel_posts_to_its_chat_or_topic),
        cmocka_unit_test(what_is_written_in_a_topic_goes_to_its_channel),
        cmocka_unit_test(mesh_replies_and_reactions_answer_their_chat_message),
        cmocka_unit_test(chat_replies_go_to_the_mesh_as_replies),
        cmocka_unit_test(the_message_map_survives_a_restart),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
