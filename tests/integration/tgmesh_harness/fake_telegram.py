"""Fake Telegram Bot API server for integration tests.

Serves `POST|GET /bot<token>/<method>` on 127.0.0.1 with JSON, form or query
parameters; records every request; implements a real getUpdates long poll over
injected updates; and lets tests inject faults, delays or holds per method.

Like the real Bot API it refuses a sendMessage whose HTML does not parse or whose text is
too long (400 "Bad Request: can't parse entities: ..."), and records the text a reader
sees (`visible`).  Faults go down to the wire: raw bytes, truncated bodies, huge bodies,
answers that never come, closed connections; the server can go offline (connections
refused) and come back on the same port, or serve TLS with a self-signed certificate.
"""
import email.parser
import email.policy
import json
import os
import shutil
import socket
import ssl
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import telegram_html

DEFAULT_TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz"
BOT_USER = {"id": 999, "is_bot": True, "first_name": "tgmesh", "username": "tgmesh_test_bot"}
FIRST_UPDATE_ID = 1000
MAX_POLL_SECONDS = 60  # a real server also answers long polls after ~50 s

TRUE_METHODS = {"editMessageText", "setMessageReaction", "answerCallbackQuery", "setMyCommands",
                "deleteWebhook", "deleteMyCommands", "sendChatAction", "deleteMessage"}
SEND_METHODS = {"sendMessage", "sendLocation", "sendVenue"}
# Update types getUpdates leaves out unless allowed_updates names them (Bot API, getUpdates).
NOT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}


@dataclass
class Request:
    method: str
    token: str
    params: dict
    time: float
    http_method: str = "POST"
    status: int = None          # filled in when answered
    answered: float = None      # time.time() when answered
    response: object = None     # the JSON body sent back (dict) or raw bytes
    visible: str = None         # sendMessage: the text a reader sees (tags removed, entities decoded)
    faulted: bool = False       # answered by a fault, not normally


class RawReply:
    """A fault reply written to the socket as is (status line, headers and body, or any
    garbage), after which the connection is closed."""

    def __init__(self, data):
        self.data = bytes(data)

    def __repr__(self):
        return "RawReply(%d bytes)" % len(self.data)


# Fault replies (see FakeTelegram.set_fault).
DROP = "drop"   # close the connection without answering
HANG = "hang"   # never answer (until release_hangs(), go_offline() or close())


def garbage_reply(status=200):
    """A complete HTTP answer whose body is not JSON (a proxy's error page)."""
    body = b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
    return status, body


def non_http_reply():
    """Bytes that are not HTTP at all."""
    return RawReply(b"\x00\xff garbage \x16\x03\x01 not http at all\r\n\r\n")


def truncated_json_reply(status=200):
    """A complete HTTP answer whose JSON body is cut off in the middle."""
    return status, b'{"ok":true,"result":[{"update_id":1,"message":{"message_id":5,"chat":{"id":-1'


def truncated_body_reply():
    """Headers announce 4000 bytes; the connection closes after 60 of them."""
    body = b'{"ok":true,"result":[{"update_id":1,"message":{"message_id":5,"'
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n")
    return RawReply(head + body)


def huge_reply(nbytes=5 << 20):
    """A well-formed JSON answer of `nbytes` bytes (over the plugin's 4 MiB cap)."""
    head = b'{"ok":true,"result":[],"padding":"'
    tail = b'"}'
    return 200, head + b"x" * max(0, nbytes - len(head) - len(tail)) + tail


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
    def __init__(self, token=DEFAULT_TOKEN, host="127.0.0.1", port=0, tls=False, strict_html=True,
                 cert_hosts=("localhost",), cert_ips=("127.0.0.1",)):
        """port: 0 = any free port at start(); a fixed port lets a test point the plugin at
        it before the server listens (connections refused until start()).  tls: serve
        HTTPS with a self-signed certificate (see make_self_signed_cert).  strict_html:
        refuse sendMessage texts the real Bot API would refuse."""
        self.token = token
        self.host = host
        self._port = port
        self.tls = tls
        self.strict_html = strict_html
        self.cert_path = None
        self.cert_hosts, self.cert_ips = tuple(cert_hosts), tuple(cert_ips)
        self.tls_failures = []             # TLS handshakes that failed (str of the error)
        self._connections = set()          # open client sockets (closed by go_offline)
        self._hang_event = threading.Event()
        self._offline = False
        self._cond = threading.Condition(threading.RLock())
        self._requests = []
        self._updates = []                 # every injected Update, in id order
        self._injected_at = {}             # update_id -> time.time() of injection
        self._next_update_id = FIRST_UPDATE_ID
        self._confirmed_offset = 0         # highest getUpdates offset seen
        self._allowed_updates = None       # the last allowed_updates list (None: the default)
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
        """Starts listening (again, after go_offline(): same port, same recorded state)."""
        fake = self

        class Handler(_Handler):
            pass
        Handler.fake = fake
        if self.tls and self.cert_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="fake-tg-tls-")
            self.cert_path, self.key_path = make_self_signed_cert(self._tmpdir, self.cert_hosts, self.cert_ips)
        server = _Server((self.host, self._port), Handler)
        server.fake = fake
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.cert_path, self.key_path)
            server.ssl_context = ctx
        self._port = server.server_address[1]
        with self._cond:
            self._hang_event = threading.Event()
            self._offline = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fake-telegram", daemon=True)
        self._thread.start()
        return self

    def _stop_server(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def go_offline(self):
        """Stops listening and resets every open connection: from now on connections are
        refused (the port stays reserved for start()).  Hung requests end."""
        self._stop_server()
        with self._cond:
            self._offline = True
            self._hang_event.set()
            self._cond.notify_all()
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def release_hangs(self):
        """Ends every request currently hung by a HANG fault (closing its connection)."""
        with self._cond:
            ev, self._hang_event = self._hang_event, threading.Event()
        ev.set()

    def close(self):
        """Wakes every blocked long poll and hold, then stops the server."""
        with self._cond:
            self._closed = True
            for ev in self._holds.values():
                ev.set()
            self._hang_event.set()
            self._cond.notify_all()
        self._stop_server()
        tmpdir = getattr(self, "_tmpdir", None)
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    @property
    def port(self):
        return self._port

    @property
    def url(self):
        return "%s://%s:%d" % ("https" if self.tls else "http", self.host, self.port)

    # ------------------------------------------------------------ injecting updates

    def inject_update(self, update):
        """Adds a raw Update (its update_id is assigned); returns the update_id."""
        with self._cond:
            uid = self._next_update_id
            self._next_update_id += 1
            update = dict(update, update_id=uid)
            self._updates.append(update)
            self._injected_at[uid] = time.time()
            self._cond.notify_all()
            return uid

    def _new_message_id(self):
        with self._cond:
            mid = self._next_message_id
            self._next_message_id += 1
            return mid

    @staticmethod
    def make_user(user_id=111, first_name="Alice", username=None, last_name=None, language_code="en"):
        """A User; language_code=None leaves from.language_code out (Telegram omits it at times)."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
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

    def _user_message(self, chat_id, user_id, first_name, username, chat_type, reply_to, last_name,
                      language_code):
        """A Message from a user, without content."""
        user = self.make_user(user_id, first_name, username, last_name, language_code)
        msg = {"message_id": self._new_message_id(), "from": user,
               "chat": self.make_chat(chat_id, chat_type, user), "date": int(time.time())}
        if reply_to is not None:
            msg["reply_to_message"] = self._resolve_reply(chat_id, reply_to, chat_type)
        return msg

    def inject_message(self, chat_id, text, user_id=111, first_name="Alice", username=None,
                       chat_type="group", reply_to=None, last_name=None, language_code="en"):
        """Injects a text Message update; returns the update_id.

        reply_to: a message_id (a message the bot sent in that chat, or any id) or a
        full Message dict, placed in reply_to_message.  language_code: the sender's
        from.language_code (None leaves it out)."""
        msg = self._user_message(chat_id, user_id, first_name, username, chat_type, reply_to, last_name,
                                 language_code)
        msg["text"] = text
        if text.startswith("/"):
            command = text.split()[0] if text.split() else text
            msg["entities"] = [{"offset": 0, "length": _utf16_len(command), "type": "bot_command"}]
        return self.inject_update({"message": msg})

    def inject_location(self, chat_id, lat, lon, user_id=111, first_name="Alice", username=None,
                        chat_type="group", reply_to=None, last_name=None, language_code="en"):
        """Injects a Message update sharing a location (no text): message.location =
        {latitude, longitude}; returns the update_id."""
        msg = self._user_message(chat_id, user_id, first_name, username, chat_type, reply_to, last_name,
                                 language_code)
        msg["location"] = {"latitude": lat, "longitude": lon}
        return self.inject_update({"message": msg})

    def inject_reaction(self, chat_id, message_id, new_emojis, old_emojis=(), user_id=111, first_name="Alice",
                        username=None, chat_type="group", language_code="en"):
        """Injects a message_reaction Update (MessageReactionUpdated): `user` changed its
        reaction to message `message_id` from old_emojis to new_emojis (ReactionTypeEmoji
        lists); returns the update_id.  Like Telegram, getUpdates delivers it only to a
        client whose allowed_updates includes "message_reaction"."""
        def reaction_list(emojis):
            return [{"type": "emoji", "emoji": e} for e in emojis]
        user = self.make_user(user_id, first_name, username, language_code=language_code)
        reaction = {"chat": self.make_chat(chat_id, chat_type, user), "message_id": message_id, "user": user,
                    "date": int(time.time()), "old_reaction": reaction_list(old_emojis),
                    "new_reaction": reaction_list(new_emojis)}
        return self.inject_update({"message_reaction": reaction})

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
        then answer normally), (status, dict-or-bytes) (answer that instead),
        DROP ('drop': close the connection without answering), HANG ('hang': never
        answer, until release_hangs()/go_offline()/close()) or a RawReply (these bytes
        on the wire, then close).  method '*' = every method.  fn=None removes the fault."""
        with self._cond:
            if fn is None:
                self._faults.pop(method, None)
            else:
                self._faults[method] = fn

    def fail_next(self, method, count=1, status=500, description="Internal Server Error", retry_after=None,
                  reply=None):
        """Answers the next `count` calls of `method` with an error (or with `reply`, any
        set_fault answer such as HANG or a RawReply)."""
        left = [count]
        if reply is None:
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

    def _wait_hang(self):
        with self._cond:
            ev = self._hang_event
            if self._closed:
                return
        ev.wait()

    def _track(self, conn, add):
        with self._cond:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _note_tls_failure(self, error):
        with self._cond:
            self.tls_failures.append(str(error))
            self._cond.notify_all()

    def wait_tls_failure(self, timeout=10):
        """Waits for a failed TLS handshake (the client refused the certificate); its text or None."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.tls_failures:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self.tls_failures[0]

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

    def fault_count(self, method):
        """How many calls of `method` got a fault answer (not the normal one)."""
        with self._cond:
            return sum(1 for r in self._requests if r.method == method and r.faulted)

    def rejected_messages(self, since=0):
        """sendMessage calls the fake refused as the real Bot API would (bad HTML, too long,
        empty, not UTF-8), as (text, description) pairs."""
        with self._cond:
            reqs = self._requests[since:]
        return [(r.params.get("text"), r.response.get("description")) for r in reqs
                if r.method == "sendMessage" and r.status == 400 and isinstance(r.response, dict)
                and not r.faulted]

    def sent_messages(self, chat_id=None, since=0):
        """sendMessage calls answered OK, as dicts: chat_id, text, parse_mode, message_id, params, time,
        visible (what a reader sees: tags removed, entities decoded)."""
        out = []
        with self._cond:
            reqs = self._requests[since:]
        for r in reqs:
            if r.method != "sendMessage" or r.status != 200 or r.faulted or not isinstance(r.response, dict):
                continue
            cid = normalize_chat_id(r.params.get("chat_id"))
            if chat_id is not None and cid != normalize_chat_id(chat_id):
                continue
            out.append({"chat_id": cid, "text": r.params.get("text", ""), "parse_mode": r.params.get("parse_mode"),
                        "message_id": r.response["result"]["message_id"], "params": r.params, "time": r.time,
                        "visible": r.visible})
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

    def injected_times(self):
        """[(update_id, time.time() of injection)] in id order."""
        with self._cond:
            return sorted(self._injected_at.items())

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
            req.status, req.response, req.answered = status, body, time.time()
            self._cond.notify_all()

    def handle(self, req):
        """Returns (status, body dict) for a request whose token was accepted."""
        method = req.method
        if method == "getMe":
            return 200, {"ok": True, "result": dict(BOT_USER)}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(req.params)}
        if "_error" in req.params:
            return api_error(400, "Bad Request: %s" % req.params["_error"])
        if method == "sendMessage":
            visible, error = telegram_html.check_message(req.params.get("text"), req.params.get("parse_mode"))
            if error and self.strict_html:
                return api_error(400, error)
            req.visible = visible if visible is not None else req.params.get("text")
        if method in SEND_METHODS:
            return 200, {"ok": True, "result": self._make_bot_message(method, req.params)}
        if method in TRUE_METHODS:
            return 200, {"ok": True, "result": True}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {"url": "", "has_custom_certificate": False, "pending_update_count": 0}}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def _note_allowed_updates(self, params):
        """Like Telegram, an allowed_updates list (a JSON array, in the query or the body)
        holds for later calls too; an empty list restores the default."""
        if "allowed_updates" not in params:
            return
        value = params["allowed_updates"]
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return
        if isinstance(value, list):
            with self._cond:
                self._allowed_updates = set(str(v) for v in value) or None

    def _deliverable(self, update):
        """Whether getUpdates hands out this update under the current allowed_updates.
        An update with no type (a test's placeholder) always is."""
        kinds = [k for k in update if k != "update_id"]
        if not kinds:
            return True
        kind = kinds[0]
        if self._allowed_updates is None:
            return kind not in NOT_BY_DEFAULT
        return kind in self._allowed_updates

    def _get_updates(self, params):
        self._note_allowed_updates(params)
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
                    pending = [u for u in self._updates if u["update_id"] >= self._confirmed_offset
                               and self._deliverable(u)]
                    if offset < 0:
                        ready = pending[offset:]
                    else:
                        ready = [u for u in pending if u["update_id"] >= offset]
                    if ready or self._closed or self._offline:
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
            # As Telegram: the venue, and its location in `location` too.
            location = {"latitude": params.get("latitude"), "longitude": params.get("longitude")}
            msg["venue"] = {"location": location, "title": params.get("title"), "address": params.get("address")}
            msg["location"] = dict(location)
        with self._cond:
            self._bot_messages[(chat_id, msg["message_id"])] = msg
        return msg


def make_self_signed_cert(directory, hostnames=("localhost",), ips=("127.0.0.1",)):
    """Writes a self-signed certificate and key (PEM) for hostnames and IPs; returns their paths."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0] if hostnames else "fake-telegram")])
    now = datetime.datetime.now(datetime.timezone.utc)
    alt = [x509.DNSName(h) for h in hostnames] + [x509.IPAddress(ipaddress.ip_address(a)) for a in ips]
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(directory, "fake-telegram.crt")
    key_path = os.path.join(directory, "fake-telegram.key")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path


class _Server(ThreadingHTTPServer):
    """Tracks connections (so go_offline can reset them) and does TLS handshakes in the
    connection's own thread (a client that never finishes one blocks nobody)."""
    daemon_threads = True
    ssl_context = None
    fake = None

    def finish_request(self, request, client_address):
        conn = request
        if self.ssl_context is not None:
            try:
                request.settimeout(10)
                conn = self.ssl_context.wrap_socket(request, server_side=True)
                conn.settimeout(None)
            except (ssl.SSLError, OSError) as e:
                self.fake._note_tls_failure(e)
                return
        self.fake._track(conn, True)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            self.fake._track(conn, False)
            if conn is not request:
                try:
                    conn.close()
                except OSError:
                    pass

    def handle_error(self, request, client_address):
        pass  # a reset connection is part of the faults, not a harness error


class _Handler(BaseHTTPRequestHandler):
    """Parses /bot<token>/<method> requests and hands them to the FakeTelegram."""
    fake = None
    protocol_version = "HTTP/1.1"  # keep-alive, as libcurl reuses connections
    timeout = 120

    def log_message(self, *args):
        pass

    def setup(self):
        # http.server writes the status line and headers, then the body, in two writes; with
        # Nagle on, the body waits for the client's delayed ACK (40 ms on Linux), and every
        # answer would take 40 ms more than the plugin needs. A real Bot API server answers in
        # one TLS record.
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
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
        except UnicodeDecodeError:
            params = {"_unparsed": body, "_error": "strings must be encoded in UTF-8"}
        except ValueError as e:
            params = {"_unparsed": body, "_error": "can't parse request: %s" % e}
        req = Request(method=method, token=token, params=params, time=time.time(), http_method=self.command)
        fake._record(req)
        if token != fake.token:
            status, reply = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            try:
                override = fake._apply_fault(req)
            except Exception as e:  # a broken test hook must not hang the plugin
                override = (500, {"ok": False, "error_code": 500, "description": "fault hook: %s" % e})
            if override is not None:
                req.faulted = True
            if override == HANG:
                fake._wait_hang()
                override = DROP
            if override == DROP:
                fake._finish(req, 0, None)
                self.close_connection = True
                return
            if isinstance(override, RawReply):
                fake._finish(req, 0, override.data)
                self.close_connection = True
                try:
                    self.wfile.write(override.data)
                    self.wfile.flush()
                except OSError:
                    pass
                return
            status, reply = override if override is not None else fake.handle(req)
        fake._finish(req, status, reply)
        try:
            self._send(status, reply)
        except OSError:
            self.close_connection = True
