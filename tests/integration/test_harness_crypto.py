"""Self-tests of the Meshtastic crypto helpers against tests/vectors."""
import base64
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _vectors  # noqa: E402
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402


class PskTest(unittest.TestCase):
    def test_expansion_vectors(self):
        for v in _vectors.load("crypto.json")["psk_expansion"]:
            with self.subTest(v["psk_b64"]):
                self.assertEqual(mc.key_from_b64(v["psk_b64"]).hex(), v["key_hex"])

    def test_lengths(self):
        self.assertEqual(mc.expand_psk(b""), b"")
        self.assertEqual(mc.expand_psk(b"\x0a")[-1], 0x01 + 9)
        self.assertEqual(mc.expand_psk(bytes(range(1, 17))), bytes(range(1, 17)))
        self.assertEqual(mc.expand_psk(bytes(range(32))), bytes(range(32)))
        self.assertEqual(mc.expand_psk(b"\x01\x02\x03"), b"\x01\x02\x03" + bytes(13))
        self.assertEqual(len(mc.expand_psk(bytes(20))), 32)
        with self.assertRaises(ValueError):
            mc.expand_psk(bytes(33))

    def test_bad_base64_raises(self):
        with self.assertRaises(Exception):
            mc.key_from_b64("###")

    def test_default_key_base64_form(self):
        self.assertEqual(mc.key_from_b64("1PG7OiApB1nwvP+rz05pAQ=="), mc.DEFAULT_KEY)


class HashTest(unittest.TestCase):
    def test_default_key_hashes(self):
        for name, h in _vectors.load("crypto.json")["channel_hash_default_key"].items():
            self.assertEqual(mc.channel_hash(name, mc.DEFAULT_KEY), h, name)

    def test_vector_h_is_not_the_default_key(self):
        self.assertEqual(mc.channel_hash("Yasenevo", mc.DEFAULT_KEY), 0x3E)
        env = meshpb.decode_envelope(bytes.fromhex(_vectors.envelope("H_")["hex"]))
        self.assertEqual(env["packet"]["channel"], 0x8E)
        with self.assertRaises(ValueError):
            mc.decrypt_envelope(bytes.fromhex(_vectors.envelope("H_")["hex"]))

    def test_no_key_hash_is_name_only(self):
        self.assertEqual(mc.channel_hash("A", b""), ord("A"))


class AesCtrTest(unittest.TestCase):
    def test_rfc3686(self):
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        for v in _vectors.load("crypto.json")["aes_ctr_rfc3686"]:
            enc = Cipher(algorithms.AES(bytes.fromhex(v["key_hex"])), modes.CTR(bytes.fromhex(v["iv_hex"]))).encryptor()
            self.assertEqual((enc.update(v["plain"].encode()) + enc.finalize()).hex(), v["cipher_hex"])

    def test_nonce_of_vector_g(self):
        x = _vectors.envelope("G_")["expect"]
        self.assertEqual(mc.nonce(x["id"], x["from"]).hex(), x["iv_hex"])

    def test_decrypt_vector_f_telemetry(self):
        e = _vectors.envelope("F_")
        env = mc.decrypt_envelope(bytes.fromhex(e["hex"]))
        data = env["packet"]["decoded"]
        self.assertEqual(meshpb.encode_data({k: data[k] for k in ("portnum", "payload")}).hex(),
                         e["expect"]["decrypted_data_hex"])
        self.assertEqual(data["portnum"], 67)
        self.assertEqual(data["telemetry"]["time"], 1713784557)
        dm = data["telemetry"]["device_metrics"]
        self.assertAlmostEqual(dm["channel_utilization"], 0.9167, places=3)
        self.assertAlmostEqual(dm["air_util_tx"], 1.0286, places=3)

    def test_decrypt_vector_g_text(self):
        env = mc.decrypt_envelope(bytes.fromhex(_vectors.envelope("G_")["hex"]))
        self.assertEqual(env["packet"]["decoded"]["text"], "Test")
        self.assertEqual(mc.envelope_text(env), "Test")

    def test_encrypt_vector_i_exactly(self):
        e = _vectors.envelope("I_")
        x = e["expect"]
        self.assertEqual(mc.nonce(x["id"], x["from"]).hex(), x["iv_hex"])
        wire = mc.make_encrypted_text_envelope(x["from"], x["to"], x["id"], x["text"], gateway=x["gateway_id"])
        self.assertEqual(wire.hex(), e["hex"])
        env = mc.decrypt_envelope(wire)
        self.assertEqual(env["packet"]["decoded"]["bitfield"], 1)
        self.assertEqual(env["packet"]["decoded"]["text"], "Hello from Telegram")

    def test_aes256_and_no_key(self):
        key = bytes(range(32))
        ct = mc.aes_ctr(key, 5, 6, b"hello")
        self.assertNotEqual(ct, b"hello")
        self.assertEqual(mc.aes_ctr(key, 5, 6, ct), b"hello")
        self.assertEqual(mc.aes_ctr(b"", 5, 6, b"hello"), b"hello")


class BuilderTest(unittest.TestCase):
    def test_text_envelope_with_custom_key_and_metadata(self):
        psk = base64.b64encode(bytes(range(16))).decode()
        wire = mc.make_encrypted_text_envelope(0x11, 0xFFFFFFFF, 99, "Привет", channel="Team", psk_b64=psk,
                                               gateway="!00000022", rx_snr=-7.25, rx_rssi=-110)
        env = mc.decrypt_envelope(wire, psk)
        pkt = env["packet"]
        self.assertEqual((env["channel_id"], env["gateway_id"]), ("Team", "!00000022"))
        self.assertEqual(pkt["channel"], mc.channel_hash("Team", bytes(range(16))))
        self.assertEqual((pkt["rx_snr"], pkt["rx_rssi"], pkt["hop_limit"], pkt["hop_start"]), (-7.25, -110, 3, 3))
        self.assertEqual(pkt["decoded"]["text"], "Привет")

    def test_nodeinfo_position_telemetry(self):
        env = mc.decrypt_envelope(mc.make_nodeinfo_envelope(0x0BADCAFE, "Base Camp", "BC", public_key=bytes(32)))
        user = env["packet"]["decoded"]["user"]
        self.assertEqual((user["id"], user["long_name"], user["short_name"]), ("!0badcafe", "Base Camp", "BC"))
        self.assertNotEqual(env["packet"]["id"], 0)
        env = mc.decrypt_envelope(mc.make_position_envelope(0x0BADCAFE, 457572352, -52035584, altitude=-5))
        pos = env["packet"]["decoded"]["position"]
        self.assertEqual((pos["latitude_i"], pos["longitude_i"], pos["altitude"]), (457572352, -52035584, -5))
        env = mc.decrypt_envelope(mc.make_telemetry_envelope(0x0BADCAFE, battery_level=87, voltage=3.5))
        dm = env["packet"]["decoded"]["telemetry"]["device_metrics"]
        self.assertEqual((dm["battery_level"], dm["voltage"]), (87, 3.5))

    def test_decoded_envelope(self):
        wire = mc.make_envelope(1, 2, 3, mc.text_data("plain"), encrypted=False)
        env = mc.decrypt_envelope(wire)
        self.assertNotIn("encrypted", env["packet"])
        self.assertEqual(env["packet"]["decoded"]["text"], "plain")


class PkiTest(unittest.TestCase):
    def test_firmware_vector(self):
        v = _vectors.load("crypto.json")["pki_firmware_vector"]
        radio = bytes.fromhex(v["radio_bytes_hex"])[v["radio_header_bytes"]:]
        key = mc.pki_shared_key(bytes.fromhex(v["private_key_hex"]), bytes.fromhex(v["peer_public_key_hex"]))
        self.assertEqual(mc.pki_decrypt(key, v["packet_id"], v["from_node"], radio).hex(), v["plaintext_data_hex"])
        extra = int.from_bytes(radio[-4:], "little")
        self.assertEqual(mc.pki_nonce(v["packet_id"], v["from_node"], extra).hex(), v["nonce_hex"])
        self.assertEqual(mc.pki_encrypt(key, v["packet_id"], v["from_node"], bytes.fromhex(v["plaintext_data_hex"]),
                                        extra), radio)

    def test_both_sides_agree(self):
        a, b = os.urandom(32), os.urandom(32)
        k1 = mc.pki_shared_key(a, mc.x25519_public(b))
        k2 = mc.pki_shared_key(b, mc.x25519_public(a))
        self.assertEqual(k1, k2)
        self.assertEqual(mc.pki_decrypt(k2, 1, 2, mc.pki_encrypt(k1, 1, 2, b"hi")), b"hi")


if __name__ == "__main__":
    unittest.main()
