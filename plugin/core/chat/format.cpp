#include "tgmesh/core/chat/format.h"

#include <cstdio>
#include <optional>

#include "tgmesh/telegram/html.h"
#include "tgmesh/telegram/message_split.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::core {

using telegram::escape_html;

namespace {
// What an oversized post shows at most (bytes): well inside Telegram's limit together.
constexpr size_t kMaxShownText = 3000;
constexpr size_t kMaxShownName = 64;

std::string cut_utf8(const std::string& s, size_t max_bytes) {
    if (s.size() <= max_bytes) return s;
    return s.substr(0, utf8::prefix_at_boundary(s, max_bytes)) + "…";
}

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
    // LoRa caps names at 39 bytes; anything longer came from elsewhere and is cut.
    std::string out = "<b>" + escape_html(cut_utf8(node->display_name(), kMaxShownName)) + "</b>";
    if (!node->short_name.empty() && !node->long_name.empty()) {
        out += " (" + escape_html(cut_utf8(node->short_name, kMaxShownName)) + ")";
    }
    return out + " " + id;
}

namespace {

std::string format_mesh_text_unbounded(const MeshText& t, const Node* sender,
                                       const NodeRegistry& nodes, const i18n::Catalog& cat) {
    std::string out;
    if (t.direct) {
        out += std::string(cat.dm_marker);
        if (t.pki) out += " " + std::string(cat.pki_marker);
        out += " · ";
    }
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
    if (t.direct) {
        const std::string name =
            sender ? escape_html(sender->display_name()) : mesh::format_node_id(t.from);
        out += "\n<i>" + i18n::fill(cat.dm_reply_hint, {{"node", name}}) + "</i>";
    }
    return out;
}

}  // namespace

std::string format_mesh_text(const MeshText& t, const Node* sender, const NodeRegistry& nodes,
                             const i18n::Catalog& cat) {
    std::string html = format_mesh_text_unbounded(t, sender, nodes, cat);
    if (utf8::utf16_length(html) <= telegram::kMaxMessageChars) return html;
    // LoRa caps a text at 233 bytes and a long name at 39, but anything that may publish under
    // the mesh root can send more, and Telegram refuses the whole post. Such a post shows the
    // text and names cut, and the gateway by its cut id rather than by a node name.
    MeshText shown = t;
    shown.text = cut_utf8(t.text, kMaxShownText);
    shown.reception.gateway = cut_utf8(t.reception.gateway, kMaxShownName);
    std::optional<Node> cut_sender;
    if (sender != nullptr) {
        cut_sender = *sender;
        cut_sender->long_name = cut_utf8(sender->long_name, kMaxShownName);
        cut_sender->short_name = cut_utf8(sender->short_name, kMaxShownName);
    }
    return format_mesh_text_unbounded(shown, cut_sender ? &*cut_sender : nullptr, NodeRegistry(),
                                      cat);
}

std::string format_reaction(const MeshText& t, const Node* sender, const i18n::Catalog& cat) {
    std::string emoji = escape_html(t.text);
    emoji.resize(utf8::prefix_at_boundary(emoji, 64));
    return i18n::fill(cat.reaction_from,
                      {{"emoji", emoji}, {"node", format_node_ref(sender, t.from)}});
}

std::string format_age(int64_t seconds, const i18n::Catalog& cat) {
    if (seconds < 0) seconds = 0;
    if (seconds < 60) return i18n::fill(cat.seconds_ago, {{"n", std::to_string(seconds)}});
    if (seconds < 3600) return i18n::fill(cat.minutes_ago, {{"n", std::to_string(seconds / 60)}});
    if (seconds < 86400) return i18n::fill(cat.hours_ago, {{"n", std::to_string(seconds / 3600)}});
    return i18n::fill(cat.days_ago, {{"n", std::to_string(seconds / 86400)}});
}

std::string format_node_line(const Node& n, int64_t now, const i18n::Catalog& cat) {
    std::string line = format_node_ref(&n, n.num);
    std::string detail;
    if (n.last_heard > 0) append_part(detail, format_age(now - n.last_heard, cat));
    if (const Reception* best = n.best_reception()) {
        append_part(detail, format_link_quality(Reception{best->gateway, best->hops, best->snr,
                                                          std::nullopt, best->time},
                                                cat));
    }
    if (n.battery_level) {
        append_part(detail, *n.battery_level > 100 ? std::string("🔌")
                                                   : "🔋 " + std::to_string(*n.battery_level) + "%");
    }
    if (!detail.empty()) line += " · " + detail;
    return line;
}

namespace {

// One hop: its name and the SNR it heard the packet at, when reported.
std::string hop(const std::string& name_html, const std::vector<int32_t>& snrs, size_t i) {
    if (i >= snrs.size() || snrs[i] == mesh::kSnrUnknown) return name_html + " (?)";
    char snr[32];
    std::snprintf(snr, sizeof snr, " (%.1f dB)", static_cast<double>(snrs[i]) / 4.0);
    return name_html + snr;
}

// from › path[0] › ... › to, each with its SNR (snrs[i] for path[i], snrs[path.size()] for to).
std::string path_line(const std::string& from_html, const std::vector<mesh::NodeNum>& path,
                      const std::vector<int32_t>& snrs, const std::string& to_html,
                      const NodeRegistry& nodes) {
    std::string line = from_html;
    for (size_t i = 0; i < path.size(); ++i)
        line += " › " + hop(format_node_ref(nodes.find(path[i]), path[i]), snrs, i);
    return line + " › " + hop(to_html, snrs, path.size());
}

}  // namespace

std::string format_trace(const mesh::RouteDiscovery& route, const std::string& origin_html,
                         mesh::NodeNum dest, const NodeRegistry& nodes, const i18n::Catalog& cat) {
    const std::string dest_html = format_node_ref(nodes.find(dest), dest);
    const std::string there =
        path_line(origin_html, route.route, route.snr_towards, dest_html, nodes);
    const std::string back =
        route.route_back.empty() && route.snr_back.empty()
            ? std::string(cat.trace_back_unknown)
            : path_line(dest_html, route.route_back, route.snr_back, origin_html, nodes);
    return i18n::fill(cat.trace_result, {{"node", dest_html}, {"there", there}, {"back", back}});
}

}  // namespace tgmesh::core
