"""Fake Telegram Bot API server for integration tests.

Serves `POST|GET /bot<token>/<method>` on 127.0.0.1 with JSON, form or query
parameters; records every request; implements a real getUpdates long poll over
injected updates; and lets tests inject faults, delays or holds per method.
"""
import email.parser
import email.policy
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz"
BOT_USER = {"id": 999, "is_bot": True, "first_name": "tgmesh", "username": "tgmesh_test_bot"}
FIRST_UPDATE_ID = 1000
MAX_POLL_SECONDS = 60  # a real server also answers long polls after ~50 s

TRUE_METHODS = {"editMessageText", "setMessageReaction", "answerCallbackQuery", "setMyCommands",
                "deleteWebhook", "deleteMyCommands", "sendChatAction", "deleteMessage"}
SEND_METHODS = {"sendMessage", "sendLocation", "sendVenue"}


@dataclass
class Request:
    method: str
    token: str
    params: dict
    time: float
    http_method: str = "POST"
    status: int = None          # filled in when answered
    response: object = None     # the JSON body sent back (dict) or raw bytes


def api_error(status, description, retry_after=None):
    """A Bot API error reply, e.g. api_error(429, 'Too Many Requests', retry_after=1)."""
    body = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return status, body


def _coerce(value):
    """Form/query values are strings; Bot API complex values are JSON-encoded."""
    if isinstance(value, str):
        s = value.strip()
        if s[:1] in "[{" or s in ("true", "false", "null"):
            try:
                return json.loads(s)
            except ValueError:
                return value
        try:
            return int(s)
        except ValueError:
            return value
    return value


def normalize_chat_id(chat_id):
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return chat_id


def _utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


class FakeTelegram:
    def __init__(self, token=DEFAULT_TOKEN, host="127.0.0.1"):
        self.token = token
        self.host = host
        self._cond = threading.Condition(threading.RLock())
        self._requests = []
        self._updates = []                 # every injected Update, in id order
        self._next_update_id = FIRST_UPDATE_ID
        self._confirmed_offset = 0         # highest getUpdates offset seen
        self._next_message_id = 1
        self._bot_messages = {}            # (chat_id, message_id) -> Message sent by the bot
        self._faults = {}                  # method -> fn(Request)
        self._holds = {}                   # method -> threading.Event (set = released)
        self._active_polls = 0
        self._closed = False
        self._server = None
        self._thread = None

    # ------------------------------------------------------------ lifecycle

    def start(self):
        fake = self

        class Handler(_Handler):
            pass
        Handler.fake = fake
        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fake-telegram", daemon=True)
        self._thread.start()
        return self

    def close(self):
        """Wakes every blocked long poll and hold, then stops the server."""
        with self._cond:
            self._closed = True
            for ev in self._holds.values():
                ev.set()
            self._cond.notify_all()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    # ------------------------------------------------------------ injecting updates

    def inject_update(self, update):
        """Adds a raw Update (its update_id is assigned); returns the update_id."""
        with self._cond:
            uid = self._next_update_id
            self._next_update_id += 1
            update = dict(update, update_id=uid)
            self._updates.append(update)
            self._cond.notify_all()
            return uid

    def _new_message_id(self):
        with self._cond:
            mid = self._next_message_id
            self._next_message_id += 1
            return mid

    @staticmethod
    def make_user(user_id=111, first_name="Alice", username=None, last_name=None):
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        return user

    @staticmethod
    def make_chat(chat_id, chat_type="group", user=None):
        if chat_type == "private":
            chat = {"id": chat_id, "type": "private", "first_name": (user or {}).get("first_name", "Alice")}
        else:
            chat = {"id": chat_id, "type": chat_type, "title": "Test chat %s" % chat_id}
        return chat

    def inject_message(self, chat_id, text, user_id=111, first_name="Alice", username=None,
                       chat_type="group", reply_to=None, last_name=None):
        """Injects a text Message update; returns the update_id.

        reply_to: a message_id (a message the bot sent in that chat, or any id) or a
        full Message dict, placed in reply_to_message."""
        user = self.make_user(user_id, first_name, username, last_name)
        msg = {"message_id": self._new_message_id(), "from": user,
               "chat": self.make_chat(chat_id, chat_type, user), "date": int(time.time()), "text": text}
        if text.startswith("/"):
            command = text.split()[0] if text.split() else text
            msg["entities"] = [{"offset": 0, "length": _utf16_len(command), "type": "bot_command"}]
        if reply_to is not None:
            msg["reply_to_message"] = self._resolve_reply(chat_id, reply_to, chat_type)
        return self.inject_update({"message": msg})

    def _resolve_reply(self, chat_id, reply_to, chat_type):
        if isinstance(reply_to, dict):
            return reply_to
        with self._cond:
            known = self._bot_messages.get((normalize_chat_id(chat_id), reply_to))
        if known:
            return known
        return {"message_id": reply_to, "from": dict(BOT_USER), "chat": self.make_chat(chat_id, chat_type),
                "date": int(time.time()), "text": ""}

    def inject_callback_query(self, chat_id, data, user_id=111, first_name="Alice", message_id=None):
        """Injects a callback_query (inline button press) on a bot message; returns the update_id."""
        user = self.make_user(user_id, first_name)
        message = self._resolve_reply(chat_id, message_id or 0, "group")
        query = {"id": str(self._new_message_id() * 7919), "from": user, "message": message,
                 "chat_instance": "ci-%s" % chat_id, "data": data}
        return self.inject_update({"callback_query": query})

    # ------------------------------------------------------------ faults and holds

    def set_fault(self, method, fn):
        """fn(Request) -> None (answer normally), a number (sleep that many seconds,
        then answer normally), (status, dict-or-bytes) (answer that instead), or
        'drop' (close the connection without answering).  method '*' = every method.
        fn=None removes the fault."""
        with self._cond:
            if fn is None:
                self._faults.pop(method, None)
            else:
                self._faults[method] = fn

    def fail_next(self, method, count=1, status=500, description="Internal Server Error", retry_after=None):
        """Answers the next `count` calls of `method` with an error."""
        left = [count]
        reply = api_error(status, description, retry_after)

        def fault(_req):
            with self._cond:
                if left[0] <= 0:
                    return None
                left[0] -= 1
            return reply
        self.set_fault(method, fault)

    def hold(self, method):
        """Blocks every call of `method` (before any answer) until release() or close()."""
        with self._cond:
            self._holds[method] = threading.Event()

    def release(self, method):
        with self._cond:
            ev = self._holds.pop(method, None)
        if ev:
            ev.set()

    def _sleep(self, seconds):
        """A sleep that close() interrupts."""
        deadline = time.monotonic() + seconds
        with self._cond:
            while not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._cond.wait(remaining)

    def _apply_fault(self, req):
        with self._cond:
            ev = self._holds.get(req.method)
            fn = self._faults.get(req.method) or self._faults.get("*")
        if ev is not None:
            with self._cond:
                self._active_polls += req.method == "getUpdates"
            try:
                ev.wait()
            finally:
                with self._cond:
                    self._active_polls -= req.method == "getUpdates"
        if self._closed:
            return "drop"
        if fn is None:
            return None
        result = fn(req)
        if isinstance(result, (int, float)) and not isinstance(result, bool):
            self._sleep(result)
            return None
        return result

    # ------------------------------------------------------------ inspection

    def requests(self, method=None):
        with self._cond:
            return [r for r in self._requests if method is None or r.method == method]

    def request_count(self):
        """Use as `since=` for the wait helpers to ignore earlier requests."""
        with self._cond:
            return len(self._requests)

    def wait_for_request(self, method, predicate=None, timeout=10, since=0):
        """First request of `method` (index >= since) matching predicate(Request); None on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self._requests[since:]:
                    if r.method == method and (predicate is None or predicate(r)):
                        return r
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def sent_messages(self, chat_id=None, since=0):
        """sendMessage calls answered OK, as dicts: chat_id, text, parse_mode, message_id, params, time."""
        out = []
        with self._cond:
            reqs = self._requests[since:]
        for r in reqs:
            if r.method != "sendMessage" or r.status != 200:
                continue
            cid = normalize_chat_id(r.params.get("chat_id"))
            if chat_id is not None and cid != normalize_chat_id(chat_id):
                continue
            out.append({"chat_id": cid, "text": r.params.get("text", ""), "parse_mode": r.params.get("parse_mode"),
                        "message_id": r.response["result"]["message_id"], "params": r.params, "time": r.time})
        return out

    def wait_for_message(self, chat_id, predicate=None, timeout=10, since=0):
        """First sendMessage to chat_id (index >= since) whose dict matches predicate; None on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self.sent_messages(chat_id, since):
                    if predicate is None or predicate(m):
                        return m
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def wait_for_poll(self, min_offset=None, timeout=10, since=0):
        """Waits for a getUpdates that is currently blocked (long poll or hold)
        with offset >= min_offset; returns the Request or None."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if self._active_polls > 0:
                    for r in reversed(self._requests[since:]):
                        if r.method == "getUpdates" and r.status is None and (
                                min_offset is None or int(r.params.get("offset", 0)) >= min_offset):
                            return r
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def wait_confirmed(self, update_id, timeout=10):
        """Waits until getUpdates was called with offset > update_id (the update was received)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._confirmed_offset <= update_id:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    @property
    def confirmed_offset(self):
        """Highest offset seen in getUpdates: every update below it is confirmed."""
        with self._cond:
            return self._confirmed_offset

    @property
    def active_polls(self):
        with self._cond:
            return self._active_polls

    def forget_confirmations(self):
        """Simulates a lost confirming poll: confirmed updates become pending again."""
        with self._cond:
            self._confirmed_offset = 0

    def pending_updates(self):
        with self._cond:
            return [u for u in self._updates if u["update_id"] >= self._confirmed_offset]

    # ------------------------------------------------------------ method implementations

    def _record(self, req):
        with self._cond:
            self._requests.append(req)
            self._cond.notify_all()

    def _finish(self, req, status, body):
        with self._cond:
            req.status, req.response = status, body
            self._cond.notify_all()

    def handle(self, req):
        """Returns (status, body dict) for a request whose token was accepted."""
        method = req.method
        if method == "getMe":
            return 200, {"ok": True, "result": dict(BOT_USER)}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(req.params)}
        if method in SEND_METHODS:
            return 200, {"ok": True, "result": self._make_bot_message(method, req.params)}
        if method in TRUE_METHODS:
            return 200, {"ok": True, "result": True}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {"url": "", "has_custom_certificate": False, "pending_update_count": 0}}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def _get_updates(self, params):
        offset = int(params.get("offset", 0) or 0)
        limit = max(1, min(int(params.get("limit", 100) or 100), 100))
        timeout = min(float(params.get("timeout", 0) or 0), MAX_POLL_SECONDS)
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset > self._confirmed_offset:
                self._confirmed_offset = offset
                self._cond.notify_all()
            self._active_polls += 1
            try:
                while True:
                    # Like Telegram, confirmed updates are never returned again.
                    pending = [u for u in self._updates if u["update_id"] >= self._confirmed_offset]
                    if offset < 0:
                        ready = pending[offset:]
                    else:
                        ready = [u for u in pending if u["update_id"] >= offset]
                    if ready or self._closed:
                        return ready[:limit]
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return []
                    self._cond.wait(remaining)
            finally:
                self._active_polls -= 1
                self._cond.notify_all()

    def _make_bot_message(self, method, params):
        chat_id = normalize_chat_id(params.get("chat_id"))
        msg = {"message_id": self._new_message_id(), "from": dict(BOT_USER),
               "chat": {"id": chat_id, "type": "group" if isinstance(chat_id, int) and chat_id < 0 else "private"},
               "date": int(time.time())}
        if method == "sendMessage":
            msg["text"] = params.get("text", "")
        elif method == "sendLocation":
            msg["location"] = {"latitude": params.get("latitude"), "longitude": params.get("longitude")}
        elif method == "sendVenue":
            msg["venue"] = {k: params.get(k) for k in ("latitude", "longitude", "title", "address")}
        with self._cond:
            self._bot_messages[(chat_id, msg["message_id"])] = msg
        return msg


class _Handler(BaseHTTPRequestHandler):
    """Parses /bot<token>/<method> requests and hands them to the FakeTelegram."""
    fake = None
    protocol_version = "HTTP/1.1"  # keep-alive, as libcurl reuses connections
    timeout = 120

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _parse_params(self, query, body):
        params = {k: _coerce(v[-1]) for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        ctype = self.headers.get("Content-Type", "").lower()
        if not body:
            return params
        if "application/json" in ctype:
            data = json.loads(body.decode("utf-8"))
            if isinstance(data, dict):
                params.update(data)
        elif "multipart/form-data" in ctype:
            raw = b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name:
                    params[name] = _coerce(part.get_payload(decode=True).decode("utf-8", "replace"))
        else:
            for k, v in urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
                params[k] = _coerce(v[-1])
        return params

    def _send(self, status, body):
        data = body if isinstance(body, (bytes, bytearray)) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _serve(self):
        fake = self.fake
        parsed = urllib.parse.urlsplit(self.path)
        try:
            body = self._read_body()
        except (OSError, ValueError):
            self.close_connection = True
            return
        parts = parsed.path.split("/")
        if len(parts) != 3 or parts[0] != "" or not parts[1].startswith("bot") or not parts[2]:
            self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = parts[1][3:], parts[2]
        try:
            params = self._parse_params(parsed.query, body)
        except (ValueError, UnicodeDecodeError) as e:
            params = {"_unparsed": body, "_error": str(e)}
        req = Request(method=method, token=token, params=params, time=time.time(), http_method=self.command)
        fake._record(req)
        if token != fake.token:
            status, reply = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            try:
                override = fake._apply_fault(req)
            except Exception as e:  # a broken test hook must not hang the plugin
                override = (500, {"ok": False, "error_code": 500, "description": "fault hook: %s" % e})
            if override == "drop":
                fake._finish(req, 0, None)
                self.close_connection = True
                return
            status, reply = override if override is not None else fake.handle(req)
        fake._finish(req, status, reply)
        try:
            self._send(status, reply)
        except OSError:
            self.close_connection = True
