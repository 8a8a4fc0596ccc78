// PKI direct messages: the firmware vector (tests/vectors/crypto.json) decrypted and
// re-encrypted byte for byte, key generation, and tampering detection.
#include <string>

#include "test_support.h"
#include "tgmesh/mesh/packet.h"
#include "tgmesh/mesh/pki.h"
#include "tgmesh/mesh/portnum.h"

using namespace tgmesh;
using namespace tgmesh::mesh;

namespace {

struct Vector {
    Bytes private_key;
    Bytes peer_public;
    uint32_t from = 0;
    uint32_t id = 0;
    Bytes payload;  // radio bytes without the 16-byte header
    std::string plaintext_hex;
};

Vector firmware_vector() {
    auto doc = test::load_vectors("crypto.json");
    const cJSON* v = json::member(doc.get(), "pki_firmware_vector");
    Vector out;
    out.private_key = test::hex(*json::get_string(v, "private_key_hex"));
    out.peer_public = test::hex(*json::get_string(v, "peer_public_key_hex"));
    out.from = static_cast<uint32_t>(*json::get_int(v, "from_node"));
    out.id = static_cast<uint32_t>(*json::get_int(v, "packet_id"));
    Bytes radio = test::hex(*json::get_string(v, "radio_bytes_hex"));
    out.payload = radio.substr(static_cast<size_t>(*json::get_int(v, "radio_header_bytes")));
    out.plaintext_hex = *json::get_string(v, "plaintext_data_hex");
    return out;
}

void firmware_vector_decrypts(void**) {
    Vector v = firmware_vector();
    auto key = pki_shared_key(v.private_key, v.peer_public);
    assert_true(key.has_value());
    auto plain = pki_decrypt(*key, v.id, v.from, v.payload);
    assert_true(plain.has_value());
    assert_string_equal(to_hex(*plain).c_str(), v.plaintext_hex.c_str());
    auto data = decode_data(*plain);
    assert_int_equal(data->portnum, port::kTextMessage);
    assert_string_equal(data->payload.c_str(), "test");
}

void same_plaintext_and_nonce_encrypt_to_the_same_bytes(void**) {
    Vector v = firmware_vector();
    auto key = pki_shared_key(v.private_key, v.peer_public);
    Bytes extra_nonce = v.payload.substr(v.payload.size() - kPkiExtraNonceBytes);
    auto cipher = pki_encrypt(*key, v.id, v.from, extra_nonce, test::hex(v.plaintext_hex));
    assert_true(cipher.has_value());
    assert_string_equal(to_hex(*cipher).c_str(), to_hex(v.payload).c_str());
}

void tampering_or_wrong_header_fails(void**) {
    Vector v = firmware_vector();
    auto key = pki_shared_key(v.private_key, v.peer_public);
    Bytes flipped = v.payload;
    flipped[0] = static_cast<char>(flipped[0] ^ 1);
    assert_false(pki_decrypt(*key, v.id, v.from, flipped).has_value());
    assert_false(pki_decrypt(*key, v.id + 1, v.from, v.payload).has_value());
    assert_false(pki_decrypt(*key, v.id, v.from + 1, v.payload).has_value());
    assert_false(pki_decrypt(*key, v.id, v.from, v.payload.substr(0, 11)).has_value());
    Bytes wrong_key(32, 'k');
    assert_false(pki_decrypt(wrong_key, v.id, v.from, v.payload).has_value());
}

void both_ends_derive_the_same_key(void**) {
    auto alice = generate_key_pair();
    auto bob = generate_key_pair();
    assert_true(alice && bob);
    assert_int_equal(alice->public_key.size(), 32);
    assert_true(alice->public_key != bob->public_key);
    auto k1 = pki_shared_key(alice->private_key, bob->public_key);
    auto k2 = pki_shared_key(bob->private_key, alice->public_key);
    assert_true(k1 && k2 && *k1 == *k2);
    auto again = key_pair_from_private(alice->private_key);
    assert_true(again && again->public_key == alice->public_key);
    Bytes text = "\x08\x01\x12\x02hi";
    auto cipher = pki_encrypt(*k1, 7, 0x7b000001, "\x01\x02\x03\x04", text);
    assert_int_equal(cipher->size(), text.size() + kPkiOverhead);
    assert_true(*pki_decrypt(*k2, 7, 0x7b000001, *cipher) == text);
}

void bad_keys_are_refused(void**) {
    auto alice = generate_key_pair();
    assert_false(pki_shared_key(alice->private_key, Bytes(31, 'x')).has_value());
    assert_false(pki_shared_key(alice->private_key, Bytes(32, '\0')).has_value());  // small order
    assert_false(key_pair_from_private(Bytes(16, 'x')).has_value());
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(firmware_vector_decrypts),
        cmocka_unit_test(same_plaintext_and_nonce_encrypt_to_the_same_bytes),
        cmocka_unit_test(tampering_or_wrong_header_fails),
        cmocka_unit_test(both_ends_derive_the_same_key),
        cmocka_unit_test(bad_keys_are_refused),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
