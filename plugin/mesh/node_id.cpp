#include "tgmesh/mesh/node_id.h"

#include <cstdio>

namespace tgmesh::mesh {

std::string format_node_id(NodeNum num) {
    char buf[12];
    std::snprintf(buf, sizeof buf, "!%08x", num);
    return buf;
}

std::optional<NodeNum> parse_node_id(std::string_view text) {
    if (text.size() != 9 || text[0] != '!') return std::nullopt;
    NodeNum value = 0;
    for (char c : text.substr(1)) {
        int digit = 0;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        } else {
            return std::nullopt;
        }
        value = (value << 4) | static_cast<NodeNum>(digit);
    }
    return value;
}

}  // namespace tgmesh::mesh
