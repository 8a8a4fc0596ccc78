// $SYS/broker/tgmesh/: SysTree on its own and the bridge publishing it every sys_interval,
// and the metrics behind it.
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

constexpr const char* kSys = "$SYS/broker/tgmesh/";
constexpr const char* kGatewayTopic = "msh/US/2/e/LongFast/!11111111";

constexpr mesh::NodeNum kTwin1 = 0x0badcafe;

std::vector<std::string> all_sys_names() {
    std::vector<std::string> names = {"version",
                                      "uptime",
                                      "uplinks",
                                      "decoded",
                                      "duplicates",
                                      "undecryptable",
                                      "texts_to_telegram",
                                      "telegram_sent",
                                      "telegram_errors",
                                      "telegram_429",
                                      "telegram_connected",
                                      "downlinks",
                                      "queue/mesh",
                                      "queue/chat",
                                      "nodes_known",
                                      "gateways_online",
                                      "last_uplink_age"};
    for (const auto& d : test::kDropNames)
        names.push_back("drops/" + d);
    return names;
}

std::string text_of(const Outgoing& m) {
    return std::string(m.payload.begin(), m.payload.end());
}

// name -> value of $SYS messages (the part after the prefix); fails on a topic outside it.
std::map<std::string, std::string> sys_map(const std::vector<Outgoing>& messages) {
    std::map<std::string, std::string> out;
    for (const auto& m : messages) {
        if (m.topic.rfind(kSys, 0) != 0)
            fail_msg("not a $SYS/broker/tgmesh/ topic: %s", m.topic.c_str());
        out[m.topic.substr(std::string(kSys).size())] = text_of(m);
    }
    return out;
}

std::vector<Outgoing> take_sys(Harness& h) {
    auto out = std::move(h.publisher.sys);
    h.publisher.sys.clear();
    return out;
}

// ---- SysTree ------------------------------------------------------------------------------

Metrics sample_metrics() {
    Metrics m;
    m.uptime_s = 12345;
    m.stats.uplinks = 101;
    m.stats.decoded = 102;
    m.stats.texts_to_telegram = 103;
    m.stats.telegram_sent = 104;
    m.stats.telegram_errors = 105;
    m.stats.telegram_429 = 106;
    m.stats.downlinks = 107;
    for (size_t i = 0; i < m.stats.drops.size(); ++i)
        m.stats.drops[i] = 200 + i;
    m.nodes_known = 7;
    m.gateways_online = 3;
    m.last_uplink_age_s = 42;
    m.telegram_connected = true;
    m.mesh_queue = 4;
    m.chat_queue = 5;
    return m;
}

void sys_tree_first_round_publishes_every_value(void**) {
    SysTree tree;
    test::FakePublisher pub;
    tree.publish(sample_metrics(), pub);
    assert_int_equal(pub.published.size(), 0);
    const auto names = all_sys_names();
    assert_int_equal(names.size(), 17 + static_cast<size_t>(Drop::kCount));
    assert_int_equal(pub.sys.size(), names.size());
    for (const auto& m : pub.sys) {
        assert_true(m.retain);
        assert_int_equal(m.qos, 0);
        assert_true(m.transient);
        assert_int_equal(m.receipt_id, 0);
        assert_true(m.client_id.empty());
    }
    auto values = sys_map(pub.sys);
    assert_int_equal(values.size(), names.size());
    for (const auto& n : names) {
        if (!values.count(n)) fail_msg("missing $SYS name %s", n.c_str());
    }
    const std::map<std::string, std::string> expected = {
        {"version", TGMESH_VERSION}, {"uptime", "12345"},          {"uplinks", "101"},
        {"decoded", "102"},          {"duplicates", "204"},  // drops[kDuplicate]
        {"undecryptable", "201"},    {"texts_to_telegram", "103"}, {"telegram_sent", "104"},
        {"telegram_errors", "105"},  {"telegram_429", "106"},      {"telegram_connected", "1"},
        {"downlinks", "107"},        {"queue/mesh", "4"},          {"queue/chat", "5"},
        {"nodes_known", "7"},        {"gateways_online", "3"},     {"last_uplink_age", "42"},
    };
    for (const auto& [name, value] : expected)
        assert_string_equal(values[name].c_str(), value.c_str());
    for (size_t i = 0; i < test::kDropNames.size(); ++i) {
        assert_string_equal(values["drops/" + test::kDropNames[i]].c_str(),
                            std::to_string(200 + i).c_str());
    }
}

void sys_tree_publishes_only_what_changed(void**) {
    SysTree tree;
    test::FakePublisher pub;
    Metrics m = sample_metrics();
    tree.publish(m, pub);
    pub.sys.clear();
    tree.publish(m, pub);
    assert_int_equal(pub.sys.size(), 0);

    m.stats.uplinks = 150;
    tree.publish(m, pub);
    assert_int_equal(pub.sys.size(), 1);
    assert_string_equal(pub.sys[0].topic.c_str(), "$SYS/broker/tgmesh/uplinks");
    assert_string_equal(text_of(pub.sys[0]).c_str(), "150");
    assert_true(pub.sys[0].retain);
    assert_true(pub.sys[0].transient);
    pub.sys.clear();

    // A duplicate is both "duplicates" and "drops/duplicate".
    ++m.stats.drops[static_cast<size_t>(Drop::kDuplicate)];
    m.telegram_connected = false;
    tree.publish(m, pub);
    auto values = sys_map(pub.sys);
    assert_int_equal(pub.sys.size(), 3);
    assert_string_equal(values["duplicates"].c_str(), "205");
    assert_string_equal(values["drops/duplicate"].c_str(), "205");
    assert_string_equal(values["telegram_connected"].c_str(), "0");
    pub.sys.clear();

    // Back to an earlier value is a change too.
    m.stats.uplinks = 101;
    tree.publish(m, pub);
    assert_int_equal(pub.sys.size(), 1);
    assert_string_equal(text_of(pub.sys[0]).c_str(), "101");
    pub.sys.clear();
    tree.publish(m, pub);
    assert_int_equal(pub.sys.size(), 0);
}

void sys_interval_and_control_options(void**) {
    auto with = [](const char* key, const char* value) {
        Options opts = {{"node_id", "!7b000001"}, {key, value}};
        return load_config(opts);
    };
    auto defaults = load_config({{"node_id", "!7b000001"}});
    if (!defaults.config) fail_msg("config: %s", defaults.config.error().c_str());
    assert_int_equal(defaults.config->sys_interval_s, 10);
    assert_true(defaults.config->control);
    assert_int_equal(with("sys_interval", "0").config->sys_interval_s, 0);
    assert_int_equal(with("sys_interval", "3600").config->sys_interval_s, 3600);
    for (const char* bad : {"3601", "-1", "ten", ""}) {
        auto r = with("sys_interval", bad);
        assert_false(r.config.is_ok());
        assert_non_null(std::strstr(r.config.error().c_str(), "sys_interval"));
    }
    assert_false(with("control", "off").config->control);
    assert_false(with("control", "false").config->control);
    assert_true(with("control", "on").config->control);
    auto bad = with("control", "maybe");
    assert_false(bad.config.is_ok());
    assert_non_null(std::strstr(bad.config.error().c_str(), "control"));
}

// ---- the bridge's $SYS tree -----------------------------------------------------------------

Config sys_config(int interval_s) {
    Config c = base_config();
    c.sys_interval_s = interval_s;
    return c;
}

void sys_is_published_at_start_and_every_interval(void**) {
    Harness h;
    h.announce_at_start = false;
    h.start(sys_config(30));
    auto first = take_sys(h);
    assert_int_equal(first.size(), all_sys_names().size());
    auto values = sys_map(first);
    assert_string_equal(values["uptime"].c_str(), "0");
    assert_string_equal(values["uplinks"].c_str(), "0");
    assert_string_equal(values["queue/mesh"].c_str(), "0");  // nothing announced at load
    assert_true(h.bridge->next_due() <= h.clock.now + 30 * kSecond);

    h.clock.advance(29 * kSecond);
    h.bridge->run_due();
    assert_int_equal(h.publisher.sys.size(), 0);
    h.clock.advance(999);
    h.bridge->run_due();
    assert_int_equal(h.publisher.sys.size(), 0);
    h.clock.advance(1);
    h.bridge->run_due();
    // Only the uptime changed (no traffic; getMe still unanswered).
    auto second = take_sys(h);
    assert_int_equal(second.size(), 1);
    assert_string_equal(second[0].topic.c_str(), "$SYS/broker/tgmesh/uptime");
    assert_string_equal(text_of(second[0]).c_str(), "30");

    // The next round is due 30 s after the previous one.
    h.clock.advance(29 * kSecond);
    h.bridge->run_due();
    assert_int_equal(h.publisher.sys.size(), 0);
    h.clock.advance(kSecond);
    h.bridge->run_due();
    assert_string_equal(sys_map(take_sys(h))["uptime"].c_str(), "60");
}

void sys_interval_zero_publishes_nothing(void**) {
    Harness h;
    h.start(sys_config(0));
    h.connect_telegram();
    h.bridge->on_mqtt_message(kGatewayTopic, text_envelope(kAlice, 1, "quiet", "!11111111"));
    for (int i = 0; i < 10; ++i) {
        h.clock.advance(10 * kMinute);
        h.bridge->run_due();
    }
    assert_int_equal(h.publisher.sys.size(), 0);
    assert_false(h.log.contains("$SYS"));
}

// Feeds a text from `from` heard by `gateway`.
void uplink_text(Harness& h, mesh::NodeNum from, uint32_t id, const std::string& gateway) {
    UplinkSpec s;
    s.from = from;
    s.id = id;
    s.payload = "hello " + std::to_string(id);
    s.gateway = gateway;
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/" + gateway, seal(s));
}

// Runs the next $SYS round (sys_interval 10) and returns every value as now retained.
struct SysWatch {
    std::map<std::string, std::string> retained;
    void update(Harness& h) {
        for (auto& [k, v] : sys_map(take_sys(h)))
            retained[k] = v;
    }
};

void sys_values_follow_the_traffic(void**) {
    Harness h;
    SysWatch w;
    h.start(sys_config(10));
    w.update(h);
    assert_string_equal(w.retained["last_uplink_age"].c_str(), "-1");
    assert_string_equal(w.retained["telegram_connected"].c_str(), "0");
    assert_string_equal(w.retained["nodes_known"].c_str(), "0");
    assert_string_equal(w.retained["gateways_online"].c_str(), "0");

    h.connect_telegram();
    // t = 0: Alice through gateway 1, and the same packet again through gateway 2.
    uplink_text(h, kAlice, 1, "!11111111");
    uplink_text(h, kAlice, 1, "!22222222");
    h.clock.advance(10 * kSecond);
    h.bridge->run_due();
    w.update(h);
    assert_string_equal(w.retained["telegram_connected"].c_str(), "1");
    assert_string_equal(w.retained["uplinks"].c_str(), "2");
    assert_string_equal(w.retained["decoded"].c_str(), "1");
    assert_string_equal(w.retained["duplicates"].c_str(), "1");
    assert_string_equal(w.retained["drops/duplicate"].c_str(), "1");
    assert_string_equal(w.retained["texts_to_telegram"].c_str(), "1");
    assert_string_equal(w.retained["nodes_known"].c_str(), "1");
    assert_string_equal(w.retained["gateways_online"].c_str(), "2");
    assert_string_equal(w.retained["last_uplink_age"].c_str(), "10");

    // t = 10 min: Twin through gateway 3.
    for (int i = 0; i < 59; ++i) {
        h.clock.advance(10 * kSecond);
        h.bridge->run_due();
    }
    uplink_text(h, kTwin1, 2, "!33333333");
    h.clock.advance(10 * kSecond);
    h.bridge->run_due();
    w.update(h);
    assert_string_equal(w.retained["nodes_known"].c_str(), "2");
    assert_string_equal(w.retained["gateways_online"].c_str(), "3");
    assert_string_equal(w.retained["uplinks"].c_str(), "3");
    assert_string_equal(w.retained["last_uplink_age"].c_str(), "10");

    // t = 15 min 10 s: gateways 1 and 2 are no longer online, gateway 3 still is.
    for (int i = 0; i < 30; ++i) {
        h.clock.advance(10 * kSecond);
        h.bridge->run_due();
    }
    w.update(h);
    assert_string_equal(w.retained["gateways_online"].c_str(), "1");
    assert_string_equal(w.retained["nodes_known"].c_str(), "2");
    assert_string_equal(w.retained["last_uplink_age"].c_str(), "310");

    // t = 25 min 20 s: none.
    for (int i = 0; i < 61; ++i) {
        h.clock.advance(10 * kSecond);
        h.bridge->run_due();
    }
    w.update(h);
    assert_string_equal(w.retained["gateways_online"].c_str(), "0");
    assert_string_equal(w.retained["nodes_known"].c_str(), "2");
}

// $SYS values and control answers the broker never published are not replayed after a restart;
// a downlink is.
void transient_messages_are_not_saved_at_shutdown(void**) {
    Harness h;
    h.start();
    h.take_published();
    Outgoing sys{"$SYS/broker/tgmesh/uplinks", "7", "", 0};
    sys.transient = true;
    Outgoing answer{"$CONTROL/tgmesh/v1/response", R"({"responses":[]})", "", 0};
    answer.transient = true;
    h.bridge->shutdown({sys, {"msh/US/2/e/LongFast/!7b000001", "downlink", "", 0}, answer});

    Harness again;
    again.store.text = h.store.text;
    again.start();
    auto out = again.take_published();
    assert_true(out.size() >= 1);
    assert_string_equal(out[0].payload.c_str(), "downlink");
    for (const Outgoing& m : out)
        assert_true(m.topic.rfind("$", 0) != 0);
    for (const Outgoing& m : again.publisher.sys)
        assert_string_not_equal(m.payload.c_str(), "7");
}

void metrics_of_the_bridge(void**) {
    Harness h;
    h.announce_at_start = false;
    h.start(sys_config(10));
    Metrics m = h.bridge->metrics();
    assert_int_equal(m.uptime_s, 0);
    assert_int_equal(m.last_uplink_age_s, -1);
    assert_false(m.telegram_connected);
    h.connect_telegram();
    h.clock.advance(7 * kSecond);
    h.bridge->note_inbound_dropped(4);
    uplink_text(h, kAlice, 9, "!11111111");
    h.clock.advance(3500);
    m = h.bridge->metrics();
    assert_int_equal(m.uptime_s, 10);
    assert_int_equal(m.last_uplink_age_s, 3);
    assert_true(m.telegram_connected);
    assert_int_equal(m.stats.uplinks, 1);
    assert_int_equal(m.stats.dropped(Drop::kInboundQueueFull), 4);
    assert_int_equal(m.nodes_known, 1);
    assert_int_equal(m.gateways_online, 1);
    auto gws = gateways_heard(h.bridge->nodes(), h.clock.unix_now);
    assert_int_equal(gws.size(), 1);
    assert_string_equal(gws[0].id.c_str(), "!11111111");
    assert_int_equal(gws[0].nodes, 1);
    assert_int_equal(gws[0].last, h.clock.unix_now - 3);
    assert_int_equal(gateways_heard(h.bridge->nodes(), h.clock.unix_now + 15 * 60 - 3).size(), 1);
    assert_int_equal(gateways_heard(h.bridge->nodes(), h.clock.unix_now + 15 * 60 - 2).size(), 0);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sys_tree_first_round_publishes_every_value),
        cmocka_unit_test(sys_tree_publishes_only_what_changed),
        cmocka_unit_test(sys_interval_and_control_options),
        cmocka_unit_test(sys_is_published_at_start_and_every_interval),
        cmocka_unit_test(sys_interval_zero_publishes_nothing),
        cmocka_unit_test(sys_values_follow_the_traffic),
        cmocka_unit_test(transient_messages_are_not_saved_at_shutdown),
        cmocka_unit_test(metrics_of_the_bridge),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
