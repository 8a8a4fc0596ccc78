#include "tgmesh/core/admin/metrics.h"

#include <set>

namespace tgmesh::core {

std::vector<GatewayActivity> gateways_heard(const NodeRegistry& nodes, int64_t now_unix,
                                            int64_t window_s) {
    struct Seen {
        std::set<mesh::NodeNum> nodes;
        int64_t last = 0;
    };
    std::map<std::string, Seen> seen;
    for (const Node* n : nodes.by_last_heard()) {
        if (now_unix - n->last_heard > window_s) break;  // the rest are older
        for (const auto& r : n->receptions) {
            if (now_unix - r.time > window_s) continue;
            Seen& g = seen[r.gateway];
            g.nodes.insert(n->num);
            g.last = std::max(g.last, r.time);
        }
    }
    std::vector<GatewayActivity> out;
    out.reserve(seen.size());
    for (const auto& [id, g] : seen)
        out.push_back({id, g.nodes.size(), g.last});
    return out;
}

std::vector<std::pair<std::string, std::string>> sys_values(const Metrics& m) {
    const Stats& s = m.stats;
    auto n = [](auto v) { return std::to_string(v); };
    std::vector<std::pair<std::string, std::string>> out = {
        {"version", TGMESH_VERSION},
        {"uptime", n(m.uptime_s)},
        {"uplinks", n(s.uplinks)},
        {"decoded", n(s.decoded)},
        {"duplicates", n(s.dropped(Drop::kDuplicate))},
        {"undecryptable", n(s.dropped(Drop::kUndecryptable))},
        {"texts_to_telegram", n(s.texts_to_telegram)},
        {"telegram_sent", n(s.telegram_sent)},
        {"telegram_errors", n(s.telegram_errors)},
        {"telegram_429", n(s.telegram_429)},
        {"telegram_connected", m.telegram_connected ? "1" : "0"},
        {"downlinks", n(s.downlinks)},
        {"queue/mesh", n(m.mesh_queue)},
        {"queue/chat", n(m.chat_queue)},
        {"nodes_known", n(m.nodes_known)},
        {"gateways_online", n(m.gateways_online)},
        {"last_uplink_age", n(m.last_uplink_age_s)},
    };
    for (size_t i = 0; i < static_cast<size_t>(Drop::kCount); ++i) {
        const auto reason = static_cast<Drop>(i);
        out.emplace_back("drops/" + std::string(drop_name(reason)), n(s.dropped(reason)));
    }
    return out;
}

void SysTree::publish(const Metrics& m, Publisher& out) {
    for (auto& [name, value] : sys_values(m)) {
        auto it = last_.find(name);
        if (it != last_.end() && it->second == value) continue;
        Outgoing message;
        message.topic = std::string(kPrefix) + name;
        message.payload.assign(value.begin(), value.end());
        message.qos = 0;
        message.retain = true;
        message.transient = true;
        out.publish(std::move(message));
        last_.insert_or_assign(it, name, std::move(value));
    }
}

}  // namespace tgmesh::core
