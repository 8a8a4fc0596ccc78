// /trace (part 11): a TRACEROUTE_APP request from the bridge node (want_response, an empty
// RouteDiscovery, the channel key as firmware sends traceroutes: src/mesh/Router.cpp:655-656
// at v2.7.26) and the answer posted with names and SNR there and back, or a timeout.
#include <cstring>

#include "bridge_harness.h"
#include "tgmesh/core/chat/format.h"
#include "tgmesh/core/chat/traces.h"

namespace {

using namespace bridge_test;
using Call = Harness::ApiCall;

constexpr mesh::NodeNum kRelay = 0x11111111;
constexpr mesh::NodeNum kHill = 0x22222222;

bool has_text(const std::vector<Call>& calls, const char* needle) {
    for (const auto& c : calls) {
        if (std::strstr(c.text().c_str(), needle) != nullptr) return true;
    }
    return false;
}

// The answer as the destination sends it back (request_id = our request).
Bytes trace_answer(mesh::NodeNum from, uint32_t request_id, const mesh::RouteDiscovery& route,
                   uint32_t id = 900) {
    mesh::Packet header;
    header.from = from;
    header.to = kBridgeNode;
    header.id = id;
    header.hop_start = 3;
    header.hop_limit = 2;
    mesh::Data data;
    data.portnum = mesh::port::kTraceroute;
    data.payload = mesh::encode_route_discovery(route);
    data.request_id = request_id;
    return mesh::seal_envelope(mesh::make_channel_key("LongFast", mesh::default_channel_key()),
                               header, data, "!11111111");
}

void learn(Harness& h) {
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              nodeinfo_envelope(kRelay, 1, "Relay Tower", "RT"));
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              nodeinfo_envelope(kHill, 2, "Hill Top", "HT"));
}

void trace_sends_a_traceroute_and_posts_the_route_there_and_back(void**) {
    Harness h;
    h.start_ready();
    learn(h);
    h.take_published();
    h.deliver_updates("[" + update(10, kChat, kAdmin, "/trace Hill Top") + "]");
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Packet p;
    mesh::Data data = open_downlink(out[0], &p);  // the channel key opens it: no PKI
    assert_int_equal(data.portnum, mesh::port::kTraceroute);
    assert_true(data.want_response);
    assert_int_equal(p.to, kHill);
    assert_false(p.want_ack);
    auto request = mesh::decode_route_discovery(data.payload);
    assert_true(request && request->route.empty() && request->snr_towards.empty());
    assert_true(has_text(h.flush_api(), "Tracing the route to"));

    mesh::RouteDiscovery route;
    route.route = {kRelay};
    route.snr_towards = {25, 12};  // 6.25 dB at the relay, 3 dB at Hill Top
    route.route_back = {kRelay};
    route.snr_back = {-10, mesh::kSnrUnknown};
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", trace_answer(kHill, p.id, route));
    auto calls = h.flush_api();
    assert_int_equal(calls.size(), 1);
    const std::string text = calls[0].text();
    assert_non_null(std::strstr(text.c_str(), "Route to <b>Hill Top</b>"));
    assert_non_null(std::strstr(text.c_str(), "→ Telegram › <b>Relay Tower</b>"));
    assert_non_null(std::strstr(text.c_str(), "(6.2 dB) › <b>Hill Top</b>"));
    assert_non_null(std::strstr(text.c_str(), "(3.0 dB)"));
    assert_non_null(std::strstr(text.c_str(), "(-2.5 dB) › Telegram (?)"));
    // It answers the /trace message.
    assert_int_equal(
        *json::get_int(json::member(calls[0].body.get(), "reply_parameters"), "message_id"), 100);
    // A second answer to the same request changes nothing.
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              trace_answer(kHill, p.id, route, 901));
    assert_int_equal(h.flush_api().size(), 0);
}

void an_answer_from_another_node_or_to_another_request_is_not_ours(void**) {
    Harness h;
    h.start_ready();
    learn(h);
    h.take_published();
    h.deliver_updates("[" + update(10, kChat, kAdmin, "/trace !22222222") + "]");
    mesh::Packet p;
    open_downlink(h.take_published().at(0), &p);
    h.flush_api();
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", trace_answer(kRelay, p.id, {}));
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              trace_answer(kHill, p.id + 7, {}, 902));
    assert_int_equal(h.flush_api().size(), 0);
}

void an_unanswered_trace_times_out_and_one_runs_per_node(void**) {
    Harness h;
    h.start_ready();
    learn(h);
    h.take_published();
    h.deliver_updates("[" + update(10, kChat, kAdmin, "/trace !22222222") + "," +
                      update(11, kChat, kAdmin, "/trace !22222222") + "]");
    assert_int_equal(h.take_published().size(), 1);
    auto calls = h.flush_api();
    assert_true(has_text(calls, "already under way"));
    h.clock.advance(Traces::kTimeout);
    h.bridge->run_due();
    assert_true(has_text(h.flush_api(), "No answer from <b>Hill Top</b>"));
    // Then the node can be traced again.
    h.deliver_updates("[" + update(12, kChat, kAdmin, "/trace !22222222") + "]");
    assert_int_equal(h.take_published().size(), 1);
}

void trace_refuses_what_is_no_node_and_json_mode(void**) {
    Harness h;
    h.start_ready();
    h.take_published();
    h.deliver_updates("[" + update(10, kChat, kAdmin, "/trace") + "," +
                      update(11, kChat, kAdmin, "/trace !ffffffff") + "," +
                      update(12, kChat, kAdmin, "/trace !7b000001") + "]");
    assert_int_equal(h.take_published().size(), 0);
    auto calls = h.flush_api();
    assert_true(has_text(calls, "Usage: <code>/trace"));
    assert_true(has_text(calls, "is not a node you can write to"));

    Config c = base_config();
    c.downlink = DownlinkMode::kJson;
    c.gateway_id = 0x67ea9400;
    Harness json;
    json.start_ready(c);
    json.take_published();
    json.deliver_updates("[" + update(10, kChat, kAdmin, "/trace !22222222") + "]");
    assert_int_equal(json.take_published().size(), 0);
    assert_true(has_text(json.flush_api(), "protobuf downlink"));
}

void format_trace_without_a_way_back(void**) {
    NodeRegistry nodes;
    mesh::RouteDiscovery route;
    route.snr_towards = {40};
    const auto& cat = i18n::catalog(Language::kEn);
    const std::string text = format_trace(route, "Telegram", kHill, nodes, cat);
    assert_non_null(std::strstr(text.c_str(), "→ Telegram › <code>!22222222</code> (10.0 dB)"));
    assert_non_null(std::strstr(text.c_str(), "← (the way back was not reported)"));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trace_sends_a_traceroute_and_posts_the_route_there_and_back),
        cmocka_unit_test(an_answer_from_another_node_or_to_another_request_is_not_ours),
        cmocka_unit_test(an_unanswered_trace_times_out_and_one_runs_per_node),
        cmocka_unit_test(trace_refuses_what_is_no_node_and_json_mode),
        cmocka_unit_test(format_trace_without_a_way_back),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
