// The bridge core end to end with fakes: uplinks in, chat messages out; chat updates in,
// downlinks out; state across a restart.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "bridge_harness.h"
#include "tgmesh/core/state/state.h"

using namespace bridge_test;

namespace {

void announces_its_node_at_start(void**) {
    Harness h;
    h.start();
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    assert_string_equal(out[0].topic.c_str(), "msh/US/2/e/LongFast/!7b000001");
    mesh::Packet p;
    mesh::Data data = open_downlink(out[0], &p);
    assert_int_equal(data.portnum, mesh::port::kNodeInfo);
    auto user = mesh::decode_user(data.payload);
    assert_string_equal(user->id.c_str(), "!7b000001");
    assert_string_equal(user->long_name.c_str(), "Telegram");
    assert_string_equal(user->short_name.c_str(), "TG");
    assert_int_equal(p.from, kBridgeNode);
    assert_int_equal(p.to, mesh::kBroadcast);
}

void a_text_heard_by_three_gateways_is_posted_once(void**) {
    Harness h;
    h.start();
    h.connect_telegram();
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              nodeinfo_envelope(kAlice, 1, "Alice <Base>", "AB"));
    for (const char* gw : {"!22222222", "!33333333", "!44444444"}) {
        h.bridge->on_mqtt_message(std::string("msh/US/2/e/LongFast/") + gw,
                                  text_envelope(kAlice, 99, "hi <all> & you", gw));
    }
    auto sent = h.flush_chat();
    assert_int_equal(sent.size(), 1);
    assert_int_equal(sent[0].first, kChat);
    const std::string& html = sent[0].second;
    assert_non_null(std::strstr(html.c_str(), "Alice &lt;Base&gt;"));
    assert_non_null(std::strstr(html.c_str(), "(AB)"));
    assert_non_null(std::strstr(html.c_str(), "!a1b2c3d4"));
    assert_non_null(std::strstr(html.c_str(), "hi &lt;all&gt; &amp; you"));
    assert_non_null(std::strstr(html.c_str(), "1 hop "));
    assert_int_equal(h.bridge->stats().dropped(Drop::kDuplicate), 2);
    // The registry kept one reception per gateway.
    assert_int_equal(h.bridge->nodes().find(kAlice)->receptions.size(), 4);
}

void dms_to_others_and_own_packets_are_not_posted(void**) {
    Harness h;
    h.start();
    h.connect_telegram();
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222",
                              text_envelope(kAlice, 1, "private", "!22222222", 0x0badcafe));
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222",
                              text_envelope(kBridgeNode, 2, "echo", "!22222222"));
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222",
                              text_envelope(kAlice, 3, "for the bridge", "!22222222", kBridgeNode));
    auto sent = h.flush_chat();
    assert_int_equal(sent.size(), 1);
    assert_non_null(std::strstr(sent[0].second.c_str(), "DM"));
    assert_non_null(std::strstr(sent[0].second.c_str(), "for the bridge"));
    assert_int_equal(h.bridge->stats().dropped(Drop::kDmNotForUs), 1);
    assert_int_equal(h.bridge->stats().dropped(Drop::kOwnPacket), 1);
}

void malformed_and_undecryptable_are_counted_and_logged_once(void**) {
    Harness h;
    h.start();
    for (int i = 0; i < 3; ++i)
        h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222", "garbage");
    mesh::Packet header;
    header.from = kAlice;
    header.to = mesh::kBroadcast;
    header.id = 5;
    mesh::Data data;
    data.portnum = 1;
    data.payload = "secret";
    Bytes other = mesh::seal_envelope(mesh::make_channel_key("Secret", Bytes(16, 'k')), header,
                                      data, "!22222222");
    h.bridge->on_mqtt_message("msh/US/2/e/Secret/!22222222", other);
    assert_int_equal(h.bridge->stats().dropped(Drop::kMalformedEnvelope), 3);
    assert_int_equal(h.bridge->stats().dropped(Drop::kUndecryptable), 1);
    int malformed_lines = 0;
    for (const auto& l : h.log.lines)
        malformed_lines += l.find("malformed") != std::string::npos;
    assert_int_equal(malformed_lines, 1);
}

void send_command_publishes_an_encrypted_broadcast(void**) {
    Harness h;
    h.start();
    h.take_published();
    h.connect_telegram();
    h.deliver_updates("[" + update(1000, kChat, 5, "/send hello mesh") + "]");
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    assert_string_equal(out[0].topic.c_str(), "msh/US/2/e/LongFast/!7b000001");
    assert_true(out[0].client_id.empty());
    mesh::Packet p;
    mesh::Data data = open_downlink(out[0], &p);
    assert_string_equal(data.payload.c_str(), "Alice: hello mesh");
    assert_int_equal(data.bitfield.value_or(0), 1);
    assert_int_equal(p.from, kBridgeNode);
    assert_int_equal(p.to, mesh::kBroadcast);
    assert_int_equal(p.channel, 8);
    assert_int_equal(*p.hop_limit, 3);
    assert_int_equal(*p.hop_start, 3);
    assert_true(p.id != 0);
    auto replies = h.flush_chat();
    assert_int_equal(replies.size(), 1);
    assert_non_null(std::strstr(replies[0].second.c_str(), "LongFast"));
    // The next poll confirms the handled update.
    auto poll = h.http.take("getUpdates");
    auto body = json::parse(poll.request.json_body);
    assert_int_equal(*json::get_int(body.get(), "offset"), 1001);
}

void send_to_node_by_name_and_id(void**) {
    Harness h;
    h.start();
    h.take_published();
    h.connect_telegram();
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              nodeinfo_envelope(kAlice, 1, "Base Camp", "BC"));
    h.deliver_updates("[" + update(1, kChat, 5, "/send_to_node base camp are you there?") + "," +
                      update(2, kChat, 5, "/send_to_node !0badcafe ping") + "," +
                      update(3, kChat, 5, "/send_to_node nobody hi") + "]");
    // Neither node's key is known: each DM goes with the channel key, followed by a NODEINFO
    // with want_response that asks the node for its key.
    auto out = h.take_published();
    assert_int_equal(out.size(), 4);
    mesh::Packet p;
    assert_string_equal(open_downlink(out[0], &p).payload.c_str(), "Alice: are you there?");
    assert_int_equal(p.to, kAlice);
    assert_true(p.want_ack);
    mesh::Data ask = open_downlink(out[1], &p);
    assert_int_equal(ask.portnum, mesh::port::kNodeInfo);
    assert_true(ask.want_response);
    assert_int_equal(p.to, kAlice);
    assert_string_equal(open_downlink(out[2], &p).payload.c_str(), "Alice: ping");
    assert_int_equal(p.to, 0x0badcafe);
    assert_int_equal(open_downlink(out[3], &p).portnum, mesh::port::kNodeInfo);
    auto replies = h.flush_chat();
    assert_int_equal(replies.size(), 3);
    assert_non_null(std::strstr(replies[2].second.c_str(), "nobody"));
}

void long_texts_are_chunked_or_refused(void**) {
    Config c = base_config();
    c.max_text_bytes = 40;
    Harness h;
    h.start(c);
    h.take_published();
    h.connect_telegram();
    std::string text(90, 'x');
    for (size_t i = 9; i < text.size(); i += 10)
        text[i] = ' ';
    h.deliver_updates("[" + update(1, kChat, 5, "/send " + text) + "," +
                      update(2, kChat, 5, "/send " + std::string(400, 'y')) + "]");
    auto out = h.take_published();
    assert_true(out.size() >= 3 && out.size() <= 5);
    for (size_t i = 0; i < out.size(); ++i) {
        std::string part = open_downlink(out[i]).payload;
        assert_true(part.size() <= 40);
        std::string marker =
            "(" + std::to_string(i + 1) + "/" + std::to_string(out.size()) + ") Alice: ";
        assert_int_equal(part.rfind(marker, 0), 0);
    }
    auto replies = h.flush_chat();
    assert_int_equal(replies.size(), 2);
    assert_non_null(std::strstr(replies[1].second.c_str(), "Too long"));
}

void a_full_mesh_queue_refuses_with_a_reply(void**) {
    Config c = base_config();
    c.mesh_interval_s = 3600;
    c.user_rate = 0;  // one user fills the queue: no per-user limit here
    Harness h;
    h.start(c);
    h.take_published();
    h.connect_telegram();
    std::string updates = "[";
    for (int i = 0; i < 52; ++i)
        updates += (i ? "," : "") + update(100 + i, kChat, 5, "/send m" + std::to_string(i));
    h.deliver_updates(updates + "]");
    // The announce at start holds the queue for an hour: 50 wait, 2 are refused.
    assert_int_equal(h.bridge->stats().dropped(Drop::kMeshQueueFull), 2);
    auto replies = h.flush_chat(400, 3000);  // a group gets 20 messages a minute
    assert_int_equal(replies.size(), 52);
    bool refused = false;
    for (auto& r : replies)
        refused |= std::strstr(r.second.c_str(), "queue is full") != nullptr;
    assert_true(refused);
}

void chats_not_bridged_are_ignored_with_one_log_line(void**) {
    Harness h;
    h.start();
    h.take_published();
    h.connect_telegram();
    h.deliver_updates("[" + update(1, -999, 5, "/send x") + "," + update(2, -999, 5, "hello") +
                      "]");
    assert_int_equal(h.take_published().size(), 0);
    assert_int_equal(h.flush_chat().size(), 0);
    int lines = 0;
    for (const auto& l : h.log.lines)
        lines += l.find("-999") != std::string::npos;
    assert_int_equal(lines, 1);
}

void plain_text_follows_chat_to_mesh(void**) {
    Harness h;
    h.start();
    h.take_published();
    h.connect_telegram();
    h.deliver_updates("[" + update(1, kChat, 5, "plain words") + "]");
    assert_int_equal(h.take_published().size(), 1);
    Config off = base_config();
    off.chat_to_mesh = false;
    h.bridge->apply_config(off);
    h.deliver_updates("[" + update(2, kChat, 5, "plain words") + "]");
    assert_int_equal(h.take_published().size(), 0);
}

void probe_is_admin_only_and_reports_latency(void**) {
    Harness h;
    h.start();
    h.take_published();
    h.connect_telegram();
    h.deliver_updates("[" + update(1, kChat, 5, "/probe") + "," +
                      update(2, kChat, kAdmin, "/probe@tgmesh_bot") + "]");
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    assert_string_equal(out[0].topic.c_str(), "msh/US/tgmesh/probe");
    auto body = json::parse(out[0].payload);
    assert_string_equal(json::get_string(body.get(), "ping")->c_str(), "probe");
    assert_int_equal(*json::get_int(body.get(), "ts"), h.clock.unix_now);
    assert_true(out[0].receipt_id != 0);
    h.bridge->on_published(out[0].receipt_id, true, h.clock.now + 42);
    auto replies = h.flush_chat();
    assert_int_equal(replies.size(), 2);
    assert_non_null(std::strstr(replies[0].second.c_str(), "admins"));
    assert_non_null(std::strstr(replies[1].second.c_str(), "42 ms"));
}

void json_mode_sends_sendtext_and_suppresses_the_echo(void**) {
    Config c = base_config();
    c.downlink = DownlinkMode::kJson;
    c.gateway_id = 1743426560;
    Harness h;
    h.start(c);
    assert_int_equal(h.take_published().size(), 0);  // no virtual node to announce
    h.connect_telegram();
    h.deliver_updates("[" + update(1, kChat, 5, "/send hi") + "]");
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    assert_string_equal(out[0].topic.c_str(), "msh/US/2/json/mqtt/");
    auto body = json::parse(out[0].payload);
    assert_int_equal(*json::get_int(body.get(), "from"), 1743426560);
    assert_string_equal(json::get_string(body.get(), "payload")->c_str(), "Alice: hi");
    h.flush_chat();
    // The gateway transmits it and uplinks it back as its own text.
    h.bridge->on_mqtt_message(
        "msh/US/2/json/LongFast/!67ea9400",
        R"({"channel":0,"from":1743426560,"id":555,"payload":{"text":"Alice: hi"},"sender":"!67ea9400","to":4294967295,"type":"text"})");
    h.bridge->on_mqtt_message(
        "msh/US/2/json/LongFast/!67ea9400",
        R"({"channel":0,"from":1743426560,"id":556,"payload":{"text":"a real reply"},"sender":"!67ea9400","to":4294967295,"type":"text"})");
    auto sent = h.flush_chat();
    assert_int_equal(sent.size(), 1);
    assert_non_null(std::strstr(sent[0].second.c_str(), "a real reply"));
    assert_int_equal(h.bridge->stats().dropped(Drop::kGatewayEcho), 1);
}

void state_survives_a_restart(void**) {
    Harness h;
    h.start();
    h.connect_telegram();
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              nodeinfo_envelope(kAlice, 1, "Base Camp", "BC"));
    h.deliver_updates("[" + update(41, kChat, 5, "/nodes") + "]");
    h.bridge->shutdown({{"msh/US/2/e/LongFast/!7b000001", "unpublished", "", 0}});
    assert_true(h.store.text.has_value());
    assert_null(std::strstr(h.store.text->c_str(), kToken));

    Harness again;
    again.store.text = h.store.text;
    again.start();
    assert_int_equal(again.bridge->nodes().find(kAlice)->long_name.size(), 9);
    auto out = again.take_published();
    assert_true(out.size() >= 1);
    assert_string_equal(out[0].payload.c_str(), "unpublished");  // replayed before anything else
    again.connect_telegram();
    auto poll = again.http.take("getUpdates");
    auto body = json::parse(poll.request.json_body);
    assert_int_equal(*json::get_int(body.get(), "offset"), 42);
    // The undelivered /nodes reply is still queued.
    assert_true(again.http.has("sendMessage") || !again.flush_chat().empty());
}

// After a restart the broker has no gateway yet: downlinks restored from the state wait for
// the first uplink (a gateway is back), at the latest a minute. Found by the kill -9 test: the
// first one went into the empty broker and was lost.
void restored_downlinks_wait_for_the_gateways(void**) {
    Harness h;
    h.start();
    h.bridge->shutdown({{"msh/US/2/e/LongFast/!7b000001", "unpublished", "", 0}});
    for (bool uplink : {true, false}) {
        Harness again;
        again.announce_at_start = false;
        again.store.text = h.store.text;
        again.start();
        again.clock.advance(10 * kSecond);
        again.bridge->run_due();
        assert_int_equal(again.take_published().size(), 0);
        if (uplink) {
            again.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                                          text_envelope(kAlice, 9, "hello", "!11111111"));
        } else {
            again.clock.advance(Bridge::kRestoredDownlinksWait - 10 * kSecond);
        }
        again.bridge->run_due();
        // (With the minute over, the run's first NODEINFO goes out as well.)
        auto out = again.take_published();
        assert_int_equal(
            std::count_if(out.begin(), out.end(),
                          [](const Outgoing& m) { return m.payload == "unpublished"; }),
            1);
    }
}

void corrupt_state_is_moved_aside(void**) {
    Harness h;
    h.store.text = "{not json";
    h.start();
    assert_int_equal(h.store.moved_aside, 1);
    assert_true(h.log.contains("corrupt"));
    assert_int_equal(h.bridge->node_id(), kBridgeNode);
}

void state_is_saved_at_most_every_30_seconds(void**) {
    Harness h;
    h.announce_at_start = false;
    h.start();
    int saves = h.store.saves;
    h.clock.advance(31'000);
    h.bridge->run_due();
    assert_int_equal(h.store.saves, saves + 1);
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              nodeinfo_envelope(kAlice, 1, "A", "A"));
    h.clock.advance(10'000);
    h.bridge->run_due();
    assert_int_equal(h.store.saves, saves + 1);
    h.clock.advance(21'000);
    h.bridge->run_due();
    assert_int_equal(h.store.saves, saves + 2);
    h.store.fail_saves = true;
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              nodeinfo_envelope(kAlice, 2, "A", "A"));
    h.clock.advance(31'000);
    h.bridge->run_due();
    assert_true(h.log.contains("disk full"));
}

void replies_follow_the_language_option(void**) {
    Config c = base_config();
    c.language = Language::kRu;
    Harness h;
    h.start(c);
    h.take_published();
    h.connect_telegram();
    h.deliver_updates("[" + update(1, kChat, 5, "/send привет") + "," +
                      update(2, kChat, 5, "/probe") + "]");
    auto replies = h.flush_chat();
    assert_int_equal(replies.size(), 2);
    assert_non_null(std::strstr(replies[0].second.c_str(), "Отправлено в LongFast"));
    assert_non_null(std::strstr(replies[1].second.c_str(), "только для администраторов"));
}

// language auto: each reply in the language of the one it answers (ru, else en); the menu in
// English for everyone and in Russian for Russian-speaking users.
void language_auto_answers_each_user_in_theirs(void**) {
    Config c = base_config();
    c.language = Language::kAuto;
    Harness h;
    h.start(c);
    h.take_published();
    h.connect_telegram();
    MessageSpec ru;
    ru.id = 1;
    ru.user = 5;
    ru.text = "/send привет";
    ru.language_code = "ru";
    MessageSpec en = ru;
    en.id = 2;
    en.text = "/send hi";
    en.language_code = "en-GB";
    MessageSpec unknown = ru;
    unknown.id = 3;
    unknown.text = "/send ?";
    unknown.language_code = "";
    h.deliver_updates("[" + message_update(ru) + "," + message_update(en) + "," +
                      message_update(unknown) + "]");
    auto calls = h.flush_api();
    std::vector<std::string> texts;
    std::vector<std::string> menus;
    for (const auto& call : calls) {
        if (call.method == "sendMessage") texts.push_back(call.text());
        if (call.method == "setMyCommands" &&
            std::string(
                json::get_string(json::member(call.body.get(), "scope"), "type").value_or("")) ==
                "default") {
            menus.push_back(json::get_string(call.body.get(), "language_code").value_or("-"));
        }
    }
    assert_int_equal(texts.size(), 3);
    assert_non_null(std::strstr(texts[0].c_str(), "Отправлено в LongFast"));
    assert_non_null(std::strstr(texts[1].c_str(), "Sent to LongFast"));
    assert_non_null(std::strstr(texts[2].c_str(), "Sent to LongFast"));
    assert_int_equal(menus.size(), 2);
    assert_string_equal(menus[0].c_str(), "-");
    assert_string_equal(menus[1].c_str(), "ru");
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(announces_its_node_at_start),
        cmocka_unit_test(a_text_heard_by_three_gateways_is_posted_once),
        cmocka_unit_test(dms_to_others_and_own_packets_are_not_posted),
        cmocka_unit_test(malformed_and_undecryptable_are_counted_and_logged_once),
        cmocka_unit_test(send_command_publishes_an_encrypted_broadcast),
        cmocka_unit_test(send_to_node_by_name_and_id),
        cmocka_unit_test(long_texts_are_chunked_or_refused),
        cmocka_unit_test(a_full_mesh_queue_refuses_with_a_reply),
        cmocka_unit_test(chats_not_bridged_are_ignored_with_one_log_line),
        cmocka_unit_test(plain_text_follows_chat_to_mesh),
        cmocka_unit_test(probe_is_admin_only_and_reports_latency),
        cmocka_unit_test(json_mode_sends_sendtext_and_suppresses_the_echo),
        cmocka_unit_test(state_survives_a_restart),
        cmocka_unit_test(restored_downlinks_wait_for_the_gateways),
        cmocka_unit_test(corrupt_state_is_moved_aside),
        cmocka_unit_test(state_is_saved_at_most_every_30_seconds),
        cmocka_unit_test(replies_follow_the_language_option),
        cmocka_unit_test(language_auto_answers_each_user_in_theirs),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
