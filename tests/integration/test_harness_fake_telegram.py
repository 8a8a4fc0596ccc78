"""Self-tests of the fake Bot API: routing, long poll, offsets, recording, faults."""
import json
import os
import sys
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness.fake_telegram import DEFAULT_TOKEN, FakeTelegram, api_error  # noqa: E402


class FakeTelegramTest(unittest.TestCase):
    def setUp(self):
        self.tg = FakeTelegram().start()
        self.addCleanup(self.tg.close)

    def call(self, method, params=None, token=DEFAULT_TOKEN, form=False, timeout=10):
        url = "%s/bot%s/%s" % (self.tg.url, token, method)
        if form:
            data = urllib.parse.urlencode(params or {}).encode()
            req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"})
        else:
            req = urllib.request.Request(url, data=json.dumps(params or {}).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def test_get_me(self):
        status, body = self.call("getMe")
        self.assertEqual(status, 200)
        self.assertEqual(body["result"]["username"], "tgmesh_test_bot")

    def test_wrong_token_and_unknown_method(self):
        self.assertEqual(self.call("getMe", token="1:wrong"), (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}))
        status, body = self.call("noSuchMethod")
        self.assertEqual((status, body["error_code"]), (404, 404))
        self.assertEqual(self.tg.requests("getMe")[0].token, "1:wrong")

    def test_long_poll_returns_when_an_update_is_injected(self):
        threading.Timer(0.3, lambda: self.tg.inject_message(-1001, "/send hi")).start()
        t0 = time.monotonic()
        status, body = self.call("getUpdates", {"offset": 0, "timeout": 5})
        self.assertLess(time.monotonic() - t0, 3)
        upd = body["result"][0]
        self.assertEqual(upd["update_id"], 1000)
        msg = upd["message"]
        self.assertEqual((msg["chat"]["id"], msg["text"], msg["from"]["id"]), (-1001, "/send hi", 111))
        self.assertEqual(msg["entities"], [{"offset": 0, "length": 5, "type": "bot_command"}])

    def test_long_poll_times_out_empty(self):
        t0 = time.monotonic()
        status, body = self.call("getUpdates", {"offset": 0, "timeout": 1})
        self.assertEqual(body, {"ok": True, "result": []})
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)

    def test_offset_confirms_and_limit(self):
        ids = [self.tg.inject_message(-1001, "m%d" % i) for i in range(3)]
        self.assertEqual(ids, [1000, 1001, 1002])
        _, body = self.call("getUpdates", {"offset": 0, "limit": 2, "timeout": 0})
        self.assertEqual([u["update_id"] for u in body["result"]], [1000, 1001])
        _, body = self.call("getUpdates", {"offset": 1002, "timeout": 0}, form=True)  # form-encoded
        self.assertEqual([u["update_id"] for u in body["result"]], [1002])
        self.assertEqual(self.tg.confirmed_offset, 1002)
        self.assertTrue(self.tg.wait_confirmed(1001, timeout=0.1))
        self.assertFalse(self.tg.wait_confirmed(1002, timeout=0.1))
        self.assertEqual(self.tg.requests("getUpdates")[1].params["offset"], 1002)
        # Confirmed updates are gone, as on Telegram, even when asked with a lower offset...
        _, body = self.call("getUpdates", {"offset": 0, "timeout": 0})
        self.assertEqual([u["update_id"] for u in body["result"]], [1002])
        # ...unless the confirmation is "lost".
        self.tg.forget_confirmations()
        _, body = self.call("getUpdates", {"offset": 0, "timeout": 0})
        self.assertEqual([u["update_id"] for u in body["result"]], [1000, 1001, 1002])

    def test_query_string_and_allowed_updates_json(self):
        url = "%s/bot%s/getUpdates?offset=5&timeout=0&allowed_updates=%s" % (
            self.tg.url, DEFAULT_TOKEN, urllib.parse.quote('["message","callback_query"]'))
        with urllib.request.urlopen(url, timeout=5) as resp:
            self.assertEqual(json.loads(resp.read())["result"], [])
        self.assertEqual(self.tg.requests("getUpdates")[0].params["allowed_updates"], ["message", "callback_query"])

    def test_close_wakes_a_blocked_poll(self):
        result = {}
        t = threading.Thread(target=lambda: result.setdefault("r", self.call("getUpdates", {"timeout": 30})))
        t.start()
        self.assertIsNotNone(self.tg.wait_for_poll(timeout=5))
        t0 = time.monotonic()
        self.tg.close()
        t.join(5)
        self.assertFalse(t.is_alive())
        self.assertLess(time.monotonic() - t0, 3)

    def test_send_message_recorded(self):
        _, body = self.call("sendMessage", {"chat_id": "-1001", "text": "a &lt; b", "parse_mode": "HTML"})
        _, body2 = self.call("sendMessage", {"chat_id": 42, "text": "x"}, form=True)
        self.assertEqual(body["result"]["chat"]["id"], -1001)
        self.assertEqual(body2["result"]["message_id"], body["result"]["message_id"] + 1)
        sent = self.tg.sent_messages(-1001)
        self.assertEqual(len(sent), 1)
        self.assertEqual((sent[0]["text"], sent[0]["parse_mode"]), ("a &lt; b", "HTML"))
        self.assertEqual(self.tg.wait_for_message(42, timeout=1)["text"], "x")
        for m in ("editMessageText", "setMessageReaction", "answerCallbackQuery", "setMyCommands", "deleteWebhook"):
            self.assertEqual(self.call(m, {"chat_id": 1}), (200, {"ok": True, "result": True}))
        _, loc = self.call("sendLocation", {"chat_id": -1001, "latitude": 45.5, "longitude": 5.2})
        self.assertEqual(loc["result"]["location"], {"latitude": 45.5, "longitude": 5.2})

    def test_reply_to_a_bot_message(self):
        _, body = self.call("sendMessage", {"chat_id": -1001, "text": "mesh text"})
        mid = body["result"]["message_id"]
        self.tg.inject_message(-1001, "answer", reply_to=mid)
        _, upd = self.call("getUpdates", {"timeout": 0})
        reply = upd["result"][0]["message"]["reply_to_message"]
        self.assertEqual((reply["message_id"], reply["text"], reply["from"]["is_bot"]), (mid, "mesh text", True))

    def test_wait_for_request_with_predicate(self):
        threading.Timer(0.2, lambda: self.call("sendMessage", {"chat_id": 7, "text": "late"})).start()
        r = self.tg.wait_for_request("sendMessage", lambda r: r.params["text"] == "late", timeout=5)
        self.assertEqual(r.params["chat_id"], 7)
        self.assertIsNone(self.tg.wait_for_request("sendLocation", timeout=0.2))

    def test_faults(self):
        self.tg.fail_next("sendMessage", count=1, status=429, description="Too Many Requests", retry_after=1)
        status, body = self.call("sendMessage", {"chat_id": 1, "text": "a"})
        self.assertEqual((status, body["parameters"]["retry_after"]), (429, 1))
        self.assertEqual(self.call("sendMessage", {"chat_id": 1, "text": "b"})[0], 200)
        self.assertEqual([m["text"] for m in self.tg.sent_messages(1)], ["b"])
        self.tg.set_fault("getMe", lambda req: api_error(502, "Bad Gateway"))
        self.assertEqual(self.call("getMe")[0], 502)
        self.tg.set_fault("getMe", lambda req: 0.5)  # a delay, then the normal answer
        t0 = time.monotonic()
        self.assertEqual(self.call("getMe")[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.45)
        self.tg.set_fault("getMe", lambda req: (200, b"not json"))
        with urllib.request.urlopen(urllib.request.Request("%s/bot%s/getMe" % (self.tg.url, DEFAULT_TOKEN), data=b""),
                                    timeout=5) as resp:
            self.assertEqual(resp.read(), b"not json")
        self.tg.set_fault("getMe", lambda req: "drop")
        with self.assertRaises(Exception):
            self.call("getMe", timeout=3)
        self.tg.set_fault("getMe", None)
        self.assertEqual(self.call("getMe")[0], 200)

    def test_hold_and_release(self):
        self.tg.hold("getUpdates")
        self.tg.inject_message(-1001, "x")
        result = {}
        t = threading.Thread(target=lambda: result.setdefault("r", self.call("getUpdates", {"timeout": 0})))
        t.start()
        self.assertIsNotNone(self.tg.wait_for_poll(timeout=5))
        time.sleep(0.3)
        self.assertNotIn("r", result)
        self.tg.release("getUpdates")
        t.join(5)
        self.assertEqual(len(result["r"][1]["result"]), 1)

    def test_forget_confirmations_makes_updates_pending(self):
        uid = self.tg.inject_message(-1001, "x")
        self.call("getUpdates", {"offset": uid + 1, "timeout": 0})
        self.assertEqual(self.tg.pending_updates(), [])
        self.tg.forget_confirmations()
        self.assertEqual(len(self.tg.pending_updates()), 1)

    def test_callback_query_and_private_chat(self):
        self.tg.inject_callback_query(-1001, "dm:!a1b2c3d4")
        self.tg.inject_message(111, "/start", chat_type="private", username="alice")
        _, body = self.call("getUpdates", {"timeout": 0})
        cq, msg = body["result"][0]["callback_query"], body["result"][1]["message"]
        self.assertEqual(cq["data"], "dm:!a1b2c3d4")
        self.assertEqual((msg["chat"]["type"], msg["from"]["username"]), ("private", "alice"))


if __name__ == "__main__":
    unittest.main()
