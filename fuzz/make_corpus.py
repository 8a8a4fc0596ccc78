#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<harness>/ (committed; rerun after changing this).

Sources: tests/vectors: the real envelope captures and
JSON uplinks; plus envelopes built here for every key the harnesses configure (fuzz_support.h),
realistic Bot API responses, config files and state files. Standard library only; AES-CTR
comes from the openssl command line tool.

Usage: fuzz/make_corpus.py   (replaces the contents of fuzz/corpus/)
"""
import base64
import json
import pathlib
import shutil
import struct
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"
CORPUS = ROOT / "fuzz" / "corpus"

DEFAULT_KEY = bytes.fromhex("d4f1bb3a20290759f0bcffabcf4e6901")
# The channel keys of fuzz_support.h's base_options().
KEYS = {
    "LongFast": DEFAULT_KEY,
    "Private": bytes(range(32)),
    "Yasenevo": b"k" * 16,
    "Open": b"",
    "Secret": b"s" * 16,  # not configured: undecryptable
}
BRIDGE = 0x7B000001
ALICE = 0xA1B2C3D4
BROADCAST = 0xFFFFFFFF


# --- protobuf (the subset in plugin/mesh/meshtastic.proto) -------------------------------
def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_varint(num, value):
    return varint(num << 3) + varint(value)


def f_fixed32(num, value):
    return varint(num << 3 | 5) + struct.pack("<I", value & 0xFFFFFFFF)


def f_float(num, value):
    return varint(num << 3 | 5) + struct.pack("<f", value)


def f_bytes(num, value):
    if isinstance(value, str):
        value = value.encode()
    return varint(num << 3 | 2) + varint(len(value)) + value


def data_msg(portnum, payload=b"", bitfield=None, want_response=False, request_id=None):
    out = f_varint(1, portnum) + (f_bytes(2, payload) if payload else b"")
    if want_response:
        out += f_varint(3, 1)
    if request_id is not None:
        out += f_fixed32(6, request_id)
    if bitfield is not None:
        out += f_varint(9, bitfield)
    return out


def user_msg(node, long_name, short_name, hw_model=9, public_key=b""):
    out = f_bytes(1, "!%08x" % node) + f_bytes(2, long_name) + f_bytes(3, short_name)
    out += f_varint(5, hw_model)
    if public_key:
        out += f_bytes(8, public_key)
    return out


def position_msg(lat, lon, alt=None, time=None, precision=None):
    out = f_fixed32(1, lat) + f_fixed32(2, lon)
    if alt is not None:
        out += f_varint(3, alt)
    if time is not None:
        out += f_fixed32(4, time)
    if precision is not None:
        out += f_varint(23, precision)
    return out


def telemetry_msg(battery, voltage):
    metrics = f_varint(1, battery) + f_float(2, voltage) + f_float(3, 5.5)
    return f_fixed32(1, 1760000000) + f_bytes(2, metrics)


def environment_msg(temperature, humidity, pressure):
    metrics = f_float(1, temperature) + f_float(2, humidity) + f_float(3, pressure)
    return f_fixed32(1, 1760000000) + f_bytes(3, metrics)


def packed_fixed32(num, values):
    return f_bytes(num, b"".join(struct.pack("<I", v) for v in values))


def packed_int32(num, values):
    return f_bytes(num, b"".join(varint(v & 0xFFFFFFFFFFFFFFFF) for v in values))


def route_msg(route, snr_towards, route_back=(), snr_back=()):
    return (packed_fixed32(1, route) + packed_int32(2, snr_towards) + packed_fixed32(3, route_back)
            + packed_int32(4, snr_back))


def neighbors_msg(node, neighbors):
    out = f_varint(1, node) + f_varint(2, node) + f_varint(3, 1800)
    for num, snr in neighbors:
        out += f_bytes(4, f_varint(1, num) + f_float(2, snr))
    return out


def waypoint_msg(wid, lat, lon, name, description="", expire=0):
    out = f_varint(1, wid) + f_fixed32(2, lat & 0xFFFFFFFF) + f_fixed32(3, lon & 0xFFFFFFFF)
    if expire:
        out += f_varint(4, expire)
    out += f_bytes(6, name.encode()) + f_bytes(7, description.encode()) + f_fixed32(8, 0x1F4CD)
    return out


def map_report_msg(long_name, short_name, lat, lon):
    return (f_bytes(1, long_name) + f_bytes(2, short_name) + f_varint(3, 2) + f_varint(4, 43) +
            f_bytes(5, "2.5.6.abcdef") + f_varint(6, 1) + f_fixed32(9, lat) + f_fixed32(10, lon) +
            f_varint(11, 120) + f_varint(12, 13) + f_varint(13, 7))


def aes_ctr(key, packet_id, sender, data):
    if not key:
        return data
    iv = struct.pack("<QI", packet_id, sender) + bytes(4)
    cipher = "aes-128-ctr" if len(key) == 16 else "aes-256-ctr"
    return subprocess.run(["openssl", "enc", "-" + cipher, "-K", key.hex(), "-iv", iv.hex(),
                           "-nosalt"], input=data, capture_output=True, check=True).stdout


def channel_hash(name, key):
    h = 0
    for b in name.encode() + key:
        h ^= b
    return h


def envelope(sender, to, packet_id, data, channel="LongFast", gateway="!11111111", encrypt=True,
             channel_id=None, hop_limit=2, hop_start=3, snr=6.25, rssi=-97, extra=b""):
    packet = f_fixed32(1, sender) + f_fixed32(2, to)
    if encrypt:
        key = KEYS[channel]
        packet += f_varint(3, channel_hash(channel, key))
        packet += f_bytes(5, aes_ctr(key, packet_id, sender, data))
    else:
        packet += f_bytes(4, data)
    packet += f_fixed32(6, packet_id) + f_fixed32(7, 1760000000) + f_float(8, snr)
    packet += f_varint(9, hop_limit) + f_varint(12, rssi) + f_varint(15, hop_start) + extra
    return (f_bytes(1, packet) + f_bytes(2, channel if channel_id is None else channel_id) +
            f_bytes(3, gateway))


# --- corpora ------------------------------------------------------------------------------
def write(harness, name, content):
    d = CORPUS / harness
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    (d / name).write_bytes(content)


def envelopes():
    h = "fuzz_envelope"
    vectors = json.loads((VECTORS / "envelopes.json").read_text())["envelopes"]
    for v in vectors:
        raw = bytes.fromhex(v["hex"])
        write(h, "vec_%s" % v["name"], b"\x00" + raw)
        if "map_report" in v["expect"]:
            write(h, "vec_%s_map_topic" % v["name"], b"\x02" + raw)
        if v["name"].startswith("G_"):
            write(h, "vec_%s_pki_topic" % v["name"], b"\x01" + raw)
    text = lambda t, **kw: data_msg(1, t.encode() if isinstance(t, str) else t, bitfield=1, **kw)
    seeds = {
        "text_broadcast": envelope(ALICE, BROADCAST, 1001, text("hello mesh")),
        "text_dm_to_bridge": envelope(ALICE, BRIDGE, 1002, text("for the bridge")),
        "text_dm_to_other": envelope(ALICE, 0x0BADCAFE, 1003, text("private")),
        "text_aes256": envelope(ALICE, BROADCAST, 1004, text("on Private"), channel="Private"),
        "text_aes128": envelope(ALICE, BROADCAST, 1005, text("on Yasenevo"), channel="Yasenevo"),
        "text_open": envelope(ALICE, BROADCAST, 1006, text("in the clear"), channel="Open"),
        "text_decoded": envelope(ALICE, BROADCAST, 1007, text("decoded <b>&amp;</b>"),
                                 encrypt=False),
        "text_html_utf8": envelope(ALICE, BROADCAST, 1008,
                                   text("Привет <all> & \"you\" 🌐 \u0000end")),
        "text_invalid_utf8": envelope(ALICE, BROADCAST, 1009, text(b"bad \xff\xfe \xc3( ok")),
        "text_whitespace": envelope(ALICE, BROADCAST, 1010, text(" \t\n ")),
        "text_long": envelope(ALICE, BROADCAST, 1011, text("x" * 120 + " " + "y" * 110)),
        "text_from_bridge": envelope(BRIDGE, BROADCAST, 1012, text("echo")),
        "text_gateway_is_bridge": envelope(ALICE, BROADCAST, 1013, text("x"),
                                           gateway="!7b000001"),
        "text_self_gateway": envelope(ALICE, BROADCAST, 1014, text("mine"), gateway="!a1b2c3d4"),
        "text_id_zero": envelope(ALICE, BROADCAST, 0, text("no id")),
        "text_hops_bad": envelope(ALICE, BROADCAST, 1015, text("hops"), hop_limit=7,
                                  hop_start=3),
        "nodeinfo": envelope(ALICE, BROADCAST, 1016,
                             data_msg(4, user_msg(ALICE, "Base Camp", "BC", 43, bytes(range(32))))),
        "position": envelope(ALICE, BROADCAST, 1017,
                             data_msg(3, position_msg(457572352, 52035584, 216, 1760000000, 14))),
        "telemetry": envelope(ALICE, BROADCAST, 1018, data_msg(67, telemetry_msg(87, 4.01))),
        "telemetry_powered": envelope(ALICE, BROADCAST, 1019,
                                      data_msg(67, telemetry_msg(101, 0.0)), encrypt=False),
        "pki_flag": envelope(ALICE, BRIDGE, 1020, b"\x01" * 24, channel="Open", channel_id="PKI",
                             extra=f_varint(17, 1) + f_bytes(16, bytes(32))),
        "undecryptable": envelope(ALICE, BROADCAST, 1021, text("wrong key"), channel="Secret"),
        "environment": envelope(ALICE, BROADCAST, 1024, data_msg(67, environment_msg(21.5, 45.0, 1013.2))),
        "neighbors": envelope(ALICE, BROADCAST, 1025, data_msg(71, neighbors_msg(
            ALICE, [(BRIDGE, 6.25), (0x0badcafe, -3.0)] * 6))),
        "traceroute_reply": envelope(ALICE, BRIDGE, 1026, data_msg(
            70, route_msg([0x0d0d0d0d], [25, 12], [0x0d0d0d0d], [-10, -128]), request_id=77)),
        "traceroute_long": envelope(ALICE, BRIDGE, 1027, data_msg(
            70, route_msg(list(range(1, 12)), [-128] * 12, [1] * 9, [3] * 20), request_id=78)),
        "waypoint": envelope(ALICE, BROADCAST, 1028, data_msg(
            8, waypoint_msg(5, 457572352, 52035584, "Hut <b>", "water & wood"))),
        "waypoint_expired": envelope(ALICE, BROADCAST, 1029, data_msg(
            8, waypoint_msg(6, -1, -1, "W" * 40, "D" * 120, expire=1))),
    }
    for name, raw in seeds.items():
        write(h, name, b"\x00" + raw)
    write(h, "pki_topic", b"\x01" + envelope(ALICE, BRIDGE, 1022, b"\x02" * 30, channel="Open",
                                             channel_id="PKI"))
    write(h, "map_report", b"\x02" + envelope(ALICE, BROADCAST, 1023, data_msg(
        73, map_report_msg("Ridge Router", "RR", -399950032, 1757226340)), encrypt=False))
    write(h, "empty", b"\x00")


def json_uplinks():
    h = "fuzz_json_uplink"
    doc = json.loads((VECTORS / "json_uplink.json").read_text())
    for s in doc["samples"]:
        write(h, "vec_" + s["name"], s["payload"])
    write(h, "vec_sendtext", doc["downlink_example"]["payload"])

    def uplink(**fields):
        base = {"channel": 0, "from": ALICE, "id": 777, "sender": "!11111111", "to": BROADCAST,
                "timestamp": 1760000000, "type": "text", "snr": 6.5, "rssi": -90,
                "hop_start": 3, "hops_away": 1}
        base.update(fields)
        return json.dumps(base, ensure_ascii=False, separators=(",", ":"))

    write(h, "text_broadcast", uplink(payload={"text": "hello <mesh> & all"}))
    write(h, "text_dm_to_bridge", uplink(to=BRIDGE, payload={"text": "for the bridge"}))
    write(h, "text_json_value", uplink(payload={"a": [1, 2.5, "x"], "b": None}))
    write(h, "text_number", uplink(payload=42))
    write(h, "text_from_bridge_sender", uplink(sender="!7b000001", payload={"text": "x"}))
    write(h, "text_from_gateway", uplink(**{"from": 0x67EA9400, "sender": "!67ea9400"},
                                         payload={"text": "Alice: hi"}))
    write(h, "text_utf8", uplink(payload={"text": "Привет 🌐 \u0000"}, channel=3))
    write(h, "text_signed", uplink(**{"from": -1, "to": -2}, payload={"text": "old"}))
    write(h, "nodeinfo", uplink(type="nodeinfo", payload={"id": "!a1b2c3d4", "longname": "Base",
                                                          "shortname": "BC", "hardware": 43,
                                                          "role": 2}))
    write(h, "position_zero", uplink(type="position", payload={"latitude_i": 0, "longitude_i": 0}))
    write(h, "not_object", "[1,2,3]")
    write(h, "bad_types", '{"from":"1","id":1.5,"type":7}')


UPDATE_ID = [1000]


def update(text=None, chat=-1001, user=5, chat_type="supergroup", **extra):
    UPDATE_ID[0] += 1
    msg = {"message_id": UPDATE_ID[0] * 10, "date": 1760000000,
           "chat": {"id": chat, "type": chat_type, "title": "Mesh"},
           "from": {"id": user, "is_bot": False, "first_name": "Alice", "last_name": "Ridge",
                    "username": "alice"}}
    if text is not None:
        msg["text"] = text
    msg.update(extra)
    return {"update_id": UPDATE_ID[0], "message": msg}


def updates_body(*updates):
    return json.dumps({"ok": True, "result": list(updates)}, ensure_ascii=False)


def telegram():
    h = "fuzz_telegram"
    # Mode byte: bit 0 = the body answers getMe; bits 1-3 = status index
    # (200, 200, 400, 401, 404, 409, 429, 502).
    def updates(name, *ups):
        write(h, name, b"\x00" + updates_body(*ups).encode())

    write(h, "getme_ok", b"\x01" + json.dumps(
        {"ok": True, "result": {"id": 9, "is_bot": True, "first_name": "tgmesh",
                                "username": "tgmesh_bot", "can_join_groups": True}}).encode())
    write(h, "getme_unauthorized", b"\x07" + b'{"ok":false,"error_code":401,'
          b'"description":"Unauthorized"}')
    updates("send", update("/send hello mesh"))
    updates("send_addressed", update("/send@tgmesh_bot hi all"))
    updates("send_other_bot", update("/send@other_bot hi"))
    updates("send_empty", update("/send"), update("/send    "))
    updates("send_long", update("/send " + ("word " * 60)), update("/send " + "y" * 1200))
    updates("send_to_node", update("/send_to_node !a1b2c3d4 are you there?"),
            update("/send_to_node base camp hi"), update('/send_to_node "Base Camp" hi'),
            update("/send_to_node BC hi"), update("/send_to_node nobody hi"),
            update("/send_to_node Twin x"), update("/send_to_node"))
    updates("nodes", update("/nodes"))
    updates("probe", update("/probe"), update("/probe@tgmesh_bot", user=111))
    updates("help_start", update("/help"), update("/start"),
            update("/start", chat=42, user=42, chat_type="private"))
    updates("unknown", update("/frobnicate", chat=42, chat_type="private"),
            update("/frobnicate@tgmesh_bot"), update("/frobnicate"))
    updates("plain", update("plain words <b>&</b> Привет 🌐"))
    updates("caption", update(None, caption="a photo caption"))
    updates("no_text", update(None, photo=[{"file_id": "x"}]))
    updates("from_bot", {"update_id": 2000, "message": {
        "message_id": 1, "chat": {"id": -1001, "type": "group"},
        "from": {"id": 9, "is_bot": True, "first_name": "bot"}, "text": "/send loop"}})
    updates("unbridged_chat", update("/send x", chat=-999), update("hello", chat=-999))
    updates("topic_reply", update("/send in a topic", is_topic_message=True,
                                  message_thread_id=7, reply_to_message={"message_id": 5}))
    updates("reactions", {"update_id": 2100, "message_reaction": {
        "chat": {"id": -1001, "type": "supergroup"}, "message_id": 10, "date": 1760000000,
        "user": {"id": 5, "first_name": "Alice", "language_code": "ru"},
        "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "\U0001F44D"},
                                             {"type": "custom_emoji", "custom_emoji_id": "1"}]}},
        {"update_id": 2101, "message_reaction": {"chat": {"id": -1001}, "message_id": "x",
                                                 "new_reaction": "no"}})
    updates("location", update(None, location={"latitude": 45.7572352, "longitude": 5.2035584}),
            update(None, location={"latitude": 91, "longitude": "x"}),
            update("/trace base camp", **{"from": {"id": 5, "first_name": "A",
                                                    "language_code": "ru"}}),
            update("/block", reply_to_message={"message_id": 3, "from": {"id": 6}}))
    updates("names", update("/send x", **{"from": {"id": 6, "first_name": "",
                                                    "username": "bob"}}),
            update("/send y", **{"from": {"id": 7}}))
    write(h, "other_kinds", b"\x00" + json.dumps({"ok": True, "result": [
        {"update_id": 3000, "edited_message": {"message_id": 1}},
        {"update_id": 3001, "my_chat_member": {}},
        {"message": {"text": "no id"}},
        {"update_id": 2.5, "message": {}},
        {"update_id": 12, "message": {"text": "old id"}}]}).encode())
    write(h, "many_lines", b"\x00" + updates_body(update("/send " + "\n".join(
        "line %d &amp; <x>" % i for i in range(40)))).encode())
    write(h, "retry_after", b"\x0c" + b'{"ok":false,"error_code":429,"description":'
          b'"Too Many Requests: retry after 7","parameters":{"retry_after":7}}')
    write(h, "conflict", b"\x0a" + b'{"ok":false,"error_code":409,"description":"Conflict: '
          b'terminated by other getUpdates request"}')
    write(h, "migrated", b"\x04" + b'{"ok":false,"error_code":400,"description":"Bad Request: '
          b'group chat was upgraded to a supergroup chat","parameters":'
          b'{"migrate_to_chat_id":-1001234567890}}')
    write(h, "not_found", b"\x08" + b'{"ok":false,"error_code":404,"description":"Not Found"}')
    write(h, "bad_gateway_html", b"\x0e" + b"<html><body>502 Bad Gateway</body></html>")
    write(h, "ok_without_result", b"\x00" + b'{"ok":true}')
    write(h, "truncated", b"\x00" + updates_body(update("/send cut"))[:60].encode())


def configs():
    h = "fuzz_config"
    full = """# tgmesh options, as in conf/mosquitto.conf.example
bot_token 123456:ABCdef_ghi-JKL
chat_ids -1001234567890, 42
admin_ids 111,222
topic_root msh/US,msh/EU_868/sub
channel LongFast
channel_keys LongFast=AQ==, Private=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=, Open=AA==
node_id !7b000001
node_long_name Telegram bridge
node_short_name TG
downlink protobuf
gateway_id !67ea9400
hop_limit 3
max_text_bytes 200
mesh_interval 3
chat_to_mesh on
text_prefix "{name}: "
probe_topic msh/US/tgmesh/probe
state_file /tmp/tgmesh.json
language ru
api_url https://api.telegram.org/
proxy socks5h://127.0.0.1:1080
"""
    write(h, "full", full)
    write(h, "full_key_value", "\n".join(
        line.replace(" ", "=", 1) for line in full.splitlines() if not line.startswith("#")))
    write(h, "json_mode", "downlink json\ngateway_id !67ea9400\n")
    write(h, "json_mode_no_gateway", "downlink=json\n")
    write(h, "token_file", "bot_token_file token\nchat_ids -1001\n")
    write(h, "token_file_kv", "bot_token_file=token\nchat_ids=-1001\nbot_token=1:x\n")
    write(h, "token_file_bad", "bot_token_file token_bad\n")
    write(h, "token_file_empty", "bot_token_file=empty\n")
    write(h, "token_file_dir", "bot_token_file dir\n")
    write(h, "config_file", "config_file tgmesh.conf\nhop_limit 2\n")
    write(h, "config_file_kv", "config_file=nested.conf\nlanguage=en\n")
    write(h, "config_file_bad", "config_file=bad.conf\n")
    write(h, "config_file_missing", "config_file missing.conf\n")
    write(h, "channel_keys_bad", "channel_keys LongFast=AQ=,Bad=####\n")
    write(h, "channel_keys_lengths", "channel_keys=LongFast=AQ==,Short=AAAA,Twice=AQ==,Twice=Ag==\n")
    write(h, "channel_no_key", "channel Other\n")
    write(h, "ranges", "hop_limit 9\nmax_text_bytes 0\nmesh_interval -1\n")
    write(h, "ranges_kv", "hop_limit=+7\nmax_text_bytes=228\nmesh_interval=3600\n")
    write(h, "names", 'node_long_name "' + "L" * 40 + '"\nnode_short_name ABCDE\n')
    write(h, "api_urls", "api_url http://localhost:8081/\n")
    write(h, "api_urls_kv", "api_url=http://user:pw@127.0.0.1/\napi_url=http://127.example.com\n")
    write(h, "ipv6_url", "api_url http://[::1]:8081\n")
    write(h, "topics", "topic_root msh/#,msh//x\nprobe_topic /x/\n")
    write(h, "chat_ids_bad", "chat_ids 1,x,0\nadmin_ids -5\n")
    write(h, "unknown_and_case", "Unknown_Key value\nLANGUAGE en\nChat_To_Mesh OFF\n")
    write(h, "quotes", 'text_prefix "unterminated\n')
    write(h, "no_value", "channel\n")
    write(h, "state_file", "state_file /nonexistent/dir/state.json\n")
    write(h, "crlf", "hop_limit 4\r\nlanguage en\r\n\t# comment\r\n")
    write(h, "token_no_chats", "bot_token=123:abc\n")


def states():
    h = "fuzz_state"
    downlink = envelope(BRIDGE, BROADCAST, 4242, data_msg(1, b"Alice: hi", bitfield=1),
                        gateway="!7b000001")
    nodes = [
        {"id": "!a1b2c3d4", "long_name": "Base Camp", "short_name": "BC", "hw_model": 43,
         "role": 2, "public_key": base64.b64encode(bytes(range(32))).decode(),
         "last_heard": 1759999000,
         "receptions": [{"gateway": "!11111111", "hops": 1, "snr": 6.25, "rssi": -97,
                         "time": 1759999000},
                        {"gateway": "!22222222", "hops": 0, "snr": -3.5, "time": 1759998000}],
         "position": {"latitude_i": 457572352, "longitude_i": 52035584, "altitude": 216,
                      "time": 1759990000, "precision_bits": 14, "heard": 1759990000},
         "battery_level": 87, "voltage": 4.01,
         "environment": {"temperature": 21.5, "humidity": 45.0, "pressure": 1013.2, "at": 1759990000},
         "airtime": {"channel": 12.5, "tx": 1.25, "at": 1759990000},
         "neighbors": [{"id": "!0badcafe", "snr": 6.25}, {"id": "!12345678", "snr": -3.0}],
         "neighbors_at": 1759990000},
        {"id": "!0badcafe", "long_name": "Twin", "short_name": "TW", "last_heard": 1759000000,
         "battery_level": 101},
        {"id": "!0badcaff", "long_name": "Twin", "short_name": "TW", "last_heard": 1758000000},
        {"id": "!12345678", "short_name": "Ю", "last_heard": 0},
    ]
    full = {"version": 1, "node_id": "!7b000001", "packet_counter": 4242,
            "telegram_offset": 1001,
            "mesh_queue": [{"topic": "msh/US/2/e/LongFast/!7b000001",
                            "payload": base64.b64encode(downlink).decode()},
                           {"topic": "msh/US/2/e/LongFast/!7b000001",
                            "payload": base64.b64encode(downlink).decode(),
                            "client_id": "!67ea9400"}],
            "chat_queue": [{"chat_id": -1001, "html": "<b>Base Camp</b> (BC)\nhello"},
                           {"chat_id": 42, "html": "reply", "reply_to": 10010, "thread_id": 7}],
            "nodes": nodes, "blocked_users": [6, 7], "blocked_nodes": ["!0badcaff"]}
    write(h, "full", json.dumps(full, ensure_ascii=False, indent=1))
    write(h, "minimal", '{"version":1}')
    write(h, "fresh", json.dumps({"version": 1, "node_id": "!7b000001", "packet_counter": 0,
                                  "telegram_offset": 0, "mesh_queue": [], "chat_queue": [],
                                  "nodes": []}))
    write(h, "wrong_version", '{"version":2,"node_id":"!7b000001"}')
    write(h, "not_object", '[{"version":1}]')
    write(h, "bad_entries", json.dumps({
        "version": 1, "node_id": "!zz", "packet_counter": 4294967295,
        "telegram_offset": 9007199254740993,
        "mesh_queue": [{"topic": "t", "payload": "not base64"}, {"payload": "AA=="}, 5],
        "chat_queue": [{"chat_id": 1.5, "html": "x"}, {"chat_id": -1, "html": None}],
        "nodes": [{"id": "!a1b2c3d4", "receptions": [{"gateway": "!1", "hops": 9,
                                                       "snr": 1e300}] * 10,
                   "position": {"latitude_i": 1}, "public_key": "AAAA"},
                  {"id": 5}, {"long_name": "no id"}]}))
    write(h, "truncated", json.dumps(full)[:200])


def texts():
    h = "fuzz_text"

    def chunk(name, max_bytes, max_parts, prefix, text):
        prefix = prefix.encode() if isinstance(prefix, str) else prefix
        text = text.encode() if isinstance(text, str) else text
        write(h, name, bytes([max_bytes - 1, max_parts, len(prefix)]) + prefix + text)

    chunk("fits", 200, 5, "Alice: ", "Meet at the hut at 6")
    chunk("words", 40, 5, "Alice: ", " ".join(["word"] * 30))
    chunk("no_spaces", 40, 5, "Bob: ", "y" * 150)
    chunk("cyrillic", 30, 5, "Юля: ", "Привет всем на хребте, как слышно? " * 3)
    chunk("emoji", 20, 9, "", "🌐🏔️⛺" * 12)
    chunk("too_long", 30, 2, "Alice: ", "z" * 400)
    chunk("tiny_room", 8, 5, "ab", "xyz xyz xyz")
    chunk("invalid_utf8", 25, 5, b"\xc3", b"\xff\xfe abc \xe2\x82 def \xf0\x9f\x8c")
    chunk("spaces", 20, 5, "A: ", "a" + " " * 50 + "b")
    write(h, "base64_key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    write(h, "base64_short", "AQ==")
    write(h, "base64_noncanonical", "AB==")
    write(h, "hex", "d4f1bb3a20290759f0bcffabcf4e6901")
    write(h, "node_id", "!a1B2c3D4")
    write(h, "surrogate_overlong", b"\xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80 \xe0\x80\xaf")


def control():
    h = "fuzz_control"

    def request(name, *commands, **extra):
        write(h, name, json.dumps(dict({"commands": list(commands)}, **extra)))

    request("get_status", {"command": "getStatus", "correlationData": "s1"})
    request("list_nodes", {"command": "listNodes"},
            {"command": "listNodes", "filter": "twin", "count": 1, "offset": 1},
            {"command": "listNodes", "count": -1, "offset": 2, "correlationData": {"page": 2}})
    request("list_nodes_bad", {"command": "listNodes", "count": "many"},
            {"command": "listNodes", "offset": -1}, {"command": "listNodes", "filter": 5})
    request("get_node", {"command": "getNode", "node": "!a1b2c3d4"},
            {"command": "getNode", "node": 2712847316}, {"command": "getNode", "node": "Base Camp"},
            {"command": "getNode", "node": "BC"}, {"command": "getNode", "node": "KEY"})
    request("get_node_bad", {"command": "getNode", "node": "Twin"},
            {"command": "getNode", "node": "nobody"}, {"command": "getNode", "node": 0},
            {"command": "getNode", "node": "!00000042"}, {"command": "getNode"})
    request("send_text", {"command": "sendText", "text": "Net check tonight at 20:00"},
            {"command": "sendText", "node": "Keyed Node", "text": "pki dm"},
            {"command": "sendText", "node": "!a1b2c3d4", "text": "legacy dm"},
            {"command": "sendText", "channel": "Private", "text": "private broadcast"})
    request("send_text_bad", {"command": "sendText"},
            {"command": "sendText", "text": "  \n"},
            {"command": "sendText", "text": "x" * 1200},
            {"command": "sendText", "channel": "NotBridged", "text": "x"},
            {"command": "sendText", "channel": "LongFast", "node": "BC", "text": "x"},
            {"command": "sendText", "node": "Twin", "text": "x"})
    request("send_text_long", {"command": "sendText", "text": "Привет всем 🌐 " * 40})
    request("reload", {"command": "reloadConfig"}, {"command": "reloadConfig"},
            {"command": "sendText", "text": "after reload"}, {"command": "reloadConfig"},
            {"command": "sendText", "node": "KEY", "text": "json mode"},
            {"command": "reloadConfig"}, {"command": "getStatus"})
    # 1e400 is beyond a double: cJSON reads infinity and prints it as null.
    write(h, "correlation", '{"commands":[{"command":"getStatus","correlationData":[1,"two",null,'
          '1e400]},{"correlationData":"no name"},{"command":"formatDisk","correlationData":7}]}')
    request("too_many", *[{"command": "getStatus"}] * 101)
    request("not_array", commands=None)
    write(h, "commands_object", '{"commands":{"command":"getStatus"}}')
    write(h, "not_json", '{"commands":[{"command":"getStatus"}')
    write(h, "top_array", '[{"command":"getStatus"}]')
    write(h, "odd_elements", '{"commands":[5,[],null,{"command":5},{"command":"\\u0000x"}]}')


def main():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    envelopes()
    json_uplinks()
    telegram()
    configs()
    states()
    texts()
    control()
    for d in sorted(CORPUS.iterdir()):
        print("%-18s %3d files" % (d.name, len(list(d.iterdir()))))


if __name__ == "__main__":
    main()
