#include "tgmesh/core/ingest/node_registry.h"

#include <algorithm>
#include <cctype>

#include "tgmesh/util/base64.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::core {

const Reception* Node::best_reception() const {
    const Reception* best = nullptr;
    for (const auto& r : receptions) {
        if (best == nullptr) {
            best = &r;
            continue;
        }
        int hops = r.hops.value_or(99);
        int best_hops = best->hops.value_or(99);
        if (hops < best_hops ||
            (hops == best_hops && r.snr.value_or(-999.f) > best->snr.value_or(-999.f))) {
            best = &r;
        }
    }
    return best;
}

int Node::days_heard_count() const {
    return __builtin_popcount(days_heard);
}

std::string Node::display_name() const {
    if (!long_name.empty()) return long_name;
    if (!short_name.empty()) return short_name;
    return mesh::format_node_id(num);
}

Node& NodeRegistry::node(mesh::NodeNum num) {
    if (auto it = nodes_.find(num); it != nodes_.end()) return it->second;
    // Make room before inserting, so the new node (not yet heard) is never the one evicted.
    if (nodes_.size() >= capacity_) shrink_to(capacity_ - std::max<size_t>(1, capacity_ / 10));
    Node& n = nodes_[num];
    n.num = num;
    return n;
}

void NodeRegistry::shrink_to(size_t target) {
    if (nodes_.size() <= target) return;
    // Forget the least recently heard nodes; done in batches so it stays rare.
    std::vector<std::pair<int64_t, mesh::NodeNum>> ages;
    ages.reserve(nodes_.size());
    for (const auto& [num, n] : nodes_)
        ages.emplace_back(n.last_heard, num);
    size_t excess = nodes_.size() - target;
    std::nth_element(ages.begin(), ages.begin() + static_cast<long>(excess - 1), ages.end());
    for (size_t i = 0; i < excess; ++i)
        nodes_.erase(ages[i].second);
}

Node& NodeRegistry::heard(mesh::NodeNum num, const Reception& reception) {
    Node& n = node(num);
    n.last_heard = std::max(n.last_heard, reception.time);
    n.silent_alerted = false;
    const int64_t day = reception.time / 86400;
    if (day > n.days_until) {
        const int64_t shift = day - n.days_until;
        n.days_heard = shift >= 7 ? 0 : static_cast<uint8_t>((n.days_heard << shift) & 0x7f);
        n.days_until = day;
    }
    if (day > n.days_until - 7) n.days_heard |= static_cast<uint8_t>(1u << (n.days_until - day));
    if (!mesh::parse_node_id(reception.gateway)) return n;  // ingest drops other gateway ids
    auto& list = n.receptions;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Reception& r) { return r.gateway == reception.gateway; }),
               list.end());
    list.insert(list.begin(), reception);
    if (list.size() > kMaxGatewaysPerNode) list.resize(kMaxGatewaysPerNode);
    return n;
}

namespace {
void set_names(Node& n, std::string_view long_name, std::string_view short_name) {
    if (!long_name.empty()) n.long_name = utf8::printable(long_name, NodeRegistry::kMaxLongName);
    if (!short_name.empty()) {
        n.short_name = utf8::printable(short_name, NodeRegistry::kMaxShortName);
    }
}
}  // namespace

UserUpdate NodeRegistry::apply_user(mesh::NodeNum num, const mesh::UserInfo& user,
                                    KeySource source) {
    Node& n = node(num);
    if (n.public_key.size() == 32) {
        if (user.public_key.size() == 32 && user.public_key != n.public_key) {
            ++n.key_mismatches;
            return UserUpdate::kKeyMismatch;
        }
        // Without the key, or from a packet anyone could have written: nothing changes.
        if (user.public_key.size() != 32 || source == KeySource::kPlain)
            return UserUpdate::kIgnored;
    } else if (user.public_key.size() == 32 && source == KeySource::kEncrypted) {
        n.public_key = user.public_key;
    }
    set_names(n, user.long_name, user.short_name);
    if (user.hw_model) n.hw_model = user.hw_model;
    if (user.role) n.role = user.role;
    return UserUpdate::kApplied;
}

bool NodeRegistry::forget_key(mesh::NodeNum num) {
    Node* n = find(num);
    if (n == nullptr || n->public_key.empty()) return false;
    n->public_key.clear();
    n->key_mismatches = 0;
    return true;
}

void NodeRegistry::apply_position(mesh::NodeNum num, const mesh::PositionInfo& position,
                                  int64_t now) {
    Node& n = node(num);
    n.position = position;
    n.position_heard = now;
}

namespace {
// A percentage as reported, or nullopt when it is not one (NaN, negative, over 100).
std::optional<float> percent(std::optional<float> value) {
    if (!value || !(*value >= 0.0f && *value <= 100.0f)) return std::nullopt;
    return value;
}
// A reading within what a sensor can report, else nullopt (NaN and garbage stay out).
std::optional<float> within(std::optional<float> value, float low, float high) {
    if (!value || !(*value >= low && *value <= high)) return std::nullopt;
    return value;
}
// What the registry keeps of an environment report; nullopt when no reading is plausible.
std::optional<Environment> checked(const mesh::EnvironmentInfo& report, int64_t at) {
    Environment e;
    e.temperature = within(report.temperature, -100.0f, 150.0f);
    e.humidity = percent(report.relative_humidity);
    e.pressure = within(report.barometric_pressure, 1.0f, 2000.0f);
    if (!e.temperature && !e.humidity && !e.pressure) return std::nullopt;
    e.at = at;
    return e;
}
std::optional<Airtime> checked_airtime(std::optional<float> channel, std::optional<float> tx,
                                       int64_t at) {
    channel = percent(channel);
    tx = percent(tx);
    if (!channel && !tx) return std::nullopt;
    return Airtime{channel.value_or(0), tx.value_or(0), at};
}
}  // namespace

void NodeRegistry::apply_metrics(mesh::NodeNum num, const mesh::DeviceMetricsInfo& metrics,
                                 int64_t now) {
    Node& n = node(num);
    if (metrics.battery_level) n.battery_level = metrics.battery_level;
    if (metrics.voltage && *metrics.voltage > 0) n.voltage = metrics.voltage;
    if (auto airtime = checked_airtime(metrics.channel_utilization, metrics.air_util_tx, now)) {
        n.airtime = airtime;
    }
}

void NodeRegistry::apply_environment(mesh::NodeNum num, const mesh::EnvironmentInfo& environment,
                                     int64_t now) {
    if (auto e = checked(environment, now)) node(num).environment = e;
}

void NodeRegistry::apply_neighbors(mesh::NodeNum num, const mesh::NeighborInfoMsg& info,
                                   int64_t now) {
    Node& n = node(num);
    n.neighbors.clear();
    for (const auto& entry : info.neighbors) {
        if (n.neighbors.size() == kMaxNeighbors) break;
        if (entry.node == 0 || entry.node == mesh::kBroadcast || entry.node == num) continue;
        n.neighbors.push_back({entry.node, within(entry.snr, -50.0f, 50.0f).value_or(0.0f)});
    }
    n.neighbors_at = now;
}

void NodeRegistry::apply_map_report(mesh::NodeNum num, const mesh::MapReportInfo& report,
                                    int64_t now) {
    Node& n = node(num);
    // Map reports are plaintext: they never rename a node whose NODEINFO came with a key.
    if (n.public_key.empty()) set_names(n, report.long_name, report.short_name);
    if (report.hw_model) n.hw_model = report.hw_model;
    if (report.role) n.role = report.role;
    if (report.position) apply_position(num, *report.position, now);
}

const Node* NodeRegistry::find(mesh::NodeNum num) const {
    auto it = nodes_.find(num);
    return it == nodes_.end() ? nullptr : &it->second;
}

Node* NodeRegistry::find(mesh::NodeNum num) {
    auto it = nodes_.find(num);
    return it == nodes_.end() ? nullptr : &it->second;
}

std::vector<const Node*> NodeRegistry::by_last_heard() const {
    std::vector<const Node*> out;
    out.reserve(nodes_.size());
    for (const auto& [num, n] : nodes_)
        out.push_back(&n);
    std::sort(out.begin(), out.end(), [](const Node* a, const Node* b) {
        return a->last_heard != b->last_heard ? a->last_heard > b->last_heard : a->num < b->num;
    });
    return out;
}

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

std::vector<const Node*> NodeRegistry::matching(std::string_view filter) const {
    auto all = by_last_heard();
    if (filter.empty()) return all;
    const std::string needle = lower(filter);
    std::vector<const Node*> out;
    for (const Node* n : all) {
        if (lower(n->long_name).find(needle) != std::string::npos ||
            lower(n->short_name).find(needle) != std::string::npos ||
            mesh::format_node_id(n->num).find(needle) != std::string::npos) {
            out.push_back(n);
        }
    }
    return out;
}

namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (prefix.size() > text.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i]))) {
            return false;
        }
    }
    return true;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && iequals_prefix(a, b);
}

std::string_view trim_front(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    return s;
}

}  // namespace

NodeRegistry::Resolution NodeRegistry::resolve(std::string_view text) const {
    Resolution res;
    text = trim_front(text);
    size_t space = text.find_first_of(" \t\n");
    std::string_view first = text.substr(0, space);
    auto rest_after = [&](size_t n) { return std::string(trim_front(text.substr(n))); };

    if (auto num = mesh::parse_node_id(first)) {
        res.node = num;
        res.query = std::string(first);
        res.rest = rest_after(first.size());
        return res;
    }
    // A quoted name: "Base camp" text.
    if (!text.empty() && text.front() == '"') {
        size_t close = text.find('"', 1);
        if (close != std::string_view::npos) {
            std::string_view name = text.substr(1, close - 1);
            res.query = std::string(name);
            res.rest = rest_after(close + 1);
            for (const auto& [num, n] : nodes_) {
                if (iequals(n.long_name, name) || iequals(n.short_name, name)) {
                    res.candidates.push_back(num);
                }
            }
            if (res.candidates.size() == 1) res.node = res.candidates.front();
            return res;
        }
    }
    // The longest long name that prefixes the text and ends at a word boundary.
    size_t best_len = 0;
    for (const auto& [num, n] : nodes_) {
        const std::string& name = n.long_name;
        if (name.empty() || !iequals_prefix(text, name)) continue;
        if (name.size() < text.size() &&
            !std::isspace(static_cast<unsigned char>(text[name.size()]))) {
            continue;
        }
        if (name.size() > best_len) {
            best_len = name.size();
            res.candidates.clear();
        }
        if (name.size() == best_len) res.candidates.push_back(num);
    }
    if (best_len > 0) {
        res.query = std::string(text.substr(0, best_len));
        res.rest = rest_after(best_len);
    } else {
        res.query = std::string(first);
        res.rest = rest_after(first.size());
        for (const auto& [num, n] : nodes_) {
            if (!n.short_name.empty() && iequals(n.short_name, first))
                res.candidates.push_back(num);
        }
    }
    std::sort(res.candidates.begin(), res.candidates.end());
    if (res.candidates.size() == 1) res.node = res.candidates.front();
    return res;
}

namespace {

json::Ptr node_json(const Node* n) {
    auto obj = json::make_object();
    cJSON* o = obj.get();
    json::add_string(o, "id", mesh::format_node_id(n->num));
    if (!n->long_name.empty()) json::add_string(o, "long_name", n->long_name);
    if (!n->short_name.empty()) json::add_string(o, "short_name", n->short_name);
    if (n->hw_model) json::add_int(o, "hw_model", *n->hw_model);
    if (n->role) json::add_int(o, "role", *n->role);
    if (!n->public_key.empty()) json::add_string(o, "public_key", base64_encode(n->public_key));
    json::add_int(o, "last_heard", n->last_heard);
    auto receptions = json::make_array();
    for (const auto& r : n->receptions) {
        auto ro = json::make_object();
        json::add_string(ro.get(), "gateway", r.gateway);
        if (r.hops) json::add_int(ro.get(), "hops", *r.hops);
        if (r.snr) json::add_number(ro.get(), "snr", *r.snr);
        if (r.rssi) json::add_int(ro.get(), "rssi", *r.rssi);
        json::add_int(ro.get(), "time", r.time);
        json::append(receptions.get(), std::move(ro));
    }
    json::add_item(o, "receptions", std::move(receptions));
    if (n->position) {
        auto po = json::make_object();
        json::add_int(po.get(), "latitude_i", n->position->latitude_i);
        json::add_int(po.get(), "longitude_i", n->position->longitude_i);
        if (n->position->altitude) json::add_int(po.get(), "altitude", *n->position->altitude);
        if (n->position->time) json::add_int(po.get(), "time", *n->position->time);
        if (n->position->precision_bits) {
            json::add_int(po.get(), "precision_bits", *n->position->precision_bits);
        }
        json::add_int(po.get(), "heard", n->position_heard);
        json::add_item(o, "position", std::move(po));
    }
    if (n->battery_level) json::add_int(o, "battery_level", *n->battery_level);
    if (n->voltage) json::add_number(o, "voltage", *n->voltage);
    if (n->environment) {
        auto eo = json::make_object();
        if (n->environment->temperature)
            json::add_number(eo.get(), "temperature", *n->environment->temperature);
        if (n->environment->humidity)
            json::add_number(eo.get(), "humidity", *n->environment->humidity);
        if (n->environment->pressure)
            json::add_number(eo.get(), "pressure", *n->environment->pressure);
        json::add_int(eo.get(), "at", n->environment->at);
        json::add_item(o, "environment", std::move(eo));
    }
    if (n->airtime) {
        auto ao = json::make_object();
        json::add_number(ao.get(), "channel", n->airtime->channel_utilization);
        json::add_number(ao.get(), "tx", n->airtime->air_util_tx);
        json::add_int(ao.get(), "at", n->airtime->at);
        json::add_item(o, "airtime", std::move(ao));
    }
    if (!n->neighbors.empty()) {
        auto list = json::make_array();
        for (const auto& nb : n->neighbors) {
            auto no = json::make_object();
            json::add_string(no.get(), "id", mesh::format_node_id(nb.node));
            json::add_number(no.get(), "snr", nb.snr);
            json::append(list.get(), std::move(no));
        }
        json::add_item(o, "neighbors", std::move(list));
        json::add_int(o, "neighbors_at", n->neighbors_at);
    }
    if (n->days_heard != 0) {
        json::add_int(o, "days_heard", n->days_heard);
        json::add_int(o, "days_until", n->days_until);
    }
    if (n->silent_alerted) json::add_bool(o, "silent_alerted", true);
    if (n->battery_alerted) json::add_bool(o, "battery_alerted", true);
    if (n->key_mismatches) json::add_int(o, "key_mismatches", n->key_mismatches);
    return obj;
}

}  // namespace

json::Ptr NodeRegistry::to_json() const {
    auto array = json::make_array();
    for (const Node* n : by_last_heard())
        json::append(array.get(), node_json(n));
    return array;
}

void NodeRegistry::print_json(std::string& out) const {
    out += '[';
    bool first = true;
    for (const Node* n : by_last_heard()) {
        if (!first) out += ',';
        first = false;
        out += json::print(node_json(n).get());
    }
    out += ']';
}

void NodeRegistry::load_json(const cJSON* array) {
    nodes_.clear();
    if (!cJSON_IsArray(array)) return;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, array) {
        auto id = json::get_string(item, "id");
        auto num = id ? mesh::parse_node_id(*id) : std::nullopt;
        if (!num) continue;
        Node n;
        n.num = *num;
        // Bounded again: a state file written by an older version (or by hand) may hold more.
        set_names(n, json::get_string(item, "long_name").value_or(""),
                  json::get_string(item, "short_name").value_or(""));
        if (auto v = json::get_int(item, "hw_model", 0, UINT32_MAX))
            n.hw_model = static_cast<uint32_t>(*v);
        if (auto v = json::get_int(item, "role", 0, UINT32_MAX)) n.role = static_cast<uint32_t>(*v);
        if (auto key = json::get_string(item, "public_key")) {
            if (auto raw = base64_decode(*key); raw && raw->size() == 32) n.public_key = *raw;
        }
        n.last_heard = json::get_int(item, "last_heard").value_or(0);
        const cJSON* receptions = json::member(item, "receptions");
        const cJSON* r = nullptr;
        if (cJSON_IsArray(receptions)) {
            cJSON_ArrayForEach(r, receptions) {
                Reception rec;
                rec.gateway = json::get_string(r, "gateway").value_or("");
                if (!mesh::parse_node_id(rec.gateway)) continue;
                if (auto v = json::get_int(r, "hops", 0, 7)) rec.hops = static_cast<int>(*v);
                rec.snr = json::get_float(r, "snr");
                if (auto v = json::get_int(r, "rssi", INT32_MIN, INT32_MAX))
                    rec.rssi = static_cast<int32_t>(*v);
                rec.time = json::get_int(r, "time").value_or(0);
                if (n.receptions.size() < kMaxGatewaysPerNode) n.receptions.push_back(rec);
            }
        }
        const cJSON* po = json::member(item, "position");
        auto lat = json::get_int(po, "latitude_i", INT32_MIN, INT32_MAX);
        auto lon = json::get_int(po, "longitude_i", INT32_MIN, INT32_MAX);
        if (lat && lon) {
            mesh::PositionInfo pos;
            pos.latitude_i = static_cast<int32_t>(*lat);
            pos.longitude_i = static_cast<int32_t>(*lon);
            if (auto v = json::get_int(po, "altitude", INT32_MIN, INT32_MAX))
                pos.altitude = static_cast<int32_t>(*v);
            if (auto v = json::get_int(po, "time", 0, UINT32_MAX))
                pos.time = static_cast<uint32_t>(*v);
            if (auto v = json::get_int(po, "precision_bits", 0, 32))
                pos.precision_bits = static_cast<uint32_t>(*v);
            n.position = pos;
            n.position_heard = json::get_int(po, "heard").value_or(0);
        }
        if (auto v = json::get_int(item, "battery_level", 0, 255))
            n.battery_level = static_cast<uint32_t>(*v);
        n.voltage = json::get_float(item, "voltage");
        // Through the same checks as a report off the mesh: a hand-edited file gets no further.
        if (const cJSON* eo = json::member(item, "environment")) {
            n.environment =
                checked({json::get_float(eo, "temperature"), json::get_float(eo, "humidity"),
                         json::get_float(eo, "pressure")},
                        json::get_int(eo, "at").value_or(0));
        }
        if (const cJSON* ao = json::member(item, "airtime")) {
            n.airtime = checked_airtime(json::get_float(ao, "channel"), json::get_float(ao, "tx"),
                                        json::get_int(ao, "at").value_or(0));
        }
        const cJSON* neighbors = json::member(item, "neighbors");
        if (cJSON_IsArray(neighbors)) {
            const cJSON* nb = nullptr;
            cJSON_ArrayForEach(nb, neighbors) {
                auto nid = json::get_string(nb, "id");
                auto nnum = nid ? mesh::parse_node_id(*nid) : std::nullopt;
                if (!nnum || n.neighbors.size() == kMaxNeighbors) continue;
                n.neighbors.push_back(
                    {*nnum, within(json::get_float(nb, "snr"), -50.0f, 50.0f).value_or(0.0f)});
            }
            n.neighbors_at = json::get_int(item, "neighbors_at").value_or(0);
        }
        n.days_heard = static_cast<uint8_t>(json::get_int(item, "days_heard", 0, 0x7f).value_or(0));
        n.days_until = json::get_int(item, "days_until", 0, INT32_MAX).value_or(0);
        n.silent_alerted = json::get_bool(item, "silent_alerted").value_or(false);
        n.battery_alerted = json::get_bool(item, "battery_alerted").value_or(false);
        n.key_mismatches =
            static_cast<uint32_t>(json::get_int(item, "key_mismatches", 0, UINT32_MAX).value_or(0));
        nodes_[n.num] = std::move(n);
    }
    shrink_to(capacity_);
}

}  // namespace tgmesh::core
