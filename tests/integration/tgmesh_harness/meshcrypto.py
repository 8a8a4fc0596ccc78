"""Meshtastic channel crypto (doc section 5) and envelope builders for uplink tests.

PSK expansion, channel hash, AES-CTR with the Meshtastic nonce, and PKI
(X25519 + AES-256-CCM) helpers.  Uses Debian's python3-cryptography.
"""
import base64
import hashlib
import os
import struct
import time

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from . import meshpb

DEFAULT_KEY = bytes.fromhex("d4f1bb3a20290759f0bcffabcf4e6901")
DEFAULT_PSK_B64 = "AQ=="
DEFAULT_GATEWAY = "!a1b2c3d4"


def expand_psk(psk):
    """Channel PSK bytes -> AES key bytes (b'' = no encryption), per doc 5.1."""
    psk = bytes(psk)
    n = len(psk)
    if n == 0:
        return b""
    if n == 1:
        index = psk[0]
        if index == 0:
            return b""
        return DEFAULT_KEY[:-1] + bytes([(DEFAULT_KEY[-1] + index - 1) & 0xFF])
    if n < 16:
        return psk + bytes(16 - n)
    if n == 16 or n == 32:
        return psk
    if n < 32:
        return psk + bytes(32 - n)
    raise ValueError("PSK longer than 32 bytes")


def key_from_b64(psk_b64):
    return expand_psk(base64.b64decode(psk_b64, validate=True))


def channel_hash(name, key):
    """XOR of the channel-name bytes XOR XOR of the expanded key bytes (8 bits)."""
    h = 0
    for b in name.encode("utf-8"):
        h ^= b
    for b in key:
        h ^= b
    return h


def nonce(packet_id, from_num):
    """16-byte IV: packet id as u64 LE, from as u32 LE, 4 zero bytes."""
    return struct.pack("<QII", packet_id & 0xFFFFFFFF, from_num & 0xFFFFFFFF, 0)


def aes_ctr(key, packet_id, from_num, data):
    """Encrypts or decrypts (same operation).  An empty key means no encryption."""
    if not key:
        return bytes(data)
    if len(key) not in (16, 32):
        raise ValueError("AES key must be 16 or 32 bytes")
    cipher = Cipher(algorithms.AES(key), modes.CTR(nonce(packet_id, from_num)))
    enc = cipher.encryptor()
    return enc.update(bytes(data)) + enc.finalize()


def random_packet_id():
    return int.from_bytes(os.urandom(4), "little") or 1


# ---------------------------------------------------------------- envelope builders

def make_envelope(from_num, to_num, packet_id, data, channel="LongFast", psk_b64=DEFAULT_PSK_B64,
                  gateway=DEFAULT_GATEWAY, hop_limit=3, hop_start=3, rx_snr=None, rx_rssi=None,
                  rx_time=None, want_ack=None, encrypted=True, extra_packet_fields=None):
    """ServiceEnvelope bytes carrying Data dict `data`.

    encrypted=True: `encrypted` = AES-CTR(Data) with the channel key and
    packet.channel = channel hash (what gateways publish by default);
    encrypted=False: a plaintext `decoded` packet with channel index 0.
    """
    packet = {"from": from_num, "to": to_num}
    if encrypted:
        key = key_from_b64(psk_b64)
        packet["channel"] = channel_hash(channel, key)
        packet["encrypted"] = aes_ctr(key, packet_id, from_num, meshpb.encode_data(data))
    else:
        packet["decoded"] = data
    packet.update({
        "id": packet_id, "rx_time": rx_time, "rx_snr": rx_snr, "hop_limit": hop_limit,
        "want_ack": want_ack, "rx_rssi": rx_rssi, "hop_start": hop_start,
    })
    packet.update(extra_packet_fields or {})
    packet = {k: v for k, v in packet.items() if v is not None}
    return meshpb.encode_envelope({"packet": packet, "channel_id": channel, "gateway_id": gateway})


def text_data(text, bitfield=1, reply_id=None, emoji=None):
    data = {"portnum": meshpb.TEXT_MESSAGE_APP, "payload": text.encode("utf-8"),
            "reply_id": reply_id, "emoji": emoji, "bitfield": bitfield}
    return {k: v for k, v in data.items() if v is not None}


def make_encrypted_text_envelope(from_num, to_num, packet_id, text, channel="LongFast",
                                 psk_b64=DEFAULT_PSK_B64, gateway=DEFAULT_GATEWAY, hop_limit=3,
                                 hop_start=3, rx_snr=None, rx_rssi=None, bitfield=1, **kw):
    """Defaults reproduce envelope vector I when gateway='!7b000001'."""
    return make_envelope(from_num, to_num, packet_id, text_data(text, bitfield=bitfield),
                         channel=channel, psk_b64=psk_b64, gateway=gateway, hop_limit=hop_limit,
                         hop_start=hop_start, rx_snr=rx_snr, rx_rssi=rx_rssi, **kw)


def make_nodeinfo_envelope(from_num, long_name, short_name, packet_id=None, to_num=meshpb.BROADCAST,
                           hw_model=255, role=0, public_key=None, want_response=None, **kw):
    user = {"id": meshpb.node_id(from_num), "long_name": long_name, "short_name": short_name,
            "hw_model": hw_model, "role": role, "public_key": public_key}
    data = {"portnum": meshpb.NODEINFO_APP,
            "payload": meshpb.encode(meshpb.USER, {k: v for k, v in user.items() if v is not None}),
            "want_response": want_response, "bitfield": 1}
    data = {k: v for k, v in data.items() if v is not None}
    return make_envelope(from_num, to_num, packet_id or random_packet_id(), data, **kw)


def make_position_envelope(from_num, latitude_i, longitude_i, altitude=None, pos_time=None,
                           precision_bits=32, packet_id=None, to_num=meshpb.BROADCAST, **kw):
    pos = {"latitude_i": latitude_i, "longitude_i": longitude_i, "altitude": altitude,
           "time": pos_time if pos_time is not None else int(time.time()),
           "precision_bits": precision_bits}
    data = {"portnum": meshpb.POSITION_APP, "bitfield": 1,
            "payload": meshpb.encode(meshpb.POSITION, {k: v for k, v in pos.items() if v is not None})}
    return make_envelope(from_num, to_num, packet_id or random_packet_id(), data, **kw)


def make_telemetry_envelope(from_num, battery_level=None, voltage=None, channel_utilization=None,
                            air_util_tx=None, uptime_seconds=None, telemetry_time=None,
                            packet_id=None, to_num=meshpb.BROADCAST, temperature=None,
                            relative_humidity=None, barometric_pressure=None, **kw):
    """A TELEMETRY_APP packet.  device_metrics carries battery_level, voltage,
    channel_utilization, air_util_tx and uptime_seconds; environment_metrics (only when one
    of temperature, relative_humidity, barometric_pressure is given) the environment.  The
    metrics are a oneof in telemetry.proto: firmware sends one kind per packet, so with
    environment values device_metrics is left out unless device values are given too (then
    both are on the wire and a protobuf decoder keeps environment_metrics, the last)."""
    metrics = {"battery_level": battery_level, "voltage": voltage,
               "channel_utilization": channel_utilization, "air_util_tx": air_util_tx,
               "uptime_seconds": uptime_seconds}
    metrics = {k: v for k, v in metrics.items() if v is not None}
    environment = {"temperature": temperature, "relative_humidity": relative_humidity,
                   "barometric_pressure": barometric_pressure}
    environment = {k: v for k, v in environment.items() if v is not None}
    telemetry = {"time": telemetry_time if telemetry_time is not None else int(time.time())}
    if metrics or not environment:
        telemetry["device_metrics"] = metrics
    if environment:
        telemetry["environment_metrics"] = environment
    data = {"portnum": meshpb.TELEMETRY_APP, "bitfield": 1,
            "payload": meshpb.encode(meshpb.TELEMETRY, telemetry)}
    return make_envelope(from_num, to_num, packet_id or random_packet_id(), data, **kw)


def make_waypoint_envelope(from_num, lat_i, lon_i, name, description="", expire=0, waypoint_id=None,
                           icon=0x1F4CD, packet_id=None, to_num=meshpb.BROADCAST, locked_to=0, **kw):
    """A WAYPOINT_APP packet (broadcast by default), as the apps send one: latitude_i and
    longitude_i (degrees * 1e7; None leaves one out: they are `optional`), name, description,
    expire (epoch seconds, 0 = never), icon (a Unicode code point, default U+1F4CD 📍).
    waypoint_id None = a random id.  Like the firmware's proto3 encoding, zero expire /
    locked_to / icon and empty strings are left off the wire."""
    waypoint = {"id": waypoint_id if waypoint_id is not None else random_packet_id(),
                "latitude_i": lat_i, "longitude_i": lon_i,
                "expire": expire or None, "locked_to": locked_to or None,
                "name": name or None, "description": description or None, "icon": icon or None}
    data = {"portnum": meshpb.WAYPOINT_APP, "bitfield": 1,
            "payload": meshpb.encode(meshpb.WAYPOINT, {k: v for k, v in waypoint.items() if v is not None})}
    return make_envelope(from_num, to_num, packet_id or random_packet_id(), data, **kw)


def make_traceroute_reply_envelope(from_num, to_num, request_id, route=(), snr_towards=(), route_back=(),
                                   snr_back=(), packet_id=None, **kw):
    """The TRACEROUTE_APP (70) answer of `from_num` (the traced node) to the request
    `request_id` sent by `to_num`: Data.request_id is the request's packet id (firmware
    setReplyTo) and the payload a RouteDiscovery -- route / route_back: the node numbers
    between the two ends; snr_towards / snr_back: SNR * 4 per hop as int8 (-128 = unknown),
    one more than the route.  Repeated fields are packed, as the firmware sends them."""
    rd = {"route": list(route), "snr_towards": list(snr_towards), "route_back": list(route_back),
          "snr_back": list(snr_back)}
    data = {"portnum": meshpb.TRACEROUTE_APP, "bitfield": 1, "request_id": request_id,
            "payload": meshpb.encode(meshpb.ROUTE_DISCOVERY, {k: v for k, v in rd.items() if v})}
    return make_envelope(from_num, to_num, packet_id or random_packet_id(), data, **kw)


def make_neighborinfo_envelope(from_num, neighbors=(), broadcast_interval_secs=1800, last_sent_by_id=None,
                               packet_id=None, to_num=meshpb.BROADCAST, **kw):
    """A NEIGHBORINFO_APP (71) broadcast: neighbors = [(node_num, snr_float), ...].  As the
    firmware (NeighborInfoModule::collectNeighborInfo) fills it: node_id and last_sent_by_id
    = the sender, node_broadcast_interval_secs = its interval, and each neighbour with only
    node_id and snr."""
    info = {"node_id": from_num,
            "last_sent_by_id": last_sent_by_id if last_sent_by_id is not None else from_num,
            "node_broadcast_interval_secs": broadcast_interval_secs,
            "neighbors": [{"node_id": num, "snr": float(snr)} for num, snr in neighbors]}
    data = {"portnum": meshpb.NEIGHBORINFO_APP, "bitfield": 1,
            "payload": meshpb.encode(meshpb.NEIGHBOR_INFO, {k: v for k, v in info.items() if v is not None})}
    return make_envelope(from_num, to_num, packet_id or random_packet_id(), data, **kw)


# ---------------------------------------------------------------- decoding

def decrypt_envelope(envelope_bytes, psk_b64=DEFAULT_PSK_B64):
    """Decodes a ServiceEnvelope; an `encrypted` packet is decrypted with the channel
    key into packet['decoded'] (the ciphertext stays in packet['encrypted']).
    The Data dict gets an extra key for its payload: 'text' (str, None if invalid
    UTF-8), 'user', 'position', 'telemetry', ...  Raises ValueError when the
    plaintext is not a protobuf Data with a nonzero portnum (wrong key)."""
    env = meshpb.decode_envelope(envelope_bytes)
    packet = env.get("packet", {})
    if "encrypted" in packet and "decoded" not in packet:
        key = key_from_b64(psk_b64)
        plain = aes_ctr(key, packet.get("id", 0), packet.get("from", 0), packet["encrypted"])
        try:
            data = meshpb.decode_data(plain)
        except (ValueError, UnicodeDecodeError) as e:
            raise ValueError("encrypted payload does not decode with this key: %s" % e)
        if not data.get("portnum"):
            raise ValueError("decrypted Data has portnum 0 (wrong key?)")
        packet["decoded"] = data
    data = packet.get("decoded")
    if data is not None:
        key_name, value = meshpb.decode_data_payload(data)
        if key_name:
            data[key_name] = value
    return env


def envelope_text(env):
    """Strict UTF-8 text of a decrypted text envelope (raises if invalid)."""
    return env["packet"]["decoded"]["payload"].decode("utf-8")


# ---------------------------------------------------------------- PKI (part 3)

def pki_shared_key(private_key_bytes, peer_public_bytes):
    """SHA-256(X25519(private, peer public)): the AES-256-CCM key."""
    priv = X25519PrivateKey.from_private_bytes(bytes(private_key_bytes))
    shared = priv.exchange(X25519PublicKey.from_public_bytes(bytes(peer_public_bytes)))
    return hashlib.sha256(shared).digest()


def x25519_public(private_key_bytes):
    from cryptography.hazmat.primitives import serialization
    priv = X25519PrivateKey.from_private_bytes(bytes(private_key_bytes))
    return priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def pki_nonce(packet_id, from_num, extra_nonce):
    return struct.pack("<III", packet_id & 0xFFFFFFFF, extra_nonce, from_num & 0xFFFFFFFF) + b"\x00"


def pki_encrypt(key, packet_id, from_num, plaintext, extra_nonce=None):
    """Returns ciphertext || tag(8) || extraNonce(4 bytes LE)."""
    if extra_nonce is None:
        extra_nonce = int.from_bytes(os.urandom(4), "little")
    ct = AESCCM(key, tag_length=8).encrypt(pki_nonce(packet_id, from_num, extra_nonce), bytes(plaintext), None)
    return ct + struct.pack("<I", extra_nonce)


def pki_decrypt(key, packet_id, from_num, payload):
    """Inverse of pki_encrypt; raises cryptography's InvalidTag on a bad key."""
    payload = bytes(payload)
    extra_nonce = struct.unpack("<I", payload[-4:])[0]
    return AESCCM(key, tag_length=8).decrypt(pki_nonce(packet_id, from_num, extra_nonce), payload[:-4], None)
