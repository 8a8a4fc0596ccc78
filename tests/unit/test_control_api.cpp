// $CONTROL/tgmesh/v1: every command through Bridge::on_control, its bounds and its log lines.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "bridge_harness.h"
#include "tgmesh/base/drop_reporter.h"
#include "tgmesh/core/admin/metrics.h"
#include "tgmesh/core/downlink/mesh_sender.h"
#include "tgmesh/mesh/pki.h"
#include "tgmesh/mesh/text_chunker.h"
#include "tgmesh/util/base64.h"

using namespace bridge_test;

namespace {

constexpr const char* kResponse = "$CONTROL/tgmesh/v1/response";
constexpr const char* kGatewayTopic = "msh/US/2/e/LongFast/!11111111";

constexpr mesh::NodeNum kTwin1 = 0x0badcafe;
constexpr mesh::NodeNum kTwin2 = 0x0badcaff;
constexpr mesh::NodeNum kHill = 0x12345678;

std::string text_of(const Outgoing& m) {
    return std::string(m.payload.begin(), m.payload.end());
}

std::vector<Outgoing> take_sys(Harness& h) {
    auto out = std::move(h.publisher.sys);
    h.publisher.sys.clear();
    return out;
}

// ---- $CONTROL/tgmesh/v1 ---------------------------------------------------------------------

// The bridge's public key as announced in its NODEINFO.
Bytes announced_key(const Outgoing& announce) {
    mesh::Data data = open_downlink(announce);
    assert_int_equal(data.portnum, mesh::port::kNodeInfo);
    return mesh::decode_user(data.payload)->public_key;
}

struct ControlRig {
    Harness h;
    mesh::KeyPair hill_keys = *mesh::generate_key_pair();
    Bytes bridge_key;

    explicit ControlRig(Config config = base_config(),
                        std::function<ConfigResult()> reload = nullptr) {
        h.reload_config = std::move(reload);
        h.start(std::move(config));
        bridge_key = announced_key(h.take_published().at(0));
        h.connect_telegram();
        // Heard one second apart: listed Hill Top, Twin (TW2), Twin (TW1), Base Camp.
        teach(kAlice, 11, "Base Camp", "BC");
        teach(kTwin1, 12, "Twin", "TW1");
        teach(kTwin2, 13, "Twin", "TW2");
        teach(kHill, 14, "Hill Top", "HT", hill_keys.public_key);
        h.bridge->run_due();
        assert_int_equal(h.take_published().size(), 0);
    }
    void teach(mesh::NodeNum num, uint32_t id, const std::string& long_name,
               const std::string& short_name, const Bytes& key = {}) {
        h.bridge->on_mqtt_message(kGatewayTopic,
                                  nodeinfo_envelope(num, id, long_name, short_name, key));
        h.clock.advance(kSecond);
    }

    // Publishes `payload` to $CONTROL/tgmesh/v1 and returns the one answer, parsed. Downlinks
    // stay in h.publisher.published.
    json::Ptr raw(const std::string& payload, const std::string& client = "admin-1",
                  const std::string& user = "admin") {
        // A request every 200 ms stays within a client's rate (ControlApi::kClientRate).
        h.clock.advance(200);
        h.bridge->on_control({client, user, payload});
        h.bridge->run_due();
        std::vector<Outgoing> rest;
        std::vector<Outgoing> answers;
        for (auto& m : h.publisher.published)
            (m.topic == kResponse ? answers : rest).push_back(std::move(m));
        h.publisher.published = std::move(rest);
        assert_int_equal(answers.size(), 1);
        const Outgoing& a = answers[0];
        assert_true(a.transient);
        assert_false(a.retain);
        assert_int_equal(a.receipt_id, 0);
        assert_true(a.client_id.empty());
        auto doc = json::parse(text_of(a));
        if (!doc) fail_msg("response is not JSON: %s", text_of(a).c_str());
        assert_true(cJSON_IsArray(json::member(doc.get(), "responses")));
        return doc;
    }
    // {"commands":[<commands>...]}, in requests of at most ControlApi::kMaxCommands; the
    // responses of them all, in order.
    json::Ptr run(const std::vector<std::string>& commands) {
        json::Ptr all;
        for (size_t start = 0; start < commands.size() || !all; start += ControlApi::kMaxCommands) {
            std::string payload = R"({"commands":[)";
            const size_t end = std::min(commands.size(), start + ControlApi::kMaxCommands);
            for (size_t i = start; i < end; ++i)
                payload += (i > start ? "," : "") + commands[i];
            json::Ptr doc = raw(payload + "]}");
            if (!all) {
                all = std::move(doc);
                continue;
            }
            cJSON* into = cJSON_GetObjectItemCaseSensitive(all.get(), "responses");
            cJSON* from = cJSON_GetObjectItemCaseSensitive(doc.get(), "responses");
            while (cJSON* item = cJSON_DetachItemFromArray(from, 0))
                cJSON_AddItemToArray(into, item);
        }
        return all;
    }
    // Downlinks published by the next run_due.
    std::vector<Outgoing> downlinks() {
        h.bridge->run_due();
        return h.take_published();
    }
};

int count_of(const json::Ptr& doc) {
    return cJSON_GetArraySize(json::member(doc.get(), "responses"));
}
const cJSON* nth(const json::Ptr& doc, int i) {
    const cJSON* r = cJSON_GetArrayItem(json::member(doc.get(), "responses"), i);
    if (!r) fail_msg("no response %d", i);
    return r;
}
std::string command_of(const cJSON* r) {
    return json::get_string(r, "command").value_or("?");
}
std::string error_of(const cJSON* r) {
    return json::get_string(r, "error").value_or("");
}
const cJSON* data_of(const cJSON* r) {
    if (json::member(r, "error")) fail_msg("unexpected error: %s", error_of(r).c_str());
    const cJSON* d = json::member(r, "data");
    if (!d) fail_msg("no data in %s", json::print(r).c_str());
    return d;
}
int64_t int_of(const cJSON* o, const char* key) {
    auto v = json::get_int(o, key);
    if (!v) fail_msg("no integer %s in %s", key, json::print(o).c_str());
    return *v;
}
std::string str_of(const cJSON* o, const char* key) {
    auto v = json::get_string(o, key);
    if (!v) fail_msg("no string %s in %s", key, json::print(o).c_str());
    return *v;
}
// The "id" of every listed node, in order.
std::vector<std::string> listed_ids(const cJSON* data) {
    std::vector<std::string> ids;
    const cJSON* n = nullptr;
    cJSON_ArrayForEach(n, json::member(data, "nodes")) ids.push_back(str_of(n, "id"));
    return ids;
}
std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : " ") + s;
    return out;
}

void get_status_reports_counters_and_identity(void**) {
    ControlRig rig;
    rig.h.bridge->on_mqtt_message(kGatewayTopic, text_envelope(kAlice, 100, "hi", "!11111111"));
    rig.h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!22222222",
                                  text_envelope(kAlice, 100, "hi", "!22222222"));
    rig.h.clock.advance(2 * kSecond);
    auto doc = rig.run({R"({"command":"getStatus","correlationData":"s1"})"});
    assert_int_equal(count_of(doc), 1);
    const cJSON* r = nth(doc, 0);
    assert_string_equal(command_of(r).c_str(), "getStatus");
    assert_string_equal(str_of(r, "correlationData").c_str(), "s1");
    const cJSON* d = data_of(r);
    assert_string_equal(str_of(d, "version").c_str(), TGMESH_VERSION);
    assert_string_equal(str_of(d, "nodeId").c_str(), "!7b000001");
    assert_string_equal(str_of(d, "channel").c_str(), "LongFast");
    assert_string_equal(str_of(d, "downlink").c_str(), "protobuf");
    assert_int_equal(int_of(d, "uplinks"), 6);  // 4 NODEINFOs, a text and its copy
    assert_int_equal(int_of(d, "decoded"), 5);
    assert_int_equal(int_of(d, "duplicates"), 1);
    assert_int_equal(int_of(d, "texts_to_telegram"), 1);
    assert_int_equal(int_of(d, "nodes_known"), 4);
    assert_int_equal(int_of(d, "gateways_online"), 2);
    assert_int_equal(int_of(d, "last_uplink_age"), 2);
    assert_int_equal(int_of(d, "uptime"), 60 + 6);  // the start's announcement minute, then 6 s
    assert_int_equal(int_of(d, "telegram_connected"), 1);
    assert_int_equal(int_of(json::member(d, "drops"), "duplicate"), 1);
    assert_int_equal(int_of(json::member(d, "drops"), "undecryptable"), 0);
    assert_int_equal(cJSON_GetArraySize(json::member(d, "drops")), static_cast<int>(Drop::kCount));
    assert_int_equal(int_of(json::member(d, "queue"), "mesh"), 0);
    assert_true(json::member(json::member(d, "queue"), "chat") != nullptr);
    const cJSON* gws = json::member(d, "gateways");
    assert_int_equal(cJSON_GetArraySize(gws), 2);
    const cJSON* g1 = cJSON_GetArrayItem(gws, 0);
    assert_string_equal(str_of(g1, "id").c_str(), "!11111111");
    assert_int_equal(int_of(g1, "nodes"), 4);
    assert_int_equal(int_of(g1, "lastHeard"), rig.h.clock.unix_now - 2);
    const cJSON* g2 = cJSON_GetArrayItem(gws, 1);
    assert_string_equal(str_of(g2, "id").c_str(), "!22222222");
    assert_int_equal(int_of(g2, "nodes"), 1);
    // Reading commands are logged at debug level with the client.
    assert_string_equal(rig.h.log.lines.back().c_str(),
                        "control: client admin-1 (user admin) ran getStatus");
    assert_int_equal(static_cast<int>(rig.h.log.levels.back()), static_cast<int>(LogLevel::kDebug));
    // Nothing but the answer.
    assert_int_equal(rig.downlinks().size(), 0);
}

void get_status_in_json_mode_and_anonymous_client(void**) {
    Config c = base_config();
    c.downlink = DownlinkMode::kJson;
    c.gateway_id = 0x67ea9400;
    Harness h;
    h.start(c);
    h.bridge->on_control({"anon-7", "", R"({"commands":[{"command":"getStatus"}]})"});
    h.bridge->run_due();
    assert_int_equal(h.publisher.published.size(), 1);
    auto doc = json::parse(text_of(h.publisher.published[0]));
    const cJSON* d =
        json::member(cJSON_GetArrayItem(json::member(doc.get(), "responses"), 0), "data");
    assert_string_equal(str_of(d, "downlink").c_str(), "json");
    assert_int_equal(int_of(d, "telegram_connected"), 0);
    assert_int_equal(int_of(d, "last_uplink_age"), -1);
    assert_int_equal(cJSON_GetArraySize(json::member(d, "gateways")), 0);
    assert_true(h.log.contains("control: client anon-7 ran getStatus"));
    assert_false(h.log.contains("(user"));
}

void list_nodes_filters_counts_and_pages(void**) {
    ControlRig rig;
    auto doc = rig.run({
        R"({"command":"listNodes"})",
        R"({"command":"listNodes","filter":"TWIN"})",
        R"({"command":"listNodes","filter":"twin","count":1})",
        R"({"command":"listNodes","filter":"twin","count":1,"offset":1})",
        R"({"command":"listNodes","count":2,"offset":3})",
        R"({"command":"listNodes","offset":10})",
        R"({"command":"listNodes","count":-1,"offset":1})",
        R"({"command":"listNodes","count":0})",
        R"({"command":"listNodes","filter":"cafe"})",
        R"({"command":"listNodes","filter":"nothing like it"})",
    });
    assert_int_equal(count_of(doc), 10);
    const char* all = "!12345678 !0badcaff !0badcafe !a1b2c3d4";
    struct Want {
        int total;
        const char* ids;
    };
    const Want want[] = {{4, all},
                         {2, "!0badcaff !0badcafe"},
                         {2, "!0badcaff"},
                         {2, "!0badcafe"},
                         {4, "!a1b2c3d4"},
                         {4, ""},
                         {4, "!0badcaff !0badcafe !a1b2c3d4"},
                         {4, ""},
                         {1, "!0badcafe"},
                         {0, ""}};
    for (int i = 0; i < 10; ++i) {
        const cJSON* r = nth(doc, i);
        assert_string_equal(command_of(r).c_str(), "listNodes");
        const cJSON* d = data_of(r);
        assert_int_equal(int_of(d, "totalCount"), want[i].total);
        assert_string_equal(joined(listed_ids(d)).c_str(), want[i].ids);
    }
    // The fields of a listed node.
    const cJSON* hill = cJSON_GetArrayItem(json::member(data_of(nth(doc, 0)), "nodes"), 0);
    assert_int_equal(int_of(hill, "num"), kHill);
    assert_string_equal(str_of(hill, "longName").c_str(), "Hill Top");
    assert_string_equal(str_of(hill, "shortName").c_str(), "HT");
    assert_int_equal(int_of(hill, "lastHeard"), rig.h.clock.unix_now - 1);
    assert_true(cJSON_IsTrue(json::member(hill, "hasPublicKey")));
    assert_null(json::member(hill, "receptions"));  // only getNode has the details
    const cJSON* base = cJSON_GetArrayItem(json::member(data_of(nth(doc, 0)), "nodes"), 3);
    assert_true(cJSON_IsFalse(json::member(base, "hasPublicKey")));
}

void list_nodes_refuses_bad_arguments(void**) {
    ControlRig rig;
    auto doc = rig.run({
        R"({"command":"listNodes","count":"many"})",
        R"({"command":"listNodes","count":-2})",
        R"({"command":"listNodes","count":1.5})",
        R"({"command":"listNodes","offset":-1})",
        R"({"command":"listNodes","offset":"1"})",
        R"({"command":"listNodes","filter":5})",
    });
    const std::string count =
        "count must be an integer from -1 to 100 (-1: as many as one answer "
        "holds)";
    const std::string errors[] = {count,
                                  count,
                                  count,
                                  "offset must be a non-negative integer",
                                  "offset must be a non-negative integer",
                                  "filter must be a string"};
    assert_int_equal(count_of(doc), 6);
    for (int i = 0; i < 6; ++i) {
        assert_string_equal(command_of(nth(doc, i)).c_str(), "listNodes");
        assert_string_equal(error_of(nth(doc, i)).c_str(), errors[i].c_str());
        assert_null(json::member(nth(doc, i), "data"));
    }
}

void get_node_by_id_number_and_names(void**) {
    ControlRig rig;
    auto doc = rig.run({
        R"({"command":"getNode","node":"!a1b2c3d4"})",
        R"({"command":"getNode","node":"!A1B2C3D4"})",
        R"({"command":"getNode","node":2712847316})",
        R"({"command":"getNode","node":"Base Camp"})",
        R"({"command":"getNode","node":"base camp"})",
        R"({"command":"getNode","node":"BC"})",
        R"({"command":"getNode","node":"TW2"})",
        R"({"command":"getNode","node":"Hill Top"})",
    });
    const char* ids[] = {"!a1b2c3d4", "!a1b2c3d4", "!a1b2c3d4", "!a1b2c3d4",
                         "!a1b2c3d4", "!a1b2c3d4", "!0badcaff", "!12345678"};
    assert_int_equal(count_of(doc), 8);
    for (int i = 0; i < 8; ++i) {
        assert_string_equal(command_of(nth(doc, i)).c_str(), "getNode");
        assert_string_equal(str_of(data_of(nth(doc, i)), "id").c_str(), ids[i]);
    }
    const cJSON* base = data_of(nth(doc, 0));
    assert_int_equal(int_of(base, "num"), kAlice);
    assert_string_equal(str_of(base, "longName").c_str(), "Base Camp");
    assert_string_equal(str_of(base, "shortName").c_str(), "BC");
    assert_null(json::member(base, "publicKey"));
    const cJSON* receptions = json::member(base, "receptions");
    assert_int_equal(cJSON_GetArraySize(receptions), 1);
    assert_string_equal(str_of(cJSON_GetArrayItem(receptions, 0), "gateway").c_str(), "!11111111");
    const cJSON* hill = data_of(nth(doc, 7));
    assert_string_equal(str_of(hill, "publicKey").c_str(),
                        base64_encode(rig.hill_keys.public_key).c_str());
    assert_true(cJSON_IsTrue(json::member(hill, "hasPublicKey")));
}

void get_node_errors(void**) {
    ControlRig rig;
    auto doc = rig.run({
        R"({"command":"getNode","node":"Twin"})",
        R"({"command":"getNode","node":"nobody"})",
        R"({"command":"getNode","node":"!00000042"})",
        R"({"command":"getNode","node":66})",
        R"({"command":"getNode","node":0})",
        R"({"command":"getNode","node":4294967295})",
        R"({"command":"getNode","node":1.5})",
        R"({"command":"getNode","node":""})",
        R"({"command":"getNode","node":["!a1b2c3d4"]})",
        R"({"command":"getNode"})",
        R"({"command":"getNode","node":"Base Camp and more"})",
    });
    const std::string usage = "node must be \"!xxxxxxxx\", a node number or a node's name";
    const std::string errors[] = {"node name Twin is ambiguous: !0badcafe !0badcaff",
                                  "no node known as nobody",
                                  "node !00000042 has not been heard",
                                  "node !00000042 has not been heard",
                                  "node number out of range",
                                  "node number out of range",
                                  "node number out of range",
                                  usage,
                                  usage,
                                  usage,
                                  "no node known as Base Camp and more"};
    assert_int_equal(count_of(doc), 11);
    for (int i = 0; i < 11; ++i) {
        assert_string_equal(command_of(nth(doc, i)).c_str(), "getNode");
        assert_string_equal(error_of(nth(doc, i)).c_str(), errors[i].c_str());
        assert_null(json::member(nth(doc, i), "data"));
    }
}

void send_text_broadcast_goes_out_as_written(void**) {
    ControlRig rig;
    const uint64_t before = rig.h.bridge->stats().downlinks;
    auto doc = rig.run({R"({"command":"sendText","text":"Net check tonight at 20:00"})"});
    const cJSON* d = data_of(nth(doc, 0));
    assert_string_equal(str_of(d, "to").c_str(), "broadcast");
    assert_string_equal(str_of(d, "channel").c_str(), "LongFast");
    assert_int_equal(int_of(d, "parts"), 1);
    assert_true(cJSON_IsFalse(json::member(d, "pki")));
    assert_int_equal(int_of(d, "queuedBehind"), 0);
    const cJSON* ids = json::member(d, "packetIds");
    assert_int_equal(cJSON_GetArraySize(ids), 1);
    // Commands that act are logged at notice level with the client.
    assert_string_equal(rig.h.log.lines.back().c_str(),
                        "control: client admin-1 (user admin) ran sendText");
    assert_int_equal(static_cast<int>(rig.h.log.levels.back()),
                     static_cast<int>(LogLevel::kNotice));

    auto out = rig.downlinks();
    assert_int_equal(out.size(), 1);
    assert_string_equal(out[0].topic.c_str(), "msh/US/2/e/LongFast/!7b000001");
    assert_false(out[0].transient);
    mesh::Packet p;
    mesh::Data data = open_downlink(out[0], &p);
    assert_int_equal(data.portnum, mesh::port::kTextMessage);
    // No chat name prefix: the administrator's text as written.
    assert_string_equal(data.payload.c_str(), "Net check tonight at 20:00");
    assert_int_equal(p.to, mesh::kBroadcast);
    assert_int_equal(p.from, kBridgeNode);
    assert_int_equal(p.id, static_cast<uint32_t>(cJSON_GetArrayItem(ids, 0)->valuedouble));
    assert_int_equal(p.hop_limit.value_or(0), 3);
    assert_int_equal(rig.h.bridge->stats().downlinks, before + 1);
}

void send_text_to_a_node_is_a_dm_pki_when_its_key_is_known(void**) {
    ControlRig rig;
    auto doc = rig.run({R"({"command":"sendText","node":"HT","text":"ping hut"})",
                        R"({"command":"sendText","node":"!a1b2c3d4","text":"ping base"})"});
    const cJSON* pki = data_of(nth(doc, 0));
    assert_string_equal(str_of(pki, "to").c_str(), "!12345678");
    assert_null(json::member(pki, "channel"));
    assert_true(cJSON_IsTrue(json::member(pki, "pki")));
    assert_int_equal(int_of(pki, "parts"), 1);
    const cJSON* legacy = data_of(nth(doc, 1));
    assert_string_equal(str_of(legacy, "to").c_str(), "!a1b2c3d4");
    assert_true(cJSON_IsFalse(json::member(legacy, "pki")));
    assert_int_equal(int_of(legacy, "queuedBehind"), 1);

    auto out = rig.downlinks();
    assert_int_equal(out.size(), 2);
    assert_string_equal(out[0].topic.c_str(), "msh/US/2/e/PKI/!7b000001");
    auto env = mesh::decode_envelope(out[0].payload);
    assert_true(env->packet.pki_encrypted);
    assert_int_equal(env->packet.to, kHill);
    assert_int_equal(
        env->packet.id,
        static_cast<uint32_t>(cJSON_GetArrayItem(json::member(pki, "packetIds"), 0)->valuedouble));
    auto key = mesh::pki_shared_key(rig.hill_keys.private_key, rig.bridge_key);
    auto plain = mesh::pki_decrypt(*key, env->packet.id, env->packet.from, *env->packet.encrypted);
    if (!plain) fail_msg("the DM does not decrypt with the node's key");
    assert_string_equal(mesh::decode_data(*plain)->payload.c_str(), "ping hut");

    assert_string_equal(out[1].topic.c_str(), "msh/US/2/e/LongFast/!7b000001");
    mesh::Packet p;
    assert_string_equal(open_downlink(out[1], &p).payload.c_str(), "ping base");
    assert_int_equal(p.to, kAlice);
    assert_true(p.want_ack);
}

void send_text_channels(void**) {
    ControlRig rig(mapped_config());
    auto doc = rig.run({
        R"({"command":"sendText","channel":"Ops","text":"ops only"})",
        R"({"command":"sendText","channel":"LongFast","text":"everyone"})",
        R"({"command":"sendText","channel":"NotBridged","text":"x"})",
        R"({"command":"sendText","channel":5,"text":"x"})",
        R"({"command":"sendText","channel":"Ops","node":"BC","text":"x"})",
    });
    assert_string_equal(str_of(data_of(nth(doc, 0)), "channel").c_str(), "Ops");
    assert_string_equal(str_of(data_of(nth(doc, 1)), "channel").c_str(), "LongFast");
    const char* refused = "channel must be a bridged channel (channel or channel_map)";
    assert_string_equal(error_of(nth(doc, 2)).c_str(), refused);
    assert_string_equal(error_of(nth(doc, 3)).c_str(), refused);
    assert_string_equal(error_of(nth(doc, 4)).c_str(), "a DM to a node takes no channel");
    auto out = rig.downlinks();
    assert_int_equal(out.size(), 2);
    assert_string_equal(out[0].topic.c_str(), "msh/US/2/e/Ops/!7b000001");
    assert_string_equal(open_downlink(out[0], nullptr, "Ops").payload.c_str(), "ops only");
    assert_string_equal(out[1].topic.c_str(), "msh/US/2/e/LongFast/!7b000001");
    assert_string_equal(open_downlink(out[1]).payload.c_str(), "everyone");
}

void send_text_refusals(void**) {
    ControlRig rig;
    const size_t capacity = mesh::chunk_capacity("", 200);
    assert_true(capacity > 4 * 200 && capacity <= 5 * 200);
    const std::string longest(capacity, 'x');
    const std::string too_long(capacity + 1, 'x');
    auto doc = rig.run({
        R"({"command":"sendText"})",
        R"({"command":"sendText","text":5})",
        R"({"command":"sendText","text":" \t\n "})",
        R"({"command":"sendText","text":""})",
        R"({"command":"sendText","text":")" + too_long + R"("})",
        R"({"command":"sendText","text":"x","node":"nobody"})",
        R"({"command":"sendText","text":"x","node":"Twin"})",
        R"({"command":"sendText","text":")" + longest + R"("})",
        R"({"command":"sendText","text":"x","node":"!ffffffff"})",
    });
    assert_int_equal(count_of(doc), 9);
    assert_string_equal(error_of(nth(doc, 8)).c_str(),
                        "!ffffffff is the broadcast address: leave node out to broadcast");
    assert_string_equal(error_of(nth(doc, 0)).c_str(), "text (a string) is required");
    assert_string_equal(error_of(nth(doc, 1)).c_str(), "text (a string) is required");
    assert_string_equal(error_of(nth(doc, 2)).c_str(), "text is empty");
    assert_string_equal(error_of(nth(doc, 3)).c_str(), "text is empty");
    const std::string limit = "text too long: " + std::to_string(capacity + 1) +
                              " bytes, at most " + std::to_string(capacity) +
                              " (5 parts of 200 bytes)";
    assert_string_equal(error_of(nth(doc, 4)).c_str(), limit.c_str());
    assert_string_equal(error_of(nth(doc, 5)).c_str(), "no node known as nobody");
    assert_string_equal(error_of(nth(doc, 6)).c_str(),
                        "node name Twin is ambiguous: !0badcafe !0badcaff");
    // Exactly at the limit: five parts.
    assert_int_equal(int_of(data_of(nth(doc, 7)), "parts"), 5);
    assert_int_equal(cJSON_GetArraySize(json::member(data_of(nth(doc, 7)), "packetIds")), 5);
    assert_int_equal(rig.downlinks().size(), 5);
    assert_true(rig.h.log.contains(
        "control: client admin-1 (user admin) ran sendText (refused: text is empty)"));
    assert_int_equal(rig.h.bridge->stats().dropped(Drop::kMeshQueueFull), 0);
}

void send_text_when_the_mesh_queue_is_full(void**) {
    Config c = base_config();
    c.mesh_interval_s = 3600;  // the announce at start holds the queue for an hour
    ControlRig rig(c);
    std::vector<std::string> commands;
    for (size_t i = 0; i <= MeshOutbox::kCapacity; ++i)
        commands.push_back(R"({"command":"sendText","text":"m)" + std::to_string(i) + R"("})");
    commands.push_back(R"({"command":"getStatus"})");
    auto doc = rig.run(commands);
    const int n = static_cast<int>(MeshOutbox::kCapacity);
    assert_int_equal(count_of(doc), n + 2);
    for (int i = 0; i < n; ++i)
        assert_int_equal(int_of(data_of(nth(doc, i)), "queuedBehind"), i);
    assert_string_equal(error_of(nth(doc, n)).c_str(), "mesh queue full (50 waiting)");
    const cJSON* status = data_of(nth(doc, n + 1));
    assert_int_equal(int_of(json::member(status, "queue"), "mesh"), n);
    assert_int_equal(int_of(json::member(status, "drops"), "mesh_queue_full"), 1);
    assert_int_equal(rig.h.bridge->stats().dropped(Drop::kMeshQueueFull), 1);
    assert_true(
        rig.h.log.contains("dropped (mesh_queue_full): sendText from control client admin-1; "));
    assert_int_equal(rig.downlinks().size(), 0);
}

void correlation_data_is_echoed(void**) {
    ControlRig rig;
    auto doc = rig.run({
        R"({"command":"getStatus","correlationData":"abc"})",
        R"({"command":"listNodes","correlationData":{"req":[1,"two",null]}})",
        R"({"command":"formatDisk","correlationData":7})",
        R"({"correlationData":"no name"})",
        R"({"command":"getStatus"})",
    });
    assert_int_equal(count_of(doc), 5);
    assert_string_equal(str_of(nth(doc, 0), "correlationData").c_str(), "abc");
    assert_string_equal(json::print(json::member(nth(doc, 1), "correlationData")).c_str(),
                        R"({"req":[1,"two",null]})");
    assert_int_equal(int_of(nth(doc, 2), "correlationData"), 7);
    assert_string_equal(error_of(nth(doc, 2)).c_str(), "Unknown command");
    assert_string_equal(str_of(nth(doc, 3), "correlationData").c_str(), "no name");
    assert_string_equal(error_of(nth(doc, 3)).c_str(), "Missing command");
    assert_null(json::member(nth(doc, 4), "correlationData"));
}

void malformed_requests_get_one_error(void**) {
    ControlRig rig;
    const uint64_t downlinks_before = rig.h.bridge->stats().downlinks;
    struct Case {
        std::string payload;
        const char* error;
    };
    std::string too_many = R"({"commands":[)";
    for (size_t i = 0; i <= ControlApi::kMaxCommands; ++i)
        too_many += std::string(i ? "," : "") + R"({"command":"sendText","text":"flood"})";
    too_many += "]}";
    const Case cases[] = {
        {"{not json", "Payload not valid JSON"},
        {"", "Payload not valid JSON"},
        {R"({"commands":[])", "Payload not valid JSON"},
        {"{}", "Invalid/missing commands"},
        {R"({"commands":{"command":"getStatus"}})", "Invalid/missing commands"},
        {R"({"commands":"getStatus"})", "Invalid/missing commands"},
        {R"({"commands":null})", "Invalid/missing commands"},
        {R"([{"command":"getStatus"}])", "Invalid/missing commands"},
        {"42", "Invalid/missing commands"},
        {too_many, "Too many commands (at most 10)"},
    };
    for (const auto& c : cases) {
        auto doc = rig.raw(c.payload);
        assert_int_equal(count_of(doc), 1);
        assert_string_equal(command_of(nth(doc, 0)).c_str(), "Unknown command");
        assert_string_equal(error_of(nth(doc, 0)).c_str(), c.error);
    }
    // The refused batch ran nothing.
    assert_int_equal(rig.downlinks().size(), 0);
    assert_int_equal(rig.h.bridge->stats().downlinks, downlinks_before);

    // Exactly the limit runs every command; an empty array answers nothing.
    std::string ten = R"({"commands":[)";
    for (size_t i = 0; i < ControlApi::kMaxCommands; ++i)
        ten += std::string(i ? "," : "") + R"({"command":"getStatus"})";
    assert_int_equal(count_of(rig.raw(ten + "]}")), ControlApi::kMaxCommands);
    assert_int_equal(count_of(rig.raw(R"({"commands":[]})")), 0);

    auto doc = rig.run({R"({"command":5})", "5", R"({"command":"formatDisk"})", "[]",
                        R"({"command":"getstatus"})"});
    assert_int_equal(count_of(doc), 5);
    const char* names[] = {"Unknown command", "Unknown command", "formatDisk", "Unknown command",
                           "getstatus"};
    const char* errors[] = {"Missing command", "Missing command", "Unknown command",
                            "Missing command", "Unknown command"};
    for (int i = 0; i < 5; ++i) {
        assert_string_equal(command_of(nth(doc, i)).c_str(), names[i]);
        assert_string_equal(error_of(nth(doc, i)).c_str(), errors[i]);
    }
}

void control_off_answers_nothing(void**) {
    Config c = base_config();
    c.control = false;
    Harness h;
    h.start_connected(c);
    h.take_published();
    const uint64_t downlinks = h.bridge->stats().downlinks;
    h.bridge->on_control(
        {"admin-1", "admin",
         R"({"commands":[{"command":"sendText","text":"x"},{"command":"getStatus"}]})"});
    h.bridge->run_due();
    h.bridge->run_due();
    assert_int_equal(h.take_published().size(), 0);
    assert_string_equal(
        h.log.lines.back().c_str(),
        "ignored a request on $CONTROL/tgmesh/v1 from client admin-1 (user admin): option control "
        "is off");
    assert_int_equal(static_cast<int>(h.log.levels.back()), static_cast<int>(LogLevel::kInfo));
    assert_false(h.log.contains("ran sendText"));
    assert_int_equal(h.bridge->stats().downlinks, downlinks);
}

void reload_config_unavailable(void**) {
    ControlRig rig;
    auto doc = rig.run({R"({"command":"reloadConfig","correlationData":"r"})"});
    assert_string_equal(command_of(nth(doc, 0)).c_str(), "reloadConfig");
    assert_string_equal(error_of(nth(doc, 0)).c_str(), "reloading is not available here");
    assert_string_equal(str_of(nth(doc, 0), "correlationData").c_str(), "r");
}

void reload_config_error_keeps_the_configuration(void**) {
    int calls = 0;
    ControlRig rig(base_config(), [&] {
        ++calls;
        return ConfigResult{Status::failure("option hop_limit: must be 1 to 7"), {}};
    });
    auto doc = rig.run(
        {R"({"command":"reloadConfig"})", R"({"command":"sendText","text":"still the old hops"})"});
    assert_int_equal(calls, 1);
    assert_string_equal(error_of(nth(doc, 0)).c_str(), "option hop_limit: must be 1 to 7");
    assert_true(
        rig.h.log.contains("reload refused, the previous configuration stays in force: "
                           "option hop_limit: must be 1 to 7"));
    assert_true(rig.h.log.contains("ran reloadConfig (refused: option hop_limit: must be 1 to 7)"));
    assert_false(rig.h.log.contains("configuration reloaded"));
    assert_int_equal(rig.h.bridge->config().hop_limit, 3);
    data_of(nth(doc, 1));
    auto out = rig.downlinks();
    assert_int_equal(out.size(), 1);
    mesh::Packet p;
    assert_string_equal(open_downlink(out[0], &p).payload.c_str(), "still the old hops");
    assert_int_equal(p.hop_limit.value_or(0), 3);
}

void reload_config_applies_to_the_following_commands(void**) {
    int calls = 0;
    ControlRig rig(base_config(), [&] {
        ++calls;
        Config c = base_config();
        c.hop_limit = 5;
        c.max_text_bytes = 100;
        c.sys_interval_s = 0;
        return ConfigResult{c, {}};
    });
    const std::string text(150, 'y');
    auto doc = rig.run({R"({"command":"sendText","text":"before"})",
                        R"({"command":"reloadConfig","correlationData":"r1"})",
                        R"({"command":"sendText","text":"after reload"})",
                        R"({"command":"sendText","text":")" + text + R"("})"});
    assert_int_equal(calls, 1);
    const cJSON* reload = nth(doc, 1);
    assert_string_equal(command_of(reload).c_str(), "reloadConfig");
    assert_null(json::member(reload, "error"));
    assert_string_equal(str_of(reload, "correlationData").c_str(), "r1");
    assert_int_equal(rig.h.bridge->config().hop_limit, 5);
    assert_true(rig.h.log.contains("configuration reloaded"));
    assert_int_equal(int_of(data_of(nth(doc, 0)), "parts"), 1);
    assert_int_equal(int_of(data_of(nth(doc, 2)), "parts"), 1);
    // 150 bytes in parts of at most 100 (the new max_text_bytes).
    assert_int_equal(int_of(data_of(nth(doc, 3)), "parts"), 2);
    auto out = rig.downlinks();
    assert_int_equal(out.size(), 4);
    const char* texts[] = {"before", "after reload"};
    const uint32_t hops[] = {3, 5, 5, 5};
    for (int i = 0; i < 4; ++i) {
        mesh::Packet p;
        mesh::Data d = open_downlink(out[i], &p);
        if (i < 2) assert_string_equal(d.payload.c_str(), texts[i]);
        if (i >= 2) assert_true(d.payload.size() <= 100);
        assert_int_equal(p.hop_limit.value_or(0), hops[i]);
    }
    // sys_interval 0 now: no more $SYS.
    take_sys(rig.h);
    rig.h.clock.advance(kHour);
    rig.h.bridge->run_due();
    assert_int_equal(rig.h.publisher.sys.size(), 0);
}

void client_text_is_logged_on_one_bounded_line(void**) {
    ControlRig rig;
    const std::string long_ref(300, 'r');
    rig.h.bridge->on_control({"evil\nclient", "u\x1bser",
                              R"({"commands":[{"command":"getStatus\nforged: line"},)"
                              R"({"command":"sendText","text":"x","node":")" +
                                  long_ref + R"("},{"command":"\u00e9t\u00e9 \ud83c\udf10"}]})"});
    rig.h.bridge->run_due();
    auto answer = rig.h.take_published();
    assert_int_equal(answer.size(), 1);
    auto doc = json::parse(text_of(answer[0]));
    // The answer has the names as sent.
    assert_string_equal(command_of(nth(doc, 0)).c_str(), "getStatus\nforged: line");
    assert_string_equal(error_of(nth(doc, 1)).c_str(), ("no node known as " + long_ref).c_str());
    const size_t n = rig.h.log.lines.size();
    assert_true(n >= 3);
    assert_string_equal(rig.h.log.lines[n - 3].c_str(),
                        "control: client evil?client (user u?ser) ran getStatus?forged: line "
                        "(refused: Unknown command)");
    // The reason quotes the client's node reference: at most 256 bytes of it.
    const std::string reason = "no node known as " + long_ref;
    assert_string_equal(rig.h.log.lines[n - 2].c_str(),
                        ("control: client evil?client (user u?ser) ran sendText (refused: " +
                         reason.substr(0, 256) + "...)")
                            .c_str());
    // UTF-8 stays as it is.
    assert_string_equal(
        rig.h.log.lines[n - 1].c_str(),
        "control: client evil?client (user u?ser) ran \u00e9t\u00e9 \U0001F310 (refused: Unknown "
        "command)");
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_status_reports_counters_and_identity),
        cmocka_unit_test(get_status_in_json_mode_and_anonymous_client),
        cmocka_unit_test(list_nodes_filters_counts_and_pages),
        cmocka_unit_test(list_nodes_refuses_bad_arguments),
        cmocka_unit_test(get_node_by_id_number_and_names),
        cmocka_unit_test(get_node_errors),
        cmocka_unit_test(send_text_broadcast_goes_out_as_written),
        cmocka_unit_test(send_text_to_a_node_is_a_dm_pki_when_its_key_is_known),
        cmocka_unit_test(send_text_channels),
        cmocka_unit_test(send_text_refusals),
        cmocka_unit_test(send_text_when_the_mesh_queue_is_full),
        cmocka_unit_test(correlation_data_is_echoed),
        cmocka_unit_test(malformed_requests_get_one_error),
        cmocka_unit_test(control_off_answers_nothing),
        cmocka_unit_test(reload_config_unavailable),
        cmocka_unit_test(reload_config_error_keeps_the_configuration),
        cmocka_unit_test(reload_config_applies_to_the_following_commands),
        cmocka_unit_test(client_text_is_logged_on_one_bounded_line),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
