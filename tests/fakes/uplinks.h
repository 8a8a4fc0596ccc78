#pragma once
// Uplinks as gateways publish them, for the unit tests and the fuzz harnesses.
#include <string>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/bytes.h"

namespace tgmesh::fakes {

struct NodeInfoSpec {
    mesh::NodeNum from = 0;
    uint32_t id = 1;
    std::string long_name;
    std::string short_name;
    Bytes public_key;  // empty: none
    // Unencrypted (as a gateway with an open channel, or a forger, uplinks it), else sealed
    // with the default LongFast key.
    bool decoded = false;
    std::string gateway = "!11111111";
};

// A NODEINFO broadcast on msh/US/2/e/LongFast/<gateway>.
Bytes nodeinfo_uplink(const NodeInfoSpec& spec);

}  // namespace tgmesh::fakes
