#pragma once
// Names of the enum values a NODEINFO carries, as the firmware's protobufs spell them.
#include <cstdint>

namespace tgmesh::mesh {

// Config.DeviceConfig.Role (config.proto); nullptr when not known here.
const char* role_name(uint32_t role);
// HardwareModel (mesh.proto): a few common ones; nullptr for the rest (shown as numbers).
const char* hardware_name(uint32_t hw);

}  // namespace tgmesh::mesh
