#include "tgmesh/core/chat/node_details.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tgmesh/core/chat/format.h"
#include "tgmesh/mesh/device_names.h"
#include "tgmesh/telegram/html.h"

namespace tgmesh::core {

namespace {

std::string named(const char* name, uint32_t value) {
    return name ? std::string(name) + " (" + std::to_string(value) + ")" : std::to_string(value);
}

}  // namespace

std::optional<double> precision_metres(std::optional<uint32_t> precision_bits) {
    if (!precision_bits || *precision_bits >= 32 || *precision_bits == 0) return std::nullopt;
    // The firmware keeps the top `bits` bits of each 1e-7-degree integer: a cell of 2^(32-bits)
    // units, and the reported point is within half a cell of the truth (~111 km per degree).
    const double cell_degrees = std::ldexp(1.0, 32 - static_cast<int>(*precision_bits)) * 1e-7;
    return std::min(1500.0, std::ceil(cell_degrees * 111'320.0 / 2));
}

std::optional<telegram::GeoPoint> node_location(const Node& node) {
    if (!node.position) return std::nullopt;
    telegram::GeoPoint p;
    p.latitude = node.position->latitude_i * 1e-7;
    p.longitude = node.position->longitude_i * 1e-7;
    if (std::fabs(p.latitude) > 90 || std::fabs(p.longitude) > 180) return std::nullopt;
    p.horizontal_accuracy = precision_metres(node.position->precision_bits);
    return p;
}

namespace {

std::string one_decimal(float value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", static_cast<double>(value));
    return text;
}

// "21.5 °C · 45% · 1013.2 hPa": the readings the node reports.
std::string environment_line(const Environment& e, int64_t now, const i18n::Catalog& cat) {
    std::string list;
    auto add = [&](const std::optional<float>& value, const char* unit) {
        if (!value) return;
        if (!list.empty()) list += " · ";
        list += one_decimal(*value) + unit;
    };
    add(e.temperature, " °C");
    add(e.humidity, "%");
    add(e.pressure, " hPa");
    return i18n::fill(cat.node_environment, {{"list", list}, {"age", format_age(now - e.at, cat)}});
}

}  // namespace

std::string format_node_details(const Node& n, const NodeRegistry& nodes, int64_t now,
                                const i18n::Catalog& cat) {
    std::string out = format_node_ref(&n, n.num);
    if (n.hw_model)
        out += "\n" + i18n::fill(cat.node_hardware,
                                 {{"hw", named(mesh::hardware_name(*n.hw_model), *n.hw_model)}});
    if (n.role)
        out +=
            "\n" + i18n::fill(cat.node_role, {{"role", named(mesh::role_name(*n.role), *n.role)}});
    if (n.last_heard > 0) {
        out +=
            "\n" + i18n::fill(cat.node_last_heard, {{"age", format_age(now - n.last_heard, cat)}});
    }
    if (n.battery_level) {
        out += "\n" + (*n.battery_level > 100
                           ? std::string(cat.node_powered)
                           : i18n::fill(cat.node_battery,
                                        {{"percent", std::to_string(*n.battery_level)}}));
    }
    if (n.voltage) {
        char volts[16];
        std::snprintf(volts, sizeof volts, "%.2f", static_cast<double>(*n.voltage));
        out += "\n" + i18n::fill(cat.node_voltage, {{"volts", volts}});
    }
    if (n.environment) out += "\n" + environment_line(*n.environment, now, cat);
    if (n.airtime) {
        out += "\n" + i18n::fill(cat.node_airtime,
                                 {{"channel", one_decimal(n.airtime->channel_utilization)},
                                  {"tx", one_decimal(n.airtime->air_util_tx)},
                                  {"age", format_age(now - n.airtime->at, cat)}});
    }
    if (!n.neighbors.empty()) {
        std::string list;
        for (const Neighbor& nb : n.neighbors) {
            if (!list.empty()) list += ", ";
            list +=
                format_node_ref(nodes.find(nb.node), nb.node) + " (" + one_decimal(nb.snr) + " dB)";
        }
        out += "\n" + i18n::fill(cat.node_neighbors,
                                 {{"list", list}, {"age", format_age(now - n.neighbors_at, cat)}});
    }
    out += "\n" + (n.position ? i18n::fill(cat.node_position,
                                           {{"age", format_age(now - n.position_heard, cat)}})
                              : std::string(cat.node_no_position));
    out +=
        "\n" + std::string(n.public_key.size() == 32 ? cat.node_key_known : cat.node_key_unknown);
    if (n.key_mismatches > 0) {
        out += "\n" + i18n::fill(cat.node_key_mismatches, {{"n", std::to_string(n.key_mismatches)},
                                                           {"id", mesh::format_node_id(n.num)}});
    }
    if (!n.receptions.empty()) {
        out += "\n" + std::string(cat.node_heard_via);
        for (const auto& r : n.receptions) {
            std::string gateway = "<code>" + telegram::escape_html(r.gateway) + "</code>";
            if (auto num = mesh::parse_node_id(r.gateway)) {
                if (const Node* gw = nodes.find(*num); gw && !gw->short_name.empty()) {
                    gateway = format_node_ref(gw, *num);
                }
            }
            std::string line = "\n• " + gateway;
            std::string quality = format_link_quality(r, cat);
            if (!quality.empty()) line += " · " + quality;
            line += " · " + format_age(now - r.time, cat);
            out += line;
        }
    }
    return out;
}

}  // namespace tgmesh::core
