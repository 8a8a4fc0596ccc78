"""What reaches the chats from the mesh: every bridged chat once, DMs to the bridge marked,
PKI DMs of others never; /nodes shows what the registry learned (incl. map reports)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc  # noqa: E402
from tgmesh_harness import meshpb  # noqa: E402
from tgmesh_harness.base import NODE_NUM, QUIET_SECONDS, TgmeshTestCase, options  # noqa: E402

BASE = 0x0BADCAFE
OTHER_CHAT = -1002


class MeshToChatsTest(TgmeshTestCase):
    @options(chat_ids="-1001,-1002")
    def test_a_text_goes_once_to_every_bridged_chat(self):
        self.uplink(mc.make_encrypted_text_envelope(BASE, meshpb.BROADCAST, 4242, "to both chats"))
        self.wait_chat("to both chats", chat_id=-1001)
        self.wait_chat("to both chats", chat_id=OTHER_CHAT)
        time.sleep(QUIET_SECONDS)
        for chat in (-1001, OTHER_CHAT):
            copies = [m for m in self.tg.sent_messages(chat) if "to both chats" in m["text"]]
            self.assertEqual(len(copies), 1, chat)

    def test_a_channel_dm_to_the_bridge_is_posted_as_dm(self):
        self.uplink(mc.make_encrypted_text_envelope(BASE, NODE_NUM, 777, "psst bridge", want_ack=True))
        msg = self.wait_chat("psst bridge")
        self.assertIn("DM", msg["text"])
        self.assertIn("!0badcafe", msg["text"])

    def test_pki_dms_between_other_nodes_are_not_posted(self):
        data = mc.text_data("secret")
        envelope = mc.make_envelope(BASE, 0x12345678, 888, data, channel="PKI",
                                    extra_packet_fields={"pki_encrypted": True, "channel": 0})
        self.uplink(envelope, channel="PKI")
        self.uplink(mc.make_encrypted_text_envelope(BASE, meshpb.BROADCAST, 889, "public after"))
        self.wait_chat("public after")
        self.assertFalse(any("secret" in m["text"] for m in self.tg.sent_messages()))

    def test_nodes_lists_names_battery_and_link(self):
        self.teach_node(BASE, "Base Camp", "BC")
        self.uplink(mc.make_telemetry_envelope(BASE, battery_level=87, voltage=3.9))
        report = {"long_name": "Hilltop Router", "short_name": "HT", "role": 2, "hw_model": 43,
                  "firmware_version": "2.6.11", "latitude_i": 457572352, "longitude_i": 52035584}
        map_env = mc.make_envelope(0x43560564, meshpb.BROADCAST, 0,
                                   {"portnum": meshpb.MAP_REPORT_APP,
                                    "payload": meshpb.encode(meshpb.MAP_REPORT, report)},
                                   encrypted=False, gateway="!43560564")
        self.gateway("!43560564").publish("msh/US/2/map/", map_env, qos=1)
        time.sleep(0.5)
        since = self.tg.request_count()
        self.say("/nodes")
        msg = self.wait_chat(lambda m: "Base Camp" in m["text"], since=since)
        text = msg["text"]
        self.assertIn("!0badcafe", text)
        self.assertIn("87%", text)
        self.assertIn("Hilltop Router", text)
        self.assertIn("!43560564", text)


if __name__ == "__main__":
    unittest.main()
