#include "tgmesh/core/chat/status_report.h"

#include "tgmesh/core/admin/metrics.h"
#include "tgmesh/core/chat/format.h"
#include "tgmesh/telegram/html.h"

namespace tgmesh::core {

namespace {

std::string format_uptime(int64_t s) {
    const int64_t d = s / 86400;
    const int64_t h = (s % 86400) / 3600;
    const int64_t m = (s % 3600) / 60;
    std::string out;
    if (d > 0) out += std::to_string(d) + "d ";
    if (d > 0 || h > 0) out += std::to_string(h) + "h ";
    return out + std::to_string(m) + "m";
}

}  // namespace

std::string format_status(const Metrics& m, const NodeRegistry& nodes, int64_t now_unix,
                          const std::vector<Finding>& findings, const i18n::Catalog& cat) {
    const std::vector<GatewayActivity> gateways = gateways_heard(nodes, now_unix);
    std::string out = i18n::fill(cat.status_title, {{"uptime", format_uptime(m.uptime_s)}});
    out += "\n" + i18n::fill(cat.status_gateways, {{"n", std::to_string(gateways.size())}});
    for (const GatewayActivity& g : gateways) {
        std::string name = "<code>" + telegram::escape_html(g.id) + "</code>";
        if (auto num = mesh::parse_node_id(g.id)) {
            if (const Node* node = nodes.find(*num); node && !node->short_name.empty()) {
                name = format_node_ref(node, *num);
            }
        }
        out += "\n" + i18n::fill(cat.status_gateway, {{"gateway", name},
                                                      {"nodes", std::to_string(g.nodes)},
                                                      {"age", format_age(now_unix - g.last, cat)}});
    }
    out += "\n" + i18n::fill(cat.status_queues, {{"mesh", std::to_string(m.mesh_queue)},
                                                 {"chat", std::to_string(m.chat_queue)}});
    const Stats& s = m.stats;
    out += "\n" + i18n::fill(cat.status_counters,
                             {{"uplinks", std::to_string(s.uplinks)},
                              {"decoded", std::to_string(s.decoded)},
                              {"duplicates", std::to_string(s.dropped(Drop::kDuplicate))},
                              {"undecryptable", std::to_string(s.dropped(Drop::kUndecryptable))},
                              {"to_telegram", std::to_string(s.texts_to_telegram)},
                              {"sent", std::to_string(s.telegram_sent)},
                              {"downlinks", std::to_string(s.downlinks)},
                              {"errors", std::to_string(s.telegram_errors)},
                              {"too_many", std::to_string(s.telegram_429)}});
    const std::string drops = s.drop_summary();
    if (!drops.empty()) out += "\n" + i18n::fill(cat.status_drops, {{"list", drops}});
    if (m.blocked_users + m.blocked_nodes > 0) {
        out += "\n" + i18n::fill(cat.status_blocked, {{"users", std::to_string(m.blocked_users)},
                                                      {"nodes", std::to_string(m.blocked_nodes)}});
    }
    if (!findings.empty()) {
        std::string list;
        for (const Finding& f : findings)
            list += (list.empty() ? "• " : "\n• ") + telegram::escape_html(f.text);
        out += "\n\n" + i18n::fill(cat.status_findings, {{"list", list}});
    }
    return out;
}

}  // namespace tgmesh::core
