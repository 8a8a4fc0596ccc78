// Contract v3 "The first hour": discovery (/start in a chat that is not bridged tells its id),
// admins' private chats, dm_chat_ids and DM replies going back to the chat they answer, and
// `diagnose` (over $CONTROL and in /status) with each finding code.
#include <algorithm>

#include "bridge_harness.h"
#include "tgmesh/core/admin/diagnosis.h"

namespace {

using namespace bridge_test;
using Call = Harness::ApiCall;

constexpr int64_t kStranger = -5005;
constexpr const char* kResponse = "$CONTROL/tgmesh/v1/response";
constexpr const char* kGatewayTopic = "msh/US/2/e/LongFast/!11111111";

bool has(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

std::vector<Call> sends(const std::vector<Call>& calls) {
    std::vector<Call> out;
    for (const auto& c : calls) {
        if (c.method == "sendMessage") out.push_back(c);
    }
    return out;
}

int64_t chat_of(const Call& c) {
    return json::get_int(c.body.get(), "chat_id").value_or(0);
}

Config config_with(Options extra) {
    Options opts = {{"bot_token", kToken},  {"api_url", "http://127.0.0.1:9"},
                    {"admin_ids", "111"},   {"node_id", "!7b000001"},
                    {"mesh_interval", "0"}, {"state_file", "/tmp/x.json"}};
    opts.insert(opts.end(), extra.begin(), extra.end());
    auto r = load_config(opts);
    if (!r.config) fail_msg("config: %s", r.config.error().c_str());
    return *r.config;
}

// ---- discovery --------------------------------------------------------------------------

void start_in_an_unbridged_chat_tells_its_id_once_a_minute(void**) {
    Harness h;
    h.start_ready(config_with({}));  // a token, no chat_ids: discovery
    assert_true(h.log.contains("no chat is bridged yet"));
    h.deliver_updates("[" + update(1, kStranger, 5, "/start") + "," +
                      update(2, kStranger, 5, "/start") + "]");
    auto replies = sends(h.flush_api());
    assert_int_equal(replies.size(), 1);
    assert_true(chat_of(replies[0]) == kStranger);
    assert_true(has(replies[0].text(), "<code>-5005</code>"));
    assert_true(has(replies[0].text(), "plugin_opt_chat_ids -5005"));
    assert_false(has(replies[0].text(), "user id"));  // a group: no user id
    // A minute later it answers again.
    h.clock.advance(ChatCommands::kDiscoveryAnswerGap);
    h.deliver_updates("[" + update(3, kStranger, 5, "/start@tgmesh_bot") + "]");
    assert_int_equal(sends(h.flush_api()).size(), 1);
}

void a_private_start_also_tells_the_user_id(void**) {
    Harness h;
    h.start_ready(config_with({}));
    h.deliver_updates("[" + update(1, 4242, 4242, "/start", "private") + "]");
    auto replies = sends(h.flush_api());
    assert_int_equal(replies.size(), 1);
    assert_true(has(replies[0].text(), "<code>4242</code>: put it in <code>admin_ids</code>"));
}

void nothing_else_in_an_unbridged_chat_gets_an_answer_or_a_downlink(void**) {
    Harness h;
    h.start_ready();  // chat_ids -1001
    h.take_published();
    h.deliver_updates(
        "[" + update(1, kStranger, 5, "/send hi") + "," + update(2, kStranger, 5, "plain text") +
        "," + update(3, kStranger, 5, "/help") + "," + update(4, kStranger, kAdmin, "/status") +
        "," + update(5, 5, 5, "/send private", "private") + "]");
    assert_int_equal(sends(h.flush_api()).size(), 0);
    assert_int_equal(h.take_published().size(), 0);
    assert_true(
        h.log.contains("ignoring updates from chat -5005 (not in chat_ids; /start there "
                       "answers with its id)"));
}

void discovery_answers_are_bounded_under_a_flood_of_chats(void**) {
    Harness h;
    h.start_ready(config_with({}));
    std::string batch = "[";
    const int chats = static_cast<int>(ChatCommands::kDiscoveryChatsRemembered) + 50;
    for (int i = 0; i < chats; ++i)
        batch += (i ? "," : "") + update(i + 1, -100000 - i, 5, "/start");
    batch += "]";
    h.deliver_updates(batch);
    size_t answered = 0;
    for (int round = 0; round < 400 && h.bridge->metrics().chat_queue + answered > 0; ++round) {
        const auto replies = sends(h.flush_api(50, 2000));
        if (replies.empty()) break;
        answered += replies.size();
    }
    assert_int_equal(answered, ChatCommands::kDiscoveryChatsRemembered);
}

// ---- an admin's private chat ------------------------------------------------------------

void an_admin_may_use_admin_commands_in_a_private_chat(void**) {
    Harness h;
    h.start_ready();
    h.take_published();
    h.deliver_updates("[" + update(1, kAdmin, kAdmin, "/status", "private") + "," +
                      update(2, kAdmin, kAdmin, "/send not from here", "private") + "," +
                      update(3, kAdmin, kAdmin, "/probe", "private") + "]");
    auto replies = sends(h.flush_api());
    assert_true(replies.size() >= 2);
    assert_true(has(replies[0].text(), "Bridge status"));
    assert_true(has(replies[1].text(), "only the admin commands work here"));
    auto published = h.take_published();
    assert_int_equal(published.size(), 1);  // the probe, no text downlink
    assert_string_equal(published[0].topic.c_str(), "msh/US/tgmesh/probe");
    // It gets no mesh posts.
    h.bridge->on_mqtt_message(kGatewayTopic,
                              text_envelope(kAlice, 77, "to the chats", "!11111111"));
    for (const auto& c : sends(h.flush_api()))
        assert_true(chat_of(c) == kChat);
}

void a_non_admin_private_chat_stays_unbridged(void**) {
    Harness h;
    h.start_ready();
    h.deliver_updates("[" + update(1, 5, 5, "/status", "private") + "]");
    assert_int_equal(sends(h.flush_api()).size(), 0);
}

// ---- DMs: dm_chat_ids and replies -------------------------------------------------------

Bytes dm_to_bridge(uint32_t id, const std::string& text, std::optional<uint32_t> reply_id = {}) {
    UplinkSpec s;
    s.to = kBridgeNode;
    s.id = id;
    s.payload = Bytes(text.begin(), text.end());
    s.reply_id = reply_id;
    return seal(s);
}

void dms_go_to_dm_chat_ids_and_channel_texts_do_not(void**) {
    Harness h;
    h.start_ready(config_with({{"chat_ids", "-1001,-1002"}, {"dm_chat_ids", "111"}}));
    h.bridge->on_mqtt_message(kGatewayTopic, dm_to_bridge(10, "private words"));
    h.bridge->on_mqtt_message(kGatewayTopic, text_envelope(kAlice, 11, "for all", "!11111111"));
    std::map<int64_t, std::vector<std::string>> by_chat;
    for (const auto& c : sends(h.flush_api()))
        by_chat[chat_of(c)].push_back(c.text());
    assert_int_equal(by_chat[111].size(), 1);
    assert_true(has(by_chat[111][0], "private words"));
    for (int64_t chat : {-1001, -1002}) {
        assert_int_equal(by_chat[chat].size(), 1);
        assert_true(has(by_chat[chat][0], "for all"));
    }
}

void a_dm_answering_a_chats_dm_goes_to_that_chat_only(void**) {
    Harness h;
    h.start_ready(config_with({{"chat_ids", "-1001,-1002"}}));
    h.take_published();
    // A DM from chat -1002 to Alice (channel key: no key known).
    h.deliver_updates("[" + update(1, -1002, 5, "/send_to_node !a1b2c3d4 hello Alice") + "]");
    h.flush_api();
    uint32_t sent_id = 0;
    for (const auto& out : h.take_published()) {
        mesh::Packet p;
        auto data = open_downlink(out, &p);
        if (data.portnum == mesh::port::kTextMessage) sent_id = p.id;
    }
    assert_true(sent_id != 0);
    // Alice answers it: only -1002 gets it. A DM that answers nothing goes to both chats.
    h.bridge->on_mqtt_message(kGatewayTopic, dm_to_bridge(20, "hi back", sent_id));
    h.bridge->on_mqtt_message(kGatewayTopic, dm_to_bridge(21, "out of the blue"));
    std::map<int64_t, std::vector<std::string>> by_chat;
    for (const auto& c : sends(h.flush_api()))
        by_chat[chat_of(c)].push_back(c.text());
    assert_int_equal(by_chat[-1002].size(), 2);
    assert_int_equal(by_chat[-1001].size(), 1);
    assert_true(has(by_chat[-1001][0], "out of the blue"));
    // The origin survives a restart (state file).
    h.bridge->shutdown({});
    Harness again;
    again.store = h.store;
    again.start_ready(config_with({{"chat_ids", "-1001,-1002"}}));
    again.bridge->on_mqtt_message(kGatewayTopic, dm_to_bridge(22, "later answer", sent_id));
    auto later = sends(again.flush_api());
    assert_int_equal(later.size(), 1);
    assert_true(chat_of(later[0]) == -1002);
}

// ---- diagnose ---------------------------------------------------------------------------

json::Ptr diagnose(Harness& h) {
    h.take_published();
    h.bridge->on_control({"admin", "", R"({"commands":[{"command":"diagnose"}]})"});
    h.bridge->run_due();
    for (auto& m : h.take_published()) {
        if (m.topic == kResponse) {
            auto doc = json::parse(std::string(m.payload.begin(), m.payload.end()));
            if (!doc) fail_msg("response is not JSON");
            return doc;
        }
    }
    fail_msg("no diagnose response");
    return nullptr;
}

const cJSON* finding(const json::Ptr& doc, const std::string& code) {
    const cJSON* response = cJSON_GetArrayItem(json::member(doc.get(), "responses"), 0);
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, json::member(json::member(response, "data"), "findings")) {
        if (json::get_string(item, "code") == code) return item;
    }
    return nullptr;
}

void diagnose_says_nothing_is_wrong_on_a_healthy_bridge(void**) {
    Harness h;
    h.start_ready();
    h.bridge->on_mqtt_message(kGatewayTopic, text_envelope(kAlice, 1, "hi", "!11111111"));
    auto doc = diagnose(h);
    const cJSON* response = cJSON_GetArrayItem(json::member(doc.get(), "responses"), 0);
    assert_int_equal(cJSON_GetArraySize(json::member(json::member(response, "data"), "findings")),
                     0);
}

void no_uplinks_after_ten_minutes(void**) {
    Harness h;
    h.start_ready();
    h.clock.advance(Diagnosis::kQuietUplinks - kSecond - h.bridge->metrics().uptime_s * kSecond);
    assert_null(finding(diagnose(h), "no_uplinks"));
    h.clock.advance(kSecond);
    auto doc1 = diagnose(h);
    const cJSON* f = finding(doc1, "no_uplinks");
    assert_non_null(f);
    assert_true(has(*json::get_string(f, "text"), "since start"));
    // Uplinks came, then stopped.
    h.bridge->on_mqtt_message(kGatewayTopic, text_envelope(kAlice, 1, "hi", "!11111111"));
    assert_null(finding(diagnose(h), "no_uplinks"));
    h.clock.advance(Diagnosis::kQuietUplinks);
    auto doc2 = diagnose(h);
    f = finding(doc2, "no_uplinks");
    assert_non_null(f);
    assert_true(has(*json::get_string(f, "text"), "for 10 min"));
}

void unknown_channel_names_hash_count_and_gateways(void**) {
    Harness h;
    h.start_ready();
    // "Private" with a key the bridge does not have, from two gateways.
    uint32_t id = 0;
    for (const char* gw : {"!11111111", "!22222222", "!11111111"}) {
        mesh::Packet header;
        header.from = kAlice;
        header.to = mesh::kBroadcast;
        header.id = ++id;
        mesh::Data data;
        data.portnum = mesh::port::kTextMessage;
        data.payload = {'x'};
        Bytes sealed = mesh::seal_envelope(mesh::make_channel_key("Private", Bytes(16, 0x42)),
                                           header, data, gw);
        h.bridge->on_mqtt_message(std::string("msh/US/2/e/Private/") + gw, sealed);
    }
    auto doc3 = diagnose(h);
    const cJSON* f = finding(doc3, "unknown_channel");
    assert_non_null(f);
    const uint8_t hash = mesh::channel_hash("Private", Bytes(16, 0x42));
    assert_int_equal(*json::get_int(f, "channelHash"), hash);
    assert_string_equal(json::get_string(f, "channel")->c_str(), "Private");
    assert_int_equal(*json::get_int(f, "count"), 3);
    assert_int_equal(cJSON_GetArraySize(json::member(f, "gateways")), 2);
    assert_true(has(*json::get_string(f, "text"), "via !11111111, !22222222"));
    // An hour later it is old news.
    h.clock.advance(Diagnosis::kUnknownChannelWindow + kSecond);
    h.bridge->on_mqtt_message(kGatewayTopic, text_envelope(kAlice, 99, "hi", "!11111111"));
    assert_null(finding(diagnose(h), "unknown_channel"));
}

void unknown_preset_channel_with_the_default_key_is_named(void**) {
    Harness h;
    h.start_ready();
    // MediumFast with the default key, from an envelope without a channel_id.
    mesh::Envelope env;
    env.gateway_id = "!11111111";
    env.packet.from = kAlice;
    env.packet.to = mesh::kBroadcast;
    env.packet.id = 5;
    env.packet.channel = mesh::channel_hash("MediumFast", mesh::default_channel_key());
    env.packet.encrypted = Bytes{1, 2, 3, 4, 5, 6};
    h.bridge->on_mqtt_message("msh/US/2/e/MediumFast/!11111111", mesh::encode_envelope(env));
    auto doc4 = diagnose(h);
    const cJSON* f = finding(doc4, "unknown_channel");
    assert_non_null(f);
    assert_true(has(*json::get_string(f, "text"), "add MediumFast=AQ== to channel_keys"));
}

void telegram_unauthorized_when_the_token_is_refused(void**) {
    Harness h;
    h.start();
    h.take_published();
    auto me = h.http.take("getMe");
    test::FakeHttp::reply(me, 401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})");
    h.bridge->run_due();
    assert_non_null(finding(diagnose(h), "telegram_unauthorized"));
}

void chat_unreachable_names_the_chat(void**) {
    Harness h;
    h.start_ready();
    h.bridge->on_mqtt_message(kGatewayTopic, text_envelope(kAlice, 1, "hi", "!11111111"));
    h.bridge->run_due();
    auto p = h.http.take("sendMessage");
    test::FakeHttp::reply(
        p, 403,
        R"({"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the group chat"})");
    auto doc5 = diagnose(h);
    const cJSON* f = finding(doc5, "chat_unreachable");
    assert_non_null(f);
    assert_int_equal(*json::get_int(f, "chatId"), kChat);
    assert_true(has(*json::get_string(f, "text"), "bot was kicked"));
}

void privacy_mode_from_get_me(void**) {
    Harness h;
    h.start();
    h.take_published();
    auto me = h.http.take("getMe");
    test::FakeHttp::reply(me, 200,
                          R"({"ok":true,"result":{"id":9,"is_bot":true,"username":"tgmesh_bot",)"
                          R"("can_read_all_group_messages":false}})");
    h.bridge->run_due();
    assert_non_null(finding(diagnose(h), "privacy_mode"));
    // With chat_to_mesh off, privacy mode changes nothing.
    Config c = base_config();
    c.chat_to_mesh = false;
    Harness off;
    off.start(c);
    auto me2 = off.http.take("getMe");
    test::FakeHttp::reply(me2, 200,
                          R"({"ok":true,"result":{"id":9,"is_bot":true,"username":"tgmesh_bot",)"
                          R"("can_read_all_group_messages":false}})");
    off.bridge->run_due();
    assert_null(finding(diagnose(off), "privacy_mode"));
}

void ignore_mqtt_region_for_duty_cycle_roots(void**) {
    Harness h;
    h.start_ready(config_with({{"chat_ids", "-1001"}, {"topic_root", "msh/EU_868,msh/US"}}));
    auto doc6 = diagnose(h);
    const cJSON* f = finding(doc6, "ignore_mqtt_region");
    assert_non_null(f);
    assert_string_equal(json::get_string(f, "root")->c_str(), "msh/EU_868");
    assert_string_equal(json::get_string(f, "region")->c_str(), "EU_868");
    for (const char* root : {"msh/EU_433", "msh/UA_868/sub", "mesh/TH", "x/UA_433"})
        assert_false(duty_cycle_region(root).empty());
    for (const char* root : {"msh/US", "msh/EU_8680", "msh/RU", "msh/ANZ", "EU_868x"})
        assert_true(duty_cycle_region(root).empty());
}

void status_shows_the_findings(void**) {
    Harness h;
    h.start_ready(config_with({{"chat_ids", "-1001"}, {"topic_root", "msh/EU_868"}}));
    h.deliver_updates("[" + update(1, kChat, kAdmin, "/status") + "]");
    auto replies = sends(h.flush_api());
    assert_int_equal(replies.size(), 1);
    assert_true(has(replies[0].text(), "Problems"));
    assert_true(has(replies[0].text(), "Root msh/EU_868 is in region EU_868"));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_in_an_unbridged_chat_tells_its_id_once_a_minute),
        cmocka_unit_test(a_private_start_also_tells_the_user_id),
        cmocka_unit_test(nothing_else_in_an_unbridged_chat_gets_an_answer_or_a_downlink),
        cmocka_unit_test(discovery_answers_are_bounded_under_a_flood_of_chats),
        cmocka_unit_test(an_admin_may_use_admin_commands_in_a_private_chat),
        cmocka_unit_test(a_non_admin_private_chat_stays_unbridged),
        cmocka_unit_test(dms_go_to_dm_chat_ids_and_channel_texts_do_not),
        cmocka_unit_test(a_dm_answering_a_chats_dm_goes_to_that_chat_only),
        cmocka_unit_test(diagnose_says_nothing_is_wrong_on_a_healthy_bridge),
        cmocka_unit_test(no_uplinks_after_ten_minutes),
        cmocka_unit_test(unknown_channel_names_hash_count_and_gateways),
        cmocka_unit_test(unknown_preset_channel_with_the_default_key_is_named),
        cmocka_unit_test(telegram_unauthorized_when_the_token_is_refused),
        cmocka_unit_test(chat_unreachable_names_the_chat),
        cmocka_unit_test(privacy_mode_from_get_me),
        cmocka_unit_test(ignore_mqtt_region_for_duty_cycle_roots),
        cmocka_unit_test(status_shows_the_findings),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
