#include "tgmesh/mesh/topic.h"

namespace tgmesh::mesh {

namespace {
// Splits "<channel>/<gateway>" with exactly two levels, as the +/+ filter requires.
bool split_two_levels(std::string_view rest, std::string_view& channel, std::string_view& gateway) {
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return false;
    gateway = rest.substr(slash + 1);
    if (gateway.find('/') != std::string_view::npos) return false;
    channel = rest.substr(0, slash);
    return true;
}
}  // namespace

std::optional<MeshTopic> match_mesh_topic(std::string_view topic,
                                          const std::vector<std::string>& roots) {
    for (size_t i = 0; i < roots.size(); ++i) {
        const std::string& root = roots[i];
        if (topic.size() < root.size() + 4 || topic.compare(0, root.size(), root) != 0 ||
            topic.compare(root.size(), 3, "/2/") != 0) {
            continue;
        }
        std::string_view rest = topic.substr(root.size() + 3);
        MeshTopic out;
        out.root_index = i;
        if (rest.starts_with("e/")) {
            out.kind = TopicKind::kEnvelope;
            if (split_two_levels(rest.substr(2), out.channel, out.gateway)) return out;
        } else if (rest.starts_with("json/")) {
            out.kind = TopicKind::kJson;
            if (split_two_levels(rest.substr(5), out.channel, out.gateway)) return out;
        } else if (rest == "map/") {
            out.kind = TopicKind::kMap;
            return out;
        }
    }
    return std::nullopt;
}

std::string envelope_topic(std::string_view root, std::string_view channel,
                           std::string_view gateway) {
    std::string topic(root);
    topic += "/2/e/";
    topic += channel;
    topic += '/';
    topic += gateway;
    return topic;
}

std::string json_downlink_topic(std::string_view root) {
    return std::string(root) + "/2/json/mqtt/";
}

}  // namespace tgmesh::mesh
