// ServiceEnvelope decode + decrypt + dispatch. Input: one selector byte (the topic), then the
// MQTT payload. The payload goes through the codec and keyring directly (with an
// encode/decode round trip) and then through a fresh Bridge as an uplink.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "tgmesh/mesh/keyring.h"
#include "tgmesh/mesh/packet.h"
#include "tgmesh/mesh/payloads.h"

using namespace tgmesh;

namespace {

constexpr const char* kTopics[] = {
    "msh/US/2/e/LongFast/!11111111",
    "msh/US/2/e/PKI/!11111111",
    "msh/US/2/map/",
};

void decode_payloads(BytesView payload) {
    // Every payload decoder on every Data payload, whatever its portnum says.
    (void)mesh::decode_user(payload);
    (void)mesh::decode_position(payload);
    (void)mesh::decode_device_metrics(payload);
    (void)mesh::decode_map_report(payload);
}

// encode(decode(x)) must decode to the same fields.
void check_round_trip(const mesh::Envelope& env) {
    auto again = mesh::decode_envelope(mesh::encode_envelope(env));
    fuzz::check(again.has_value());
    const mesh::Packet& a = env.packet;
    const mesh::Packet& b = again->packet;
    fuzz::check(a.from == b.from && a.to == b.to && a.id == b.id && a.channel == b.channel);
    fuzz::check(a.encrypted == b.encrypted);
    fuzz::check(a.decoded.has_value() == b.decoded.has_value());
    if (a.decoded) {
        fuzz::check(a.decoded->portnum == b.decoded->portnum);
        fuzz::check(a.decoded->payload == b.decoded->payload);
    }
    fuzz::check(env.channel_id == again->channel_id && env.gateway_id == again->gateway_id);
    fuzz::check(a.hop_limit == b.hop_limit && a.hop_start == b.hop_start);
}

void direct(BytesView payload) {
    static const mesh::Keyring keyring(fuzz::protobuf_config().channel_keys);
    (void)mesh::decode_data(payload);
    auto env = mesh::decode_envelope(payload);
    if (!env) return;
    check_round_trip(*env);
    (void)env->packet.hops_away();
    if (env->packet.decoded) decode_payloads(env->packet.decoded->payload);
    if (auto opened = keyring.open(env->packet)) {
        fuzz::check(opened->key != nullptr && opened->data.portnum != 0);
        decode_payloads(opened->data.payload);
        // Sealing the opened data again with the same header must open to the same data.
        mesh::Packet header = env->packet;
        Bytes sealed = mesh::seal_envelope(*opened->key, header, opened->data, env->gateway_id);
        auto reenv = mesh::decode_envelope(sealed);
        fuzz::check(reenv.has_value());
        auto reopened = keyring.open(reenv->packet);
        fuzz::check(reopened.has_value() && reopened->data.portnum == opened->data.portnum &&
                    reopened->data.payload == opened->data.payload);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const char* topic = kTopics[data[0] % 3];
    BytesView payload = fuzz::as_view(data + 1, size - 1);
    direct(payload);

    fuzz::Rig rig(fuzz::protobuf_config());
    rig.bridge->start();
    rig.connect_telegram();
    rig.bridge->on_mqtt_message(topic, payload);
    // A second copy from another gateway: the duplicate path and a second reception.
    rig.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222", payload);
    rig.pump(3);
    fuzz::check_registry_bounds(rig.bridge->nodes());
    rig.bridge->shutdown({});
    return 0;
}
