// PKI direct messages (X25519 + AES-256-CCM). Input: packet id (4 bytes LE), from (4 bytes
// LE), then the radio payload (ciphertext || tag || extraNonce). The payload goes through
// mesh::pki_decrypt with the firmware vector's key pair (what opens must encrypt back to the
// same bytes), then through a Bridge whose node holds that private key and knows the sender's
// public key, as a PKI envelope addressed to it.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_support.h"
#include "tgmesh/mesh/packet.h"
#include "tgmesh/mesh/pki.h"

using namespace tgmesh;

namespace {

// tests/vectors/crypto.json pki_firmware_vector: the receiver's private key and the sender's
// (node 2345) public key.
Bytes from_hex_or_die(const char* hex) {
    Bytes out;
    fuzz::check(tgmesh::from_hex(hex, out));
    return out;
}
const Bytes& receiver_private() {
    static const Bytes key =
        from_hex_or_die("a00330633e63522f8a4d81ec6d9d1e6617f6c8ffd3a4c698229537d44e522277");
    return key;
}
const Bytes& sender_public() {
    static const Bytes key =
        from_hex_or_die("db18fc50eea47f00251cb784819a3cf5fc361882597f589f0d7ff820e8064457");
    return key;
}
constexpr mesh::NodeNum kSender = 2345;

uint32_t read_u32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
           static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void direct(uint32_t id, uint32_t from, BytesView payload) {
    static const Bytes shared = *mesh::pki_shared_key(receiver_private(), sender_public());
    auto plain = mesh::pki_decrypt(shared, id, from, payload);
    if (!plain) return;
    // Authenticated: re-encrypting with the same nonce must give the same radio bytes.
    BytesView extra = payload.substr(payload.size() - mesh::kPkiExtraNonceBytes);
    auto again = mesh::pki_encrypt(shared, id, from, extra, *plain);
    fuzz::check(again.has_value() && *again == payload);
    (void)mesh::decode_data(*plain);
}

// The sender's NODEINFO, so that the bridge knows its public key.
Bytes sender_nodeinfo() {
    return fuzz::nodeinfo_with_key(kSender, 1, "Vector", "VEC", sender_public());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 8) return 0;
    const uint32_t id = read_u32(data);
    const uint32_t from = read_u32(data + 4);
    BytesView payload = fuzz::as_view(data + 8, size - 8);
    direct(id, from, payload);
    direct(id, kSender, payload);

    core::Config config = fuzz::protobuf_config();
    config.node_private_key = receiver_private();
    fuzz::Rig rig(std::move(config));
    rig.bridge->start();
    rig.connect_telegram();
    rig.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", sender_nodeinfo());
    mesh::Packet p;
    p.from = kSender;
    p.to = 0x7b000001;
    p.id = id;
    p.want_ack = (from & 1) != 0;
    p.pki_encrypted = true;
    p.encrypted = Bytes(payload);
    rig.bridge->on_mqtt_message("msh/US/2/e/PKI/!22222222",
                                mesh::encode_envelope({p, "PKI", "!22222222"}));
    rig.pump(3);
    rig.bridge->shutdown({});
    return 0;
}
