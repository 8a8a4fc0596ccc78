"""Fast builders of realistic encrypted Meshtastic text envelopes for the benchmarks.

meshcrypto.make_encrypted_text_envelope takes ~55 us per envelope (a generic protobuf
encoder in Python); a flood needs hundreds of thousands, so this encodes the fixed layout
directly and checks itself against meshcrypto on the first envelopes it builds.
"""
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import benchlib  # noqa: F401  (sys.path for the harness)
from tgmesh_harness import meshcrypto as mc, meshpb

KEY = mc.key_from_b64(mc.DEFAULT_PSK_B64)
_ECB = Cipher(algorithms.AES(KEY), modes.ECB()).encryptor()
CHANNEL_HASH = mc.channel_hash("LongFast", KEY)
_checked = set()


def _v(n):
    return meshpb.encode_varint(n)


def _ld(tag, data):
    return bytes([tag]) + _v(len(data)) + data


def _ctr(packet_id, from_num, data):
    """AES-CTR with the Meshtastic nonce, from one reused ECB encryptor (creating a CTR
    cipher per packet costs more than everything else here)."""
    head = struct.pack("<QI", packet_id & 0xFFFFFFFF, from_num & 0xFFFFFFFF)
    blocks = b"".join(head + struct.pack(">I", i) for i in range((len(data) + 15) // 16))
    stream = _ECB.update(blocks)[:len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def text_envelope(from_num, packet_id, text, gateway, to_num=meshpb.BROADCAST, rx_time=1764200000,
                  rx_snr=6.25, rx_rssi=-97, hop_limit=3, hop_start=3, channel="LongFast"):
    """ServiceEnvelope bytes, identical to meshcrypto.make_encrypted_text_envelope(...,
    rx_snr, rx_rssi, rx_time) with the default channel key."""
    t = text.encode("utf-8")
    data = b"\x08\x01" + _ld(0x12, t) + b"\x48\x01"
    enc = _ctr(packet_id, from_num, data)
    packet = (b"\x0d" + struct.pack("<I", from_num) + b"\x15" + struct.pack("<I", to_num)
              + b"\x18" + _v(CHANNEL_HASH) + _ld(0x2a, enc) + b"\x35" + struct.pack("<I", packet_id)
              + b"\x3d" + struct.pack("<I", rx_time) + b"\x45" + struct.pack("<f", rx_snr)
              + b"\x48" + _v(hop_limit) + b"\x60" + _v(rx_rssi) + b"\x78" + _v(hop_start))
    env = _ld(0x0a, packet) + _ld(0x12, channel.encode()) + _ld(0x1a, gateway.encode())
    if gateway not in _checked:
        _checked.add(gateway)
        ref = mc.make_encrypted_text_envelope(from_num, to_num, packet_id, text, gateway=gateway,
                                              rx_snr=rx_snr, rx_rssi=rx_rssi, rx_time=rx_time,
                                              hop_limit=hop_limit, hop_start=hop_start, channel=channel)
        if ref != env:
            raise AssertionError("fast envelope encoder differs from meshcrypto")
    return env
