"""Minimal hand-written protobuf codec for the Meshtastic messages the bridge uses.

Written from the field numbers of the Meshtastic protobufs (mesh.proto, mqtt.proto,
telemetry.proto of meshtastic/protobufs), not from our C++ or .proto, so that it is an
independent oracle.  Messages are plain dicts keyed
by field name.  Decoding skips unknown fields; encoding emits the keys that are present
(value not None) in field-number order -- even zero values, so a test can craft any
wire form; leave a key out to omit the field.
"""
import struct

BROADCAST = 0xFFFFFFFF

# Port numbers (portnums.proto) the tests care about.
TEXT_MESSAGE_APP = 1
POSITION_APP = 3
NODEINFO_APP = 4
ROUTING_APP = 5
WAYPOINT_APP = 8
TELEMETRY_APP = 67
TRACEROUTE_APP = 70
NEIGHBORINFO_APP = 71
MAP_REPORT_APP = 73

# Scalar kinds.  'uint' covers uint32/uint64/enum; 'int32' is sign-extended to a
# 10-byte varint on the wire and truncated back to 32 bits when decoded.
_VARINT_KINDS = ("uint", "int32", "sint32", "bool")
_FIXED32_KINDS = ("fixed32", "sfixed32", "float")
_LEN_KINDS = ("string", "bytes", "message")

# Schema: {field_number: (name, kind[, sub_schema][, "repeated"])}
# Repeated scalars are encoded packed (proto3, as the firmware does); decoding accepts
# both the packed and the unpacked form.
ROUTE_DISCOVERY = {
    1: ("route", "fixed32", None, "repeated"),
    2: ("snr_towards", "int32", None, "repeated"),
    3: ("route_back", "fixed32", None, "repeated"),
    4: ("snr_back", "int32", None, "repeated"),
}
ROUTING = {
    1: ("route_request", "message", ROUTE_DISCOVERY),
    2: ("route_reply", "message", ROUTE_DISCOVERY),
    3: ("error_reason", "uint"),
}
DATA = {
    1: ("portnum", "uint"),
    2: ("payload", "bytes"),
    3: ("want_response", "bool"),
    4: ("dest", "fixed32"),
    5: ("source", "fixed32"),
    6: ("request_id", "fixed32"),
    7: ("reply_id", "fixed32"),
    8: ("emoji", "fixed32"),
    9: ("bitfield", "uint"),
    10: ("xeddsa_signature", "bytes"),
}
MESH_PACKET = {
    1: ("from", "fixed32"),
    2: ("to", "fixed32"),
    3: ("channel", "uint"),
    4: ("decoded", "message", DATA),
    5: ("encrypted", "bytes"),
    6: ("id", "fixed32"),
    7: ("rx_time", "fixed32"),
    8: ("rx_snr", "float"),
    9: ("hop_limit", "uint"),
    10: ("want_ack", "bool"),
    11: ("priority", "uint"),
    12: ("rx_rssi", "int32"),
    13: ("delayed", "uint"),
    14: ("via_mqtt", "bool"),
    15: ("hop_start", "uint"),
    16: ("public_key", "bytes"),
    17: ("pki_encrypted", "bool"),
    18: ("next_hop", "uint"),
    19: ("relay_node", "uint"),
    20: ("tx_after", "uint"),
    21: ("transport_mechanism", "uint"),
}
SERVICE_ENVELOPE = {
    1: ("packet", "message", MESH_PACKET),
    2: ("channel_id", "string"),
    3: ("gateway_id", "string"),
}
USER = {
    1: ("id", "string"),
    2: ("long_name", "string"),
    3: ("short_name", "string"),
    4: ("macaddr", "bytes"),
    5: ("hw_model", "uint"),
    6: ("is_licensed", "bool"),
    7: ("role", "uint"),
    8: ("public_key", "bytes"),
    9: ("is_unmessagable", "bool"),
}
POSITION = {
    1: ("latitude_i", "sfixed32"),
    2: ("longitude_i", "sfixed32"),
    3: ("altitude", "int32"),
    4: ("time", "fixed32"),
    5: ("location_source", "uint"),
    6: ("altitude_source", "uint"),
    7: ("timestamp", "fixed32"),
    8: ("timestamp_millis_adjust", "int32"),
    9: ("altitude_hae", "sint32"),
    10: ("altitude_geoidal_separation", "sint32"),
    11: ("PDOP", "uint"),
    12: ("HDOP", "uint"),
    13: ("VDOP", "uint"),
    14: ("gps_accuracy", "uint"),
    15: ("ground_speed", "uint"),
    16: ("ground_track", "uint"),
    17: ("fix_quality", "uint"),
    18: ("fix_type", "uint"),
    19: ("sats_in_view", "uint"),
    20: ("sensor_id", "uint"),
    21: ("next_update", "uint"),
    22: ("seq_number", "uint"),
    23: ("precision_bits", "uint"),
}
DEVICE_METRICS = {
    1: ("battery_level", "uint"),
    2: ("voltage", "float"),
    3: ("channel_utilization", "float"),
    4: ("air_util_tx", "float"),
    5: ("uptime_seconds", "uint"),
}
ENVIRONMENT_METRICS = {
    1: ("temperature", "float"),
    2: ("relative_humidity", "float"),
    3: ("barometric_pressure", "float"),
}
# Telemetry's metrics are a oneof (variant): firmware sends one kind per packet; if a
# crafted packet carries several, a protobuf decoder keeps the last one on the wire.
TELEMETRY = {
    1: ("time", "fixed32"),
    2: ("device_metrics", "message", DEVICE_METRICS),
    3: ("environment_metrics", "message", ENVIRONMENT_METRICS),
}
NEIGHBOR = {
    1: ("node_id", "uint"),
    2: ("snr", "float"),
    3: ("last_rx_time", "fixed32"),
    4: ("node_broadcast_interval_secs", "uint"),
}
NEIGHBOR_INFO = {
    1: ("node_id", "uint"),
    2: ("last_sent_by_id", "uint"),
    3: ("node_broadcast_interval_secs", "uint"),
    4: ("neighbors", "message", NEIGHBOR, "repeated"),
}
BOUNDING_BOX = {
    1: ("longitude_west_i", "sfixed32"),
    2: ("latitude_south_i", "sfixed32"),
    3: ("longitude_east_i", "sfixed32"),
    4: ("latitude_north_i", "sfixed32"),
}
# latitude_i/longitude_i are `optional` (explicit presence): leave the key out to omit them.
WAYPOINT = {
    1: ("id", "uint"),
    2: ("latitude_i", "sfixed32"),
    3: ("longitude_i", "sfixed32"),
    4: ("expire", "uint"),
    5: ("locked_to", "uint"),
    6: ("name", "string"),
    7: ("description", "string"),
    8: ("icon", "fixed32"),
    9: ("geofence_radius", "uint"),
    10: ("bounding_box", "message", BOUNDING_BOX),
    11: ("notify_on_enter", "bool"),
    12: ("notify_on_exit", "bool"),
    13: ("notify_favorites_only", "bool"),
}
MAP_REPORT = {
    1: ("long_name", "string"),
    2: ("short_name", "string"),
    3: ("role", "uint"),
    4: ("hw_model", "uint"),
    5: ("firmware_version", "string"),
    6: ("region", "uint"),
    7: ("modem_preset", "uint"),
    8: ("has_default_channel", "bool"),
    9: ("latitude_i", "sfixed32"),
    10: ("longitude_i", "sfixed32"),
    11: ("altitude", "int32"),
    12: ("position_precision", "uint"),
    13: ("num_online_local_nodes", "uint"),
    14: ("has_opted_report_location", "bool"),
}

# Data.payload schema by port number, used by decode_data_payload().
PAYLOAD_SCHEMAS = {
    POSITION_APP: ("position", POSITION),
    NODEINFO_APP: ("user", USER),
    ROUTING_APP: ("routing", ROUTING),
    WAYPOINT_APP: ("waypoint", WAYPOINT),
    TELEMETRY_APP: ("telemetry", TELEMETRY),
    TRACEROUTE_APP: ("route_discovery", ROUTE_DISCOVERY),
    NEIGHBORINFO_APP: ("neighborinfo", NEIGHBOR_INFO),
    MAP_REPORT_APP: ("map_report", MAP_REPORT),
}


# ---------------------------------------------------------------- wire primitives

def encode_varint(value):
    """Unsigned varint; negative values are taken as 64-bit two's complement (10 bytes)."""
    if value < 0:
        value &= 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(buf, pos):
    """Returns (value, new_pos); raises ValueError on truncation or > 10 bytes."""
    result = 0
    shift = 0
    for i in range(10):
        if pos >= len(buf):
            raise ValueError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
    raise ValueError("varint longer than 10 bytes")


def zigzag_encode32(n):
    return ((n << 1) ^ (n >> 31)) & 0xFFFFFFFF


def zigzag_decode(n):
    return (n >> 1) ^ -(n & 1)


def _to_int32(n):
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n & 0x80000000 else n


def _key(number, wire_type):
    return encode_varint((number << 3) | wire_type)


# ---------------------------------------------------------------- encoding

def _encode_scalar_body(kind, value):
    """Bytes of one scalar value without its key (used for packed repeated too)."""
    if kind == "uint":
        if value < 0:
            raise ValueError("negative value for unsigned field")
        return encode_varint(value)
    if kind == "int32":
        return encode_varint(int(value))
    if kind == "sint32":
        return encode_varint(zigzag_encode32(int(value)))
    if kind == "bool":
        return encode_varint(1 if value else 0)
    if kind == "fixed32":
        return struct.pack("<I", value & 0xFFFFFFFF)
    if kind == "sfixed32":
        return struct.pack("<i", value)
    if kind == "float":
        return struct.pack("<f", value)
    raise ValueError("not a scalar kind: %s" % kind)


def _wire_type(kind):
    if kind in _VARINT_KINDS:
        return 0
    if kind in _FIXED32_KINDS:
        return 5
    return 2


def _encode_len(number, body):
    return _key(number, 2) + encode_varint(len(body)) + body


def _encode_single(number, kind, sub, value):
    if kind == "message":
        # Pre-encoded bytes are accepted so tests can embed arbitrary sub-messages.
        body = value if isinstance(value, (bytes, bytearray)) else encode(sub, value)
        return _encode_len(number, bytes(body))
    if kind == "string":
        return _encode_len(number, value.encode("utf-8") if isinstance(value, str) else bytes(value))
    if kind == "bytes":
        return _encode_len(number, bytes(value))
    return _key(number, _wire_type(kind)) + _encode_scalar_body(kind, value)


def encode(schema, msg):
    """Encodes dict `msg` with `schema`; keys not in the schema raise KeyError."""
    names = {spec[0]: num for num, spec in schema.items()}
    unknown = set(msg) - set(names)
    if unknown:
        raise KeyError("unknown fields %s" % sorted(unknown))
    out = bytearray()
    for number in sorted(schema):
        spec = schema[number]
        name, kind = spec[0], spec[1]
        sub = spec[2] if len(spec) > 2 else None
        repeated = len(spec) > 3 and spec[3] == "repeated"
        value = msg.get(name)
        if value is None:
            continue
        if not repeated:
            out += _encode_single(number, kind, sub, value)
        elif kind in _LEN_KINDS:
            for item in value:
                out += _encode_single(number, kind, sub, item)
        elif value:
            # proto3 packs repeated scalars.
            out += _encode_len(number, b"".join(_encode_scalar_body(kind, v) for v in value))
    return bytes(out)


# ---------------------------------------------------------------- decoding

def _decode_scalar(kind, wire_type, buf, pos):
    if wire_type == 0:
        raw, pos = decode_varint(buf, pos)
        if kind == "int32":
            return _to_int32(raw), pos
        if kind == "sint32":
            return zigzag_decode(raw & 0xFFFFFFFF), pos
        if kind == "bool":
            return bool(raw), pos
        return raw, pos
    if wire_type == 5:
        if pos + 4 > len(buf):
            raise ValueError("truncated fixed32")
        chunk = buf[pos:pos + 4]
        fmt = {"sfixed32": "<i", "float": "<f"}.get(kind, "<I")
        return struct.unpack(fmt, chunk)[0], pos + 4
    raise ValueError("wire type %d for %s" % (wire_type, kind))


def _skip(wire_type, buf, pos):
    if wire_type == 0:
        return decode_varint(buf, pos)[1]
    if wire_type == 1:
        return pos + 8
    if wire_type == 2:
        length, pos = decode_varint(buf, pos)
        return pos + length
    if wire_type == 5:
        return pos + 4
    raise ValueError("unsupported wire type %d" % wire_type)


def decode(schema, buf):
    """Decodes bytes into a dict keyed by field name; unknown fields are skipped."""
    buf = bytes(buf)
    msg = {}
    pos = 0
    while pos < len(buf):
        key, pos = decode_varint(buf, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise ValueError("field number 0")
        spec = schema.get(number)
        if spec is None:
            pos = _skip(wire_type, buf, pos)
            if pos > len(buf):
                raise ValueError("truncated unknown field %d" % number)
            continue
        name, kind = spec[0], spec[1]
        sub = spec[2] if len(spec) > 2 else None
        repeated = len(spec) > 3 and spec[3] == "repeated"
        if kind in _LEN_KINDS or (repeated and wire_type == 2):
            if wire_type != 2:
                raise ValueError("field %s: wire type %d, expected 2" % (name, wire_type))
            length, pos = decode_varint(buf, pos)
            if pos + length > len(buf):
                raise ValueError("field %s: truncated" % name)
            body = buf[pos:pos + length]
            pos += length
            if kind == "message":
                value = decode(sub, body)
            elif kind == "string":
                value = body.decode("utf-8")
            elif kind == "bytes":
                value = body
            else:
                # Packed repeated scalars.
                items, p = [], 0
                scalar_wire = _wire_type(kind)
                while p < len(body):
                    item, p = _decode_scalar(kind, scalar_wire, body, p)
                    items.append(item)
                msg.setdefault(name, []).extend(items)
                continue
        else:
            value, pos = _decode_scalar(kind, wire_type, buf, pos)
        if repeated:
            msg.setdefault(name, []).append(value)
        else:
            msg[name] = value  # last one wins, as in protobuf
    return msg


# ---------------------------------------------------------------- convenience

def encode_envelope(envelope):
    return encode(SERVICE_ENVELOPE, envelope)


def decode_envelope(buf):
    return decode(SERVICE_ENVELOPE, buf)


def encode_data(data):
    return encode(DATA, data)


def decode_data(buf):
    return decode(DATA, buf)


def decode_data_payload(data):
    """Returns (key, value) for a Data dict's payload: ('text', str) for text
    (None if not valid UTF-8), ('user', dict) for NODEINFO, etc.; (None, None) otherwise."""
    portnum = data.get("portnum", 0)
    payload = data.get("payload", b"")
    if portnum == TEXT_MESSAGE_APP:
        try:
            return "text", payload.decode("utf-8")
        except UnicodeDecodeError:
            return "text", None
    if portnum in PAYLOAD_SCHEMAS:
        key, schema = PAYLOAD_SCHEMAS[portnum]
        return key, decode(schema, payload)
    return None, None


def node_num(node_id):
    """'!7b000001' -> 0x7b000001."""
    if not (isinstance(node_id, str) and node_id.startswith("!") and len(node_id) == 9):
        raise ValueError("bad node id %r" % (node_id,))
    return int(node_id[1:], 16)


def node_id(num):
    """0x7b000001 -> '!7b000001'."""
    return "!%08x" % (num & 0xFFFFFFFF)
