#pragma once
// What every libFuzzer harness uses: the fakes of tests/fakes/ (here the logger also checks
// that the token never shows), a fixed configuration, a Bridge wired to the fakes, and a pump
// that answers its HTTP requests so the whole worker-side loop runs per input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fake_ports.h"
#include "tgmesh/base/ports.h"
#include "tgmesh/core/bridge.h"
#include "tgmesh/core/config/config.h"
#include "tgmesh/mesh/node_id.h"
#include "tgmesh/mesh/packet.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/mesh/portnum.h"
#include "tgmesh/util/clock.h"
#include "tgmesh/util/json.h"
#include "tgmesh/util/utf8.h"
#include "uplinks.h"

namespace fuzz {

// A violated invariant is a crash for libFuzzer.
inline void check(bool ok) {
    if (!ok) __builtin_trap();
}

inline std::string_view as_view(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

using Clock = tgmesh::fakes::Clock;
using Publisher = tgmesh::fakes::Publisher;
using Http = tgmesh::fakes::Http;
using Store = tgmesh::fakes::Store;

class Logger : public tgmesh::fakes::Logger {
  public:
    std::string secret;  // when set, no line may contain it
    void log(tgmesh::LogLevel level, std::string line) override {
        if (!secret.empty()) check(line.find(secret) == std::string::npos);
        tgmesh::fakes::Logger::log(level, std::move(line));
    }
};

// A node's NODEINFO with its public key, unencrypted (as a gateway with an open channel uplinks
// it) on msh/US/2/e/LongFast/!11111111: the bridge then knows the key.
inline tgmesh::Bytes nodeinfo_with_key(tgmesh::mesh::NodeNum num, uint32_t packet_id,
                                       const std::string& long_name, const std::string& short_name,
                                       const tgmesh::Bytes& public_key) {
    return tgmesh::fakes::nodeinfo_uplink(
        {num, packet_id, long_name, short_name, public_key, true, "!11111111"});
}

inline constexpr const char* kToken = "123456:FUZZ-token_abcdefghijklmnopqrstuvwxyz";
inline constexpr int64_t kChat = -1001;
inline constexpr int64_t kPrivateChat = 42;
inline constexpr int64_t kAdmin = 111;

// The options every Bridge harness starts from: Telegram on, chats -1001 and 42, admin 111,
// node !7b000001, no pacing, and keys for the default channel, an AES-256 channel, an
// AES-128 channel and an unencrypted one, so that every decryption path runs.
inline tgmesh::core::Options base_options() {
    return {{"bot_token", kToken},
            {"api_url", "http://127.0.0.1:9"},
            {"chat_ids", "-1001,42"},
            {"admin_ids", "111"},
            {"node_id", "!7b000001"},
            {"mesh_interval", "0"},
            {"state_file", "/tmp/tgmesh-fuzz-state.json"},
            // Private: 32 bytes 0x00..0x1f; Yasenevo: 16 bytes "kkkk..."; Open: no encryption.
            {"channel_keys",
             "LongFast=AQ==,Private=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,"
             "Yasenevo=a2tra2tra2tra2tra2traw==,Open=AA=="}};
}

inline tgmesh::core::Config make_config(const tgmesh::core::Options& options) {
    auto r = tgmesh::core::load_config(options);
    if (!r.config) {
        std::fprintf(stderr, "fuzz harness config refused: %s\n", r.config.error().c_str());
        std::abort();
    }
    return *r.config;
}

inline const tgmesh::core::Config& protobuf_config() {
    static const tgmesh::core::Config config = make_config(base_options());
    return config;
}

inline const tgmesh::core::Config& json_config() {
    static const tgmesh::core::Config config = [] {
        auto options = base_options();
        options.emplace_back("downlink", "json");
        options.emplace_back("gateway_id", "!67ea9400");
        return make_config(options);
    }();
    return config;
}

// Canned Bot API answers.
inline constexpr const char* kGetMeOk =
    R"({"ok":true,"result":{"id":9,"is_bot":true,"first_name":"tgmesh","username":"tgmesh_bot"}})";
inline constexpr const char* kNoUpdates = R"({"ok":true,"result":[]})";
inline constexpr const char* kSentOk =
    R"({"ok":true,"result":{"message_id":77,"chat":{"id":-1001,"type":"supergroup"}}})";

// What Telegram accepts as a sendMessage text with parse_mode HTML, for the tags and entities
// tgmesh writes: valid UTF-8; only <b>, <i>, <code> tags, properly nested; only the four
// entities escape_html writes; no raw '>'; at most 4096 characters (UTF-16 units) once tags
// are removed and entities decoded.
inline void check_chat_html(std::string_view html) {
    check(!html.empty() && tgmesh::utf8::is_valid(html));
    std::vector<std::string_view> open;
    size_t visible = 0;
    for (size_t i = 0; i < html.size();) {
        const char c = html[i];
        if (c == '<') {
            size_t end = html.find('>', i);
            check(end != std::string_view::npos);
            std::string_view tag = html.substr(i + 1, end - i - 1);
            if (!tag.empty() && tag.front() == '/') {
                check(!open.empty() && open.back() == tag.substr(1));
                open.pop_back();
            } else {
                check(tag == "b" || tag == "i" || tag == "code");
                open.push_back(tag);
            }
            i = end + 1;
        } else if (c == '&') {
            std::string_view rest = html.substr(i);
            size_t len = rest.starts_with("&amp;")    ? 5
                         : rest.starts_with("&lt;")   ? 4
                         : rest.starts_with("&gt;")   ? 4
                         : rest.starts_with("&quot;") ? 6
                                                      : 0;
            check(len != 0);
            ++visible;
            i += len;
        } else {
            check(c != '>');
            const size_t len = tgmesh::utf8::char_length(html, i);
            visible += len == 4 ? 2 : 1;
            i += len;
        }
    }
    check(open.empty());
    check(visible <= 4096);
}

// What the registry stores is bounded as firmware bounds it, whatever came in: names of at most
// 39 and 4 bytes of valid UTF-8 without control or direction characters, gateway ids that are
// node ids, at most 8 receptions (contract v3, "Hostile broker clients").
inline void check_registry_bounds(const tgmesh::core::NodeRegistry& nodes) {
    auto printable = [](const std::string& s, size_t max) {
        check(s.size() <= max && tgmesh::utf8::printable(s, max) == s);
    };
    for (const tgmesh::core::Node* n : nodes.by_last_heard()) {
        printable(n->long_name, tgmesh::core::NodeRegistry::kMaxLongName);
        printable(n->short_name, tgmesh::core::NodeRegistry::kMaxShortName);
        check(n->public_key.empty() || n->public_key.size() == 32);
        check(n->receptions.size() <= tgmesh::core::NodeRegistry::kMaxGatewaysPerNode);
        for (const auto& r : n->receptions)
            check(tgmesh::mesh::parse_node_id(r.gateway).has_value());
    }
}

// A stored state with a few nodes, so that /nodes lists something and /send_to_node resolves
// an id, a long name, a short name, and an ambiguous name ("Twin").
inline constexpr const char* kSampleState = R"({"version":1,"node_id":"!7b000001",
"packet_counter":4242,"telegram_offset":1000,"mesh_queue":[],"chat_queue":[],"nodes":[
{"id":"!a1b2c3d4","long_name":"Base Camp","short_name":"BC","hw_model":43,"last_heard":1759999000,
 "receptions":[{"gateway":"!11111111","hops":1,"snr":6.25,"rssi":-97,"time":1759999000}],
 "battery_level":87,"voltage":4.01},
{"id":"!0badcafe","long_name":"Twin","short_name":"TW","last_heard":1759000000,"battery_level":101},
{"id":"!0badcaff","long_name":"Twin","short_name":"TW","last_heard":1758000000},
{"id":"!12345678","short_name":"Ю","last_heard":0}]})";

// A Bridge on fakes; `random` is fixed so that every run of an input is the same.
struct Rig {
    Clock clock;
    Publisher publisher;
    Http http;
    Store store;
    Store identity;
    Logger log;
    std::unique_ptr<tgmesh::core::Bridge> bridge;
    // Off when the texts come from a fuzzed state file (restored chat messages are sent as
    // they were saved).
    bool check_html = true;

    // `reload`: Services::reload_config (the control API's reloadConfig); empty: unavailable.
    explicit Rig(tgmesh::core::Config config, std::optional<std::string> state = std::nullopt,
                 std::function<tgmesh::core::ConfigResult()> reload = {}) {
        store.text = std::move(state);
        log.secret = config.bot_token;
        bridge = std::make_unique<tgmesh::core::Bridge>(
            std::move(config), tgmesh::core::Services{clock, publisher, http, store, identity, log,
                                                      [] { return 0x12345u; }, std::move(reload)});
    }

    // Answers getMe with the canned bot, leaving a getUpdates pending.
    void connect_telegram() {
        bridge->run_due();
        if (auto me = http.try_take("getMe")) Http::reply(*me, 200, kGetMeOk);
        bridge->run_due();
    }

    // Lets time pass and answers whatever the bridge asks: sendMessage succeeds (its text must be
    // one Telegram accepts), getUpdates is empty, publishes with a receipt are confirmed.
    // Bounded, so an input cannot loop.
    void pump(int rounds = 6) {
        for (int round = 0; round < rounds; ++round) {
            bridge->run_due();
            // What was due has been done: the worker sleeps until next_due(), so a time that
            // stays in the past would make it spin.
            check(bridge->next_due() > clock.now);
            auto out = std::move(publisher.published);
            publisher.published.clear();
            for (const auto& m : out) {
                if (m.receipt_id != 0) bridge->on_published(m.receipt_id, true, clock.now + 5);
            }
            std::deque<Http::Pending> requests = std::move(http.pending);
            http.pending.clear();
            for (auto& p : requests) {
                const std::string method = p.method();
                if (method == "sendMessage") {
                    auto body = tgmesh::json::parse(p.request.json_body);
                    auto text = tgmesh::json::get_string(body.get(), "text");
                    check(text.has_value());
                    if (check_html) check_chat_html(*text);
                    Http::reply(p, 200, kSentOk);
                } else if (method == "getMe") {
                    Http::reply(p, 200, kGetMeOk);
                } else if (round + 1 < rounds) {
                    Http::reply(p, 200, kNoUpdates);
                } else {
                    http.pending.push_back(std::move(p));
                }
            }
            clock.advance(3100);
        }
    }
};

}  // namespace fuzz
