"""/node <!id|name>: everything known about one node (names, hardware, role, last heard, hops
and SNR per gateway, battery, voltage, position age) and, when its position is known, a
sendLocation pin (latitude_i/longitude_i x 1e-7) with horizontal_accuracy from precision_bits.
/nodes: sorted by last heard, 15 per page with ◀ ▶ buttons (callback "v:<view>:<page>", the page
shown by editMessageText), and a filter (/nodes base)."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc  # noqa: E402
from tgmesh_harness.base import CHAT, TgmeshTestCase  # noqa: E402
from tgmesh_harness.chatflow import (ChatFlowChecks, button, buttons, fixed_text, inline_rows,  # noqa: E402
                                     message_id_of, press, reply_target, text_re)

BASE = 0x0BADCAFE
GW1 = "!a1b2c3d4"
GW2 = "!a1b2c3d5"
LAT_I, LON_I = 457572352, 52035584
NODE_ID_RE = re.compile(r"!([0-9a-f]{8})")
PREV = fixed_text("en", "button_prev")
NEXT = fixed_text("en", "button_next")


def T(key, **values):
    return text_re("en", key, **values)


def node_ids(text):
    return [int(x, 16) for x in NODE_ID_RE.findall(text)]


def line_with(text, needle):
    for line in text.split("\n"):
        if needle in line:
            return line
    return ""


class NodeDetailsTest(ChatFlowChecks, TgmeshTestCase):
    def learn_base(self, precision_bits=16, position=True):
        self.uplink(mc.make_nodeinfo_envelope(BASE, "Base Camp", "BC", hw_model=43, role=2, gateway=GW1,
                                              hop_start=3, hop_limit=1, rx_snr=5.5), GW1)
        self.uplink(mc.make_telemetry_envelope(BASE, battery_level=87, voltage=3.9, gateway=GW1,
                                               hop_start=3, hop_limit=1, rx_snr=5.5), GW1)
        if position:
            self.uplink(mc.make_position_envelope(BASE, LAT_I, LON_I, altitude=310, precision_bits=precision_bits,
                                                  gateway=GW1, hop_start=3, hop_limit=1, rx_snr=5.5), GW1)
        # The same node heard directly by a second gateway.
        self.uplink(mc.make_nodeinfo_envelope(BASE, "Base Camp", "BC", hw_model=43, role=2, gateway=GW2,
                                              hop_start=3, hop_limit=3, rx_snr=-2.0), GW2)
        time.sleep(0.5)

    def node_reply(self, query):
        since = self.tg.request_count()
        uid = self.say("/node " + query)
        msg = self.wait_chat(since=since)
        return msg, uid, since

    def test_details_of_a_node(self):
        self.learn_base()
        msg, uid, _since = self.node_reply("!0badcafe")
        text = msg["text"]
        self.assertEqual(reply_target(msg["params"]), message_id_of(self.tg, uid))
        for needle in ("Base Camp", "BC", "!0badcafe", fixed_text("en", "node_heard_via")):
            self.assertIn(needle, text)
        self.assertRegex(text, T("node_hardware", hw="HELTEC_V3 (43)"))
        self.assertRegex(text, T("node_role", role="ROUTER (2)"))
        self.assertRegex(text, T("node_last_heard"))
        self.assertRegex(text, T("node_battery", percent=87))
        self.assertRegex(text, T("node_voltage", volts="3.90"))
        self.assertNotIn(fixed_text("en", "node_no_position"), text)
        position = re.search(T("node_position"), text)
        self.assertIsNotNone(position, text)
        self.assertRegex(line_with(text, position.group(0)), T("seconds_ago"))
        gw1 = line_with(text, GW1)
        self.assertRegex(gw1, T("hops_count", n=2))
        self.assertIn("SNR 5.5 dB", gw1)
        gw2 = line_with(text, GW2)
        self.assertIn(fixed_text("en", "hops_direct"), gw2)
        self.assertIn("SNR -2.0 dB", gw2)

    def test_location_pin_with_accuracy_from_precision_bits(self):
        self.learn_base(precision_bits=16)
        msg, uid, since = self.node_reply("!0badcafe")
        loc = self.tg.wait_for_request("sendLocation", since=since)
        self.assertIsNotNone(loc, "no sendLocation for a node with a position")
        p = loc.params
        self.assertEqual(int(p["chat_id"]), CHAT)
        self.assertAlmostEqual(float(p["latitude"]), LAT_I * 1e-7, places=6)
        self.assertAlmostEqual(float(p["longitude"]), LON_I * 1e-7, places=6)
        # 16 bits keep cells of 2^16 x 1e-7 degrees: the point is within ~365 m of the truth.
        self.assertIn("horizontal_accuracy", p)
        self.assertGreaterEqual(float(p["horizontal_accuracy"]), 300)
        self.assertLessEqual(float(p["horizontal_accuracy"]), 750)
        self.assertEqual(reply_target(p), message_id_of(self.tg, uid))

    def test_coarse_position_accuracy_stays_within_telegram_limit(self):
        self.learn_base(precision_bits=11)  # ~11.7 km cells
        _msg, _uid, since = self.node_reply("!0badcafe")
        loc = self.tg.wait_for_request("sendLocation", since=since)
        self.assertIsNotNone(loc)
        acc = float(loc.params.get("horizontal_accuracy", 0))
        self.assertGreater(acc, 0)
        self.assertLessEqual(acc, 1500)

    def test_by_long_and_short_name(self):
        self.learn_base()
        msg, _uid, _since = self.node_reply("Base Camp")
        self.assertIn("!0badcafe", msg["text"])
        self.assertIn("HELTEC_V3", msg["text"])
        msg, _uid, _since = self.node_reply("BC")
        self.assertIn("!0badcafe", msg["text"])
        self.assertRegex(msg["text"], T("node_battery", percent=87))

    def test_without_position_there_is_no_pin(self):
        self.learn_base(position=False)
        msg, uid, since = self.node_reply("!0badcafe")
        self.assertIn(fixed_text("en", "node_no_position"), msg["text"])
        self.wait_handled(uid)
        self.assertEqual([r for r in self.tg.requests("sendLocation")], [])

    def test_unknown_name_and_unheard_id(self):
        msg, uid, _since = self.node_reply("Nobody")
        self.assertRegex(msg["text"], T("node_not_found", query="Nobody"))
        msg, uid, _since = self.node_reply("!12345678")
        self.assertIn("!12345678", msg["text"])
        self.wait_handled(uid)
        self.assertEqual(self.tg.requests("sendLocation"), [])

    def test_usage_without_argument(self):
        msg, _uid, _since = self.node_reply("")
        self.assertEqual(msg["text"], fixed_text("en", "usage_node"))


class NodesPagingTest(ChatFlowChecks, TgmeshTestCase):
    def test_fifteen_per_page_with_buttons(self):
        nums = [0x0E000001 + i for i in range(20)]
        for i, num in enumerate(nums):
            self.uplink(mc.make_nodeinfo_envelope(num, "Peak %02d" % i, "P%02d" % i))
        time.sleep(0.6)
        since = self.tg.request_count()
        self.say("/nodes")
        first = self.wait_chat(lambda m: "Peak" in m["text"], since=since)
        self.assertRegex(first["text"], T("nodes_header", n=20))
        self.assertRegex(first["text"], T("page", page=1, pages=2))
        page1 = node_ids(first["text"])
        self.assertEqual(len(page1), 15, first["text"])
        self.assertIsNone(button(first["params"], PREV))
        nxt = button(first["params"], NEXT)
        self.assertIsNotNone(nxt, buttons(first["params"]))
        self.assertRegex(nxt["callback_data"], r"^v:\d+:1$")

        since = self.tg.request_count()
        _uid, qid = press(self.tg, CHAT, nxt["callback_data"], message_id=first["message_id"])
        self.wait_answer(qid)
        edit = self.wait_edit(first["message_id"], lambda p: re.search(T("page", page=2, pages=2), p["text"]),
                              since=since)
        self.assertRegex(edit.params["text"], T("nodes_header", n=20))
        page2 = node_ids(edit.params["text"])
        self.assertEqual(len(page2), 5, edit.params["text"])
        self.assertFalse(set(page1) & set(page2))
        self.assertEqual(set(page1) | set(page2), set(nums))
        prev = button(edit.params, PREV)
        self.assertIsNotNone(prev, buttons(edit.params))
        self.assertRegex(prev["callback_data"], r"^v:\d+:0$")
        self.assertIsNone(button(edit.params, NEXT))

        since = self.tg.request_count()
        _uid, qid = press(self.tg, CHAT, prev["callback_data"], message_id=first["message_id"])
        self.wait_answer(qid)
        back = self.wait_edit(first["message_id"], lambda p: re.search(T("page", page=1, pages=2), p["text"]),
                              since=since)
        self.assertEqual(node_ids(back.params["text"]), page1)

    def test_a_short_list_has_no_buttons(self):
        self.uplink(mc.make_nodeinfo_envelope(BASE, "Base Camp", "BC"))
        time.sleep(0.3)
        since = self.tg.request_count()
        self.say("/nodes")
        msg = self.wait_chat("Base Camp", since=since)
        self.assertEqual(inline_rows(msg["params"]), [])

    def test_filter(self):
        self.uplink(mc.make_nodeinfo_envelope(BASE, "Base Camp", "BC"))
        self.uplink(mc.make_nodeinfo_envelope(0x0BA5E000, "Basement", "BM"))
        self.uplink(mc.make_nodeinfo_envelope(0x0C0FFEE1, "Hilltop", "HT"))
        self.uplink(mc.make_nodeinfo_envelope(0x0D00D001, "Lakeside", "BASE"))  # short name matches
        time.sleep(0.5)
        since = self.tg.request_count()
        self.say("/nodes base")
        msg = self.wait_chat(since=since)
        text = msg["text"]
        self.assertRegex(text, T("nodes_matching", filter="base", n=3))
        self.assertEqual(set(node_ids(text)), {BASE, 0x0BA5E000, 0x0D00D001})
        self.assertNotIn("Hilltop", text)
        since = self.tg.request_count()
        self.say("/nodes nothing-like-this")
        msg = self.wait_chat(since=since)
        self.assertEqual(node_ids(msg["text"]), [])
        self.assertRegex(msg["text"], T("nodes_matching", filter="nothing-like-this", n=0))

    def test_filter_text_is_escaped(self):
        self.uplink(mc.make_nodeinfo_envelope(BASE, "R&D <lab>", "RD"))
        time.sleep(0.3)
        since = self.tg.request_count()
        self.say("/nodes <lab>")
        msg = self.wait_chat(since=since)
        self.assertRegex(msg["text"], T("nodes_matching", filter="&lt;lab&gt;", n=1))
        self.assertEqual(node_ids(msg["text"]), [BASE])
        self.assertIn("R&D <lab>", msg["visible"])
        since = self.tg.request_count()
        self.say("/node R&D <lab>")
        msg = self.wait_chat(since=since)
        self.assertIn("R&amp;D &lt;lab&gt;", msg["text"])

    def test_sorted_by_last_heard(self):
        first, second, third = 0x01000003, 0x01000002, 0x01000001
        self.uplink(mc.make_nodeinfo_envelope(first, "Heard First", "H1"))
        time.sleep(1.1)
        self.uplink(mc.make_nodeinfo_envelope(second, "Heard Second", "H2"))
        time.sleep(1.1)
        self.uplink(mc.make_nodeinfo_envelope(third, "Heard Third", "H3"))
        time.sleep(0.4)
        since = self.tg.request_count()
        self.say("/nodes")
        msg = self.wait_chat("Heard First", since=since)
        self.assertEqual(node_ids(msg["text"]), [third, second, first])

    def test_stale_page_button_is_answered(self):
        self.uplink(mc.make_nodeinfo_envelope(BASE, "Base Camp", "BC"))
        time.sleep(0.3)
        since = self.tg.request_count()
        _uid, qid = press(self.tg, CHAT, "v:987654:1", message_id=5)
        answer = self.wait_answer(qid)
        self.assertEqual(answer.params.get("text", ""), fixed_text("en", "callback_expired"))
        _uid, qid = press(self.tg, CHAT, "v:1:notanumber", message_id=5)
        self.wait_answer(qid)
        time.sleep(1)
        self.assertEqual(self.tg.requests("editMessageText"), [])
        self.assertEqual(self.tg.sent_messages(since=since), [])


if __name__ == "__main__":
    unittest.main()
