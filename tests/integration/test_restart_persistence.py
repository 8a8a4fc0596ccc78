"""State survives a restart: known nodes, the Telegram offset (no update handled twice), the node id."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc  # noqa: E402
from tgmesh_harness.base import TgmeshTestCase, options  # noqa: E402

BASECAMP = 0x0BADCAFE


class RestartPersistenceTest(TgmeshTestCase):
    def restart_with_polls_held(self):
        """Restarts the broker with getUpdates held until a new listener is subscribed,
        so nothing the plugin does at start-up can be missed.  Returns (listener, first poll)."""
        # As if the last confirming poll had been lost: a wrong offset would get old updates again.
        self.tg.forget_confirmations()
        self.tg.hold("getUpdates")
        since = self.restart_bridge(wait_poll=False)
        listener = self.mesh_listener()
        poll = self.tg.wait_for_request("getUpdates", since=since, timeout=10)
        self.assertIsNotNone(poll, "no getUpdates after restart")
        self.tg.release("getUpdates")
        return listener, poll

    def test_nodes_and_offset_survive_restart(self):
        self.teach_node(BASECAMP, "Basecamp", "BC")
        self.uplink(mc.make_position_envelope(BASECAMP, 457572352, 52035584, altitude=216))
        self.uplink(mc.make_telemetry_envelope(BASECAMP, battery_level=87, voltage=3.9))
        listener = self.mesh_listener()
        last_uid = self.say("/send first run")
        self.wait_text_downlink(listener, "first run")
        time.sleep(0.3)

        listener, poll = self.restart_with_polls_held()
        self.assertEqual(int(poll.params.get("offset", 0)), last_uid + 1,
                         "first getUpdates after restart must continue after the last handled update")

        since = self.tg.request_count()
        self.say("/nodes")
        self.wait_chat(lambda m: "Basecamp" in m["text"] or "!0badcafe" in m["text"], since=since)
        self.say("/send second run")
        self.wait_text_downlink(listener, "second run")
        time.sleep(0.5)
        texts = self.downlink_texts(self.text_downlinks(listener))
        self.assertNotIn("Alice: first run", texts, "an update was handled twice")

    @options(node_id=None)
    def test_generated_node_id_is_kept(self):
        listener = self.mesh_listener()
        self.say("/send who am i")
        _t, env = self.wait_text_downlink(listener, "who am i", bridge_id=None)
        first_id = env["gateway_id"]
        self.assertRegex(first_id, re.compile(r"^![0-9a-f]{8}$"))

        listener, _poll = self.restart_with_polls_held()
        self.say("/send still me")
        _t, env = self.wait_text_downlink(listener, "still me", bridge_id=None)
        self.assertEqual(env["gateway_id"], first_id)
        self.assertEqual(env["packet"]["from"], int(first_id[1:], 16))


if __name__ == "__main__":
    unittest.main()
