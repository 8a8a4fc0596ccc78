"""Plain (non-command) chat messages go to the mesh as broadcasts unless chat_to_mesh is off."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshpb  # noqa: E402
from tgmesh_harness.base import TgmeshTestCase, options  # noqa: E402


class ChatToMeshTest(TgmeshTestCase):
    def test_plain_text_is_broadcast(self):
        listener = self.mesh_listener()
        self.say("good morning mesh")
        _topic, env = self.wait_text_downlink(listener)
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)
        self.assertEqual(env["packet"]["decoded"]["text"], "Alice: good morning mesh")

    @options(chat_to_mesh="off")
    def test_off_keeps_plain_text_in_the_chat(self):
        listener = self.mesh_listener()
        self.say("just chatting")
        self.say("/send marker")  # handled after the plain text: its downlink proves the text was seen
        self.wait_text_downlink(listener, "marker")
        texts = self.downlink_texts(self.text_downlinks(listener))
        self.assertEqual(texts, ["Alice: marker"])


if __name__ == "__main__":
    unittest.main()
