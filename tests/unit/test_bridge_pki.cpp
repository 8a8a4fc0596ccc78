// Direct messages with PKI through the bridge core: the bridge's key pair, PKI DMs both ways,
// replies to DMs, ROUTING ACKs, and delivery receipts on the chat's confirmation.
#include <cstring>
#include <string>

#include "bridge_harness.h"
#include "pki_helpers.h"
#include "tgmesh/core/identity/identity_file.h"
#include "tgmesh/core/state/state.h"
#include "tgmesh/mesh/pki.h"

using namespace bridge_test;

namespace {

// The key pair lives in the identity file, written before the key is first announced, and
// survives the loss of the state file (contract v3, "Hostile broker clients").
void the_key_pair_is_generated_once_and_kept(void**) {
    Harness h;
    h.start();
    Bytes key = announced_key(h.take_published().at(0));
    assert_int_equal(key.size(), 32);
    assert_true(h.identity.saves >= 1);
    auto identity = parse_identity(*h.identity.text);
    assert_true(identity.has_value());
    assert_true(identity->node_id == kBridgeNode);
    assert_true(mesh::key_pair_from_private(identity->private_key)->public_key == key);
    h.bridge->shutdown({});
    PersistentState state;
    NodeRegistry nodes;
    assert_true(parse_state(*h.store.text, state, nodes).is_ok());
    assert_int_equal(state.private_key.size(), 0);  // not in the state file any more

    // The state file is lost (or moved aside as corrupt): the identity stays.
    Harness again;
    again.identity.text = h.identity.text;
    again.start();
    assert_true(announced_key(again.take_published().at(0)) == key);
}

void the_key_is_not_announced_before_it_is_on_disk(void**) {
    Harness h;
    h.identity.fail_saves = true;
    h.start();
    assert_int_equal(h.take_published().size(), 0);
    assert_true(h.log.contains("cannot write the bridge's identity file"));
    // Meanwhile the state file carries the key, so that a restart keeps it.
    h.clock.advance(Bridge::kSaveInterval);
    h.bridge->run_due();
    PersistentState state;
    NodeRegistry nodes;
    assert_true(parse_state(*h.store.text, state, nodes).is_ok());
    assert_int_equal(state.private_key.size(), 32);
    h.identity.fail_saves = false;
    h.clock.advance(Bridge::kSaveInterval);
    h.bridge->run_due();
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    assert_true(announced_key(out[0]) ==
                mesh::key_pair_from_private(state.private_key)->public_key);
    assert_true(h.log.contains("the bridge's identity file is written again"));
}

void an_identity_kept_in_an_old_state_file_moves_to_the_identity_file(void**) {
    auto keys = *mesh::generate_key_pair();
    PersistentState old;
    old.node_id = 0x7b000002;
    old.private_key = keys.private_key;
    Config c = base_config();
    c.node_id.reset();
    Harness h;
    h.store.text = serialize_state(old, NodeRegistry());
    h.start(c);
    assert_true(announced_key(h.take_published().at(0)) == keys.public_key);
    auto identity = parse_identity(*h.identity.text);
    assert_true(identity->node_id == 0x7b000002u);
    assert_true(identity->private_key == keys.private_key);
}

void a_configured_private_key_is_used_and_not_stored(void**) {
    auto keys = *mesh::generate_key_pair();
    Config c = base_config();
    c.node_private_key = keys.private_key;
    Harness h;
    h.start(c);
    assert_true(announced_key(h.take_published().at(0)) == keys.public_key);
    h.bridge->shutdown({});
    assert_null(std::strstr(h.store.text->c_str(), "private_key"));
    assert_null(std::strstr(h.identity.text->c_str(), "private_key"));
}

void a_dm_to_a_node_with_a_known_key_is_pki(void**) {
    PkiRig rig;
    rig.h.deliver_updates("[" + update(1, kChat, 5, "/send_to_node BC meet at 6") + "]");
    auto out = rig.h.take_published();
    assert_int_equal(out.size(), 1);
    assert_string_equal(out[0].topic.c_str(), "msh/US/2/e/PKI/!7b000001");
    auto env = mesh::decode_envelope(out[0].payload);
    assert_string_equal(env->channel_id.c_str(), "PKI");
    assert_string_equal(env->gateway_id.c_str(), "!7b000001");
    mesh::Packet p;
    mesh::Data data = open_pki(out[0], rig.node, rig.bridge_key, &p);
    assert_string_equal(data.payload.c_str(), "Alice: meet at 6");
    assert_int_equal(data.portnum, mesh::port::kTextMessage);
    assert_int_equal(p.channel, 0);
    assert_true(p.pki_encrypted);
    assert_true(p.want_ack);
    assert_int_equal(p.from, kBridgeNode);
    assert_int_equal(p.to, kBase);
    auto replies = rig.h.flush_chat();
    assert_int_equal(replies.size(), 1);
    assert_non_null(std::strstr(replies[0].second.c_str(), "encrypted"));
}

void an_ack_from_the_destination_marks_the_confirmation(void**) {
    PkiRig rig;
    rig.h.deliver_updates("[" + update(1, kChat, 5, "/send_to_node !0badcafe hi") + "]");
    auto out = rig.h.take_published();
    mesh::Packet p;
    open_pki(out.at(0), rig.node, rig.bridge_key, &p);
    rig.h.flush_chat();  // the confirmation gets message id 77
    rig.h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222", routing_answer(p.id, 0, 900));
    auto edits = rig.flush_edits();
    assert_int_equal(edits.size(), 1);
    assert_non_null(std::strstr(edits[0].c_str(), "✅"));
    assert_non_null(std::strstr(edits[0].c_str(), "encrypted"));  // the confirmation kept
}

void a_nak_shows_the_reason_and_silence_times_out(void**) {
    PkiRig rig;
    rig.h.deliver_updates("[" + update(1, kChat, 5, "/send_to_node !0badcafe one") + "," +
                          update(2, kChat, 5, "/send_to_node !0badcafe two") + "]");
    auto out = rig.h.take_published();
    mesh::Packet first;
    open_pki(out.at(0), rig.node, rig.bridge_key, &first);
    rig.h.flush_chat();
    rig.h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222",
                                  routing_answer(first.id, 5, 901));  // MAX_RETRANSMIT
    auto edits = rig.flush_edits();
    assert_int_equal(edits.size(), 1);
    assert_non_null(std::strstr(edits[0].c_str(), "❌"));
    assert_non_null(std::strstr(edits[0].c_str(), "no answer after retries"));
    rig.h.clock.advance(61'000);
    edits = rig.flush_edits();
    assert_int_equal(edits.size(), 1);
    assert_non_null(std::strstr(edits[0].c_str(), "⌛"));
}

void a_pki_dm_to_the_bridge_reaches_the_chat_is_acked_and_a_reply_goes_back(void**) {
    PkiRig rig;
    rig.h.take_published();
    rig.h.bridge->on_mqtt_message("msh/US/2/e/PKI/!22222222",
                                  pki_dm(rig.node, rig.bridge_key, 4242, "hello <bridge>"));
    // Its want_ack is answered with a ROUTING ACK for packet 4242.
    rig.h.bridge->run_due();
    auto out = rig.h.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Packet p;
    mesh::Data ack = open_downlink(out[0], &p);
    assert_int_equal(ack.portnum, mesh::port::kRouting);
    assert_int_equal(*ack.request_id, 4242);
    assert_int_equal(*mesh::decode_routing_error(ack.payload), 0);
    assert_int_equal(p.to, kBase);
    auto posted = rig.h.flush_chat();
    assert_int_equal(posted.size(), 1);
    assert_non_null(std::strstr(posted[0].second.c_str(), "DM"));
    assert_non_null(std::strstr(posted[0].second.c_str(), "🔐"));
    assert_non_null(std::strstr(posted[0].second.c_str(), "hello &lt;bridge&gt;"));
    assert_non_null(std::strstr(posted[0].second.c_str(), "Base Camp"));
    // A Telegram reply to that post goes back to the node as a PKI DM replying to 4242.
    rig.h.deliver_updates("[" + update(5, kChat, 5, "hi back", "group", 77) + "]");
    out = rig.h.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Data back = open_pki(out[0], rig.node, rig.bridge_key, &p);
    assert_string_equal(back.payload.c_str(), "Alice: hi back");
    assert_int_equal(*back.reply_id, 4242);
    assert_int_equal(p.to, kBase);
}

// Firmware answers a PKI DM it cannot open for lack of the sender's key with ROUTING error 35
// PKI_UNKNOWN_PUBKEY on the channel (src/mesh/ReliableRouter.cpp:117-121 at v2.7.26); the
// sender's firmware then sends its NODEINFO (ReliableRouter.cpp:134-139). The bridge does the
// same, at most once a minute per node.
void a_pki_dm_from_an_unknown_sender_gets_a_nak_35(void**) {
    Harness h;
    h.start();
    Bytes bridge_key = announced_key(h.take_published().at(0));
    TestNode stranger;
    h.bridge->on_mqtt_message("msh/US/2/e/PKI/!22222222",
                              pki_dm(stranger, bridge_key, 7, "who am i"));
    assert_int_equal(h.bridge->stats().dropped(Drop::kPkiUnknownSender), 1);
    h.bridge->run_due();
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Packet p;
    mesh::Data nak = open_downlink(out[0], &p);
    assert_int_equal(nak.portnum, mesh::port::kRouting);
    assert_int_equal(*mesh::decode_routing_error(nak.payload), mesh::kRoutingPkiUnknownPubkey);
    assert_int_equal(*nak.request_id, 7);
    assert_int_equal(p.to, kBase);
    assert_int_equal(*p.hop_limit, 3);
    assert_int_equal(*p.hop_start, 3);
    // Not for every packet: once a minute per node.
    h.bridge->on_mqtt_message("msh/US/2/e/PKI/!22222222", pki_dm(stranger, bridge_key, 8, "again"));
    h.bridge->run_due();
    assert_int_equal(h.take_published().size(), 0);
    h.clock.advance(MeshDuties::kNakGap);
    h.bridge->on_mqtt_message("msh/US/2/e/PKI/!22222222", pki_dm(stranger, bridge_key, 9, "later"));
    h.bridge->run_due();
    assert_int_equal(h.take_published().size(), 1);
}

void a_forged_pki_dm_is_not_posted(void**) {
    PkiRig rig;
    TestNode impostor;  // claims to be Base Camp but has another key
    rig.h.take_published();
    rig.h.bridge->on_mqtt_message("msh/US/2/e/PKI/!22222222",
                                  pki_dm(impostor, rig.bridge_key, 99, "forged"));
    assert_int_equal(rig.h.bridge->stats().dropped(Drop::kUndecryptable), 1);
    rig.h.bridge->run_due();
    assert_int_equal(rig.h.take_published().size(), 0);  // no ACK for what did not open
    assert_int_equal(rig.h.flush_chat().size(), 0);
}

void a_node_asking_for_our_nodeinfo_gets_it(void**) {
    PkiRig rig;
    rig.h.take_published();
    mesh::UserInfo user;
    user.id = "!0badcafe";
    user.long_name = "Base Camp";
    user.public_key = rig.node.keys.public_key;
    mesh::Packet p;
    p.from = kBase;
    p.to = kBridgeNode;
    p.id = 31337;
    mesh::Data data;
    data.portnum = mesh::port::kNodeInfo;
    data.payload = mesh::encode_user(user);
    data.want_response = true;
    rig.h.bridge->on_mqtt_message(
        "msh/US/2/e/LongFast/!22222222",
        mesh::seal_envelope(mesh::make_channel_key("LongFast", mesh::default_channel_key()), p,
                            data, "!22222222"));
    rig.h.bridge->run_due();
    auto out = rig.h.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Packet answer;
    mesh::Data info = open_downlink(out[0], &answer);
    assert_int_equal(info.portnum, mesh::port::kNodeInfo);
    assert_false(info.want_response);
    assert_int_equal(answer.to, kBase);
    assert_true(mesh::decode_user(info.payload)->public_key == rig.bridge_key);
}

void message_links_survive_a_restart(void**) {
    PkiRig rig;
    rig.h.bridge->on_mqtt_message("msh/US/2/e/PKI/!22222222",
                                  pki_dm(rig.node, rig.bridge_key, 4242, "hello"));
    rig.h.flush_chat();
    rig.h.bridge->shutdown({});
    Harness again;
    again.store.text = rig.h.store.text;
    again.identity.text = rig.h.identity.text;
    again.start();
    again.take_published();
    again.connect_telegram();
    again.deliver_updates("[" + update(5, kChat, 5, "later reply", "group", 77) + "]");
    auto out = again.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Packet p;
    assert_int_equal(*open_pki(out[0], rig.node, rig.bridge_key, &p).reply_id, 4242);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_key_pair_is_generated_once_and_kept),
        cmocka_unit_test(the_key_is_not_announced_before_it_is_on_disk),
        cmocka_unit_test(an_identity_kept_in_an_old_state_file_moves_to_the_identity_file),
        cmocka_unit_test(a_configured_private_key_is_used_and_not_stored),
        cmocka_unit_test(a_dm_to_a_node_with_a_known_key_is_pki),
        cmocka_unit_test(an_ack_from_the_destination_marks_the_confirmation),
        cmocka_unit_test(a_nak_shows_the_reason_and_silence_times_out),
        cmocka_unit_test(a_pki_dm_to_the_bridge_reaches_the_chat_is_acked_and_a_reply_goes_back),
        cmocka_unit_test(a_pki_dm_from_an_unknown_sender_gets_a_nak_35),
        cmocka_unit_test(a_forged_pki_dm_is_not_posted),
        cmocka_unit_test(a_node_asking_for_our_nodeinfo_gets_it),
        cmocka_unit_test(message_links_survive_a_restart),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
