// Contract v3 "Field fidelity with firmware 2.7 / 2.8": when the bridge announces itself and
// to whom, how keys are exchanged (NAK 35 both ways), ACKs ahead of texts and again for a
// repeated packet, the channel-key fallback refused by 2.7.14+, hop limits. Each rule cites
// the firmware (meshtastic/firmware v2.7.26) it follows.
#include <algorithm>

#include "bridge_harness.h"
#include "pki_helpers.h"
#include "tgmesh/core/state/state.h"

using namespace bridge_test;

namespace {

constexpr const char* kGatewayTopic = "msh/US/2/e/LongFast/!11111111";

bool is_broadcast_nodeinfo(const Outgoing& out) {
    mesh::Packet p;
    return open_downlink(out, &p).portnum == mesh::port::kNodeInfo && p.to == mesh::kBroadcast;
}

size_t broadcasts(const std::vector<Outgoing>& out) {
    return static_cast<size_t>(std::count_if(out.begin(), out.end(), is_broadcast_nodeinfo));
}

Bytes uplink(uint32_t id, const std::string& gateway = "!11111111") {
    return text_envelope(kAlice, id, "hi", gateway);
}

// ---- announcements --------------------------------------------------------------------------

void nothing_is_announced_into_the_broker_at_load(void**) {
    Harness h;
    h.announce_at_start = false;
    h.start();
    assert_int_equal(h.take_published().size(), 0);
    // ...but at the latest a minute after the start.
    h.clock.advance(MeshDuties::kAnnounceAtTheLatest - 1);
    h.bridge->run_due();
    assert_int_equal(h.take_published().size(), 0);
    h.clock.advance(1);
    h.bridge->run_due();
    assert_int_equal(broadcasts(h.take_published()), 1);
}

void the_first_broadcast_follows_the_first_uplink_within_5_seconds(void**) {
    Harness h;
    h.announce_at_start = false;
    h.start();
    h.clock.advance(10 * kSecond);
    h.bridge->on_mqtt_message(kGatewayTopic, uplink(1));
    h.bridge->run_due();
    assert_int_equal(h.take_published().size(), 0);
    h.clock.advance(MeshDuties::kAnnounceAfterFirstUplink);
    h.bridge->run_due();
    assert_int_equal(broadcasts(h.take_published()), 1);
    // Then every 3 hours, not for later uplinks.
    h.bridge->on_mqtt_message(kGatewayTopic, uplink(2));
    h.clock.advance(MeshDuties::kAnnounceInterval - kSecond);
    h.bridge->run_due();
    assert_int_equal(broadcasts(h.take_published()), 0);
    h.clock.advance(kSecond);
    h.bridge->run_due();
    assert_int_equal(broadcasts(h.take_published()), 1);
}

// A gateway first heard after the run's broadcast gets the NODEINFO addressed to itself, over
// MQTT to its client only: it learns the key, nothing is transmitted (a broadcast would be
// relayed up to hop_limit times under duty-cycle limits, src/mesh/Router.cpp:304-330).
void a_new_gateway_is_greeted_alone_and_only_once(void**) {
    Harness h;
    h.announce_at_start = false;
    h.start();
    h.bridge->on_mqtt_message(kGatewayTopic, uplink(1));  // heard before the broadcast
    h.clock.advance(MeshDuties::kAnnounceAfterFirstUplink);
    h.bridge->run_due();
    assert_int_equal(broadcasts(h.take_published()), 1);
    assert_int_equal(h.publisher.greetings.size(), 0);
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222", uplink(2, "!22222222"));
    h.bridge->run_due();
    assert_int_equal(h.take_published().size(), 0);  // no broadcast
    assert_int_equal(h.publisher.greetings.size(), 1);
    const Outgoing& greeting = h.publisher.greetings[0];
    assert_string_equal(greeting.client_id.c_str(), "!22222222");
    mesh::Packet p;
    mesh::Data data = open_downlink(greeting, &p);
    assert_int_equal(data.portnum, mesh::port::kNodeInfo);
    assert_int_equal(p.to, 0x22222222u);
    assert_false(data.want_response);
    assert_true(mesh::decode_user(data.payload)->public_key.size() == 32);
    // Heard again: nothing more. After a restart the gateways are known: none greeted again.
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222", uplink(3, "!22222222"));
    h.bridge->run_due();
    assert_int_equal(h.publisher.greetings.size(), 1);
    h.bridge->shutdown({});
    Harness again;
    again.store = h.store;
    again.identity = h.identity;
    again.start();  // and its broadcast
    again.take_published();
    again.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222", uplink(4, "!22222222"));
    again.bridge->on_mqtt_message(kGatewayTopic, uplink(5));
    again.bridge->run_due();
    assert_int_equal(again.publisher.greetings.size(), 0);
}

// Firmware answers a NODEINFO request at most once per requester per 12 h, the window sliding
// with each request (src/modules/NodeInfoModule.cpp:33-45, 135-159, 2.7.17+): never ask more.
void a_node_is_asked_for_its_key_at_most_every_12_hours_across_restarts(void**) {
    Harness h;
    h.start_ready();
    h.take_published();
    auto asks = [](const std::vector<Outgoing>& out) {
        return std::count_if(out.begin(), out.end(),
                             [](const Outgoing& o) { return open_downlink(o).want_response; });
    };
    h.deliver_updates("[" + update(1, kChat, 5, "/send_to_node !a1b2c3d4 one") + "]");
    h.flush_api();
    assert_int_equal(asks(h.take_published()), 1);
    h.clock.advance(11 * kHour);
    h.deliver_updates("[" + update(2, kChat, 5, "/send_to_node !a1b2c3d4 two") + "]");
    h.flush_api();
    assert_int_equal(asks(h.take_published()), 0);
    h.bridge->shutdown({});
    Harness again;
    again.store = h.store;
    again.identity = h.identity;
    again.clock = h.clock;
    again.start_ready();
    again.take_published();
    again.deliver_updates("[" + update(3, kChat, 5, "/send_to_node !a1b2c3d4 three") + "]");
    again.flush_api();
    assert_int_equal(asks(again.take_published()), 0);
    again.clock.advance(kHour);
    again.deliver_updates("[" + update(4, kChat, 5, "/send_to_node !a1b2c3d4 four") + "]");
    again.flush_api();
    assert_int_equal(asks(again.take_published()), 1);
}

// ---- key exchange: NAK 35 from the node -----------------------------------------------------

// The node cannot open our PKI DM (it lacks our key) and answers 35; as firmware does on such a
// NAK (src/mesh/ReliableRouter.cpp:134-139) the bridge sends its NODEINFO to the node, and the
// DM once more as a new packet; the chat's receipt follows the new packet.
void a_nak_35_gets_our_nodeinfo_and_the_dm_once_more(void**) {
    PkiRig rig;
    rig.h.flush_api();
    rig.h.take_published();
    rig.h.deliver_updates("[" + update(1, kChat, 5, "/send_to_node BC meet at 6") + "]");
    rig.h.flush_chat();
    auto out = rig.h.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Packet first;
    open_pki(out[0], rig.node, rig.bridge_key, &first);
    rig.h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222",
                                  routing_answer(first.id, mesh::kRoutingPkiUnknownPubkey, 900));
    rig.h.bridge->run_due();
    out = rig.h.take_published();
    assert_int_equal(out.size(), 2);
    mesh::Packet info;
    mesh::Data nodeinfo = open_downlink(out[0], &info);
    assert_int_equal(nodeinfo.portnum, mesh::port::kNodeInfo);
    assert_int_equal(info.to, kBase);
    assert_true(mesh::decode_user(nodeinfo.payload)->public_key == rig.bridge_key);
    mesh::Packet again;
    mesh::Data text = open_pki(out[1], rig.node, rig.bridge_key, &again);
    assert_string_equal(text.payload.c_str(), "Alice: meet at 6");
    assert_true(again.id != first.id);
    assert_true(rig.h.log.contains("does not know the bridge's key yet"));
    // No edit yet: the ACK of the new packet marks it delivered.
    assert_int_equal(rig.flush_edits().size(), 0);
    rig.h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222",
                                  routing_answer(again.id, 0, 901));
    auto edits = rig.flush_edits();
    assert_int_equal(edits.size(), 1);
    assert_true(edits[0].find("delivered") != std::string::npos);
}

void a_second_nak_35_fails_the_dm_with_the_reason(void**) {
    PkiRig rig;
    rig.h.flush_api();
    rig.h.take_published();
    rig.h.deliver_updates("[" + update(1, kChat, 5, "/send_to_node BC hello") + "]");
    rig.h.flush_chat();
    mesh::Packet first;
    open_pki(rig.h.take_published().at(0), rig.node, rig.bridge_key, &first);
    rig.h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222",
                                  routing_answer(first.id, mesh::kRoutingPkiUnknownPubkey, 900));
    rig.h.bridge->run_due();
    mesh::Packet again;
    open_pki(rig.h.take_published().at(1), rig.node, rig.bridge_key, &again);
    rig.h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222",
                                  routing_answer(again.id, mesh::kRoutingPkiUnknownPubkey, 902));
    rig.h.bridge->run_due();
    assert_int_equal(rig.h.take_published().size(), 0);  // no third try
    auto edits = rig.flush_edits();
    assert_int_equal(edits.size(), 1);
    assert_true(edits[0].find("does not know the bridge's key yet") != std::string::npos);
}

// ---- ACKs -----------------------------------------------------------------------------------

Bytes dm_wanting_ack(uint32_t id, const std::string& text, const std::string& gateway) {
    UplinkSpec dm;
    dm.to = kBridgeNode;
    dm.id = id;
    dm.payload = text;
    dm.want_ack = true;
    dm.gateway = gateway;
    return seal(dm);
}

std::vector<uint32_t> acks_in(const std::vector<Outgoing>& out) {
    std::vector<uint32_t> ids;
    for (const auto& o : out) {
        mesh::Data data = open_downlink(o);
        if (data.portnum == mesh::port::kRouting) ids.push_back(*data.request_id);
    }
    return ids;
}

// The sender retries within seconds: ACKs go out at once, ahead of texts waiting their turn.
void acks_go_ahead_of_queued_texts_and_outside_the_pacing(void**) {
    Config c = base_config();
    c.mesh_interval_s = 3600;
    Harness h;
    h.start_ready(c);
    h.take_published();
    h.deliver_updates("[" + update(1, kChat, 5, "/send one") + "," +
                      update(2, kChat, 5, "/send two") + "]");
    h.flush_api(1, 0);
    // The start's announcement went out: both texts wait an hour behind it.
    assert_int_equal(h.take_published().size(), 0);
    assert_int_equal(h.bridge->metrics().mesh_queue, 2);
    h.bridge->on_mqtt_message(kGatewayTopic, dm_wanting_ack(77, "ack me", "!11111111"));
    h.bridge->run_due();
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    assert_true(acks_in(out) == std::vector<uint32_t>{77});
    mesh::Packet p;
    open_downlink(out[0], &p);
    assert_int_equal(*p.hop_limit, 3);
    assert_int_equal(h.bridge->metrics().mesh_queue, 2);  // the texts still wait
}

// A retransmission of a DM already ACKed is ACKed again (src/mesh/NextHopRouter.cpp:67-75) and
// posted once; copies through other gateways within kReAckGap are not ACKed twice.
void a_repeated_dm_is_acked_again_and_posted_once(void**) {
    Harness h;
    h.start_ready();
    h.take_published();
    h.bridge->on_mqtt_message(kGatewayTopic, dm_wanting_ack(78, "once", "!11111111"));
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222",
                              dm_wanting_ack(78, "once", "!22222222"));
    h.bridge->run_due();
    assert_true(acks_in(h.take_published()) == std::vector<uint32_t>{78});
    h.clock.advance(MeshDuties::kReAckGap);
    h.bridge->on_mqtt_message(kGatewayTopic, dm_wanting_ack(78, "once", "!11111111"));
    h.bridge->run_due();
    assert_true(acks_in(h.take_published()) == std::vector<uint32_t>{78});
    int posts = 0;
    for (const auto& [chat, text] : h.flush_chat())
        posts += text.find("once") != std::string::npos;
    assert_int_equal(posts, 1);
}

// ---- the channel-key fallback -----------------------------------------------------------------

// Firmware 2.7.14+ refuses a DM sent with the channel key with NO_CHANNEL: the chat says why,
// and later DMs to that node wait for its key instead of going the same way.
void a_refused_legacy_dm_says_why_and_the_next_one_waits_for_the_key(void**) {
    Harness h;
    h.start_ready();
    h.take_published();
    h.deliver_updates("[" + update(1, kChat, 5, "/send_to_node !a1b2c3d4 legacy") + "]");
    h.flush_chat();
    uint32_t dm_id = 0;
    for (const auto& out : h.take_published()) {
        mesh::Packet p;
        if (open_downlink(out, &p).portnum == mesh::port::kTextMessage) dm_id = p.id;
    }
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222",
                              routing_answer(dm_id, mesh::kRoutingNoChannel, 555, kAlice));
    h.clock.advance(2 * kSecond);
    bool explained = false;
    for (const auto& call : h.flush_api()) {
        explained = explained ||
                    call.text().find("accepts only end-to-end encrypted DMs") != std::string::npos;
    }
    assert_true(explained);
    h.deliver_updates("[" + update(2, kChat, 5, "/send_to_node !a1b2c3d4 again") + "]");
    auto replies = h.flush_chat();
    assert_true(replies.at(0).second.find("its public key is not known yet") != std::string::npos);
    for (const auto& out : h.take_published())
        assert_int_not_equal(open_downlink(out).portnum, mesh::port::kTextMessage);
}

// ---- hop limits ---------------------------------------------------------------------------------

void pki_dms_carry_the_configured_hop_limit(void**) {
    Config c = base_config();
    c.hop_limit = 5;
    PkiRig rig;
    rig.h.bridge->apply_config(c);
    rig.h.flush_api();
    rig.h.take_published();
    rig.h.deliver_updates("[" + update(1, kChat, 5, "/send_to_node BC hops") + "]");
    rig.h.flush_chat();
    mesh::Packet p;
    open_pki(rig.h.take_published().at(0), rig.node, rig.bridge_key, &p);
    assert_int_equal(*p.hop_limit, 5);
    assert_int_equal(*p.hop_start, 5);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_is_announced_into_the_broker_at_load),
        cmocka_unit_test(the_first_broadcast_follows_the_first_uplink_within_5_seconds),
        cmocka_unit_test(a_new_gateway_is_greeted_alone_and_only_once),
        cmocka_unit_test(a_node_is_asked_for_its_key_at_most_every_12_hours_across_restarts),
        cmocka_unit_test(a_nak_35_gets_our_nodeinfo_and_the_dm_once_more),
        cmocka_unit_test(a_second_nak_35_fails_the_dm_with_the_reason),
        cmocka_unit_test(acks_go_ahead_of_queued_texts_and_outside_the_pacing),
        cmocka_unit_test(a_repeated_dm_is_acked_again_and_posted_once),
        cmocka_unit_test(a_refused_legacy_dm_says_why_and_the_next_one_waits_for_the_key),
        cmocka_unit_test(pki_dms_carry_the_configured_hop_limit),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
