// $CONTROL/tgmesh/v1: the input is one request payload, published to a Bridge that knows a few
// nodes (the sample state: an id, long and short names, an ambiguous "Twin"; plus a node whose
// public key it learnt, for PKI DMs), once by an authenticated client and once by an anonymous
// one, with the worker's loop run after each. reloadConfig works: successive reloads fail,
// change hop_limit/max_text_bytes/sys_interval, switch to json downlinks, turn control off.
// Invariants:
//   - one answer on $CONTROL/tgmesh/v1/response per request while control is on (none when
//     off), transient and not retained, JSON with a "responses" array: as many entries as
//     commands when "commands" is an array of at most 100, else one error; each entry names
//     its command and echoes its correlationData;
//   - $SYS/broker/tgmesh/ values are transient, retained, QoS 0, integers (but version);
//   - anything else published is a downlink tgmesh builds: not transient, on the envelope
//     topic of a configured channel (or PKI) under the bridge's id, an envelope from the
//     bridge that opens with that channel's key (texts within one LoRa frame), or the json
//     sendtext topic with a sendtext object;
//   - no log line contains the bot token (fuzz::Logger) unless the client sent it (a command
//     name or node reference is logged as sent); a "control: " line is one line of valid
//     UTF-8 without control characters, at most 1 KiB; the worker never spins (pump).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "tgmesh/core/admin/control_api.h"
#include "tgmesh/core/downlink/packet_encoder.h"
#include "tgmesh/mesh/keyring.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/mesh/pki.h"
#include "tgmesh/mesh/topic.h"
#include "tgmesh/util/utf8.h"

using namespace tgmesh;

namespace {

constexpr mesh::NodeNum kBridge = 0x7b000001;
constexpr mesh::NodeNum kKeyed = 0x5eed0001;  // "Keyed Node" / "KEY", public key known
constexpr const char* kSysPrefix = "$SYS/broker/tgmesh/";
constexpr size_t npos = std::string_view::npos;

core::Options control_options() {
    auto options = fuzz::base_options();
    // Broadcasts may go to Private too; chat 42 keeps LongFast.
    options.emplace_back("channel_map", "LongFast=-1001,Private=-1002");
    return options;
}

const core::Config& control_config() {
    static const core::Config config = fuzz::make_config(control_options());
    return config;
}

// What reloadConfig finds, call after call.
struct Reloads {
    int calls = 0;
    core::ConfigResult next() {
        switch (calls++ % 4) {
            case 0:
                return {tgmesh::Status::failure("option hop_limit: must be 1 to 7"), {}};
            case 1: {
                core::Config c = control_config();
                c.hop_limit = 5;
                c.max_text_bytes = 100;
                c.sys_interval_s = 1;
                return {c, {}};
            }
            case 2: {
                auto options = control_options();
                options.emplace_back("downlink", "json");
                options.emplace_back("gateway_id", "!67ea9400");
                return {fuzz::make_config(options), {}};
            }
            default: {
                core::Config c = control_config();
                c.control = false;
                return {c, {}};
            }
        }
    }
};

Bytes keyed_private() {
    Bytes key(32, '\0');
    for (size_t i = 0; i < key.size(); ++i)
        key[i] = static_cast<char>(0x40 + i);
    return key;
}

// The keyed node's NODEINFO (unencrypted, as a gateway with an open channel uplinks it).
Bytes keyed_nodeinfo() {
    return fuzz::nodeinfo_with_key(kKeyed, 7, "Keyed Node", "KEY",
                                   mesh::key_pair_from_private(keyed_private())->public_key);
}

bool is_integer(const std::string& v) {
    size_t i = (!v.empty() && v[0] == '-') ? 1 : 0;
    if (i == v.size()) return false;
    for (; i < v.size(); ++i) {
        if (v[i] < '0' || v[i] > '9') return false;
    }
    return true;
}

class Checker {
  public:
    Checker() {
        const std::string root = control_config().topic_roots.front();
        const std::string gateway = mesh::format_node_id(kBridge);
        for (const auto& key : control_config().channel_keys)
            channel_topics_.insert(mesh::envelope_topic(root, key.name, gateway));
        pki_topic_ = mesh::envelope_topic(root, "PKI", gateway);
        json_topic_ = mesh::json_downlink_topic(root);
    }

    size_t responses = 0;
    std::string last_response;

    void on_publish(const Outgoing& m) {
        if (m.topic == core::ControlApi::kResponseTopic) {
            fuzz::check(m.transient && !m.retain && m.receipt_id == 0 && m.client_id.empty());
            ++responses;
            last_response.assign(m.payload.begin(), m.payload.end());
            return;
        }
        if (m.topic.starts_with(kSysPrefix)) {
            fuzz::check(m.transient && m.retain && m.qos == 0 && m.receipt_id == 0);
            const std::string value(m.payload.begin(), m.payload.end());
            if (m.topic != std::string(kSysPrefix) + "version") fuzz::check(is_integer(value));
            return;
        }
        fuzz::check(!m.transient && !m.retain);
        if (m.topic == json_topic_) {
            auto doc = json::parse(m.payload);
            fuzz::check(doc != nullptr);
            fuzz::check(json::get_string(doc.get(), "type") ==
                        std::optional<std::string>("sendtext"));
            fuzz::check(json::get_int(doc.get(), "from") == int64_t{0x67ea9400});
            const auto text = json::get_string(doc.get(), "payload");
            fuzz::check(text && !text->empty() &&
                        text->size() <= core::PacketEncoder::kMaxChannelText);
            return;
        }
        const bool pki = m.topic == pki_topic_;
        fuzz::check(pki || channel_topics_.count(m.topic) == 1);
        auto env = mesh::decode_envelope(m.payload);
        fuzz::check(env.has_value());
        fuzz::check(env->gateway_id == mesh::format_node_id(kBridge));
        fuzz::check(env->packet.from == kBridge);
        fuzz::check(m.topic.ends_with("/" + env->channel_id + "/" + env->gateway_id));
        if (pki) {
            fuzz::check(env->packet.pki_encrypted && env->packet.to == kKeyed);
            return;
        }
        auto opened = keys_.open(env->packet);
        fuzz::check(opened.has_value() && opened->key->name == env->channel_id);
        if (opened->data.portnum == 1) {
            fuzz::check(!opened->data.payload.empty());
            fuzz::check(opened->data.payload.size() <= core::PacketEncoder::kMaxChannelText);
        }
    }

  private:
    mesh::Keyring keys_{control_config().channel_keys};
    std::set<std::string> channel_topics_;
    std::string pki_topic_;
    std::string json_topic_;
};

// The answer to `payload` (checked above to be one message) against the request.
void check_answer(std::string_view payload, const std::string& answer) {
    // Bounded and valid UTF-8 whatever the request or the uplinks held.
    fuzz::check(utf8::is_valid(answer));
    fuzz::check(answer.size() <= core::ControlApi::kMaxAnswerBytes + 4096);
    auto doc = json::parse(answer);
    fuzz::check(doc != nullptr);
    const cJSON* responses = json::member(doc.get(), "responses");
    fuzz::check(cJSON_IsArray(responses));
    const cJSON* r = nullptr;
    cJSON_ArrayForEach(r, responses) {
        fuzz::check(cJSON_IsObject(r));
        fuzz::check(json::get_string(r, "command").has_value());
        const cJSON* error = json::member(r, "error");
        fuzz::check(!error || (cJSON_IsString(error) && error->valuestring[0] != '\0'));
        fuzz::check(!(error && json::member(r, "data")));
    }
    auto request = json::parse(payload);
    const cJSON* commands = json::member(request.get(), "commands");
    const int count = cJSON_GetArraySize(responses);
    if (!cJSON_IsArray(commands) ||
        cJSON_GetArraySize(commands) > static_cast<int>(core::ControlApi::kMaxCommands)) {
        fuzz::check(count == 1);
        fuzz::check(json::member(cJSON_GetArrayItem(responses, 0), "error") != nullptr);
        return;
    }
    fuzz::check(count == cJSON_GetArraySize(commands));
    fuzz::check(count <= static_cast<int>(core::ControlApi::kMaxCommands));
    const cJSON* command = nullptr;
    int i = 0;
    cJSON_ArrayForEach(command, commands) {
        const cJSON* response = cJSON_GetArrayItem(responses, i++);
        if (auto name = json::get_string(command, "command")) {
            fuzz::check(json::get_string(response, "command") == utf8::sanitize(*name));
        } else {
            fuzz::check(json::get_string(response, "error") ==
                        std::optional<std::string>("Missing command"));
        }
        // Echoed as it prints (a number beyond double range is null both ways).
        const cJSON* sent = json::member(command, "correlationData");
        const cJSON* echoed = json::member(response, "correlationData");
        fuzz::check((sent == nullptr) == (echoed == nullptr));
        // Invalid UTF-8 in it comes back as U+FFFD.
        if (sent) fuzz::check(utf8::sanitize(json::print(sent)) == json::print(echoed));
    }
}

// Whether any string (member name or value) of `item` contains the token.
bool has_token(const cJSON* item) {
    for (; item != nullptr; item = item->next) {
        if (item->string && std::string_view(item->string).find(fuzz::kToken) != npos) return true;
        if (cJSON_IsString(item) && std::string_view(item->valuestring).find(fuzz::kToken) != npos)
            return true;
        if (has_token(item->child)) return true;
    }
    return false;
}

// The client sent the token itself (raw, or as a JSON string with escapes).
bool carries_token(std::string_view payload) {
    if (payload.find(fuzz::kToken) != npos) return true;
    auto doc = json::parse(payload);
    return doc && has_token(doc.get());
}

void check_line(const std::string& line) {
    if (!line.starts_with("control: ")) return;
    fuzz::check(line.size() <= 1024 && utf8::is_valid(line));
    for (char c : line)
        fuzz::check(static_cast<unsigned char>(c) >= 0x20 && c != '\x7f');
}

void send(fuzz::Rig& rig, Checker& checker, const core::ControlRequest& request) {
    rig.log.secret = carries_token(request.payload) ? "" : fuzz::kToken;
    const bool on = rig.bridge->config().control;
    const size_t before = checker.responses;
    rig.bridge->on_control(request);
    rig.bridge->run_due();
    fuzz::check(checker.responses == before + (on ? 1 : 0));
    if (on) check_answer(request.payload, checker.last_response);
    rig.pump(2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string payload(fuzz::as_view(data, size));
    Reloads reloads;
    Checker checker;
    fuzz::Rig rig(control_config(), fuzz::kSampleState, [&reloads] { return reloads.next(); });
    rig.publisher.on_publish = [&checker](const Outgoing& m) { checker.on_publish(m); };
    rig.log.on_line = check_line;
    rig.bridge->start();
    rig.connect_telegram();
    rig.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", keyed_nodeinfo());
    rig.bridge->run_due();
    send(rig, checker, {"admin-1", "admin", payload});
    send(rig, checker, {"anon", "", payload});
    rig.bridge->shutdown({});
    return 0;
}
