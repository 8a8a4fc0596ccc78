"""Self-tests of the hand-written protobuf codec against the envelope vectors."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _vectors  # noqa: E402
from tgmesh_harness import meshpb  # noqa: E402


class VarintTest(unittest.TestCase):
    def test_round_trip(self):
        for n in (0, 1, 127, 128, 300, 2**32 - 1, 2**63):
            self.assertEqual(meshpb.decode_varint(meshpb.encode_varint(n), 0), (n, len(meshpb.encode_varint(n))))

    def test_negative_int32_is_ten_bytes(self):
        wire = meshpb.encode(meshpb.MESH_PACKET, {"rx_rssi": -92})
        self.assertEqual(wire.hex(), "60a4ffffffffffffffff01")
        self.assertEqual(meshpb.decode(meshpb.MESH_PACKET, wire), {"rx_rssi": -92})

    def test_sint32_zigzag(self):
        for n in (0, -1, 1, -64, 2**31 - 1, -2**31):
            wire = meshpb.encode(meshpb.POSITION, {"altitude_hae": n})
            self.assertEqual(meshpb.decode(meshpb.POSITION, wire)["altitude_hae"], n)
        self.assertEqual(meshpb.encode(meshpb.POSITION, {"altitude_hae": -1}).hex(), "4801")

    def test_truncated_input_raises(self):
        with self.assertRaises(ValueError):
            meshpb.decode(meshpb.DATA, bytes.fromhex("0801120a41"))


class CodecTest(unittest.TestCase):
    def test_every_vector_round_trips_byte_for_byte(self):
        for e in _vectors.load("envelopes.json")["envelopes"]:
            with self.subTest(e["name"]):
                wire = bytes.fromhex(e["hex"])
                self.assertEqual(meshpb.encode_envelope(meshpb.decode_envelope(wire)), wire)

    def test_vector_fields(self):
        for e in _vectors.load("envelopes.json")["envelopes"]:
            expect = e["expect"]
            env = meshpb.decode_envelope(bytes.fromhex(e["hex"]))
            pkt = env["packet"]
            with self.subTest(e["name"]):
                self.assertEqual(env["channel_id"], expect["channel_id"])
                if "gateway_id" in expect:
                    self.assertEqual(env["gateway_id"], expect["gateway_id"])
                for k in ("from", "to", "channel", "rx_time", "rx_snr", "hop_limit", "rx_rssi",
                          "hop_start", "want_ack", "priority"):
                    if k in expect:
                        self.assertEqual(pkt.get(k, 0), expect[k], k)
                if "id" in expect:
                    self.assertEqual(pkt.get("id", 0), expect["id"])
                if "encrypted_hex" in expect:
                    self.assertEqual(pkt["encrypted"].hex(), expect["encrypted_hex"])
                if "decoded" in pkt:
                    data = pkt["decoded"]
                    self.assertEqual(data["portnum"], expect["portnum"])
                    for k in ("want_response", "request_id"):
                        if k in expect:
                            self.assertEqual(data.get(k), expect[k])
                    key, value = meshpb.decode_data_payload(data)
                    if "text" in expect:
                        self.assertEqual(value, expect["text"])
                    for sub in ("position", "map_report", "neighborinfo"):
                        if sub in expect:
                            self.assertEqual(key, sub)
                            for k, v in expect[sub].items():
                                self.assertEqual(value.get(k, 0), v, k)  # proto3: absent = 0
                    if "user" in expect:
                        for k, v in expect["user"].items():
                            if k == "macaddr_hex":
                                self.assertEqual(value["macaddr"].hex(), v)
                            else:
                                self.assertEqual(value[k], v, k)

    def test_vector_i_encoded_from_a_dict(self):
        e = _vectors.envelope("I_")
        x = e["expect"]
        env = {"packet": {"from": x["from"], "to": x["to"], "channel": x["channel"],
                          "encrypted": bytes.fromhex(x["encrypted_hex"]), "id": x["id"],
                          "hop_limit": x["hop_limit"], "hop_start": x["hop_start"]},
               "gateway_id": x["gateway_id"], "channel_id": x["channel_id"]}  # dict order must not matter
        self.assertEqual(meshpb.encode_envelope(env).hex(), e["hex"])

    def test_data_plain_of_vector_i(self):
        x = _vectors.envelope("I_")["expect"]
        data = {"bitfield": 1, "payload": x["text"].encode(), "portnum": 1}
        self.assertEqual(meshpb.encode_data(data).hex(), x["data_plain_hex"])

    def test_unknown_fields_are_skipped(self):
        # field 22 varint, field 30 fixed64, field 31 length-delimited, then id
        wire = bytes.fromhex("b00101" "f1010102030405060708" "fa01026869") + meshpb.encode(meshpb.MESH_PACKET, {"id": 7})
        self.assertEqual(meshpb.decode(meshpb.MESH_PACKET, wire), {"id": 7})

    def test_absent_fields_omitted_and_zero_kept(self):
        self.assertEqual(meshpb.encode(meshpb.DATA, {"portnum": 1, "payload": None}).hex(), "0801")
        self.assertEqual(meshpb.encode(meshpb.DATA, {"bitfield": 0}).hex(), "4800")

    def test_unknown_key_rejected_on_encode(self):
        with self.assertRaises(KeyError):
            meshpb.encode(meshpb.DATA, {"portnum": 1, "text": "x"})

    def test_repeated_packed_and_messages(self):
        rd = {"route": [1, 0xFFFFFFFF], "snr_towards": [-4, 8]}
        self.assertEqual(meshpb.decode(meshpb.ROUTE_DISCOVERY, meshpb.encode(meshpb.ROUTE_DISCOVERY, rd)), rd)
        ni = {"node_id": 5, "neighbors": [{"node_id": 1, "snr": 2.5}, {"node_id": 2, "snr": -1.0}]}
        self.assertEqual(meshpb.decode(meshpb.NEIGHBOR_INFO, meshpb.encode(meshpb.NEIGHBOR_INFO, ni)), ni)

    def test_user_and_telemetry_round_trip(self):
        user = {"id": "!0badcafe", "long_name": "Привет 🌐", "short_name": "PR", "hw_model": 255,
                "role": 0, "public_key": bytes(range(32)), "is_unmessagable": False}
        self.assertEqual(meshpb.decode(meshpb.USER, meshpb.encode(meshpb.USER, user)), user)
        tel = {"time": 1700000000, "device_metrics": {"battery_level": 101, "voltage": 4.25, "uptime_seconds": 9}}
        self.assertEqual(meshpb.decode(meshpb.TELEMETRY, meshpb.encode(meshpb.TELEMETRY, tel)), tel)

    def test_node_id_helpers(self):
        self.assertEqual(meshpb.node_num("!7b000001"), 0x7B000001)
        self.assertEqual(meshpb.node_id(0x0badcafe), "!0badcafe")
        with self.assertRaises(ValueError):
            meshpb.node_num("!xyz")


if __name__ == "__main__":
    unittest.main()
