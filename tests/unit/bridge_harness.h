#pragma once
// A Bridge wired to fakes, and builders of the uplinks and updates the bridge tests feed it.
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"
#include "tgmesh/core/bridge.h"
#include "tgmesh/mesh/keyring.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/mesh/portnum.h"

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
    if (!r.config) fail_msg("config: %s", r.error.c_str());
    return *r.config;
}

struct Harness {
    test::FakeClock clock;
    test::FakePublisher publisher;
    test::FakeHttp http;
    test::FakeStore store;
    test::FakeLogger log;
    std::unique_ptr<Bridge> bridge;

    void start(Config config = base_config()) {
        bridge = std::make_unique<Bridge>(
            std::move(config),
            Services{clock, publisher, http, store, log, [] { return 0x12345u; }});
        bridge->start();
        bridge->run_due();
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
    std::vector<Outgoing> take_published() {
        auto out = std::move(publisher.published);
        publisher.published.clear();
        return out;
    }
};

inline std::string update(int64_t id, int64_t chat, int64_t user, const std::string& text,
                          const char* chat_type = "group",
                          std::optional<int64_t> reply_to = std::nullopt) {
    auto u = json::make_object();
    json::add_int(u.get(), "update_id", id);
    auto m = json::make_object();
    json::add_int(m.get(), "message_id", id * 10);
    auto c = json::make_object();
    json::add_int(c.get(), "id", chat);
    json::add_string(c.get(), "type", chat_type);
    json::add_item(m.get(), "chat", std::move(c));
    auto f = json::make_object();
    json::add_int(f.get(), "id", user);
    json::add_bool(f.get(), "is_bot", false);
    json::add_string(f.get(), "first_name", "Alice");
    json::add_item(m.get(), "from", std::move(f));
    json::add_string(m.get(), "text", text);
    if (reply_to) {
        auto r = json::make_object();
        json::add_int(r.get(), "message_id", *reply_to);
        json::add_item(m.get(), "reply_to_message", std::move(r));
    }
    json::add_item(u.get(), "message", std::move(m));
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
    mesh::UserInfo user;
    user.public_key = public_key;
    user.id = mesh::format_node_id(from);
    user.long_name = long_name;
    user.short_name = short_name;
    mesh::Packet header;
    header.from = from;
    header.to = mesh::kBroadcast;
    header.id = id;
    mesh::Data data;
    data.portnum = mesh::port::kNodeInfo;
    data.payload = mesh::encode_user(user);
    return mesh::seal_envelope(mesh::make_channel_key("LongFast", mesh::default_channel_key()),
                               header, data, "!11111111");
}

// Opens a published envelope with the default key.
inline mesh::Data open_downlink(const Outgoing& out, mesh::Packet* packet = nullptr) {
    auto env = mesh::decode_envelope(out.payload);
    if (!env) fail_msg("published payload is not an envelope");
    if (packet) *packet = env->packet;
    mesh::Keyring keys({mesh::make_channel_key("LongFast", mesh::default_channel_key())});
    auto opened = keys.open(env->packet);
    if (!opened) fail_msg("downlink does not decrypt");
    return opened->data;
}

}  // namespace bridge_test
