"""No Telegram input chooses or alters an MQTT topic: whatever chat members type (texts,
names, ids with topic syntax), the bridge publishes only on its fixed topics."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness.base import BRIDGE_TOPIC, TgmeshTestCase  # noqa: E402
from tgmesh_harness.meshcrypto import DEFAULT_GATEWAY  # noqa: E402

PROBE_TOPIC = "msh/US/tgmesh/probe"
HOSTILE = ["#", "+", "msh/US/2/e/LongFast/#", "$SYS/broker/log", "../../x", "a/b/c/../+",
           "\u0000", "\u202e!7b000001", "/", "//", "\\", "%2F", "msh/US/2/json/mqtt/"]


class TopicSafetyTest(TgmeshTestCase):
    def test_hostile_texts_names_and_ids_only_reach_fixed_topics(self):
        everything = self.mqtt("spy", subscribe="#")
        self.teach_node(0x0BADCAFE, "msh/US/2/e/#", "#/+")
        last = None
        for text in HOSTILE:
            self.say("/send " + text + " tail", first_name=text)
            self.say("/send_to_node " + text + " hi", first_name=text)
            last = self.say(text + " plain", first_name=text)
        self.say('/send_to_node "msh/US/2/e/#" via name')
        self.say("/send_to_node #/+ via short name")
        last = self.say("/probe", first_name="#")
        self.wait_handled(last)
        time.sleep(1.0)
        topics = {m.topic for m in everything.messages()}
        # The NODEINFO uplink this test published as a gateway is not the bridge's.
        bridge_topics = topics - {"msh/US/2/e/LongFast/" + DEFAULT_GATEWAY}
        self.assertTrue(bridge_topics, "the bridge published nothing")
        self.assertLessEqual(bridge_topics, {BRIDGE_TOPIC, PROBE_TOPIC},
                             "unexpected topics: %s" % (bridge_topics - {BRIDGE_TOPIC, PROBE_TOPIC}))
        self.assertIn(PROBE_TOPIC, bridge_topics)


if __name__ == "__main__":
    unittest.main()
