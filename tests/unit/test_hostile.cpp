// Contract v3 "Hostile broker clients": what a client with nothing but an MQTT connection can
// try. Keys are pinned as firmware pins them (src/mesh/NodeDB.cpp:1872-1877 at v2.7.26),
// decoded envelopes are ignored as firmware gateways ignore them (src/mqtt/MQTT.cpp:128-132),
// stored strings are bounded, $CONTROL is bounded and rate-limited, and an update is confirmed
// to Telegram only once what it caused is on disk.
#include <set>

#include "bridge_harness.h"
#include "tgmesh/core/admin/control_api.h"
#include "tgmesh/core/state/state.h"
#include "tgmesh/mesh/pki.h"
#include "tgmesh/util/utf8.h"

namespace {

using namespace bridge_test;
using Call = Harness::ApiCall;

constexpr const char* kGatewayTopic = "msh/US/2/e/LongFast/!11111111";
constexpr const char* kResponse = "$CONTROL/tgmesh/v1/response";
constexpr mesh::NodeNum kNode = 0x0000b0b0;

std::vector<std::string> texts(const std::vector<Call>& calls) {
    std::vector<std::string> out;
    for (const auto& c : calls) {
        if (c.method == "sendMessage") out.push_back(c.text());
    }
    return out;
}

bool has(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

// A NODEINFO as a gateway uplinks it: encrypted with the channel key, or decoded.
Bytes nodeinfo(mesh::NodeNum from, uint32_t id, const std::string& long_name,
               const std::string& short_name, const Bytes& key, bool decoded = false,
               const std::string& gateway = "!11111111") {
    return fakes::nodeinfo_uplink({from, id, long_name, short_name, key, decoded, gateway});
}

Bytes decoded_text(mesh::NodeNum from, uint32_t id, const std::string& text,
                   mesh::NodeNum to = mesh::kBroadcast) {
    mesh::Envelope env;
    env.packet.from = from;
    env.packet.to = to;
    env.packet.id = id;
    mesh::Data data;
    data.portnum = mesh::port::kTextMessage;
    data.payload = text;
    env.packet.decoded = data;
    env.channel_id = "LongFast";
    env.gateway_id = "!11111111";
    return mesh::encode_envelope(env);
}

Bytes public_key_of(const Bridge& bridge, mesh::NodeNum num) {
    const Node* n = bridge.nodes().find(num);
    return n ? n->public_key : Bytes{};
}

// ---- keys ---------------------------------------------------------------------------------

void the_first_key_stays_and_another_one_is_counted_logged_and_shown(void**) {
    auto real = *mesh::generate_key_pair();
    auto attacker = *mesh::generate_key_pair();
    Harness h;
    h.start();
    const Bytes bridge_key =
        mesh::decode_user(open_downlink(h.take_published().at(0)).payload)->public_key;
    h.connect_telegram();
    h.flush_api();
    h.bridge->on_mqtt_message(kGatewayTopic, nodeinfo(kNode, 1, "Bob", "BOB", real.public_key));
    assert_true(public_key_of(*h.bridge, kNode) == real.public_key);
    // Another key, names changed too: nothing of it applies.
    h.bridge->on_mqtt_message(kGatewayTopic,
                              nodeinfo(kNode, 2, "Bob (new)", "BOB2", attacker.public_key));
    assert_true(public_key_of(*h.bridge, kNode) == real.public_key);
    assert_string_equal(h.bridge->nodes().find(kNode)->long_name.c_str(), "Bob");
    assert_int_equal(h.bridge->stats().dropped(Drop::kKeyMismatch), 1);
    assert_true(h.log.contains("dropped (key_mismatch): NODEINFO of !0000b0b0 on msh/US/2/e/"));
    // A NODEINFO without a key does not change a pinned node either (as firmware).
    h.bridge->on_mqtt_message(kGatewayTopic, nodeinfo(kNode, 3, "Renamed", "RN", {}));
    assert_string_equal(h.bridge->nodes().find(kNode)->long_name.c_str(), "Bob");
    // The same key again updates the names.
    h.bridge->on_mqtt_message(kGatewayTopic, nodeinfo(kNode, 4, "Bob B", "BB", real.public_key));
    assert_string_equal(h.bridge->nodes().find(kNode)->long_name.c_str(), "Bob B");
    // /node shows the refusals; a DM still goes to the pinned key.
    h.deliver_updates("[" + update(1, kChat, 5, "/node !0000b0b0") + "," +
                      update(2, kChat, 5, "/send_to_node !0000b0b0 hi") + "]");
    auto replies = texts(h.flush_api());
    assert_true(has(replies.at(0), "NODEINFO with another key refused"));
    assert_true(has(replies.at(0), "/forget_key !0000b0b0"));
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    auto env = mesh::decode_envelope(out[0].payload);
    assert_true(env->packet.pki_encrypted);
    auto shared = mesh::pki_shared_key(real.private_key, bridge_key);
    assert_true(mesh::pki_decrypt(*shared, env->packet.id, env->packet.from, *env->packet.encrypted)
                    .has_value());
    // The mismatch count survives a restart.
    h.bridge->shutdown({});
    Harness again;
    again.store = h.store;
    again.identity = h.identity;
    again.start();
    assert_int_equal(again.bridge->nodes().find(kNode)->key_mismatches, 1);
}

void decoded_envelopes_are_ignored_by_default(void**) {
    auto real = *mesh::generate_key_pair();
    auto attacker = *mesh::generate_key_pair();
    Harness h;
    h.start_ready();
    h.bridge->on_mqtt_message(kGatewayTopic,
                              nodeinfo(kNode, 1, "Forged", "FG", attacker.public_key, true));
    h.bridge->on_mqtt_message(kGatewayTopic, decoded_text(kNode, 2, "forged text"));
    assert_null(h.bridge->nodes().find(kNode));  // not even heard
    assert_int_equal(h.bridge->stats().dropped(Drop::kDecoded), 2);
    assert_int_equal(texts(h.flush_api()).size(), 0);
    // An encrypted NODEINFO still sets the key.
    h.bridge->on_mqtt_message(kGatewayTopic, nodeinfo(kNode, 3, "Bob", "BOB", real.public_key));
    assert_true(public_key_of(*h.bridge, kNode) == real.public_key);
    assert_true(
        h.log.contains("dropped (decoded): on msh/US/2/e/LongFast/!11111111; an unencrypted"));
}

void accepted_decoded_nodeinfo_never_sets_or_replaces_a_key(void**) {
    auto real = *mesh::generate_key_pair();
    auto attacker = *mesh::generate_key_pair();
    Config c = base_config();
    c.accept_decoded = true;
    Harness h;
    h.start_ready(c);
    h.bridge->on_mqtt_message(kGatewayTopic,
                              nodeinfo(kNode, 1, "Plain", "PL", attacker.public_key, true));
    assert_string_equal(h.bridge->nodes().find(kNode)->long_name.c_str(), "Plain");
    assert_int_equal(public_key_of(*h.bridge, kNode).size(), 0);
    h.bridge->on_mqtt_message(kGatewayTopic, nodeinfo(kNode, 2, "Bob", "BOB", real.public_key));
    assert_true(public_key_of(*h.bridge, kNode) == real.public_key);
    // A decoded NODEINFO with the pinned key copied (public keys are public) renames nothing.
    h.bridge->on_mqtt_message(kGatewayTopic,
                              nodeinfo(kNode, 3, "Evil Bob", "EVIL", real.public_key, true));
    assert_string_equal(h.bridge->nodes().find(kNode)->long_name.c_str(), "Bob");
    h.bridge->on_mqtt_message(kGatewayTopic, decoded_text(kAlice, 4, "decoded but accepted"));
    auto posted = texts(h.flush_api());
    assert_int_equal(posted.size(), 1);
    assert_true(has(posted[0], "decoded but accepted"));
}

void a_forged_decoded_ack_does_not_mark_a_dm_delivered(void**) {
    Harness h;
    h.start_ready();
    h.take_published();
    h.deliver_updates("[" + update(1, kChat, 5, "/send_to_node !a1b2c3d4 hello") + "]");
    h.flush_api();
    uint32_t dm_id = 0;
    for (const auto& out : h.take_published()) {
        mesh::Packet p;
        if (open_downlink(out, &p).portnum == mesh::port::kTextMessage) dm_id = p.id;
    }
    mesh::Envelope env;
    env.packet.from = kAlice;
    env.packet.to = kBridgeNode;
    env.packet.id = 77;
    mesh::Data ack;
    ack.portnum = mesh::port::kRouting;
    ack.payload = mesh::encode_routing(0);
    ack.request_id = dm_id;
    env.packet.decoded = ack;
    env.gateway_id = "!11111111";
    h.bridge->on_mqtt_message(kGatewayTopic, mesh::encode_envelope(env));
    for (const auto& c : h.flush_api())
        assert_false(has(c.text(), "delivered"));
}

void forget_key_is_for_admins_and_lets_the_next_nodeinfo_set_it(void**) {
    auto first = *mesh::generate_key_pair();
    auto second = *mesh::generate_key_pair();
    Harness h;
    h.start_ready();
    h.bridge->on_mqtt_message(kGatewayTopic, nodeinfo(kNode, 1, "Bob", "BOB", first.public_key));
    h.deliver_updates("[" + update(1, kChat, 5, "/forget_key !0000b0b0") + "]");
    auto replies = texts(h.flush_api());
    assert_true(has(replies.at(0), "admins"));
    assert_true(public_key_of(*h.bridge, kNode) == first.public_key);
    h.deliver_updates("[" + update(2, kChat, kAdmin, "/forget_key Bob") + "]");
    replies = texts(h.flush_api());
    assert_true(has(replies.at(0), "Forgot the public key of"));
    assert_true(h.log.contains("forgot the pinned public key of !0000b0b0 (asked by an admin"));
    assert_int_equal(public_key_of(*h.bridge, kNode).size(), 0);
    h.bridge->on_mqtt_message(kGatewayTopic, nodeinfo(kNode, 2, "Bob", "BOB", second.public_key));
    assert_true(public_key_of(*h.bridge, kNode) == second.public_key);
    // Over $CONTROL too.
    h.bridge->on_control({"admin-1", "admin",
                          R"({"commands":[{"command":"forgetNodeKey","node":"!0000b0b0"},)"
                          R"({"command":"forgetNodeKey","node":"!0000b0b0"}]})"});
    h.bridge->run_due();
    std::string answer;
    for (const auto& m : h.take_published()) {
        if (m.topic == kResponse) answer.assign(m.payload.begin(), m.payload.end());
    }
    assert_true(has(answer, R"({"command":"forgetNodeKey","data":{"node":"!0000b0b0"}})"));
    assert_true(has(answer, R"("error":"node !0000b0b0 has no pinned public key")"));
    assert_int_equal(public_key_of(*h.bridge, kNode).size(), 0);
}

// ---- bounds ---------------------------------------------------------------------------------

void gateway_ids_must_be_node_ids(void**) {
    Harness h;
    h.start_ready();
    const std::string huge_gateway(60000, 'G');
    h.bridge->on_mqtt_message(kGatewayTopic, text_envelope(kAlice, 1, "hi", huge_gateway));
    h.bridge->on_mqtt_message(kGatewayTopic, text_envelope(kAlice, 2, "hi", ""));
    h.bridge->on_mqtt_message(kGatewayTopic, text_envelope(kAlice, 3, "hi", "!1234567"));
    assert_int_equal(h.bridge->stats().dropped(Drop::kMalformedEnvelope), 3);
    assert_null(h.bridge->nodes().find(kAlice));
    // A node id, but another gateway's topic: a client speaking for another gateway.
    h.bridge->on_mqtt_message(kGatewayTopic, text_envelope(kAlice, 4, "hi", "!abcdef12"));
    assert_int_equal(h.bridge->stats().dropped(Drop::kMalformedEnvelope), 4);
    assert_null(h.bridge->nodes().find(kAlice));
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!abcdef12",
                              text_envelope(kAlice, 5, "hi", "!abcdef12"));
    assert_non_null(h.bridge->nodes().find(kAlice));
}

void names_are_bounded_as_firmware_bounds_them_and_lose_direction_controls(void**) {
    Harness h;
    h.start_ready();
    const std::string long_name(5000, 'L');
    h.bridge->on_mqtt_message(kGatewayTopic, nodeinfo(kNode, 1, long_name, "SHORTNAME", {}));
    const Node* n = h.bridge->nodes().find(kNode);
    assert_int_equal(n->long_name.size(), NodeRegistry::kMaxLongName);
    assert_string_equal(n->short_name.c_str(), "SHOR");
    // U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE and a newline are removed.
    h.bridge->on_mqtt_message(kGatewayTopic,
                              nodeinfo(kNode, 2, "Bob\xE2\x80\xAEgnp.exe\xE2\x81\xA6\nx", "B", {}));
    assert_string_equal(h.bridge->nodes().find(kNode)->long_name.c_str(), "Bobgnp.exex");
    // A multi-byte character is never cut in half.
    std::string cyrillic;
    for (int i = 0; i < 30; ++i)
        cyrillic += "Ж";  // 2 bytes each
    h.bridge->on_mqtt_message(kGatewayTopic, nodeinfo(kNode, 3, cyrillic, "ЖЖЖ", {}));
    n = h.bridge->nodes().find(kNode);
    assert_int_equal(n->long_name.size(), 38);
    assert_true(utf8::is_valid(n->long_name));
    assert_string_equal(n->short_name.c_str(), "ЖЖ");
}

void a_state_with_oversized_strings_loads_bounded(void**) {
    // As an older version could have written it.
    const std::string state =
        R"({"version":1,"node_id":"!7b000001","packet_counter":5,)"
        R"("telegram_offset":0,"mesh_queue":[],"chat_queue":[],)"
        R"("message_links":[],"nodes":[{"id":"!0000b0b0","long_name":")" +
        std::string(100000, 'x') + R"(","last_heard":1,"receptions":[{"gateway":")" +
        std::string(60000, 'g') + R"(","time":1},{"gateway":"!11111111","time":1}]}]})";
    Harness h;
    h.store.text = state;
    h.start();
    const Node* n = h.bridge->nodes().find(kNode);
    assert_non_null(n);
    assert_int_equal(n->long_name.size(), NodeRegistry::kMaxLongName);
    assert_int_equal(n->receptions.size(), 1);
    assert_string_equal(n->receptions[0].gateway.c_str(), "!11111111");
}

void send_to_node_refuses_reserved_ids_and_the_bridge_itself(void**) {
    Harness h;
    h.start_ready();
    h.take_published();
    h.deliver_updates("[" + update(1, kChat, 5, "/send_to_node !ffffffff hi") + "," +
                      update(2, kChat, 5, "/send_to_node !00000000 hi") + "," +
                      update(3, kChat, 5, "/send_to_node !7b000001 hi") + "]");
    auto replies = texts(h.flush_api());
    assert_int_equal(replies.size(), 3);
    for (const auto& r : replies)
        assert_true(has(r, "is not a node you can write to"));
    assert_int_equal(h.take_published().size(), 0);
}

// ---- $CONTROL -------------------------------------------------------------------------------

std::vector<std::string> control_answers(Harness& h) {
    std::vector<std::string> out;
    std::vector<Outgoing> rest;
    for (auto& m : h.publisher.published) {
        if (m.topic == kResponse) {
            out.emplace_back(m.payload.begin(), m.payload.end());
        } else {
            rest.push_back(std::move(m));
        }
    }
    h.publisher.published = std::move(rest);
    return out;
}

void list_nodes_answers_at_most_a_hundred_and_pages(void**) {
    Harness h;
    h.start_ready();
    for (uint32_t i = 0; i < 150; ++i) {
        UplinkSpec s;
        s.from = 0x1000 + i;
        s.id = i + 1;
        h.bridge->on_mqtt_message(kGatewayTopic, seal(s));
    }
    h.bridge->on_control({"a", "",
                          R"({"commands":[{"command":"listNodes","count":-1},)"
                          R"({"command":"listNodes","offset":100},)"
                          R"({"command":"listNodes","count":101}]})"});
    h.bridge->run_due();
    auto answers = control_answers(h);
    assert_int_equal(answers.size(), 1);
    auto doc = json::parse(answers[0]);
    const cJSON* responses = json::member(doc.get(), "responses");
    const cJSON* first = json::member(cJSON_GetArrayItem(responses, 0), "data");
    const cJSON* second = json::member(cJSON_GetArrayItem(responses, 1), "data");
    assert_int_equal(*json::get_int(first, "totalCount"), 150);
    assert_int_equal(cJSON_GetArraySize(json::member(first, "nodes")), 100);
    assert_int_equal(cJSON_GetArraySize(json::member(second, "nodes")), 50);
    assert_true(has(answers[0], "count must be an integer from -1 to 100"));
}

void a_client_over_its_rate_is_dropped_and_requests_are_handled_a_few_a_turn(void**) {
    Harness h;
    h.start_ready();
    const std::string request = R"({"commands":[{"command":"getStatus"}]})";
    for (int i = 0; i < 15; ++i)
        h.bridge->on_control({"flooder", "", request});
    assert_int_equal(h.bridge->stats().dropped(Drop::kControlFlood),
                     15 - static_cast<int>(ControlApi::kClientBurst));
    assert_true(h.log.contains("dropped (control_flood): a request from client flooder"));
    // Handled a few per turn of the worker's loop, not all at once.
    h.bridge->run_due();
    assert_int_equal(control_answers(h).size(), ControlApi::kRequestsPerTurn);
    assert_true(h.bridge->next_due() <= h.clock.now);
    for (int i = 0; i < 10; ++i)
        h.bridge->run_due();
    assert_int_equal(control_answers(h).size(),
                     ControlApi::kClientBurst - ControlApi::kRequestsPerTurn);
    // Another client still gets through; after a second the flooder may send again.
    h.bridge->on_control({"other", "", request});
    h.bridge->run_due();
    assert_int_equal(control_answers(h).size(), 1);
    h.clock.advance(kSecond);
    h.bridge->on_control({"flooder", "", request});
    h.bridge->run_due();
    assert_int_equal(control_answers(h).size(), 1);
}

void all_clients_together_are_bounded_too(void**) {
    Harness h;
    h.start_ready();
    const std::string request = R"({"commands":[{"command":"getStatus"}]})";
    for (int i = 0; i < 100; ++i)
        h.bridge->on_control({"client-" + std::to_string(i), "", request});
    assert_int_equal(h.bridge->stats().dropped(Drop::kControlFlood),
                     100 - static_cast<int>(ControlApi::kTotalBurst));
}

void answers_are_valid_utf8_whatever_came_in(void**) {
    Harness h;
    h.start_ready();
    // A client's own invalid UTF-8 in correlationData and a node name with some.
    h.bridge->on_mqtt_message(kGatewayTopic, nodeinfo(kNode, 1, "Bad\xFF\xFEname", "B\xC3", {}));
    h.bridge->on_control({"a", "",
                          "{\"commands\":[{\"command\":\"getNode\",\"node\":\"!0000b0b0\","
                          "\"correlationData\":\"x\xFF\xC3(\"},{\"command\":\"getStatus\"}]}"});
    h.bridge->run_due();
    auto answers = control_answers(h);
    assert_int_equal(answers.size(), 1);
    assert_true(utf8::is_valid(answers[0]));
    assert_non_null(json::parse(answers[0]).get());
}

// ---- confirmed only when on disk -----------------------------------------------------------

void an_update_is_confirmed_only_after_what_it_caused_is_saved(void**) {
    Config c = base_config();
    c.mesh_interval_s = 3;
    Harness h;
    h.start_ready(c);
    h.take_published();
    // Fill the pacing so the next downlink has to wait in the queue.
    h.deliver_updates("[" + update(1, kChat, 5, "/send one") + "]");
    h.flush_api(1, 0);
    const int saves_before = h.store.saves;
    h.deliver_updates("[" + update(2, kChat, 5, "/send two") + "]");
    // The poll that confirms update 2 is out: the state was saved before it, with "two".
    auto poll = h.http.take("getUpdates");
    assert_true(has(poll.request.json_body, "\"offset\":3"));
    assert_true(h.store.saves > saves_before);
    PersistentState state;
    NodeRegistry nodes;
    assert_true(parse_state(*h.store.text, state, nodes).is_ok());
    assert_true(state.telegram_offset == 3);
    bool queued = false;
    for (const auto& m : state.mesh_queue) {
        mesh::Data data = open_downlink(m);
        queued = queued || data.payload == "Alice: two";
    }
    assert_true(queued);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_first_key_stays_and_another_one_is_counted_logged_and_shown),
        cmocka_unit_test(decoded_envelopes_are_ignored_by_default),
        cmocka_unit_test(accepted_decoded_nodeinfo_never_sets_or_replaces_a_key),
        cmocka_unit_test(a_forged_decoded_ack_does_not_mark_a_dm_delivered),
        cmocka_unit_test(forget_key_is_for_admins_and_lets_the_next_nodeinfo_set_it),
        cmocka_unit_test(gateway_ids_must_be_node_ids),
        cmocka_unit_test(names_are_bounded_as_firmware_bounds_them_and_lose_direction_controls),
        cmocka_unit_test(a_state_with_oversized_strings_loads_bounded),
        cmocka_unit_test(send_to_node_refuses_reserved_ids_and_the_bridge_itself),
        cmocka_unit_test(list_nodes_answers_at_most_a_hundred_and_pages),
        cmocka_unit_test(a_client_over_its_rate_is_dropped_and_requests_are_handled_a_few_a_turn),
        cmocka_unit_test(all_clients_together_are_bounded_too),
        cmocka_unit_test(answers_are_valid_utf8_whatever_came_in),
        cmocka_unit_test(an_update_is_confirmed_only_after_what_it_caused_is_saved),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
