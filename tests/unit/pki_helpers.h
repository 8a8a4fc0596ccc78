#pragma once
// A test node with its own X25519 key pair talking PKI to the bridge: its DMs as a gateway
// uplinks them, its ROUTING answers, opening the bridge's PKI DMs, and a Bridge that knows it.
#include <string>
#include <vector>

#include "bridge_harness.h"
#include "tgmesh/mesh/pki.h"

namespace bridge_test {

constexpr mesh::NodeNum kBase = 0x0badcafe;

struct TestNode {
    mesh::KeyPair keys = *mesh::generate_key_pair();
};

// The bridge's public key as announced in its NODEINFO.
inline Bytes announced_key(const Outgoing& announce) {
    mesh::Data data = open_downlink(announce);
    assert_int_equal(data.portnum, mesh::port::kNodeInfo);
    return mesh::decode_user(data.payload)->public_key;
}

// A PKI DM from `node` to the bridge, as a gateway uplinks it.
inline Bytes pki_dm(const TestNode& node, const Bytes& bridge_key, uint32_t id,
                    const std::string& text, uint32_t portnum = mesh::port::kTextMessage) {
    mesh::Data data;
    data.portnum = portnum;
    data.payload = text;
    auto key = mesh::pki_shared_key(node.keys.private_key, bridge_key);
    mesh::Packet p;
    p.from = kBase;
    p.to = kBridgeNode;
    p.id = id;
    p.hop_limit = 3;
    p.hop_start = 3;
    p.want_ack = true;
    p.pki_encrypted = true;
    p.encrypted = *mesh::pki_encrypt(*key, id, kBase, "\x11\x22\x33\x44", mesh::encode_data(data));
    return mesh::encode_envelope({p, "PKI", "!22222222"});
}

// The destination's ROUTING answer to our packet `request_id`, with the channel key, as gateway
// !22222222 uplinks it.
inline Bytes routing_answer(uint32_t request_id, uint32_t error_reason, uint32_t id,
                            mesh::NodeNum from = kBase) {
    mesh::Packet p;
    p.from = from;
    p.to = kBridgeNode;
    p.id = id;
    mesh::Data data;
    data.portnum = mesh::port::kRouting;
    data.payload = mesh::encode_routing(error_reason);
    data.request_id = request_id;
    return mesh::seal_envelope(mesh::make_channel_key("LongFast", mesh::default_channel_key()), p,
                               data, "!22222222");
}

// Opens a PKI envelope the bridge published for `node`.
inline mesh::Data open_pki(const Outgoing& out, const TestNode& node, const Bytes& bridge_key,
                           mesh::Packet* packet = nullptr) {
    auto env = mesh::decode_envelope(out.payload);
    if (!env) fail_msg("not an envelope");
    if (packet) *packet = env->packet;
    auto key = mesh::pki_shared_key(node.keys.private_key, bridge_key);
    auto plain = mesh::pki_decrypt(*key, env->packet.id, env->packet.from, *env->packet.encrypted);
    if (!plain) fail_msg("the DM does not decrypt with the node's key");
    return *mesh::decode_data(*plain);
}

struct PkiRig {
    Harness h;
    TestNode node;
    Bytes bridge_key;

    PkiRig() {
        h.start();
        auto out = h.take_published();
        bridge_key = announced_key(out.at(0));
        h.connect_telegram();
        h.bridge->on_mqtt_message(
            "msh/US/2/e/LongFast/!11111111",
            nodeinfo_envelope(kBase, 1, "Base Camp", "BC", node.keys.public_key));
    }
    // Answers pending editMessageText requests; returns their texts.
    std::vector<std::string> flush_edits() {
        std::vector<std::string> texts;
        h.clock.advance(2000);
        h.bridge->run_due();
        while (h.http.has("editMessageText")) {
            auto p = h.http.take("editMessageText");
            auto body = json::parse(p.request.json_body);
            assert_int_equal(*json::get_int(body.get(), "message_id"), 77);
            texts.push_back(*json::get_string(body.get(), "text"));
            test::FakeHttp::reply(p, 200, R"({"ok":true,"result":true})");
        }
        return texts;
    }
};

}  // namespace bridge_test
