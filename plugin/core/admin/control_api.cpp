#include "tgmesh/core/admin/control_api.h"

#include <algorithm>

#include "tgmesh/mesh/device_names.h"
#include "tgmesh/mesh/text_chunker.h"
#include "tgmesh/util/base64.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::core {

namespace {

// Bytes of a client's text in a log line: a command name; a client id, a user name or a
// refusal reason (it may quote a node reference) gets 4x.
constexpr size_t kMaxLogged = 64;

// Adds `child` to `parent` under `key`; returns the child, to be filled.
cJSON* add_child(cJSON* parent, const char* key, json::Ptr child) {
    cJSON* raw = child.get();
    json::add_item(parent, key, std::move(child));
    return raw;
}

// The $SYS names as JSON: "queue/mesh" becomes {"queue":{"mesh":..}}; numbers stay numbers.
json::Ptr metrics_json(const Metrics& m) {
    json::Ptr out = json::make_object();
    for (const auto& [name, value] : sys_values(m)) {
        cJSON* parent = out.get();
        std::string_view key = name;
        if (size_t slash = key.find('/'); slash != std::string_view::npos) {
            const std::string group(key.substr(0, slash));
            cJSON* existing = cJSON_GetObjectItemCaseSensitive(parent, group.c_str());
            parent = existing ? existing : add_child(parent, group.c_str(), json::make_object());
            key = key.substr(slash + 1);
        }
        const std::string leaf(key);
        if (name == "version") {
            json::add_string(parent, leaf.c_str(), value);
        } else {
            json::add_int(parent, leaf.c_str(), std::stoll(value));
        }
    }
    return out;
}

json::Ptr node_json(const Node& n, bool detailed) {
    json::Ptr out = json::make_object();
    cJSON* o = out.get();
    json::add_string(o, "id", mesh::format_node_id(n.num));
    json::add_int(o, "num", n.num);
    json::add_string(o, "longName", n.long_name);
    json::add_string(o, "shortName", n.short_name);
    json::add_int(o, "lastHeard", n.last_heard);
    if (const Reception* best = n.best_reception()) {
        if (best->hops) json::add_int(o, "hops", *best->hops);
        if (best->snr) json::add_number(o, "snr", *best->snr);
    }
    if (n.battery_level) json::add_int(o, "batteryLevel", *n.battery_level);
    json::add_bool(o, "hasPublicKey", !n.public_key.empty());
    if (!detailed) return out;
    if (n.hw_model) {
        json::add_int(o, "hwModel", *n.hw_model);
        if (const char* name = mesh::hardware_name(*n.hw_model))
            json::add_string(o, "hwModelName", name);
    }
    if (n.role) {
        json::add_int(o, "role", *n.role);
        if (const char* name = mesh::role_name(*n.role)) json::add_string(o, "roleName", name);
    }
    if (n.voltage) json::add_number(o, "voltage", *n.voltage);
    if (!n.public_key.empty()) json::add_string(o, "publicKey", base64_encode(n.public_key));
    if (n.position) {
        cJSON* p = add_child(o, "position", json::make_object());
        json::add_number(p, "latitude", n.position->latitude_i * 1e-7);
        json::add_number(p, "longitude", n.position->longitude_i * 1e-7);
        if (n.position->altitude) json::add_int(p, "altitude", *n.position->altitude);
        if (n.position->precision_bits)
            json::add_int(p, "precisionBits", *n.position->precision_bits);
        json::add_int(p, "heard", n.position_heard);
    }
    if (n.environment) {
        cJSON* e = add_child(o, "environment", json::make_object());
        if (n.environment->temperature)
            json::add_number(e, "temperature", *n.environment->temperature);
        if (n.environment->humidity) json::add_number(e, "humidity", *n.environment->humidity);
        if (n.environment->pressure) json::add_number(e, "pressure", *n.environment->pressure);
        json::add_int(e, "heard", n.environment->at);
    }
    if (n.airtime) {
        cJSON* a = add_child(o, "airtime", json::make_object());
        json::add_number(a, "channelUtilization", n.airtime->channel_utilization);
        json::add_number(a, "airUtilTx", n.airtime->air_util_tx);
        json::add_int(a, "heard", n.airtime->at);
    }
    if (!n.neighbors.empty()) {
        cJSON* list = add_child(o, "neighbors", json::make_array());
        for (const Neighbor& nb : n.neighbors) {
            json::Ptr item = json::make_object();
            json::add_string(item.get(), "id", mesh::format_node_id(nb.node));
            json::add_number(item.get(), "snr", nb.snr);
            json::append(list, std::move(item));
        }
        json::add_int(o, "neighborsHeard", n.neighbors_at);
    }
    cJSON* receptions = add_child(o, "receptions", json::make_array());
    for (const Reception& r : n.receptions) {
        json::Ptr item = json::make_object();
        json::add_string(item.get(), "gateway", r.gateway);
        if (r.hops) json::add_int(item.get(), "hops", *r.hops);
        if (r.snr) json::add_number(item.get(), "snr", *r.snr);
        if (r.rssi) json::add_int(item.get(), "rssi", *r.rssi);
        json::add_int(item.get(), "time", r.time);
        json::append(receptions, std::move(item));
    }
    return out;
}

// What a client sent, for the broker log: at most `max` bytes, valid UTF-8, control characters
// shown as '?' (a newline would start a forged log line).
std::string for_log(std::string_view text, size_t max) {
    const size_t keep = text.size() > max ? utf8::prefix_at_boundary(text, max) : text.size();
    std::string out = utf8::sanitize(text.substr(0, keep));
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') c = '?';
    }
    if (keep < text.size()) out += "...";
    return out;
}

Result<json::Ptr> refuse(std::string why) {
    return Status::failure(std::move(why));
}

// A broadcast may go to the bridged channel or to a channel of channel_map.
bool bridged_channel(const Config& config, std::string_view channel) {
    if (channel == config.channel) return true;
    return std::any_of(config.channel_map.begin(), config.channel_map.end(),
                       [&](const ChannelRoute& r) { return r.channel == channel; });
}

}  // namespace

bool ControlApi::within_rate(const std::string& client_id) {
    const Millis now = d_.clock.now_ms();
    if (per_client_.size() >= kClientsTracked && !per_client_.count(client_id)) {
        per_client_.clear();  // a flood of client ids: start counting afresh
    }
    auto it = per_client_.try_emplace(client_id, kClientRate, kClientBurst).first;
    // Both checked before either is taken, so a refused request costs no one a token.
    if (it->second.ready_at(now) > now || total_.ready_at(now) > now) return false;
    it->second.try_take(now);
    total_.try_take(now);
    return true;
}

std::span<const ControlApi::Command> ControlApi::commands() {
    static constexpr Command kCommands[] = {
        {"getStatus", &ControlApi::get_status, false},
        {"listNodes", &ControlApi::list_nodes, false},
        {"getNode", &ControlApi::get_node, false},
        {"diagnose", &ControlApi::diagnose, false},
        {"sendText", &ControlApi::send_text, true},
        {"reloadConfig", &ControlApi::reload_config, true},
        {"forgetNodeKey", &ControlApi::forget_node_key, true},
    };
    return kCommands;
}

void ControlApi::submit(ControlRequest request) {
    if (!within_rate(request.client_id) || waiting_.size() >= kMaxWaiting) {
        d_.drops.record(Drop::kControlFlood,
                        "a request from client " + for_log(request.client_id, 4 * kMaxLogged));
        return;
    }
    waiting_.push_back(std::move(request));
}

void ControlApi::run_due() {
    for (size_t i = 0; i < kRequestsPerTurn && !waiting_.empty(); ++i) {
        ControlRequest request = std::move(waiting_.front());
        waiting_.pop_front();
        handle(request);
    }
}

void ControlApi::handle(const ControlRequest& request) {
    const std::string who =
        "client " + for_log(request.client_id, 4 * kMaxLogged) +
        (request.username.empty() ? ""
                                  : " (user " + for_log(request.username, 4 * kMaxLogged) + ")");
    if (!d_.config.control) {
        d_.log.log(LogLevel::kInfo, "ignored a request on $CONTROL/tgmesh/v1 from " + who +
                                        ": option control is off");
        return;
    }
    json::Ptr response = json::make_object();
    cJSON* responses = add_child(response.get(), "responses", json::make_array());
    size_t answer_bytes = 0;
    auto answer = [&](std::string_view command, const cJSON* correlation, const std::string& error,
                      json::Ptr data) {
        json::Ptr item = json::make_object();
        json::add_string(item.get(), "command", command);
        if (!error.empty()) {
            json::add_string(item.get(), "error", error);
        } else if (data) {
            json::add_item(item.get(), "data", std::move(data));
        }
        if (correlation) {
            json::add_item(item.get(), "correlationData",
                           json::Ptr(cJSON_Duplicate(correlation, true)));
        }
        size_t bytes = json::print(item.get()).size();
        if (answer_bytes + bytes > kMaxAnswerBytes) {
            item = json::make_object();
            json::add_string(item.get(), "command", command);
            json::add_string(item.get(), "error",
                             "answer too large (the whole answer is at most 1 MiB): ask for less");
            bytes = json::print(item.get()).size();
        }
        answer_bytes += bytes;
        json::append(responses, std::move(item));
    };
    json::Ptr tree = json::parse(request.payload);
    const cJSON* commands = tree ? json::member(tree.get(), "commands") : nullptr;
    if (!tree) {
        answer("Unknown command", nullptr, "Payload not valid JSON", nullptr);
    } else if (!cJSON_IsArray(commands)) {
        answer("Unknown command", nullptr, "Invalid/missing commands", nullptr);
    } else if (cJSON_GetArraySize(commands) > static_cast<int>(kMaxCommands)) {
        answer("Unknown command", nullptr,
               "Too many commands (at most " + std::to_string(kMaxCommands) + ")", nullptr);
    } else {
        const cJSON* command = nullptr;
        cJSON_ArrayForEach(command, commands) {
            const auto name = json::get_string(command, "command");
            const cJSON* correlation = json::member(command, "correlationData");
            if (!name) {
                answer("Unknown command", correlation, "Missing command", nullptr);
                continue;
            }
            Answer result = refuse("Unknown command");
            bool acts = false;
            for (const Command& c : ControlApi::commands()) {
                if (c.name != *name) continue;
                result = (this->*c.run)(command, request);
                acts = c.acts;
            }
            const std::string& error = result.error();
            // Reading commands are frequent (monitoring); the ones that act are worth a line.
            d_.log.log(
                acts ? LogLevel::kNotice : LogLevel::kDebug,
                "control: " + who + " ran " + for_log(*name, kMaxLogged) +
                    (error.empty() ? "" : " (refused: " + for_log(error, 4 * kMaxLogged) + ")"));
            answer(*name, correlation, error, result ? std::move(*result) : json::Ptr());
        }
    }
    Outgoing out;
    out.topic = std::string(kResponseTopic);
    // Valid UTF-8 whatever a client's correlationData held (cJSON passes its bytes through).
    const std::string text = utf8::sanitize(json::print(response.get()));
    out.payload.assign(text.begin(), text.end());
    out.transient = true;
    d_.publisher.publish(std::move(out));
}

ControlApi::Answer ControlApi::get_status(const cJSON*, const ControlRequest&) {
    json::Ptr data;
    const Metrics m = d_.metrics();
    data = metrics_json(m);
    cJSON* o = data.get();
    json::add_string(o, "nodeId", mesh::format_node_id(d_.identity.node()));
    json::add_string(o, "channel", d_.config.channel);
    json::add_string(o, "downlink",
                     d_.config.downlink == DownlinkMode::kJson ? "json" : "protobuf");
    json::add_int(o, "blockedUsers", static_cast<int64_t>(m.blocked_users));
    json::add_int(o, "blockedNodes", static_cast<int64_t>(m.blocked_nodes));
    cJSON* gateways = add_child(o, "gateways", json::make_array());
    for (const GatewayActivity& g : gateways_heard(d_.nodes, d_.clock.unix_seconds())) {
        json::Ptr item = json::make_object();
        json::add_string(item.get(), "id", g.id);
        json::add_int(item.get(), "nodes", static_cast<int64_t>(g.nodes));
        json::add_int(item.get(), "lastHeard", g.last);
        json::append(gateways, std::move(item));
    }
    return data;
}

ControlApi::Answer ControlApi::list_nodes(const cJSON* command, const ControlRequest&) {
    json::Ptr data;
    const cJSON* filter_item = json::member(command, "filter");
    if (filter_item && !cJSON_IsString(filter_item)) return refuse("filter must be a string");
    const auto count = json::get_int(command, "count", -1, kMaxNodesPerAnswer);
    const auto offset = json::get_int(command, "offset", 0);
    if (json::member(command, "count") && !count) {
        return refuse("count must be an integer from -1 to " + std::to_string(kMaxNodesPerAnswer) +
                      " (-1: as many as one answer holds)");
    }
    if (json::member(command, "offset") && !offset)
        return refuse("offset must be a non-negative integer");
    const std::string filter = filter_item ? filter_item->valuestring : "";
    const std::vector<const Node*> nodes = d_.nodes.matching(filter);
    data = json::make_object();
    json::add_int(data.get(), "totalCount", static_cast<int64_t>(nodes.size()));
    cJSON* list = add_child(data.get(), "nodes", json::make_array());
    const size_t first = std::min(nodes.size(), static_cast<size_t>(offset.value_or(0)));
    // At most kMaxNodesPerAnswer: page through the rest with offset.
    size_t want = kMaxNodesPerAnswer;
    if (count.value_or(-1) >= 0) want = static_cast<size_t>(*count);
    const size_t last = std::min(nodes.size(), first + want);
    for (size_t i = first; i < last; ++i)
        json::append(list, node_json(*nodes[i], false));
    return data;
}

Result<mesh::NodeNum> ControlApi::find_node(const cJSON* command) const {
    const cJSON* item = json::member(command, "node");
    if (cJSON_IsNumber(item)) {
        const auto num = json::get_int(command, "node", 1, mesh::kBroadcast - 1);
        if (!num) return Status::failure("node number out of range");
        return static_cast<mesh::NodeNum>(*num);
    }
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0') {
        return Status::failure("node must be \"!xxxxxxxx\", a node number or a node's name");
    }
    const std::string ref = item->valuestring;
    NodeRegistry::Resolution res = d_.nodes.resolve(ref);
    if (res.node == mesh::kBroadcast) {
        return Status::failure("!ffffffff is the broadcast address: leave node out to broadcast");
    }
    if (res.node && res.rest.empty()) return *res.node;
    if (res.candidates.size() <= 1) return Status::failure("no node known as " + ref);
    std::string why = "node name " + ref + " is ambiguous:";
    for (mesh::NodeNum c : res.candidates)
        why += " " + mesh::format_node_id(c);
    return Status::failure(why);
}

ControlApi::Answer ControlApi::get_node(const cJSON* command, const ControlRequest&) {
    json::Ptr data;
    const auto num = find_node(command);
    if (!num) return num.status();
    const Node* node = d_.nodes.find(*num);
    if (!node) return refuse("node " + mesh::format_node_id(*num) + " has not been heard");
    data = node_json(*node, true);
    return data;
}

ControlApi::Answer ControlApi::send_text(const cJSON* command, const ControlRequest& request) {
    json::Ptr data;
    const auto text = json::get_string(command, "text");
    if (!text) return refuse("text (a string) is required");
    MeshSendRequest send;
    send.text = *text;
    if (json::member(command, "node")) {
        const auto num = find_node(command);
        if (!num) return num.status();
        send.to = *num;
    }
    const auto channel = json::get_string(command, "channel");
    if (json::member(command, "channel")) {
        if (!channel || !bridged_channel(d_.config, *channel)) {
            return refuse("channel must be a bridged channel (channel or channel_map)");
        }
        if (send.to != mesh::kBroadcast) return refuse("a DM to a node takes no channel");
        send.channel = *channel;
    }
    const std::string origin = "sendText from control client " + request.client_id;
    send.origin = origin;
    MeshSendResult sent = d_.sender.send(send);
    if (sent.refusal) {
        switch (*sent.refusal) {
            case SendRefusal::kEmpty:
                return refuse("text is empty");
            case SendRefusal::kTooLong:
                return refuse("text too long: " + std::to_string(sent.length) + " bytes, at most " +
                              std::to_string(sent.capacity) + " (" +
                              std::to_string(mesh::kMaxTextParts) + " parts of " +
                              std::to_string(sent.part_bytes) + " bytes)");
            case SendRefusal::kQueueFull:
                return refuse("mesh queue full (" + std::to_string(sent.ahead) + " waiting)");
            case SendRefusal::kNeedsKey:
                d_.sender.request_key(send.to);
                return refuse(
                    "node " + mesh::format_node_id(send.to) +
                    " refuses DMs sent with the channel key and its public key is not known yet "
                    "(asked for it: try again once it answers)");
        }
    }
    data = json::make_object();
    cJSON* o = data.get();
    json::add_string(o, "to",
                     send.to == mesh::kBroadcast ? "broadcast" : mesh::format_node_id(send.to));
    if (send.to == mesh::kBroadcast)
        json::add_string(o, "channel", send.channel.empty() ? d_.config.channel : send.channel);
    json::add_int(o, "parts", static_cast<int64_t>(sent.parts));
    json::add_bool(o, "pki", sent.pki);
    json::add_int(o, "queuedBehind", static_cast<int64_t>(sent.ahead));
    cJSON* ids = add_child(o, "packetIds", json::make_array());
    for (uint32_t id : sent.packet_ids)
        cJSON_AddItemToArray(ids, cJSON_CreateNumber(id));
    return data;
}

ControlApi::Answer ControlApi::reload_config(const cJSON*, const ControlRequest&) {
    if (Status reloaded = d_.reload(); !reloaded) return reloaded;
    return json::Ptr();
}

ControlApi::Answer ControlApi::forget_node_key(const cJSON* command,
                                               const ControlRequest& request) {
    json::Ptr data;
    const auto num = find_node(command);
    if (!num) return num.status();
    if (!d_.forget_key(*num, "control client " + for_log(request.client_id, 4 * kMaxLogged))) {
        return refuse("node " + mesh::format_node_id(*num) + " has no pinned public key");
    }
    data = json::make_object();
    json::add_string(data.get(), "node", mesh::format_node_id(*num));
    return data;
}

ControlApi::Answer ControlApi::diagnose(const cJSON*, const ControlRequest&) {
    json::Ptr data;
    data = json::make_object();
    cJSON* list = add_child(data.get(), "findings", json::make_array());
    for (const Finding& f : d_.findings()) {
        json::Ptr item = json::make_object();
        cJSON* o = item.get();
        json::add_string(o, "code", f.code);
        json::add_string(o, "text", f.text);
        if (f.channel_hash) json::add_int(o, "channelHash", *f.channel_hash);
        if (!f.channel.empty()) json::add_string(o, "channel", f.channel);
        if (f.code == "unknown_channel") {
            json::add_int(o, "count", static_cast<int64_t>(f.count));
            cJSON* gateways = add_child(o, "gateways", json::make_array());
            for (const auto& g : f.gateways)
                json::append(gateways, json::Ptr(cJSON_CreateString(g.c_str())));
        }
        if (f.chat_id) json::add_int(o, "chatId", *f.chat_id);
        if (!f.root.empty()) json::add_string(o, "root", f.root);
        if (!f.region.empty()) json::add_string(o, "region", f.region);
        json::append(list, std::move(item));
    }
    return data;
}

}  // namespace tgmesh::core
