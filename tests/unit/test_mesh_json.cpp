// Legacy JSON uplinks (tests/vectors/json_uplink.json) and the sendtext downlink.
#include <cmath>
#include <string>

#include "test_support.h"
#include "tgmesh/mesh/json_uplink.h"
#include "tgmesh/mesh/topic.h"

using namespace tgmesh;
using namespace tgmesh::mesh;

namespace {

JsonUplink sample(const char* name) {
    auto doc = test::load_vectors("json_uplink.json");
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, json::member(doc.get(), "samples")) {
        if (json::get_string(item, "name") == std::string(name)) {
            auto up = parse_json_uplink(*json::get_string(item, "payload"));
            if (!up) fail_msg("sample %s did not parse", name);
            return *up;
        }
    }
    fail_msg("no sample %s", name);
    return {};
}

void every_sample_parses_and_its_topic_matches(void**) {
    auto doc = test::load_vectors("json_uplink.json");
    const cJSON* item = nullptr;
    int n = 0;
    std::vector<std::string> roots = {"msh", "msh/US", "msh/EU_868/merelaager"};
    cJSON_ArrayForEach(item, json::member(doc.get(), "samples")) {
        assert_true(parse_json_uplink(*json::get_string(item, "payload")).has_value());
        auto topic = match_mesh_topic(*json::get_string(item, "topic"), roots);
        assert_true(topic.has_value());
        assert_int_equal(static_cast<int>(topic->kind), static_cast<int>(TopicKind::kJson));
        ++n;
    }
    assert_int_equal(n, 10);
}

void old_signed_nodeinfo(void**) {
    JsonUplink up = sample("nodeinfo_old_signed");
    assert_int_equal(up.from, 2130636288u);
    assert_int_equal(up.to, kBroadcast);  // -1 in the old signed format
    assert_string_equal(up.type.c_str(), "nodeinfo");
    assert_true(up.user.has_value());
    assert_string_equal(up.user->long_name.c_str(), "base0");
    assert_string_equal(up.user->short_name.c_str(), "BA0");
    assert_int_equal(up.user->hw_model.value_or(0), 10);
}

void text_with_snr_and_gateway(void**) {
    JsonUplink up = sample("text");
    assert_int_equal(up.from, 3818489127u);
    assert_int_equal(up.id, 603466231u);
    assert_string_equal(up.text->c_str(), "75.56|62.2|0.0|4.27");
    assert_string_equal(up.sender.c_str(), "!833c2233");
    assert_true(std::fabs(*up.snr - 11.25f) < 1e-6);
    assert_int_equal(*up.rssi, -14);
}

void telemetry_battery_and_voltage(void**) {
    JsonUplink up = sample("telemetry_device");
    assert_true(up.device_metrics.has_value());
    assert_int_equal(*up.device_metrics->battery_level, 94);
    assert_true(std::fabs(*up.device_metrics->voltage - 4.145f) < 1e-3);
    JsonUplink powered = sample("telemetry_external_power");
    assert_int_equal(*powered.device_metrics->battery_level, 101);
    assert_int_equal(*powered.hops_away, 0);
    assert_int_equal(*powered.hop_start, 7);
}

void environment_telemetry_is_not_device_metrics(void**) {
    JsonUplink up = sample("telemetry_environment");
    assert_false(up.device_metrics.has_value());
}

void unicast_nodeinfo_with_hops(void**) {
    JsonUplink up = sample("nodeinfo_unicast_hops_away");
    assert_int_equal(up.to, 2086296284u);
    assert_int_equal(*up.hops_away, 2);
    assert_string_equal(up.user->id.c_str(), "!da639058");
}

void negative_from_and_nul_text(void**) {
    JsonUplink up = sample("text_old_signed_nul");
    assert_int_equal(up.from, static_cast<uint32_t>(-1812372104));
    // cJSON ends strings at NUL, so the firmware's "\u0000" arrives as an empty text.
    assert_true(up.text.has_value());
    assert_int_equal(up.text->size(), 0);
}

void positions(void**) {
    JsonUplink up = sample("position");
    assert_int_equal(up.position->latitude_i, 589260443);
    assert_int_equal(up.position->longitude_i, 248635653);
    assert_int_equal(*up.position->precision_bits, 32);
    assert_int_equal(*up.position->time, 1782654734u);
}

void text_that_was_json_comes_back_as_text(void**) {
    auto up = parse_json_uplink(
        R"({"channel":0,"from":1,"id":2,"payload":{"a":1},"sender":"!00000001","to":4294967295,"type":"text"})");
    assert_string_equal(up->text->c_str(), R"({"a":1})");
}

void non_uplinks_are_rejected(void**) {
    assert_false(parse_json_uplink("").has_value());
    assert_false(parse_json_uplink("[1,2]").has_value());
    assert_false(parse_json_uplink(R"({"from":"x","id":1,"type":"text"})").has_value());
    assert_false(parse_json_uplink(R"({"from":1,"id":1.5,"type":"text"})").has_value());
    assert_false(parse_json_uplink(R"({"from":1,"id":1})").has_value());
    assert_false(parse_json_uplink(R"({"from":99999999999,"id":1,"type":"text"})").has_value());
    assert_false(parse_json_uplink("{\"from\":1,\"id\":2,\"type\":\"te").has_value());
}

void sendtext_downlink_shape(void**) {
    std::string body = build_json_sendtext(1743426560, kBroadcast, 2, "Alice: hi \"there\"", 3);
    auto doc = json::parse(body);
    assert_int_equal(*json::get_int(doc.get(), "from"), 1743426560);
    assert_int_equal(*json::get_int(doc.get(), "to"), 4294967295LL);
    assert_int_equal(*json::get_int(doc.get(), "channel"), 2);
    assert_string_equal(json::get_string(doc.get(), "type")->c_str(), "sendtext");
    assert_string_equal(json::get_string(doc.get(), "payload")->c_str(), "Alice: hi \"there\"");
    assert_int_equal(*json::get_int(doc.get(), "hopLimit"), 3);
    assert_string_equal(json_downlink_topic("msh/US").c_str(), "msh/US/2/json/mqtt/");
}

void topic_matching(void**) {
    std::vector<std::string> roots = {"msh/US", "msh/EU_868/DE"};
    auto t = match_mesh_topic("msh/US/2/e/LongFast/!a1b2c3d4", roots);
    assert_true(t && t->kind == TopicKind::kEnvelope && t->channel == "LongFast" &&
                t->gateway == "!a1b2c3d4" && t->root_index == 0);
    t = match_mesh_topic("msh/EU_868/DE/2/e/PKI/!a1b2c3d4", roots);
    assert_true(t && t->root_index == 1 && t->channel == "PKI");
    assert_true(match_mesh_topic("msh/US/2/map/", roots)->kind == TopicKind::kMap);
    assert_true(match_mesh_topic("msh/US/2/json/mqtt/", roots)->gateway.empty());
    assert_false(match_mesh_topic("msh/US/2/e/LongFast", roots).has_value());
    assert_false(match_mesh_topic("msh/US/2/e/LongFast/!a/extra", roots).has_value());
    assert_false(match_mesh_topic("msh/USA/2/e/LongFast/!a1b2c3d4", roots).has_value());
    assert_false(match_mesh_topic("msh/US/2/map/x", roots).has_value());
    assert_false(match_mesh_topic("msh/US/2/c/LongFast/!a1b2c3d4", roots).has_value());
    assert_false(match_mesh_topic("other/topic", roots).has_value());
    assert_string_equal(envelope_topic("msh/US", "LongFast", "!7b000001").c_str(),
                        "msh/US/2/e/LongFast/!7b000001");
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_sample_parses_and_its_topic_matches),
        cmocka_unit_test(old_signed_nodeinfo),
        cmocka_unit_test(text_with_snr_and_gateway),
        cmocka_unit_test(telemetry_battery_and_voltage),
        cmocka_unit_test(environment_telemetry_is_not_device_metrics),
        cmocka_unit_test(unicast_nodeinfo_with_hops),
        cmocka_unit_test(negative_from_and_nul_text),
        cmocka_unit_test(positions),
        cmocka_unit_test(text_that_was_json_comes_back_as_text),
        cmocka_unit_test(non_uplinks_are_rejected),
        cmocka_unit_test(sendtext_downlink_shape),
        cmocka_unit_test(topic_matching),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
