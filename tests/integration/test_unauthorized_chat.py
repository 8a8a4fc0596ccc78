"""Updates from chats not in chat_ids cause no downlink and no reply (but /start, which tells
the chat its id, and an admin's private chat, where only the admin commands work:
test_first_hour)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness.base import ADMIN, CHAT, TgmeshTestCase  # noqa: E402

STRANGER_CHAT = -999


class UnauthorizedChatTest(TgmeshTestCase):
    def test_foreign_chats_are_ignored(self):
        listener = self.mesh_listener("msh/#")
        since = self.tg.request_count()
        self.say("/send x", chat_id=STRANGER_CHAT)
        self.say("plain text from outside", chat_id=STRANGER_CHAT)
        self.say("/probe", chat_id=STRANGER_CHAT)
        self.say("/nodes", chat_id=STRANGER_CHAT)
        self.say("/send from a private chat", chat_id=222, user_id=222, chat_type="private")
        # An admin's private chat is told that only the admin commands work there.
        self.say("/send from the admin's private chat", chat_id=ADMIN, chat_type="private")
        # Updates are handled in order: once this one is published the others were seen.
        self.say("/send control")
        self.wait_text_downlink(listener, "control")
        time.sleep(1)
        self.assertEqual(self.downlink_texts(self.text_downlinks(listener)), ["Alice: control"])
        self.assertEqual(listener.messages("msh/US/tgmesh/#"), [])
        self.assertEqual(listener.messages("msh/US/2/json/#"), [])
        foreign = [m for m in self.tg.sent_messages(since=since) if m["chat_id"] != CHAT]
        self.assertEqual([m["chat_id"] for m in foreign], [ADMIN])
        self.assertIn("only the admin commands work here", foreign[0]["text"])
        foreign_other = [r for r in self.tg.requests()[since:]
                         if r.method.startswith("send") and str(r.params.get("chat_id")) in (str(STRANGER_CHAT), "222")]
        self.assertEqual(foreign_other, [])

    def test_any_member_of_a_bridged_chat_may_send(self):
        listener = self.mesh_listener()
        self.say("/send from a member", user_id=222, first_name="Bob")
        _t, env = self.wait_text_downlink(listener)
        self.assertEqual(env["packet"]["decoded"]["text"], "Bob: from a member")


if __name__ == "__main__":
    unittest.main()
