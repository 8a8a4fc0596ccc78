// Browsing nodes from the chat: /write's picker, /nodes pages and filter, /node details and
// its map pin, /send_nearby.
#include <cstdio>

#include "bridge_harness.h"
#include "tgmesh/core/chat/node_details.h"

namespace {

using namespace bridge_test;
using Call = Harness::ApiCall;

constexpr int64_t kBob = 222;

// `count` nodes "Node 01".. heard one second apart (the last one most recently).
void hear_nodes(Harness& h, int count, const char* prefix = "Node",
                mesh::NodeNum first = 0x10000001) {
    for (int i = 1; i <= count; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%s %02d", prefix, i);
        h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                                  nodeinfo_envelope(first + static_cast<uint32_t>(i - 1),
                                                    100 + static_cast<uint32_t>(i), name, "N"));
        h.clock.advance(1000);
    }
    h.bridge->run_due();
}

// The texts among published downlinks (the bridge also announces itself now and then).
size_t text_downlinks(const std::vector<Outgoing>& out) {
    size_t n = 0;
    for (const auto& o : out)
        n += open_downlink(o).portnum == mesh::port::kTextMessage;
    return n;
}

const Call* find_call(const std::vector<Call>& calls, const std::string& method) {
    for (const auto& c : calls) {
        if (c.method == method) return &c;
    }
    return nullptr;
}

void write_picker_pages_and_sends_the_next_text_as_a_dm(void**) {
    Harness h;
    h.start_ready();
    hear_nodes(h, 10);
    h.deliver_updates("[" + update(1, kChat, kAdmin, "/write") + "]");
    auto calls = h.flush_api();
    const Call* menu = find_call(calls, "sendMessage");
    assert_non_null(menu);
    auto buttons = menu->buttons();
    // 8 nodes, most recent first, then Cancel and ▶.
    assert_int_equal(buttons.size(), 10);
    assert_true(buttons[0].first.starts_with("Node 10"));
    assert_true(buttons[7].first.starts_with("Node 03"));
    assert_string_equal(buttons[8].first.c_str(), "✖ Cancel");
    assert_string_equal(buttons[9].first.c_str(), "▶");
    for (const auto& [label, data] : buttons)
        assert_true(data.size() <= 64);

    // ▶: the second page replaces the first in place.
    h.deliver_updates("[" + callback_update(2, kChat, kAdmin, 500, buttons[9].second) + "]");
    calls = h.flush_api();
    assert_non_null(find_call(calls, "answerCallbackQuery"));
    const Call* page2 = find_call(calls, "editMessageText");
    assert_non_null(page2);
    assert_int_equal(*json::get_int(page2->body.get(), "message_id"), 500);
    auto second = page2->buttons();
    assert_int_equal(second.size(), 4);  // Node 02, Node 01, ◀, Cancel
    assert_true(second[1].first.starts_with("Node 01"));
    assert_string_equal(second[2].first.c_str(), "◀");

    // Picking a node: the menu says so, and a ForceReply prompt answers the /write.
    h.deliver_updates("[" + callback_update(3, kChat, kAdmin, 500, second[1].second) + "]");
    calls = h.flush_api();
    assert_non_null(find_call(calls, "answerCallbackQuery"));
    assert_non_null(std::strstr(find_call(calls, "editMessageText")->text().c_str(), "Node 01"));
    const Call* prompt = find_call(calls, "sendMessage");
    assert_non_null(prompt);
    assert_true(cJSON_IsTrue(json::member(prompt->markup(), "force_reply")));
    assert_true(cJSON_IsTrue(json::member(prompt->markup(), "selective")));
    const cJSON* reply = json::member(prompt->body.get(), "reply_parameters");
    assert_int_equal(*json::get_int(reply, "message_id"), 10);  // the /write (update 1)

    // The next text of that user goes to Node 01 as a DM, and is confirmed.
    h.take_published();
    h.deliver_updates("[" + update(4, kChat, kAdmin, "meet at the hut") + "]");
    auto out = h.take_published();
    assert_true(out.size() >= 1);
    mesh::Packet p;
    assert_string_equal(open_downlink(out[0], &p).payload.c_str(), "Alice: meet at the hut");
    assert_int_equal(p.to, 0x10000001);
    calls = h.flush_api();
    assert_non_null(std::strstr(find_call(calls, "sendMessage")->text().c_str(), "Node 01"));

    // The flow is over: the following text is plain chat again, a broadcast (chat_to_mesh).
    h.deliver_updates("[" + update(5, kChat, kAdmin, "just chatting") + "]");
    out = h.take_published();
    assert_int_equal(out.size(), 1);
    open_downlink(out[0], &p);
    assert_int_equal(p.to, mesh::kBroadcast);
}

void write_presses_by_others_stale_or_unknown_are_answered(void**) {
    Harness h;
    h.start_ready();
    hear_nodes(h, 3);
    h.deliver_updates("[" + update(1, kChat, kAdmin, "/write") + "]");
    auto buttons = find_call(h.flush_api(), "sendMessage")->buttons();
    const std::string pick = buttons[0].second;

    // Bob presses Alice's menu: told whose it is, nothing else happens.
    h.deliver_updates("[" + callback_update(2, kChat, kBob, 500, pick) + "]");
    auto calls = h.flush_api();
    assert_int_equal(calls.size(), 1);
    assert_string_equal(calls[0].method.c_str(), "answerCallbackQuery");
    assert_string_equal(json::get_string(calls[0].body.get(), "callback_query_id")->c_str(), "cb2");
    assert_non_null(std::strstr(calls[0].text().c_str(), "Alice"));

    // Garbage and presses from a keyboard of another run are answered as expired.
    h.deliver_updates("[" + callback_update(3, kChat, kAdmin, 500, "zz") + "," +
                      callback_update(4, kChat, kAdmin, 500, "w:0000beef:p:1") + "]");
    calls = h.flush_api();
    assert_int_equal(calls.size(), 2);
    for (const auto& c : calls) {
        assert_string_equal(c.method.c_str(), "answerCallbackQuery");
        assert_non_null(std::strstr(c.text().c_str(), "expired"));
    }

    // After five minutes the menu is stale too.
    h.clock.advance(5 * kMinute + kSecond);
    h.deliver_updates("[" + callback_update(5, kChat, kAdmin, 500, pick) + "]");
    calls = h.flush_api();
    assert_int_equal(calls.size(), 1);
    assert_non_null(std::strstr(calls[0].text().c_str(), "expired"));
}

void write_cancel_or_an_expired_pick_sends_no_dm(void**) {
    Config c = base_config();
    c.chat_to_mesh = false;  // so that a text that is not a DM goes nowhere
    Harness h;
    h.start_ready(c);
    hear_nodes(h, 2);
    h.deliver_updates("[" + update(1, kChat, kAdmin, "/write") + "]");
    auto buttons = find_call(h.flush_api(), "sendMessage")->buttons();
    h.deliver_updates("[" + callback_update(2, kChat, kAdmin, 500, buttons.back().second) + "]");
    auto calls = h.flush_api();
    assert_string_equal(find_call(calls, "editMessageText")->text().c_str(), "Cancelled.");
    h.take_published();
    h.deliver_updates("[" + update(3, kChat, kAdmin, "not for the mesh") + "]");
    assert_int_equal(h.take_published().size(), 0);

    // A node picked but no text within five minutes: the text is not sent.
    h.deliver_updates("[" + update(4, kChat, kAdmin, "/write") + "]");
    buttons = find_call(h.flush_api(), "sendMessage")->buttons();
    h.deliver_updates("[" + callback_update(5, kChat, kAdmin, 501, buttons[0].second) + "]");
    h.flush_api();
    h.clock.advance(5 * kMinute + kSecond);
    h.deliver_updates("[" + update(6, kChat, kAdmin, "too late") + "]");
    assert_int_equal(text_downlinks(h.take_published()), 0);
}

void write_with_no_nodes_says_so(void**) {
    Harness h;
    h.start_ready();
    h.deliver_updates("[" + update(1, kChat, kAdmin, "/write") + "]");
    auto calls = h.flush_api();
    assert_string_equal(find_call(calls, "sendMessage")->text().c_str(), "No nodes heard yet.");
    assert_null(find_call(calls, "sendMessage")->markup());
}

void nodes_pages_through_and_filters(void**) {
    Harness h;
    h.start_ready();
    hear_nodes(h, 17);
    hear_nodes(h, 2, "Base", 0x20000001);
    h.deliver_updates("[" + update(1, kChat, kAdmin, "/nodes") + "]");
    const Call first = *find_call(h.flush_api(), "sendMessage");
    // 19 nodes, 15 on the first page, most recent first.
    assert_non_null(std::strstr(first.text().c_str(), "(19)"));
    assert_non_null(std::strstr(first.text().c_str(), "Base 02"));
    assert_null(std::strstr(first.text().c_str(), "Node 04"));
    auto buttons = first.buttons();
    assert_int_equal(buttons.size(), 1);
    assert_string_equal(buttons[0].first.c_str(), "▶");
    assert_true(buttons[0].second.size() <= 64);

    h.deliver_updates("[" + callback_update(2, kChat, kBob, 500, buttons[0].second) + "]");
    auto calls = h.flush_api();
    assert_non_null(find_call(calls, "answerCallbackQuery"));
    const Call* second = find_call(calls, "editMessageText");
    assert_non_null(second);
    assert_non_null(std::strstr(second->text().c_str(), "Node 01"));
    assert_null(std::strstr(second->text().c_str(), "Base 02"));
    assert_string_equal(second->buttons()[0].first.c_str(), "◀");

    // A filter matches names (case-insensitive) and ids.
    h.deliver_updates("[" + update(3, kChat, kAdmin, "/nodes base") + "]");
    const Call filtered = *find_call(h.flush_api(), "sendMessage");
    assert_non_null(std::strstr(filtered.text().c_str(), "Base 01"));
    assert_null(std::strstr(filtered.text().c_str(), "Node 01"));
    assert_null(filtered.markup());
    h.deliver_updates("[" + update(4, kChat, kAdmin, "/nodes 1000000a") + "]");
    const Call by_id = *find_call(h.flush_api(), "sendMessage");
    assert_non_null(std::strstr(by_id.text().c_str(), "Node 10"));
    assert_null(std::strstr(by_id.text().c_str(), "Node 11"));

    // An hour later the page buttons have expired.
    h.clock.advance(kHour + kSecond);
    h.deliver_updates("[" + callback_update(5, kChat, kAdmin, 500, buttons[0].second) + "]");
    calls = h.flush_api();
    assert_int_equal(calls.size(), 1);
    assert_non_null(std::strstr(calls[0].text().c_str(), "expired"));
}

// /node also shows environment telemetry, the channel's airtime and the neighbours (part 11),
// each with its age, and they survive a restart.
void node_details_show_environment_airtime_and_neighbours(void**) {
    Harness h;
    h.start_ready();
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              nodeinfo_envelope(kAlice, 1, "Base Camp", "BC"));
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              nodeinfo_envelope(0x0badcafe, 2, "Relay", "RL"));
    mesh::TelemetryInfo environment;
    environment.environment = mesh::EnvironmentInfo{21.5f, 45.0f, 1013.2f};
    mesh::TelemetryInfo device;
    device.device = mesh::DeviceMetricsInfo{};
    device.device->channel_utilization = 12.5f;
    device.device->air_util_tx = 1.25f;
    mesh::NeighborInfoMsg neighbors;
    neighbors.node = kAlice;
    neighbors.neighbors = {{0x0badcafe, 6.25f}, {0x12345678, -3.0f}};
    uint32_t id = 10;
    for (auto [portnum, payload] :
         {std::pair{mesh::port::kTelemetry, mesh::encode_telemetry(environment)},
          std::pair{mesh::port::kTelemetry, mesh::encode_telemetry(device)},
          std::pair{mesh::port::kNeighborInfo, mesh::encode_neighbor_info(neighbors)}}) {
        UplinkSpec s;
        s.id = id++;
        s.portnum = portnum;
        s.payload = payload;
        h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", seal(s));
    }
    h.clock.advance(5 * kMinute);
    auto show = [](Harness& harness, int64_t update_id) {
        harness.deliver_updates("[" + update(update_id, kChat, kBob, "/node base camp") + "]");
        return find_call(harness.flush_api(), "sendMessage")->text();
    };
    const std::string first = show(h, 20);
    for (const char* expected :
         {"Environment: 21.5 °C · 45.0% · 1013.2 hPa (5 min ago)",
          "Airtime: channel 12.5%, transmitting 1.2% (5 min ago)",
          "Neighbours (5 min ago): ", "<b>Relay</b> (RL) <code>!0badcafe</code> (6.2 dB)",
          "<code>!12345678</code> (-3.0 dB)"}) {
        if (!std::strstr(first.c_str(), expected))
            fail_msg("no %s in: %s", expected, first.c_str());
    }
    h.bridge->shutdown({});
    Harness again;
    again.store.text = h.store.text;
    again.start_ready();
    const std::string text = show(again, 21);  // the state remembers update 20
    assert_non_null(std::strstr(text.c_str(), "21.5 °C"));
    assert_non_null(std::strstr(text.c_str(), "channel 12.5%"));
    assert_non_null(std::strstr(text.c_str(), "!0badcafe"));
}

void node_details_and_location_pin(void**) {
    Harness h;
    h.start_ready();
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              nodeinfo_envelope(kAlice, 1, "Base Camp", "BC"));
    UplinkSpec pos;
    pos.id = 2;
    pos.portnum = mesh::port::kPosition;
    pos.payload = position_payload(557558000, 376173000, 13);
    pos.hop_limit = 2;  // one hop away
    pos.snr = -7.5f;
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", seal(pos));
    UplinkSpec telemetry;
    telemetry.id = 3;
    telemetry.portnum = mesh::port::kTelemetry;
    telemetry.payload = battery_payload(64, 3.9f);
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222", [&] {
        telemetry.gateway = "!22222222";
        return seal(telemetry);
    }());
    h.clock.advance(2 * kMinute);
    h.deliver_updates("[" + update(1, kChat, kBob, "/node base camp") + "]");
    auto calls = h.flush_api();
    const Call* details = find_call(calls, "sendMessage");
    assert_non_null(details);
    const std::string text = details->text();
    for (const char* expected : {"Base Camp", "!a1b2c3d4", "Battery: 64%", "Voltage: 3.9",
                                 "!11111111", "!22222222", "-7.5", "Position: "}) {
        if (!std::strstr(text.c_str(), expected)) fail_msg("no %s in: %s", expected, text.c_str());
    }
    const Call* pin = find_call(calls, "sendLocation");
    assert_non_null(pin);
    assert_float_equal(*json::get_number(pin->body.get(), "latitude"), 55.7558, 1e-6);
    assert_float_equal(*json::get_number(pin->body.get(), "longitude"), 37.6173, 1e-6);
    // 13 bits of precision leave about 2.9 km; Telegram takes at most 1500 m.
    assert_float_equal(*json::get_number(pin->body.get(), "horizontal_accuracy"), 1500, 0.1);

    // An id never heard gets an answer, and no pin.
    h.deliver_updates("[" + update(2, kChat, kBob, "/node !0badcafe") + "]");
    calls = h.flush_api();
    assert_non_null(std::strstr(find_call(calls, "sendMessage")->text().c_str(), "!0badcafe"));
    assert_null(find_call(calls, "sendLocation"));
    // Without an argument: usage.
    h.deliver_updates("[" + update(3, kChat, kBob, "/node") + "]");
    assert_non_null(std::strstr(find_call(h.flush_api(), "sendMessage")->text().c_str(), "/node"));
}

void precision_bits_become_metres(void**) {
    assert_false(precision_metres(std::nullopt).has_value());
    assert_false(precision_metres(32).has_value());
    assert_false(precision_metres(0).has_value());
    // Each bit fewer doubles the cell; 16 bits ≈ 364 m, 19 bits ≈ 45 m (firmware's table).
    assert_float_equal(*precision_metres(16), 364, 30);
    assert_float_equal(*precision_metres(19), 45, 5);
    assert_float_equal(*precision_metres(10), 1500, 0.1);
}

void send_nearby_uses_one_hop_and_lists_direct_neighbours(void**) {
    Harness h;
    h.start_ready();
    UplinkSpec direct;
    direct.from = 0x0000d1d1;
    direct.id = 1;
    direct.payload = "near";
    direct.snr = 6.25f;
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", seal(direct));
    UplinkSpec far = direct;
    far.from = 0x0000fafa;
    far.id = 2;
    far.hop_limit = 1;  // two hops away
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", seal(far));
    h.bridge->run_due();
    h.flush_api();
    h.take_published();

    h.deliver_updates("[" + update(1, kChat, kBob, "/send_nearby anyone near the hut?") + "]");
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Packet p;
    assert_string_equal(open_downlink(out[0], &p).payload.c_str(), "Alice: anyone near the hut?");
    assert_int_equal(p.to, mesh::kBroadcast);
    // The gateway relays it once (hop_limit 1 → 0 on air); nobody relays it further.
    assert_int_equal(*p.hop_limit, 1);
    assert_int_equal(*p.hop_start, 1);
    const std::string reply = find_call(h.flush_api(), "sendMessage")->text();
    assert_non_null(std::strstr(reply.c_str(), "!0000d1d1"));
    assert_non_null(std::strstr(reply.c_str(), "6.2"));
    assert_null(std::strstr(reply.c_str(), "!0000fafa"));

    // More than an hour later nobody counts as heard directly.
    h.clock.advance(kHour + kMinute);
    h.deliver_updates("[" + update(2, kChat, kBob, "/send_nearby still there?") + "]");
    const std::string later = find_call(h.flush_api(), "sendMessage")->text();
    assert_non_null(std::strstr(later.c_str(), "No node was heard directly"));
    h.deliver_updates("[" + update(3, kChat, kBob, "/send_nearby") + "]");
    assert_non_null(std::strstr(find_call(h.flush_api(), "sendMessage")->text().c_str(), "Usage"));
}

void send_nearby_in_json_mode_is_originated_with_no_hops(void**) {
    Config c = base_config();
    c.downlink = DownlinkMode::kJson;
    c.gateway_id = 0x11111111;
    Harness h;
    h.start_ready(c);
    h.deliver_updates("[" + update(1, kChat, kBob, "/send_nearby hello") + "]");
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    auto body = json::parse(out[0].payload);
    assert_int_equal(*json::get_int(body.get(), "hopLimit"), 0);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_picker_pages_and_sends_the_next_text_as_a_dm),
        cmocka_unit_test(write_presses_by_others_stale_or_unknown_are_answered),
        cmocka_unit_test(write_cancel_or_an_expired_pick_sends_no_dm),
        cmocka_unit_test(write_with_no_nodes_says_so),
        cmocka_unit_test(nodes_pages_through_and_filters),
        cmocka_unit_test(node_details_and_location_pin),
        cmocka_unit_test(node_details_show_environment_airtime_and_neighbours),
        cmocka_unit_test(precision_bits_become_metres),
        cmocka_unit_test(send_nearby_uses_one_hop_and_lists_direct_neighbours),
        cmocka_unit_test(send_nearby_in_json_mode_is_originated_with_no_hops),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
