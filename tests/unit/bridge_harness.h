#pragma once
// A Bridge wired to fakes, and builders of the uplinks and updates the bridge tests feed it.
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "payload_writers.h"
#include "test_support.h"
#include "tgmesh/core/bridge.h"
#include "tgmesh/mesh/keyring.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/mesh/portnum.h"
#include "uplinks.h"

namespace bridge_test {

using namespace tgmesh;
using namespace tgmesh::core;

constexpr mesh::NodeNum kBridgeNode = 0x7b000001;
constexpr mesh::NodeNum kAlice = 0xa1b2c3d4;
constexpr int64_t kChat = -1001;
constexpr int64_t kAdmin = 111;

inline const char* kToken = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz";

inline Config base_config() {
    Options opts = {{"bot_token", kToken},        {"api_url", "http://127.0.0.1:9"},
                    {"chat_ids", "-1001"},        {"admin_ids", "111"},
                    {"node_id", "!7b000001"},     {"mesh_interval", "0"},
                    {"state_file", "/tmp/x.json"}};
    auto r = load_config(opts);
    if (!r.config) fail_msg("config: %s", r.config.error().c_str());
    return *r.config;
}

// channel_map: LongFast in chat -1001, Ops in the forum -2002's topic 42.
inline Config mapped_config() {
    Options opts = {{"bot_token", kToken},
                    {"api_url", "http://127.0.0.1:9"},
                    {"admin_ids", "111"},
                    {"node_id", "!7b000001"},
                    {"mesh_interval", "0"},
                    {"state_file", "/tmp/x.json"},
                    {"channel_keys", "LongFast=AQ==,Ops=AQ=="},
                    {"channel_map", "LongFast=-1001,Ops=-2002:42"}};
    auto r = load_config(opts);
    if (!r.config) fail_msg("config: %s", r.config.error().c_str());
    return *r.config;
}

struct Harness {
    test::FakeClock clock;
    test::FakePublisher publisher;
    test::FakeHttp http;
    test::FakeStore store;
    test::FakeStore identity;
    test::FakeLogger log;
    std::unique_ptr<Bridge> bridge;
    // Services::reload_config (reloadConfig over $CONTROL) when set before start(); unset, the
    // bridge has no way to reload.
    std::function<ConfigResult()> reload_config;

    void start(Config config = base_config()) {
        Services services{clock, publisher, http, store, identity, log, [] { return 0x12345u; }};
        if (reload_config) services.reload_config = [this] { return reload_config(); };
        bridge = std::make_unique<Bridge>(std::move(config), std::move(services));
        bridge->start();
        bridge->run_due();
        // The run's first announcement goes out at the latest a minute after the start (or soon
        // after the first uplink): most tests want it behind them, so let that minute pass.
        if (announce_at_start) {
            clock.advance(MeshDuties::kAnnounceAtTheLatest);
            bridge->run_due();
        }
    }
    // Off: start() leaves the clock at the start, before any announcement.
    bool announce_at_start = true;
    // Started and connected to the Bot API, the start-up announcement taken off the mesh.
    void start_connected(Config config = base_config()) {
        start(std::move(config));
        take_published();
        connect_telegram();
    }
    // The same with the start-up calls (setMyCommands) answered.
    void start_ready(Config config = base_config()) {
        start_connected(std::move(config));
        flush_api();
    }
    // Answers getMe and leaves a getUpdates pending.
    void connect_telegram() {
        auto me = http.take("getMe");
        test::FakeHttp::reply(
            me, 200, R"({"ok":true,"result":{"id":9,"is_bot":true,"username":"tgmesh_bot"}})");
        bridge->run_due();
    }
    void deliver_updates(const std::string& updates_json) {
        auto poll = http.take("getUpdates");
        test::FakeHttp::reply(poll, 200, R"({"ok":true,"result":)" + updates_json + "}");
        bridge->run_due();
    }
    // Answers every pending sendMessage and returns their texts.
    std::vector<std::pair<int64_t, std::string>> flush_chat(int rounds = 10, Millis step = 2000) {
        std::vector<std::pair<int64_t, std::string>> sent;
        for (int round = 0; round < rounds; ++round) {
            bridge->run_due();
            if (!http.has("sendMessage")) {
                clock.advance(step);
                bridge->run_due();
                if (!http.has("sendMessage")) break;
            }
            while (http.has("sendMessage")) {
                auto p = http.take("sendMessage");
                auto body = json::parse(p.request.json_body);
                sent.emplace_back(*json::get_int(body.get(), "chat_id"),
                                  *json::get_string(body.get(), "text"));
                test::FakeHttp::reply(
                    p, 200, R"({"ok":true,"result":{"message_id":77,"chat":{"id":-1001}}})");
            }
        }
        return sent;
    }
    // A Bot API call the bridge made (other than polling), answered with success.
    struct ApiCall {
        std::string method;
        std::shared_ptr<cJSON> body;
        std::string text() const { return json::get_string(body.get(), "text").value_or(""); }
        const cJSON* markup() const { return json::member(body.get(), "reply_markup"); }
        // The inline keyboard's buttons, row by row flattened: (label, callback_data).
        std::vector<std::pair<std::string, std::string>> buttons() const {
            std::vector<std::pair<std::string, std::string>> out;
            const cJSON* rows = json::member(markup(), "inline_keyboard");
            const cJSON* row = nullptr;
            cJSON_ArrayForEach(row, rows) {
                const cJSON* button = nullptr;
                cJSON_ArrayForEach(button, row) {
                    out.emplace_back(json::get_string(button, "text").value_or(""),
                                     json::get_string(button, "callback_data").value_or(""));
                }
            }
            return out;
        }
    };
    // Answers every pending call but getUpdates/getMe (advancing the clock past the pacing) and
    // returns them in order. Sent messages get ids 500, 501, ...
    std::vector<ApiCall> flush_api(int rounds = 10, Millis step = 2000) {
        std::vector<ApiCall> calls;
        auto take_one = [&]() -> bool {
            for (auto it = http.pending.begin(); it != http.pending.end(); ++it) {
                const std::string method = it->method();
                if (method == "getUpdates" || method == "getMe") continue;
                auto p = std::move(*it);
                http.pending.erase(it);
                auto body = json::parse(p.request.json_body);
                calls.push_back({method, std::shared_ptr<cJSON>(body.release(), cJSON_Delete)});
                const std::string result = method.starts_with("send")
                                               ? R"({"message_id":)" +
                                                     std::to_string(next_message_id++) +
                                                     R"(,"chat":{"id":-1001}})"
                                               : "true";
                test::FakeHttp::reply(p, 200, R"({"ok":true,"result":)" + result + "}");
                return true;
            }
            return false;
        };
        for (int round = 0; round < rounds; ++round) {
            bridge->run_due();
            bool any = false;
            while (take_one())
                any = true;
            if (!any) {
                clock.advance(step);
                bridge->run_due();
                if (!take_one()) break;
                while (take_one()) {
                }
            }
        }
        return calls;
    }
    int64_t next_message_id = 500;
    std::vector<Outgoing> take_published() {
        auto out = std::move(publisher.published);
        publisher.published.clear();
        return out;
    }
};

// A Message update with what the tests vary.
struct MessageSpec {
    int64_t id = 1;  // update_id; the message_id is id * 10
    int64_t chat = kChat;
    int64_t user = kAdmin;
    std::string text;
    const char* chat_type = "group";
    std::optional<int64_t> reply_to;  // message_id replied to
    int64_t reply_to_user = 0;        // its author (0: unknown)
    bool reply_to_bot = false;        // ... the bot itself
    std::string language_code;
    std::optional<std::pair<double, double>> location;  // shared instead of a text
    std::string first_name = "Alice";
};

inline std::string message_update(const MessageSpec& spec) {
    auto u = json::make_object();
    json::add_int(u.get(), "update_id", spec.id);
    auto m = json::make_object();
    json::add_int(m.get(), "message_id", spec.id * 10);
    auto c = json::make_object();
    json::add_int(c.get(), "id", spec.chat);
    json::add_string(c.get(), "type", spec.chat_type);
    json::add_item(m.get(), "chat", std::move(c));
    auto f = json::make_object();
    json::add_int(f.get(), "id", spec.user);
    json::add_bool(f.get(), "is_bot", false);
    json::add_string(f.get(), "first_name", spec.first_name);
    if (!spec.language_code.empty()) json::add_string(f.get(), "language_code", spec.language_code);
    json::add_item(m.get(), "from", std::move(f));
    if (spec.location) {
        auto l = json::make_object();
        json::add_number(l.get(), "latitude", spec.location->first);
        json::add_number(l.get(), "longitude", spec.location->second);
        json::add_item(m.get(), "location", std::move(l));
    } else {
        json::add_string(m.get(), "text", spec.text);
    }
    if (spec.reply_to) {
        auto r = json::make_object();
        json::add_int(r.get(), "message_id", *spec.reply_to);
        if (spec.reply_to_user != 0 || spec.reply_to_bot) {
            auto rf = json::make_object();
            json::add_int(rf.get(), "id", spec.reply_to_bot ? 9 : spec.reply_to_user);
            json::add_bool(rf.get(), "is_bot", spec.reply_to_bot);
            json::add_item(r.get(), "from", std::move(rf));
        }
        json::add_item(m.get(), "reply_to_message", std::move(r));
    }
    json::add_item(u.get(), "message", std::move(m));
    return json::print(u.get());
}

inline std::string update(int64_t id, int64_t chat, int64_t user, const std::string& text,
                          const char* chat_type = "group",
                          std::optional<int64_t> reply_to = std::nullopt) {
    MessageSpec spec;
    spec.id = id;
    spec.chat = chat;
    spec.user = user;
    spec.text = text;
    spec.chat_type = chat_type;
    spec.reply_to = reply_to;
    return message_update(spec);
}

// A message_reaction update: `user` changed their reactions to `message_id`.
inline std::string reaction_update(int64_t id, int64_t chat, int64_t user, int64_t message_id,
                                   const std::vector<std::string>& new_emojis,
                                   const std::vector<std::string>& old_emojis = {}) {
    auto u = json::make_object();
    json::add_int(u.get(), "update_id", id);
    auto r = json::make_object();
    auto c = json::make_object();
    json::add_int(c.get(), "id", chat);
    json::add_string(c.get(), "type", "supergroup");
    json::add_item(r.get(), "chat", std::move(c));
    json::add_int(r.get(), "message_id", message_id);
    auto f = json::make_object();
    json::add_int(f.get(), "id", user);
    json::add_bool(f.get(), "is_bot", false);
    json::add_string(f.get(), "first_name", "Alice");
    json::add_item(r.get(), "user", std::move(f));
    auto list = [](const std::vector<std::string>& emojis) {
        auto a = json::make_array();
        for (const auto& e : emojis) {
            auto item = json::make_object();
            json::add_string(item.get(), "type", "emoji");
            json::add_string(item.get(), "emoji", e);
            json::append(a.get(), std::move(item));
        }
        return a;
    };
    json::add_item(r.get(), "old_reaction", list(old_emojis));
    json::add_item(r.get(), "new_reaction", list(new_emojis));
    json::add_item(u.get(), "message_reaction", std::move(r));
    return json::print(u.get());
}

inline std::string callback_update(int64_t id, int64_t chat, int64_t user, int64_t message_id,
                                   const std::string& data) {
    auto u = json::make_object();
    json::add_int(u.get(), "update_id", id);
    auto q = json::make_object();
    json::add_string(q.get(), "id", "cb" + std::to_string(id));
    auto f = json::make_object();
    json::add_int(f.get(), "id", user);
    json::add_bool(f.get(), "is_bot", false);
    json::add_string(f.get(), "first_name", user == kAdmin ? "Alice" : "Bob");
    json::add_item(q.get(), "from", std::move(f));
    auto m = json::make_object();
    json::add_int(m.get(), "message_id", message_id);
    auto c = json::make_object();
    json::add_int(c.get(), "id", chat);
    json::add_string(c.get(), "type", "group");
    json::add_item(m.get(), "chat", std::move(c));
    json::add_item(q.get(), "message", std::move(m));
    json::add_string(q.get(), "data", data);
    json::add_item(u.get(), "callback_query", std::move(q));
    return json::print(u.get());
}

inline Bytes text_envelope(mesh::NodeNum from, uint32_t id, const std::string& text,
                           const std::string& gateway, mesh::NodeNum to = mesh::kBroadcast,
                           float snr = 5.0f) {
    mesh::Packet header;
    header.from = from;
    header.to = to;
    header.id = id;
    header.hop_limit = 2;
    header.hop_start = 3;
    header.rx_snr = snr;
    mesh::Data data;
    data.portnum = mesh::port::kTextMessage;
    data.payload = text;
    return mesh::seal_envelope(mesh::make_channel_key("LongFast", mesh::default_channel_key()),
                               header, data, gateway);
}

inline Bytes nodeinfo_envelope(mesh::NodeNum from, uint32_t id, const std::string& long_name,
                               const std::string& short_name, const Bytes& public_key = {}) {
    return fakes::nodeinfo_uplink({from, id, long_name, short_name, public_key});
}

// Any packet on LongFast (default key) as a gateway uplinks it.
struct UplinkSpec {
    mesh::NodeNum from = kAlice;
    mesh::NodeNum to = mesh::kBroadcast;
    uint32_t id = 1;
    uint32_t portnum = mesh::port::kTextMessage;
    Bytes payload;
    uint32_t hop_start = 3;
    uint32_t hop_limit = 3;  // hop_start - hop_limit hops away
    float snr = 5.0f;
    bool want_ack = false;
    std::optional<uint32_t> reply_id;
    std::optional<uint32_t> emoji;
    std::string channel = "LongFast";
    std::string gateway = "!11111111";
};

inline Bytes seal(const UplinkSpec& s) {
    mesh::Packet header;
    header.from = s.from;
    header.to = s.to;
    header.id = s.id;
    header.hop_start = s.hop_start;
    header.hop_limit = s.hop_limit;
    header.rx_snr = s.snr;
    header.want_ack = s.want_ack;
    mesh::Data data;
    data.portnum = s.portnum;
    data.payload = s.payload;
    data.reply_id = s.reply_id;
    data.emoji = s.emoji;
    return mesh::seal_envelope(mesh::make_channel_key(s.channel, mesh::default_channel_key()),
                               header, data, s.gateway);
}

// Opens a published envelope with the default key of `channel`.
inline mesh::Data open_downlink(const Outgoing& out, mesh::Packet* packet = nullptr,
                                const std::string& channel = "LongFast") {
    auto env = mesh::decode_envelope(out.payload);
    if (!env) fail_msg("published payload is not an envelope");
    if (packet) *packet = env->packet;
    mesh::Keyring keys({mesh::make_channel_key(channel, mesh::default_channel_key())});
    auto opened = keys.open(env->packet);
    if (!opened) fail_msg("downlink does not decrypt");
    return opened->data;
}

}  // namespace bridge_test
