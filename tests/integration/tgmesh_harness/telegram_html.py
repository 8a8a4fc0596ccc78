"""Strict check of Telegram Bot API HTML (parse_mode HTML), as the fake Bot API applies it.

Written from the Bot API's "HTML style" section: only the tags b, strong, i, em, u, ins,
s, strike, del, code, pre, a href, tg-spoiler, span class="tg-spoiler" and blockquote;
tags properly nested and closed; every `<` and `&` that is not part of a tag or an entity
escaped; named entities only &lt; &gt; &amp; &quot;, numeric entities of valid characters.
It is stricter than Telegram on a bare `&` (Telegram keeps some as text): a bridge that
escapes correctly never produces one.

parse_html(text) returns the visible text (tags removed, entities decoded) or raises
HtmlError with the wording Telegram uses after "Bad Request: can't parse entities: ".
"""
import re

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
                "tg-spoiler", "span", "blockquote"}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
MAX_MESSAGE_UTF16 = 4096

_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7})|([a-zA-Z][a-zA-Z0-9]{0,31}));")
_END_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_TAG_NAME = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
_ATTR = re.compile(r"""\s+([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>=`]+))?""")


class HtmlError(ValueError):
    pass


def utf16_len(s):
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _offset(text, i):
    return len(text[:i].encode("utf-8", "surrogatepass"))


def _decode_entities(text, start_offset=0):
    """Decodes entities in `text` (text between tags, or an attribute value)."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise HtmlError("Unsupported HTML entity at byte offset %d (a bare \"&\" must be written &amp;)"
                                % (start_offset + _offset(text, i)))
            dec, hexa, name = m.groups()
            if name is not None:
                if name not in NAMED_ENTITIES:
                    raise HtmlError("Unsupported HTML entity \"&%s;\" at byte offset %d"
                                    % (name, start_offset + _offset(text, i)))
                out.append(NAMED_ENTITIES[name])
            else:
                code = int(dec) if dec is not None else int(hexa, 16)
                if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise HtmlError("Invalid numeric HTML entity at byte offset %d" % (start_offset + _offset(text, i)))
                out.append(chr(code))
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _parse_attributes(tag, attr_text, offset):
    attrs = {}
    pos = 0
    while pos < len(attr_text):
        m = _ATTR.match(attr_text, pos)
        if not m:
            if attr_text[pos:].strip() == "":
                break
            raise HtmlError("Unclosed start tag at byte offset %d" % offset)
        name, value = m.group(1).lower(), m.group(2)
        if value is not None:
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            value = _decode_entities(value, offset)
        attrs[name] = value
        pos = m.end()
    return attrs


def parse_html(text):
    """Visible text of a Telegram HTML message; HtmlError when Telegram would refuse it."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise HtmlError("text is not valid UTF-8")
    out = []
    stack = []   # (tag, byte offset of its start tag)
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "<":
            offset = _offset(text, i)
            if text.startswith("</", i):
                m = _END_TAG.match(text, i)
                if not m:
                    raise HtmlError("Unexpected end tag at byte offset %d" % offset)
                name = m.group(1).lower()
                if not stack:
                    raise HtmlError("Unexpected end tag at byte offset %d" % offset)
                if stack[-1][0] != name:
                    raise HtmlError("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\""
                                    % (offset, stack[-1][0], name))
                stack.pop()
                i = m.end()
                continue
            m = _TAG_NAME.match(text, i)
            if not m:
                raise HtmlError("Unsupported start tag \"\" at byte offset %d" % offset)
            name = m.group(1).lower()
            if name not in ALLOWED_TAGS:
                raise HtmlError("Unsupported start tag \"%s\" at byte offset %d" % (name, offset))
            end = text.find(">", m.end())
            if end < 0:
                raise HtmlError("Unclosed start tag at byte offset %d" % offset)
            # A '<' before the '>' means the tag was never closed.
            body = text[m.end():end]
            if "<" in body:
                raise HtmlError("Unclosed start tag at byte offset %d" % offset)
            if body.endswith("/"):
                raise HtmlError("Unsupported self-closing tag \"%s\" at byte offset %d" % (name, offset))
            attrs = _parse_attributes(name, body, offset)
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise HtmlError("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d" % offset)
            if name == "a" and not attrs.get("href"):
                raise HtmlError("Tag \"a\" must have attribute \"href\" at byte offset %d" % offset)
            if stack and stack[-1][0] in ("code", "pre") and not (stack[-1][0] == "pre" and name == "code"):
                raise HtmlError("Tag \"%s\" is not allowed inside \"%s\" at byte offset %d" % (name, stack[-1][0], offset))
            stack.append((name, offset))
            i = end + 1
            continue
        # Text up to the next tag.
        j = text.find("<", i)
        if j < 0:
            j = n
        out.append(_decode_entities(text[i:j], _offset(text, i)))
        i = j
    if stack:
        raise HtmlError("Can't find end tag corresponding to start tag \"%s\"" % stack[-1][0])
    return "".join(out)


def check_message(text, parse_mode=None):
    """(visible text, None) or (None, Bot API error description) for a sendMessage text."""
    if not isinstance(text, str):
        return None, "Bad Request: message text is empty"
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return None, "Bad Request: strings must be encoded in UTF-8"
    visible = text
    if isinstance(parse_mode, str) and parse_mode.lower() == "html":
        try:
            visible = parse_html(text)
        except HtmlError as e:
            return None, "Bad Request: can't parse entities: %s" % e
    if not visible.strip():
        return None, "Bad Request: message text is empty"
    if utf16_len(visible) > MAX_MESSAGE_UTF16:
        return None, "Bad Request: message is too long"
    return visible, None
