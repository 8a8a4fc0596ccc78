#pragma once
// Minimal protobuf writers for the payloads the bridge only decodes (POSITION, TELEMETRY),
// written by hand so that the tests do not check the decoder with itself. Shared by the unit
// tests and bench/codec; no test framework here.
#include <cstdint>
#include <cstring>

#include "tgmesh/util/bytes.h"

inline void put_varint(tgmesh::Bytes& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}
inline void put_fixed32(tgmesh::Bytes& out, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
// Position: latitude_i (1, sfixed32), longitude_i (2), altitude (3), precision_bits (23).
inline tgmesh::Bytes position_payload(int32_t lat_i, int32_t lon_i, uint32_t precision_bits,
                                      int32_t altitude = 120) {
    tgmesh::Bytes out;
    out.push_back(0x0d);
    put_fixed32(out, static_cast<uint32_t>(lat_i));
    out.push_back(0x15);
    put_fixed32(out, static_cast<uint32_t>(lon_i));
    out.push_back(0x18);
    put_varint(out, static_cast<uint32_t>(altitude));
    put_varint(out, (23u << 3) | 0u);
    put_varint(out, precision_bits);
    return out;
}
// Telemetry { device_metrics (2) { battery_level (1), voltage (2, float) } }.
inline tgmesh::Bytes battery_payload(uint32_t level, float volts) {
    tgmesh::Bytes metrics;
    metrics.push_back(0x08);
    put_varint(metrics, level);
    metrics.push_back(0x15);
    uint32_t bits = 0;
    std::memcpy(&bits, &volts, sizeof bits);
    put_fixed32(metrics, bits);
    tgmesh::Bytes out;
    out.push_back(0x12);
    put_varint(out, metrics.size());
    return out + metrics;
}
