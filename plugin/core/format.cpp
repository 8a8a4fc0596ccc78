#include "tgmesh/core/format.h"

#include <cstdio>

#include "tgmesh/telegram/html.h"

namespace tgmesh::core {

using telegram::escape_html;

namespace {

std::string format_snr(float snr) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(snr));
    return buf;
}

std::string hops_text(int hops, const i18n::Catalog& cat) {
    if (hops == 0) return std::string(cat.hops_direct);
    if (hops == 1) return std::string(cat.hops_one);
    return i18n::fill(cat.hops_count, {{"n", std::to_string(hops)}});
}

void append_part(std::string& line, const std::string& part) {
    if (part.empty()) return;
    if (!line.empty()) line += " · ";
    line += part;
}

}  // namespace

std::string format_link_quality(const Reception& r, const i18n::Catalog& cat) {
    std::string line;
    if (r.hops) append_part(line, hops_text(*r.hops, cat));
    if (r.snr) append_part(line, "SNR " + format_snr(*r.snr) + " dB");
    if (r.rssi) append_part(line, "RSSI " + std::to_string(*r.rssi) + " dBm");
    return line;
}

std::string format_node_ref(const Node* node, mesh::NodeNum num) {
    std::string id = "<code>" + mesh::format_node_id(num) + "</code>";
    if (node == nullptr || (node->long_name.empty() && node->short_name.empty())) return id;
    std::string out = "<b>" + escape_html(node->display_name()) + "</b>";
    if (!node->short_name.empty() && !node->long_name.empty()) {
        out += " (" + escape_html(node->short_name) + ")";
    }
    return out + " " + id;
}

std::string format_mesh_text(const MeshText& t, const Node* sender, const NodeRegistry& nodes,
                             const i18n::Catalog& cat) {
    std::string out;
    if (t.direct) out += std::string(cat.dm_marker) + " · ";
    out += format_node_ref(sender, t.from);
    out += "\n" + escape_html(t.text);
    std::string detail = format_link_quality(t.reception, cat);
    if (!t.reception.gateway.empty()) {
        auto gw_num = mesh::parse_node_id(t.reception.gateway);
        if (!gw_num || *gw_num != t.from) {  // a gateway reporting its own text adds nothing
            const Node* gw = gw_num ? nodes.find(*gw_num) : nullptr;
            const std::string& name =
                (gw != nullptr && !gw->short_name.empty()) ? gw->short_name : t.reception.gateway;
            append_part(detail, i18n::fill(cat.via, {{"gateway", escape_html(name)}}));
        }
    }
    if (!detail.empty()) out += "\n<i>" + detail + "</i>";
    return out;
}

std::string format_age(int64_t seconds, const i18n::Catalog& cat) {
    if (seconds < 0) seconds = 0;
    if (seconds < 60) return i18n::fill(cat.seconds_ago, {{"n", std::to_string(seconds)}});
    if (seconds < 3600) return i18n::fill(cat.minutes_ago, {{"n", std::to_string(seconds / 60)}});
    if (seconds < 86400) return i18n::fill(cat.hours_ago, {{"n", std::to_string(seconds / 3600)}});
    return i18n::fill(cat.days_ago, {{"n", std::to_string(seconds / 86400)}});
}

std::vector<std::string> format_node_list(const NodeRegistry& nodes, int64_t now, size_t limit,
                                          const i18n::Catalog& cat) {
    std::vector<std::string> lines;
    auto all = nodes.by_last_heard();
    if (all.empty()) return {std::string(cat.nodes_empty)};
    lines.push_back(i18n::fill(cat.nodes_header, {{"n", std::to_string(all.size())}}));
    for (size_t i = 0; i < all.size() && i < limit; ++i) {
        const Node* n = all[i];
        std::string line = format_node_ref(n, n->num);
        std::string detail;
        if (n->last_heard > 0) append_part(detail, format_age(now - n->last_heard, cat));
        if (const Reception* best = n->best_reception()) {
            append_part(detail, format_link_quality(Reception{best->gateway, best->hops, best->snr,
                                                              std::nullopt, best->time},
                                                    cat));
        }
        if (n->battery_level) {
            append_part(detail, *n->battery_level > 100
                                    ? std::string("🔌")
                                    : "🔋 " + std::to_string(*n->battery_level) + "%");
        }
        if (!detail.empty()) line += " · " + detail;
        lines.push_back(std::move(line));
    }
    if (all.size() > limit) {
        lines.push_back(i18n::fill(cat.nodes_more, {{"n", std::to_string(all.size() - limit)}}));
    }
    return lines;
}

}  // namespace tgmesh::core
