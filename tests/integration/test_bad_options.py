"""Invalid option values make the broker refuse to start, naming the option."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness.base import TgmeshTestCase  # noqa: E402

# (overrides, option keys of which at least one must appear in the output)
BAD_OPTIONS = [
    ({"downlink": "carrier-pigeon"}, ["downlink"]),
    ({"node_id": "!xyz"}, ["node_id"]),
    ({"chat_ids": "abc"}, ["chat_ids"]),
    ({"admin_ids": "bob"}, ["admin_ids"]),
    ({"channel_keys": "LongFast=###"}, ["channel_keys"]),
    ({"channel_keys": "LongFast=simple11"}, ["channel_keys"]),
    ({"channel_keys": "LongFast=0x" + "ab" * 33}, ["channel_keys", "33 bytes"]),  # PSKs have at most 32
    ({"hop_limit": "9"}, ["hop_limit"]),
    ({"hop_limit": "0"}, ["hop_limit"]),
    ({"max_text_bytes": "0"}, ["max_text_bytes"]),
    ({"max_text_bytes": "229"}, ["max_text_bytes"]),
    ({"mesh_interval": "-1"}, ["mesh_interval"]),
    ({"topic_root": "msh/#"}, ["topic_root"]),
    ({"topic_root": "msh/+/x"}, ["topic_root"]),
    ({"node_short_name": "ABCDE"}, ["node_short_name"]),
    ({"chat_to_mesh": "maybe"}, ["chat_to_mesh"]),
    ({"language": "xx"}, ["language"]),
    ({"user_rate": "1001"}, ["user_rate"]),
    ({"wake_broker": "sometimes"}, ["wake_broker"]),
    ({"bot_token": None, "bot_token_file": "/nonexistent/tgmesh-token"}, ["bot_token_file"]),
    ({"downlink": "json"}, ["gateway_id", "downlink"]),  # json mode needs gateway_id
    ({"downlink": "json", "gateway_id": "!67ea94"}, ["gateway_id"]),
]

START_FAILURE_SECONDS = 5


class BadOptionsTest(TgmeshTestCase):
    AUTO_START = False

    def test_each_bad_option_stops_the_broker(self):
        for overrides, keys in BAD_OPTIONS:
            with self.subTest(**{k: str(v) for k, v in overrides.items()}):
                t0 = time.monotonic()
                broker = self.start_expecting_failure(timeout=START_FAILURE_SECONDS + 5, **overrides)
                elapsed = time.monotonic() - t0
                if broker.running:
                    broker.kill()
                    self.fail("the broker started despite %r" % overrides)
                self.assertNotEqual(broker.returncode, 0)
                self.assertLess(elapsed, START_FAILURE_SECONDS)
                output = broker.output_text()
                self.assertTrue(any(k in output for k in keys),
                                "none of %s named in the output:\n%s" % (keys, output[-3000:]))

    def test_valid_options_start(self):
        # Control: the same defaults without the bad value do start.
        broker = self.start_bridge()
        self.assertTrue(broker.running)


if __name__ == "__main__":
    unittest.main()
