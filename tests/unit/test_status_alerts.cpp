// /status, the optional alerts (new node, silent node, low battery), the command menu
// (setMyCommands), /help and /start, and the Russian catalogue.
#include <algorithm>

#include "bridge_harness.h"
#include "tgmesh/core/chat/alerts.h"

namespace {

using namespace bridge_test;
using Call = Harness::ApiCall;

constexpr const char* kGatewayTopic = "msh/US/2/e/LongFast/!11111111";
constexpr Millis kDay = 24 * kHour;

std::vector<std::string> texts(const std::vector<Call>& calls) {
    std::vector<std::string> out;
    for (const auto& c : calls) {
        if (c.method == "sendMessage") out.push_back(c.text());
    }
    return out;
}

bool has(const std::string& text, const char* needle) {
    return text.find(needle) != std::string::npos;
}

void hear(Harness& h, mesh::NodeNum from, uint32_t id, const std::string& gateway = "!11111111") {
    UplinkSpec s;
    s.from = from;
    s.id = id;
    s.portnum = mesh::port::kNodeInfo;
    mesh::UserInfo user;
    user.id = mesh::format_node_id(from);
    user.long_name = "Node " + mesh::format_node_id(from).substr(5);
    user.short_name = "N";
    s.payload = mesh::encode_user(user);
    s.gateway = gateway;
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/" + gateway, seal(s));
}

void battery(Harness& h, mesh::NodeNum from, uint32_t id, uint32_t level) {
    UplinkSpec s;
    s.from = from;
    s.id = id;
    s.portnum = mesh::port::kTelemetry;
    s.payload = battery_payload(level, 3.5f);
    h.bridge->on_mqtt_message(kGatewayTopic, seal(s));
}

void status_is_for_admins_and_counts_everything(void**) {
    Harness h;
    h.announce_at_start = false;
    h.start_connected();
    h.flush_api();
    hear(h, 0x0000a001, 1, "!11111111");
    hear(h, 0x0000a002, 2, "!11111111");
    hear(h, 0x0000a002, 2, "!22222222");  // a duplicate through a second gateway
    h.bridge->on_mqtt_message(kGatewayTopic, "\x01\x02garbage");
    h.clock.advance(2 * kHour + 5 * kMinute);
    hear(h, 0x0000a003, 3, "!33333333");
    h.deliver_updates("[" + update(1, kChat, 5, "/status") + "," +
                      update(2, kChat, kAdmin, "/status") + "]");
    auto replies = texts(h.flush_api());
    assert_int_equal(replies.size(), 2);
    assert_true(has(replies[0], "admins"));
    const std::string& status = replies[1];
    // Uptime, only the gateway heard in the last 15 minutes, queues, counters, drops.
    for (const char* expected : {"up 2h 5m", "!33333333</code> · nodes: 1", "Queues: mesh 0",
                                 "Uplinks 5", "duplicates 1", "malformed 1"}) {
        if (!has(status, expected)) fail_msg("no \"%s\" in: %s", expected, status.c_str());
    }
    assert_false(has(status, "!11111111"));
}

void new_nodes_are_told_once_in_a_batch(void**) {
    Config c = base_config();
    c.alert_new_nodes = true;
    Harness h;
    h.start_connected(c);
    h.flush_api();
    hear(h, 0x0000a001, 1);
    hear(h, 0x0000a002, 2);
    hear(h, 0x0000a001, 3);  // known by now
    h.clock.advance(Alerts::kNewNodeBatch);
    auto replies = texts(h.flush_api());
    assert_int_equal(replies.size(), 1);
    assert_true(has(replies[0], "New node"));
    assert_true(has(replies[0], "!0000a001") || has(replies[0], "Node a001"));
    assert_true(has(replies[0], "!0000a002") || has(replies[0], "Node a002"));
    hear(h, 0x0000a002, 4);
    h.clock.advance(2 * Alerts::kNewNodeBatch);
    assert_int_equal(texts(h.flush_api()).size(), 0);

    // Off by default.
    Harness quiet;
    quiet.start_connected();
    quiet.flush_api();
    hear(quiet, 0x0000a001, 1);
    quiet.clock.advance(2 * Alerts::kNewNodeBatch);
    assert_int_equal(texts(quiet.flush_api()).size(), 0);
}

void low_battery_is_told_once_per_episode(void**) {
    Config c = base_config();
    c.alert_battery_percent = 20;
    Harness h;
    h.start_connected(c);
    h.flush_api();
    battery(h, 0x0000b001, 1, 50);
    battery(h, 0x0000b001, 2, 19);
    battery(h, 0x0000b001, 3, 15);
    battery(h, 0x0000b001, 4, 23);  // within the hysteresis: the same episode
    battery(h, 0x0000b001, 5, 18);
    auto replies = texts(h.flush_api());
    assert_int_equal(replies.size(), 1);
    assert_true(has(replies[0], "19%"));
    // Charged past threshold + 5: a later drop is a new episode.
    battery(h, 0x0000b001, 6, 60);
    battery(h, 0x0000b001, 7, 12);
    replies = texts(h.flush_api());
    assert_int_equal(replies.size(), 1);
    assert_true(has(replies[0], "12%"));
    // External power (101) is not a low battery.
    battery(h, 0x0000b002, 8, 101);
    assert_int_equal(texts(h.flush_api()).size(), 0);
}

void a_node_heard_most_days_and_then_silent_is_told_once(void**) {
    Config c = base_config();
    c.alert_silent_hours = 30;
    Harness h;
    h.start_connected(c);
    h.flush_api();
    // Regular: heard on each of six days. Occasional: heard on two.
    for (uint32_t day = 0; day < 6; ++day) {
        hear(h, 0x0000c001, 10 + day);
        if (day < 2) hear(h, 0x0000c002, 20 + day);
        h.clock.advance(kDay);
        h.flush_api();
    }
    // Silent for a day: not yet. Past 30 hours: one alert, none at the next checks.
    assert_int_equal(texts(h.flush_api()).size(), 0);
    h.clock.advance(6 * kHour + Alerts::kSilenceCheck);
    auto replies = texts(h.flush_api());
    assert_int_equal(replies.size(), 1);
    assert_true(has(replies[0], "Node c001"));
    assert_true(has(replies[0], "silent"));
    h.clock.advance(3 * Alerts::kSilenceCheck);
    assert_int_equal(texts(h.flush_api()).size(), 0);
    // Heard again, then silent again: a new alert.
    hear(h, 0x0000c001, 99);
    h.clock.advance(30 * kHour + Alerts::kSilenceCheck);
    replies = texts(h.flush_api());
    assert_int_equal(replies.size(), 1);
    assert_true(has(replies[0], "Node c001"));
}

// The admin menu goes to admin_ids only (their private chats, and to them in each bridged
// group), not to every group administrator (contract v3, "The first hour").
void command_menus_are_set_for_everyone_and_for_admins(void**) {
    for (const char* language : {"en", "ru"}) {
        Config c = base_config();
        c.language = std::string(language) == "ru" ? Language::kRu : Language::kEn;
        Harness h;
        h.start_connected(c);
        std::vector<Call> menus;
        std::vector<std::string> deleted;
        for (auto& call : h.flush_api()) {
            if (call.method == "setMyCommands") menus.push_back(call);
            if (call.method == "deleteMyCommands") {
                deleted.push_back(
                    *json::get_string(json::member(call.body.get(), "scope"), "type"));
            }
        }
        assert_int_equal(deleted.size(), 1);
        assert_string_equal(deleted[0].c_str(), "all_chat_administrators");
        assert_int_equal(menus.size(), 3);
        std::vector<std::string> scopes;
        for (const auto& menu : menus) {
            const cJSON* scope_json = json::member(menu.body.get(), "scope");
            const std::string scope = *json::get_string(scope_json, "type");
            const auto chat = json::get_int(scope_json, "chat_id");
            const auto user = json::get_int(scope_json, "user_id");
            std::string names;
            std::string descriptions;
            const cJSON* item = nullptr;
            cJSON_ArrayForEach(item, json::member(menu.body.get(), "commands")) {
                names += *json::get_string(item, "command") + " ";
                descriptions += *json::get_string(item, "description");
            }
            for (const char* command :
                 {"send ", "send_to_node ", "write ", "send_nearby ", "nodes ", "node ", "help "}) {
                assert_true(has(names, command));
            }
            const bool admin_menu = scope != "default";
            assert_int_equal(has(names, "status "), admin_menu);
            assert_int_equal(has(names, "probe "), admin_menu);
            if (scope == "chat") {
                assert_true(chat == kAdmin);  // the admin's private chat with the bot
                assert_false(user.has_value());
            } else if (scope == "chat_member") {
                assert_true(chat == kChat);
                assert_true(user == kAdmin);
            } else {
                assert_string_equal(scope.c_str(), "default");
            }
            scopes.push_back(scope);
            // Russian descriptions are in Cyrillic ("Сообщение всем ...").
            assert_int_equal(has(descriptions, "Сообщение"), std::string(language) == "ru");
        }
        std::sort(scopes.begin(), scopes.end());
        assert_true(scopes == (std::vector<std::string>{"chat", "chat_member", "default"}));
    }
}

void help_shows_examples_and_start_explains_privacy_mode(void**) {
    Harness h;
    h.start_connected();
    h.flush_api();
    h.deliver_updates("[" + update(1, kChat, 5, "/help") + "," + update(2, kChat, 5, "/start") +
                      "," + update(3, kChat, kAdmin, "/help") + "]");
    auto replies = texts(h.flush_api());
    assert_int_equal(replies.size(), 3);
    for (const char* command : {"/send ", "/send_to_node ", "/write", "/send_nearby ", "/nodes",
                                "/node ", "<code>/send_to_node"}) {
        if (!has(replies[0], command)) fail_msg("no %s in: %s", command, replies[0].c_str());
    }
    assert_false(has(replies[0], "/status"));  // not an admin
    assert_false(has(replies[0], "privacy"));
    assert_true(has(replies[1], "privacy mode"));
    assert_true(has(replies[2], "/status"));
    assert_true(has(replies[2], "/probe"));
}

void russian_covers_replies_and_keyboards(void**) {
    Config c = base_config();
    c.language = Language::kRu;
    Harness h;
    h.start_connected(c);
    h.flush_api();
    hear(h, 0x0000a001, 1);
    h.deliver_updates("[" + update(1, kChat, 5, "/write") + "," + update(2, kChat, 5, "/status") +
                      "," + update(3, kChat, 5, "/node nobody") + "]");
    auto calls = h.flush_api();
    auto replies = texts(calls);
    assert_int_equal(replies.size(), 3);
    assert_true(has(replies[0], "Выберите"));
    bool cancel_in_russian = false;
    for (const auto& call : calls) {
        for (const auto& [label, data] : call.buttons()) {
            cancel_in_russian |= label == "✖ Отмена";
        }
    }
    assert_true(cancel_in_russian);
    assert_true(has(replies[1], "администратор"));
    assert_true(has(replies[2], "nobody"));
    assert_false(has(replies[2], "not"));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_is_for_admins_and_counts_everything),
        cmocka_unit_test(new_nodes_are_told_once_in_a_batch),
        cmocka_unit_test(low_battery_is_told_once_per_episode),
        cmocka_unit_test(a_node_heard_most_days_and_then_silent_is_told_once),
        cmocka_unit_test(command_menus_are_set_for_everyone_and_for_admins),
        cmocka_unit_test(help_shows_examples_and_start_explains_privacy_mode),
        cmocka_unit_test(russian_covers_replies_and_keyboards),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
