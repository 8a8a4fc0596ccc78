#include "tgmesh/mesh/device_names.h"

#include <iterator>

namespace tgmesh::mesh {

const char* role_name(uint32_t role) {
    static const char* const kRoles[] = {
        "CLIENT",      "CLIENT_MUTE", "ROUTER",     "ROUTER_CLIENT", "REPEATER",
        "TRACKER",     "SENSOR",      "TAK",        "CLIENT_HIDDEN", "LOST_AND_FOUND",
        "TAK_TRACKER", "ROUTER_LATE", "CLIENT_BASE"};
    return role < std::size(kRoles) ? kRoles[role] : nullptr;
}

const char* hardware_name(uint32_t hw) {
    switch (hw) {
        case 0:
            return "UNSET";
        case 4:
            return "TBEAM";
        case 9:
            return "RAK4631";
        case 37:
            return "PORTDUINO";
        case 43:
            return "HELTEC_V3";
        case 255:
            return "PRIVATE_HW";
        default:
            return nullptr;
    }
}

}  // namespace tgmesh::mesh
