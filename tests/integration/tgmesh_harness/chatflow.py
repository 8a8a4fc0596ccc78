"""Helpers for the part-4 chat flow tests: inline keyboards, button presses with a known
callback_query id, forum-topic messages, and a test-case mixin that checks every keyboard the
bot sent keeps callback_data within Telegram's 64 bytes.

Only builds updates and reads recorded requests of a FakeTelegram; changes nothing in it.
"""
import ast
import itertools
import os
import re
import time

from .fake_telegram import FakeTelegram

MAX_CALLBACK_DATA_BYTES = 64

_query_ids = itertools.count(900001)


def markup_of(params):
    """The reply_markup of a request's params as a dict ({} when absent)."""
    markup = params.get("reply_markup")
    return markup if isinstance(markup, dict) else {}


def inline_rows(params):
    """Rows of inline buttons ([[{'text', 'callback_data'}, ...], ...]) of a sendMessage or
    editMessageText request's params, or [] when it has no inline keyboard."""
    return markup_of(params).get("inline_keyboard") or []


def buttons(params):
    return [b for row in inline_rows(params) for b in row]


def button(params, predicate):
    """The first button whose text contains `predicate` (str) or matches predicate(button)."""
    pred = predicate
    if isinstance(predicate, str):
        pred = lambda b, s=predicate: s in b.get("text", "")
    for b in buttons(params):
        if pred(b):
            return b
    return None


def keyboard_requests(tg):
    """Every sendMessage/editMessageText request that carried an inline keyboard."""
    return [r for r in tg.requests() if r.method in ("sendMessage", "editMessageText") and inline_rows(r.params)]


def oversized_callback_data(tg):
    """(method, callback_data) of every button the bot sent whose data exceeds 64 bytes or is
    missing/empty."""
    bad = []
    for req in keyboard_requests(tg):
        for b in buttons(req.params):
            data = b.get("callback_data")
            if not isinstance(data, str) or not data or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                bad.append((req.method, data))
    return bad


def press(tg, chat_id, data, user_id=111, first_name="Alice", message_id=0, message=None):
    """Injects a callback_query (a press on inline button `data` of bot message `message_id`);
    returns (update_id, callback_query_id) so the answer can be matched."""
    query_id = "cq%d" % next(_query_ids)
    if message is None:
        message = tg._resolve_reply(chat_id, message_id, "group")
    query = {"id": query_id, "from": FakeTelegram.make_user(user_id, first_name), "message": message,
             "chat_instance": "ci-%s" % chat_id, "data": data}
    return tg.inject_update({"callback_query": query}), query_id


def topic_message(tg, chat_id, thread_id, text, user_id=111, first_name="Alice", reply_to=None):
    """Injects a text written in forum topic `thread_id` of supergroup `chat_id`; returns the
    update_id.  reply_to: a Message dict placed in reply_to_message."""
    user = FakeTelegram.make_user(user_id, first_name)
    msg = {"message_id": tg._new_message_id(), "from": user,
           "chat": {"id": chat_id, "type": "supergroup", "title": "Forum %s" % chat_id, "is_forum": True},
           "date": int(time.time()), "text": text, "message_thread_id": thread_id, "is_topic_message": True}
    if text.startswith("/"):
        msg["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return tg.inject_update({"message": msg})


def reply_target(params):
    """The message id a sendMessage/sendLocation answers (reply_parameters or the older
    reply_to_message_id), or None."""
    rp = params.get("reply_parameters")
    if isinstance(rp, dict) and rp.get("message_id") is not None:
        return int(rp["message_id"])
    if params.get("reply_to_message_id") is not None:
        return int(params["reply_to_message_id"])
    return None


class ChatFlowChecks:
    """Mixin for TgmeshTestCase: after every test, every inline keyboard the bot sent must keep
    callback_data within 64 bytes, and every callback query must have been answered."""

    def tearDown(self):
        problems = []
        bad = oversized_callback_data(self.tg)
        if bad:
            problems.append("callback_data over 64 bytes or empty: %r" % bad[:5])
        super().tearDown()
        if problems:
            self.fail("; ".join(problems))

    def wait_answer(self, query_id, timeout=10):
        """The answerCallbackQuery request for callback query `query_id`; fails if none."""
        req = self.tg.wait_for_request("answerCallbackQuery",
                                       lambda r: str(r.params.get("callback_query_id")) == query_id,
                                       timeout=timeout)
        if req is None:
            self.fail("callback query %s was never answered (answerCallbackQuery); requests: %s"
                      % (query_id, [(r.method, r.params) for r in self.tg.requests()][-15:]))
        return req

    def answers_to(self, query_id):
        return [r for r in self.tg.requests("answerCallbackQuery")
                if str(r.params.get("callback_query_id")) == query_id]

    def wait_edit(self, message_id, predicate=None, timeout=10, since=0):
        """The next editMessageText of bot message `message_id` (index >= since) whose params
        match predicate(params) or whose text contains the string `predicate`."""
        pred = predicate
        if isinstance(predicate, str):
            pred = lambda p, s=predicate: s in (p.get("text") or "")

        def match(r):
            return (int(r.params.get("message_id") or 0) == message_id
                    and (pred is None or pred(r.params)))
        req = self.tg.wait_for_request("editMessageText", match, timeout=timeout, since=since)
        if req is None:
            self.fail("no matching editMessageText of message %s within %ss (%r); edits: %s"
                      % (message_id, timeout, predicate,
                         [r.params for r in self.tg.requests("editMessageText")]))
        return req


def message_id_of(tg, update_id):
    """The message_id of the Message in injected update `update_id`."""
    for u in tg._updates:
        if u["update_id"] == update_id:
            return u["message"]["message_id"]
    raise KeyError(update_id)


# ---------------------------------------------------------------- the plugin's text catalogues

CATALOG_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "plugin", "core", "i18n")
_ENTRY = re.compile(r'^\s*\.(\w+)\s*=\s*((?:"(?:[^"\\\n]|\\.)*"\s*)+)[,}]', re.M)
_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_catalogs = {}


def catalog(language="en"):
    """{key: text} of plugin/core/i18n/catalog_<language>.cpp: the words a chat member reads,
    so that tests follow a rewording instead of pinning today's phrasing."""
    if language not in _catalogs:
        with open(os.path.join(CATALOG_DIR, "catalog_%s.cpp" % language), encoding="utf-8") as f:
            source = f.read()
        entries = {}
        for m in _ENTRY.finditer(source):
            entries[m.group(1)] = "".join(ast.literal_eval(lit) for lit in _LITERAL.findall(m.group(2)))
        if len(entries) < 40:
            raise ValueError("catalog_%s.cpp: only %d texts found (format changed?)" % (language, len(entries)))
        _catalogs[language] = entries
    return _catalogs[language]


def text_re(language, key, **values):
    """A regex for catalogue text `key` as sent (HTML): each {placeholder} given in `values`
    must appear literally, the others match anything on the line."""
    template = catalog(language)[key]
    out, pos = [], 0
    for m in _PLACEHOLDER.finditer(template):
        out.append(re.escape(template[pos:m.start()]))
        name = m.group(1)
        out.append(re.escape(str(values[name])) if name in values else r"[^\n]*?")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return "".join(out)


def fixed_text(language, key):
    """The longest placeholder-free piece of catalogue text `key` (for assertIn)."""
    pieces = _PLACEHOLDER.split(catalog(language)[key])[::2]
    return max((p.strip() for p in pieces), key=len)


def extract(language, key, text, value=r"[^\n]*?"):
    """{placeholder: value} read back from the first occurrence of catalogue text `key` in
    `text`, or None.  `value`: the regex each placeholder value must match (e.g. r"\\d+")."""
    template = catalog(language)[key]
    out, pos, names = [], 0, []
    matches = list(_PLACEHOLDER.finditer(template))
    for i, m in enumerate(matches):
        out.append(re.escape(template[pos:m.start()]))
        name = m.group(1)
        group = value if (i + 1 < len(matches) or m.end() < len(template)) else value.rstrip("?")
        out.append("(%s)" % group if name in names else "(?P<%s>%s)" % (name, group))
        names.append(name)
        pos = m.end()
    out.append(re.escape(template[pos:]))
    found = re.search("".join(out), text)
    return found.groupdict() if found else None
