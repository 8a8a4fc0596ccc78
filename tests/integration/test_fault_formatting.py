"""Security checks: names and texts with HTML and Markdown characters (<, &, _, *), RTL
marks, zero-width characters and emoji arrive intact - in the chat as a reader sees them
(the fake Bot API parses every message's HTML strictly, like Telegram) and on the mesh as
typed - and never break the message formatting.  Node names are stored as firmware bounds
them (long name 39 bytes, short name 4, cut at a character boundary) and without Unicode
direction controls or control characters (a U+202E in a name would reverse the rest of its
line in the chat); texts keep every character.  Oversized names and texts (not possible over
LoRa, possible over MQTT) still arrive, cut, rather than being refused by Telegram; a gateway
id that is not a node id is not a gateway's envelope and is dropped."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402
from tgmesh_harness.base import CHAT  # noqa: E402
from tgmesh_harness.faults import GATEWAY, FaultTestCase  # noqa: E402
from tgmesh_harness.telegram_html import MAX_MESSAGE_UTF16, parse_html, utf16_len  # noqa: E402

RLM, RLO, PDF, LRI, PDI = "\u200f", "\u202e", "\u202c", "\u2066", "\u2069"
ZWSP, ZWJ, ZWNJ, WJ, BOM = "\u200b", "\u200d", "\u200c", "\u2060", "\ufeff"

# (long name <= 39 bytes, short name, text <= 233 bytes)
NASTY = [
    ("<b>Bold</b> & Co", "<i>", "if a < b && c > d then <script>alert(1)</script> &amp; &lt; &#65;"),
    ("snake_case *star*", "_*_", "_italic_ *bold* __under__ ~~strike~~ `code` ```pre``` [link](http://x) ||spoiler||"),
    (RLM + "שלום" + RLO + "evil" + PDF, RLO + "TG", RLO + "txet desrever" + PDF + " " + LRI + "isolated" + PDI + RLM),
    ("zero" + ZWSP + "width" + ZWJ + "name" + BOM, ZWNJ + "Z" + WJ, "a" + ZWSP + "b" + ZWJ + "c" + ZWNJ + "d" + WJ + "e" + BOM),
    ("Émoji 😀👍🏽", "👨‍👩", "family 👨‍👩‍👧‍👦 flag 🇺🇦 skin 👍🏿 keycap 1️⃣ vs16 ❤️ cat 🐈‍⬛"),
    ("\"quotes\" 'single'", "\"'", "quotes \" ' ` and backslash \\ and percent %s %d {name}"),
    ("</b></code></i>", "</a>", "</code></b></i><a href=\"tg://user?id=1\">x</a><tg-spoiler>s</tg-spoiler>"),
    ("Tab\tNew", "⚡", "line one\nline two\n\nline four\ttabbed"),
]


DIRECTION_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def stored_name(name, max_bytes):
    """A node name as tgmesh stores it: no direction or control characters, at most
    `max_bytes` bytes of UTF-8 cut at a character boundary (firmware's User bounds)."""
    kept = "".join(c for c in name if c not in DIRECTION_CONTROLS and ord(c) >= 0x20 and c != "\x7f")
    return kept.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


class FormattingTest(FaultTestCase):

    def node_num(self, i):
        return 0x5E000000 + i

    def test_hostile_names_and_texts_reach_the_chat_intact(self):
        """A node with names full of <, &, _, *, RTL marks, zero-width and emoji sends such
        texts.  Chat: every message parses as Telegram HTML, and the reader sees exactly the
        name, the short name and the text that were sent."""
        for i, (long_name, short_name, _text) in enumerate(NASTY):
            self.teach_node(self.node_num(i), long_name, short_name, settle=0)
        time.sleep(0.3)
        for i, (_l, _s, text) in enumerate(NASTY):
            self.mesh_text(text, sender=self.node_num(i))
        for i, (long_name, short_name, text) in enumerate(NASTY):
            with self.subTest(case=i):
                post = self.wait_chat(lambda m, n=i: meshpb.node_id(self.node_num(n)) in (m["visible"] or ""),
                                      timeout=30)
                visible = post["visible"]
                self.assertEqual(visible, parse_html(post["text"]))
                header, body = visible.split("\n", 1)
                self.assertIn(stored_name(long_name, 39), header)
                self.assertIn("(%s)" % stored_name(short_name, 4), header)
                self.assertFalse(DIRECTION_CONTROLS & set(header), "a direction control in %r" % header)
                self.assertTrue(body.startswith(text + "\n"), "text changed: %r != %r" % (body, text))

    def test_hostile_text_and_author_reach_the_mesh_as_typed(self):
        """A chat member whose name is full of markup writes such texts with /send and as a
        plain message.  Mesh: the text arrives exactly as typed, prefixed with the name (cut
        to 24 bytes at a character boundary); chat: the replies parse as Telegram HTML."""
        listener = self.mesh_listener()
        names = ["<Zoë & 'Bob'>", "_*Ann*_", RLO + "Eve" + PDF, "😀" * 10, "a" + ZWJ + "b"]
        for i, (name, (_l, _s, text)) in enumerate(zip(names * 2, NASTY)):
            with self.subTest(case=i):
                text = text.replace("\n", " ")  # one line: a chat message as a mesh text
                command = "/send " + text if i % 2 == 0 else text
                self.say(command, first_name=name)
                _topic, env = self.wait_text_downlink(listener, lambda e, t=text: (e["packet"]["decoded"].get("text")
                                                                                   or "").endswith(t), timeout=15)
                mesh_text = mc.envelope_text(env)  # strict UTF-8
                cut = name.encode("utf-8")[:24].decode("utf-8", "ignore")
                self.assertTrue(name.encode("utf-8").startswith(cut.encode("utf-8")))
                self.assertEqual(mesh_text, "%s: %s" % (cut, text))

    def test_node_list_and_direct_message_replies_keep_names_intact(self):
        """/nodes lists nodes with hostile names; /send_to_node addresses one by its id.
        Chat: each name appears exactly as announced; every reply parses."""
        listener = self.mesh_listener()
        for i, (long_name, short_name, _t) in enumerate(NASTY):
            self.teach_node(self.node_num(i), long_name, short_name, settle=0)
        time.sleep(0.5)
        since = self.tg.request_count()
        self.say("/nodes")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            listing = "\n".join(m["visible"] for m in self.tg.sent_messages(CHAT, since))
            if all(meshpb.node_id(self.node_num(i)) in listing for i in range(len(NASTY))):
                break
            time.sleep(0.1)
        for i, (long_name, short_name, _t) in enumerate(NASTY):
            line = [ln for ln in listing.split("\n") if meshpb.node_id(self.node_num(i)) in ln]
            self.assertTrue(line, "node %d missing from /nodes:\n%s" % (i, listing))
            self.assertIn(stored_name(long_name, 39), line[0])
        target = self.node_num(2)
        since = self.tg.request_count()
        self.say("/send_to_node %s hello %s" % (meshpb.node_id(target), RLO))
        _t, env = self.wait_text_downlink(listener, lambda e: e["packet"].get("to") == target)
        self.assertEqual(mc.envelope_text(env), "Alice: hello " + RLO)
        reply = self.wait_chat(lambda m: meshpb.node_id(target) in m["visible"], since=since)
        self.assertIn(stored_name(NASTY[2][0], 39), reply["visible"])

    def test_invalid_names_do_not_break_a_json_uplink_either(self):
        """The same hostile texts via the legacy JSON uplink (firmware <= 2.7) arrive intact."""
        for i, (_l, _s, text) in enumerate(NASTY[:4]):
            self.uplink_json({"channel": 0, "from": self.node_num(40 + i), "id": mc.random_packet_id(),
                              "payload": {"text": text}, "sender": GATEWAY, "to": 4294967295, "type": "text",
                              "timestamp": int(time.time())}, gateway=GATEWAY)
        for i, (_l, _s, text) in enumerate(NASTY[:4]):
            post = self.wait_chat(lambda m, n=i: meshpb.node_id(self.node_num(40 + n)) in (m["visible"] or ""))
            self.assertIn("\n" + text + "\n", post["visible"])

    def test_oversized_name_text_and_gateway_still_arrive(self):
        """Over MQTT anyone can announce a 5000-byte name, send a 10000-byte text or claim a
        5000-byte gateway id (LoRa allows 39, 233 and 9).  Chat: the name is cut to 39 bytes,
        the text still arrives - cut, valid, within Telegram's 4096 characters - instead of being
        refused by Telegram and lost; the envelope with the huge gateway id is dropped as
        malformed (gateways name themselves by node id)."""
        big = 0x5EB16000
        self.teach_node(big, "N" * 5000, "S" * 3000)
        self.mesh_text("from a node with a huge name", sender=big)
        self.mesh_text("T" * 10000 + " huge text end")
        env = mc.make_encrypted_text_envelope(0x5EB16001, meshpb.BROADCAST, mc.random_packet_id(),
                                              "via a huge gateway id", gateway="!" + "g" * 5000)
        self.uplink(env, GATEWAY)
        for fragment, node in (("from a node with a huge name", big), ("TTTTTTTTTT", None)):
            post = self.wait_posts(fragment, timeout=15)[0]
            self.assertLessEqual(utf16_len(post["visible"]), MAX_MESSAGE_UTF16)
            if node:
                self.assertIn("N" * 39 + " (SSSS)", post["visible"])
                self.assertNotIn("N" * 40, post["visible"])
        self.wait_log(r"dropped \(malformed\)")
        self.assertEqual(self.posts("via a huge gateway id"), [])
        self.assertEqual(self.tg.rejected_messages(), [])


if __name__ == "__main__":
    unittest.main()
