#pragma once
#include <cstdint>

namespace tgmesh::mesh {

// The PortNum values tgmesh acts on (portnums.proto).
namespace port {
constexpr uint32_t kUnknown = 0;
constexpr uint32_t kTextMessage = 1;
constexpr uint32_t kPosition = 3;
constexpr uint32_t kNodeInfo = 4;
constexpr uint32_t kRouting = 5;
constexpr uint32_t kWaypoint = 8;
constexpr uint32_t kTelemetry = 67;
constexpr uint32_t kTraceroute = 70;
constexpr uint32_t kNeighborInfo = 71;
constexpr uint32_t kMapReport = 73;
}  // namespace port

// Data.bitfield bit 0: the author allows the packet to be uplinked to MQTT.
constexpr uint32_t kBitfieldOkToMqtt = 1;
// HardwareModel PRIVATE_HW: what virtual nodes announce (UNSET crashes nothing, but PRIVATE_HW
// is what other bridges use and what the apps show as "private").
constexpr uint32_t kHwPrivate = 255;
constexpr uint32_t kMaxHops = 7;

}  // namespace tgmesh::mesh
