#include "uplinks.h"

#include "tgmesh/mesh/channel_key.h"
#include "tgmesh/mesh/keyring.h"
#include "tgmesh/mesh/packet.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/mesh/portnum.h"

namespace tgmesh::fakes {

Bytes nodeinfo_uplink(const NodeInfoSpec& spec) {
    mesh::UserInfo user;
    user.id = mesh::format_node_id(spec.from);
    user.long_name = spec.long_name;
    user.short_name = spec.short_name;
    user.public_key = spec.public_key;
    mesh::Packet header;
    header.from = spec.from;
    header.to = mesh::kBroadcast;
    header.id = spec.id;
    mesh::Data data;
    data.portnum = mesh::port::kNodeInfo;
    data.payload = mesh::encode_user(user);
    if (!spec.decoded) {
        return mesh::seal_envelope(mesh::make_channel_key("LongFast", mesh::default_channel_key()),
                                   header, data, spec.gateway);
    }
    header.decoded = data;
    return mesh::encode_envelope({header, "LongFast", spec.gateway});
}

}  // namespace tgmesh::fakes
