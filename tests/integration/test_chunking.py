"""Texts longer than max_text_bytes are split at UTF-8 boundaries into numbered parts, at most 5."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness.base import TgmeshTestCase  # noqa: E402

# 50 Cyrillic letters = 100 UTF-8 bytes, no spaces (so no splitter may drop any character).
TEXT_100_BYTES = "ПриветМирЁжикЩукаЭхоЮлаЯкорьЦапляЧайШарФлагЖукДомЫ"
PART_RE = re.compile(r"^\((\d+)/(\d+)\) ")
MAX_BYTES = 40


class ChunkingTest(TgmeshTestCase):
    OPTIONS = {"max_text_bytes": str(MAX_BYTES)}

    def test_long_text_is_split_into_numbered_parts(self):
        self.assertEqual(len(TEXT_100_BYTES.encode("utf-8")), 100)
        listener = self.mesh_listener()
        self.say("/send " + TEXT_100_BYTES)
        _t, first = self.wait_text_downlink(listener)
        m = PART_RE.match(first["packet"]["decoded"]["payload"].decode("utf-8"))
        self.assertIsNotNone(m, "first part lacks '(1/N) ': %r" % first["packet"]["decoded"]["payload"])
        total = int(m.group(2))
        self.assertTrue(2 <= total <= 5, total)
        envs = [first] + [self.wait_text_downlink(listener)[1] for _ in range(total - 1)]
        time.sleep(1)
        self.assertEqual(len(self.text_downlinks(listener)), total, "more parts than announced")

        pieces = []
        for k, env in enumerate(envs, 1):
            raw = env["packet"]["decoded"]["payload"]
            self.assertLessEqual(len(raw), MAX_BYTES, raw)
            text = raw.decode("utf-8")  # each part alone must be valid UTF-8
            self.assertTrue(text.startswith("(%d/%d) " % (k, total)), text)
            body = text[len("(%d/%d) " % (k, total)):]
            if body.startswith("Alice: "):  # the prefix may lead the first part or every part
                body = body[len("Alice: "):]
            pieces.append(body)
        self.assertEqual("".join(pieces), TEXT_100_BYTES)
        self.assertEqual(len({env["packet"]["id"] for env in envs}), total, "parts must have distinct ids")

    def test_text_needing_more_than_five_parts_is_refused(self):
        listener = self.mesh_listener()
        since = self.tg.request_count()
        uid = self.say("/send " + TEXT_100_BYTES * 2 + TEXT_100_BYTES[:25])  # 250 bytes
        self.wait_chat(since=since)
        self.wait_handled(uid)
        self.assertEqual(self.text_downlinks(listener), [])

    def test_short_text_is_not_numbered(self):
        listener = self.mesh_listener()
        self.say("/send кот")
        _t, env = self.wait_text_downlink(listener)
        self.assertEqual(env["packet"]["decoded"]["text"], "Alice: кот")


if __name__ == "__main__":
    unittest.main()
