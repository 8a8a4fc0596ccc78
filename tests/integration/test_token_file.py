"""bot_token_file: the first line of the file is the token, preferred over bot_token."""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness.base import BOT_TOKEN, TgmeshTestCase  # noqa: E402


class TokenFileTest(TgmeshTestCase):
    AUTO_START = False

    def token_file(self, content):
        d = tempfile.mkdtemp(prefix="tgmesh-token-")
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "token")
        with open(path, "w") as f:
            f.write(content)
        return path

    def assert_all_requests_use_the_token(self):
        reqs = self.tg.requests()
        self.assertTrue(reqs)
        self.assertEqual({r.token for r in reqs}, {BOT_TOKEN})

    def test_token_read_from_first_line(self):
        path = self.token_file(BOT_TOKEN + "\nsecond line is ignored\n")
        self.start_bridge(bot_token=None, bot_token_file=path)
        listener = self.mesh_listener()
        self.say("/send via file token")
        self.wait_text_downlink(listener, "via file token")
        self.assert_all_requests_use_the_token()

    def test_file_preferred_over_option(self):
        path = self.token_file(BOT_TOKEN + "\n")
        self.start_bridge(bot_token="999:WRONG-token", bot_token_file=path)
        self.assert_all_requests_use_the_token()


if __name__ == "__main__":
    unittest.main()
