"""/send_to_node <!id|name> <text>: a direct message to one node."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshpb  # noqa: E402
from tgmesh_harness.base import BRIDGE_TOPIC, NODE_NUM, TgmeshTestCase  # noqa: E402

BASECAMP = 0x0BADCAFE


class SendToNodeTest(TgmeshTestCase):
    def test_by_node_id(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        since = self.tg.request_count()
        self.say("/send_to_node !a1b2c3d4 hi")
        # The node's key is unknown, so the DM goes out with the channel key.
        topic, env = self.wait_text_downlink(listener, lambda e: e["packet"]["to"] == 0xA1B2C3D4)
        self.assertEqual(topic, BRIDGE_TOPIC)
        self.assertEqual(env["packet"]["from"], NODE_NUM)
        self.assertTrue(env["packet"]["decoded"]["text"].endswith("hi"), env["packet"]["decoded"]["text"])
        self.wait_chat(lambda m: "!a1b2c3d4" in m["text"], since=since)

    def test_by_long_name_after_nodeinfo(self):
        self.teach_node(BASECAMP, "Basecamp", "BC")
        listener = self.mesh_listener("msh/US/2/e/#")
        since = self.tg.request_count()
        self.say("/send_to_node Basecamp hi there")
        _topic, env = self.wait_text_downlink(listener, lambda e: e["packet"]["to"] == BASECAMP)
        self.assertTrue(env["packet"]["decoded"]["text"].endswith("hi there"), env["packet"]["decoded"]["text"])
        self.wait_chat(lambda m: "Basecamp" in m["text"] or "!0badcafe" in m["text"], since=since)

    def test_by_quoted_long_name_with_spaces(self):
        # A name with spaces is quoted to separate it from the text (README).
        self.teach_node(BASECAMP, "Base Camp", "BC")
        listener = self.mesh_listener("msh/US/2/e/#")
        self.say('/send_to_node "Base Camp" hi there')
        _topic, env = self.wait_text_downlink(listener, lambda e: e["packet"]["to"] == BASECAMP)
        self.assertTrue(env["packet"]["decoded"]["text"].endswith("hi there"), env["packet"]["decoded"]["text"])

    def test_unknown_name_is_refused(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        since = self.tg.request_count()
        uid = self.say("/send_to_node Nobody hi")
        self.wait_chat(since=since)
        self.wait_handled(uid)
        self.assertEqual(self.text_downlinks(listener), [])

    def test_no_broadcast_for_a_direct_message(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        self.say("/send_to_node !a1b2c3d4 only you")
        self.wait_text_downlink(listener, lambda e: e["packet"]["to"] == 0xA1B2C3D4)
        self.say("/send marker")
        self.wait_text_downlink(listener, "marker")
        texts = [(e["packet"]["to"], e["packet"]["decoded"]["text"]) for _t, e in self.text_downlinks(listener)]
        self.assertFalse([t for to, t in texts if to == meshpb.BROADCAST and "only you" in t], texts)


if __name__ == "__main__":
    unittest.main()
