// MeshSender on its own: texts to the mesh in parts, PKI when the key is known, refusals.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "bridge_harness.h"
#include "tgmesh/base/drop_reporter.h"
#include "tgmesh/core/admin/metrics.h"
#include "tgmesh/core/downlink/mesh_sender.h"
#include "tgmesh/mesh/pki.h"
#include "tgmesh/mesh/text_chunker.h"
#include "tgmesh/util/base64.h"

using namespace bridge_test;

namespace {

constexpr mesh::NodeNum kHill = 0x12345678;

// ---- queue_mesh_text ------------------------------------------------------------------------

struct SendRig {
    Config config = base_config();
    test::FakeClock clock;
    test::FakeLogger log;
    NodeRegistry nodes;
    NodeIdentity identity;
    JsonGateway json_gateway{clock};
    PacketEncoder encoder{config, identity, json_gateway, [] { return 0x12345u; }};
    MeshOutbox outbox;
    Stats stats;
    DropReporter drops{log, clock, stats};
    SentDms sent_dms;
    MeshSender sender{{config, nodes, encoder, outbox, sent_dms, stats, drops, clock}};
    mesh::KeyPair keys = *mesh::generate_key_pair();

    SendRig() { identity.set(kBridgeNode, 1000, keys); }
    MeshSendResult send(std::string_view text, mesh::NodeNum to = mesh::kBroadcast,
                        std::string_view prefix = "") {
        MeshSendRequest r;
        r.to = to;
        r.text = text;
        r.prefix = prefix;
        r.origin = "a test";
        return sender.send(r);
    }
    // Parts waiting in the outbox, opened.
    std::vector<std::pair<mesh::Packet, std::string>> queued() {
        std::vector<std::pair<mesh::Packet, std::string>> out;
        for (const auto& m : outbox.pending()) {
            mesh::Packet p;
            std::string text = open_downlink(m, &p).payload;
            out.emplace_back(p, text);
        }
        return out;
    }
};

// The refusal as a number (kQueued: none), for assert_int_equal.
constexpr int kQueued = -1;
int outcome(const MeshSendResult& r) {
    return r.refusal ? static_cast<int>(*r.refusal) : kQueued;
}

void mesh_send_refuses_empty_texts(void**) {
    SendRig rig;
    for (const char* text : {"", " ", " \t\r\n ", "\n\n"}) {
        auto r = rig.send(text);
        assert_int_equal(outcome(r), static_cast<int>(SendRefusal::kEmpty));
        assert_int_equal(r.length, 0);
        assert_int_equal(r.parts, 0);
    }
    assert_int_equal(rig.outbox.size(), 0);
    assert_int_equal(rig.stats.downlinks, 0);
    assert_int_equal(rig.log.lines.size(), 0);
}

void mesh_send_queues_parts_with_packet_ids(void**) {
    SendRig rig;
    auto one = rig.send("hello mesh  \n");
    assert_int_equal(outcome(one), kQueued);
    assert_int_equal(one.parts, 1);
    assert_int_equal(one.length, 10);  // trailing whitespace dropped
    assert_int_equal(one.part_bytes, 200);
    assert_int_equal(one.ahead, 0);
    assert_false(one.pki);
    assert_int_equal(one.packet_ids.size(), 1);
    assert_int_equal(one.packet_ids[0], 1001);

    std::string words;
    while (words.size() < 450)
        words += "word ";
    auto three = rig.send(words, mesh::kBroadcast, "Alice: ");
    assert_int_equal(outcome(three), kQueued);
    assert_int_equal(three.parts, 3);
    assert_int_equal(three.ahead, 1);
    assert_int_equal(three.packet_ids.size(), 3);
    assert_int_equal(three.packet_ids[0], 1002);
    assert_int_equal(three.packet_ids[2], 1004);
    assert_int_equal(rig.outbox.size(), 4);
    assert_int_equal(rig.stats.downlinks, 4);
    auto q = rig.queued();
    assert_string_equal(q[0].second.c_str(), "hello mesh");
    for (int i = 1; i <= 3; ++i) {
        assert_int_equal(q[i].first.id, three.packet_ids[i - 1]);
        assert_true(q[i].second.size() <= 200);
        const std::string head = "(" + std::to_string(i) + "/3) Alice: ";
        assert_true(q[i].second.starts_with(head));
    }
}

void mesh_send_refuses_too_long_texts(void**) {
    SendRig rig;
    const size_t capacity = mesh::chunk_capacity("Bob: ", 200);
    auto r = rig.send(std::string(capacity + 1, 'z'), mesh::kBroadcast, "Bob: ");
    assert_int_equal(outcome(r), static_cast<int>(SendRefusal::kTooLong));
    assert_int_equal(r.capacity, capacity);
    assert_int_equal(r.length, capacity + 1);
    assert_int_equal(r.part_bytes, 200);
    assert_int_equal(rig.outbox.size(), 0);
    assert_int_equal(rig.stats.dropped(Drop::kMeshQueueFull), 0);
    auto fits = rig.send(std::string(capacity, 'z'), mesh::kBroadcast, "Bob: ");
    assert_int_equal(outcome(fits), kQueued);
    assert_int_equal(fits.parts, mesh::kMaxTextParts);
}

void mesh_send_refuses_when_the_queue_is_full(void**) {
    SendRig rig;
    for (size_t i = 0; i + 1 < MeshOutbox::kCapacity; ++i)
        rig.outbox.push(Outgoing{});
    std::string two_parts(300, 'a');
    auto r = rig.send(two_parts);
    assert_int_equal(outcome(r), static_cast<int>(SendRefusal::kQueueFull));
    assert_int_equal(r.ahead, MeshOutbox::kCapacity - 1);
    assert_int_equal(r.parts, 2);
    assert_true(r.packet_ids.empty());
    assert_int_equal(rig.outbox.size(), MeshOutbox::kCapacity - 1);
    assert_int_equal(rig.stats.dropped(Drop::kMeshQueueFull), 1);
    assert_int_equal(rig.stats.downlinks, 0);
    assert_int_equal(rig.log.lines.size(), 1);
    assert_true(rig.log.lines[0].starts_with("dropped (mesh_queue_full): a test; "));
    // One part still fits; then nothing does.
    auto one = rig.send("last one");
    assert_int_equal(outcome(one), kQueued);
    auto none = rig.send("x");
    assert_int_equal(outcome(none), static_cast<int>(SendRefusal::kQueueFull));
    assert_int_equal(none.ahead, MeshOutbox::kCapacity);
    assert_int_equal(rig.stats.dropped(Drop::kMeshQueueFull), 2);
    assert_int_equal(rig.log.lines.size(), 1);  // summarised later
}

void mesh_send_dm_is_pki_with_a_known_key(void**) {
    SendRig rig;
    rig.config.max_text_bytes = PacketEncoder::kMaxChannelText;
    mesh::KeyPair peer = *mesh::generate_key_pair();
    rig.nodes.heard(kHill, Reception{"!11111111", 0, 5.0f, -90, rig.clock.unix_now});
    mesh::UserInfo user;
    user.long_name = "Hill Top";
    user.short_name = "HT";
    user.public_key = peer.public_key;
    rig.nodes.apply_user(kHill, user, KeySource::kEncrypted);
    rig.nodes.heard(kAlice, Reception{"!11111111", 0, 5.0f, -90, rig.clock.unix_now});

    auto pki = rig.send("secret", kHill);
    assert_true(pki.pki);
    assert_int_equal(pki.part_bytes, PacketEncoder::kMaxPkiText);
    auto legacy = rig.send("plain", kAlice);
    assert_false(legacy.pki);
    assert_int_equal(legacy.part_bytes, PacketEncoder::kMaxChannelText);
    auto unknown = rig.send("to nobody known", 0x01020304);
    assert_false(unknown.pki);
    auto broadcast = rig.send("all");
    assert_false(broadcast.pki);
    assert_int_equal(broadcast.part_bytes, PacketEncoder::kMaxChannelText);
    auto out = rig.outbox.pending();
    assert_int_equal(out.size(), 4);
    assert_string_equal(out[0].topic.c_str(), "msh/US/2/e/PKI/!7b000001");
    assert_string_equal(out[1].topic.c_str(), "msh/US/2/e/LongFast/!7b000001");
    auto env = mesh::decode_envelope(out[0].payload);
    auto key = mesh::pki_shared_key(peer.private_key, rig.keys.public_key);
    auto plain = mesh::pki_decrypt(*key, env->packet.id, env->packet.from, *env->packet.encrypted);
    if (!plain) fail_msg("not PKI for the node");
    assert_string_equal(mesh::decode_data(*plain)->payload.c_str(), "secret");
}

void mesh_send_in_json_mode_has_no_packet_ids(void**) {
    SendRig rig;
    rig.config.downlink = DownlinkMode::kJson;
    rig.config.gateway_id = 0x67ea9400;
    auto r = rig.send("via json");
    assert_int_equal(outcome(r), kQueued);
    assert_int_equal(r.parts, 1);
    assert_true(r.packet_ids.empty());
    assert_int_equal(rig.outbox.size(), 1);
    assert_int_equal(rig.stats.downlinks, 1);
    assert_string_equal(rig.outbox.pending()[0].topic.c_str(), "msh/US/2/json/mqtt/");
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mesh_send_refuses_empty_texts),
        cmocka_unit_test(mesh_send_queues_parts_with_packet_ids),
        cmocka_unit_test(mesh_send_refuses_too_long_texts),
        cmocka_unit_test(mesh_send_refuses_when_the_queue_is_full),
        cmocka_unit_test(mesh_send_dm_is_pki_with_a_known_key),
        cmocka_unit_test(mesh_send_in_json_mode_has_no_packet_ids),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
