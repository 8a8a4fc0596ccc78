// Bounded and timed helpers: TokenBucket, Backoff, Dedup and the NodeRegistry.
#include <string>
#include <vector>

#include "test_support.h"
#include "tgmesh/core/ingest/dedup.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/util/json.h"
#include "tgmesh/util/token_bucket.h"

using tgmesh::Backoff;
using tgmesh::kHour;
using tgmesh::kMinute;
using tgmesh::kSecond;
using tgmesh::Millis;
using tgmesh::TokenBucket;
using tgmesh::core::Dedup;
using tgmesh::core::KeySource;
using tgmesh::core::Node;
using tgmesh::core::NodeRegistry;
using tgmesh::core::Reception;
namespace json = tgmesh::json;
namespace mesh = tgmesh::mesh;

namespace {

Reception rx(const std::string& gateway, int64_t time, std::optional<int> hops = std::nullopt,
             std::optional<float> snr = std::nullopt, std::optional<int32_t> rssi = std::nullopt) {
    Reception r;
    r.gateway = gateway;
    r.time = time;
    r.hops = hops;
    r.snr = snr;
    r.rssi = rssi;
    return r;
}

mesh::UserInfo user(const std::string& long_name, const std::string& short_name) {
    mesh::UserInfo u;
    u.long_name = long_name;
    u.short_name = short_name;
    return u;
}

// ---- TokenBucket ------------------------------------------------------------------------

void token_bucket_starts_full_then_refills_at_its_rate(void**) {
    TokenBucket bucket(1.0, 3.0);
    const Millis t0 = 5000;
    assert_true(bucket.try_take(t0));
    assert_true(bucket.try_take(t0));
    assert_true(bucket.try_take(t0));
    assert_false(bucket.try_take(t0));
    assert_int_equal(bucket.ready_at(t0), t0 + 1000);
    assert_false(bucket.try_take(t0 + 999));
    assert_true(bucket.try_take(t0 + 1000));
    assert_false(bucket.try_take(t0 + 1000));
}

void token_bucket_never_holds_more_than_its_burst(void**) {
    TokenBucket bucket(1.0, 3.0);
    assert_true(bucket.try_take(0));
    const Millis later = 1 * kHour;
    int taken = 0;
    while (bucket.try_take(later))
        ++taken;
    assert_int_equal(taken, 3);
}

void token_bucket_ready_at_does_not_consume(void**) {
    TokenBucket bucket(2.0, 1.0);
    assert_int_equal(bucket.ready_at(100), 100);
    assert_int_equal(bucket.ready_at(100), 100);
    assert_true(bucket.try_take(100));
    assert_int_equal(bucket.ready_at(100), 600);
    assert_int_equal(bucket.ready_at(300), 600);
    assert_int_equal(bucket.ready_at(700), 700);
}

// Whatever the rate, try_take succeeds at the time ready_at names, and not 1 ms earlier.
void token_bucket_ready_at_agrees_with_try_take(void**) {
    const double rates[] = {1.0, 20.0 / 60.0, 30.0, 0.5, 1.0 / 3.0, 7.0};
    for (double rate : rates) {
        TokenBucket bucket(rate, 2.0);
        Millis t = 1'000'000;
        while (bucket.try_take(t)) {
        }
        for (int i = 0; i < 50; ++i) {
            Millis at = bucket.ready_at(t);
            assert_true(at > t);
            if (at - 1 > t) {
                TokenBucket probe = bucket;
                assert_false(probe.try_take(at - 1));
            }
            if (!bucket.try_take(at))
                fail_msg("rate %g: ready_at said %lld but try_take failed", rate,
                         static_cast<long long>(at));
            t = at;
        }
    }
}

void token_bucket_long_run_rate(void**) {
    TokenBucket bucket(20.0 / 60.0, 5.0);
    int taken = 0;
    for (Millis t = 0; t < 10 * kMinute; t += 10)
        taken += bucket.try_take(t) ? 1 : 0;
    // 5 at once, then 20 per minute for 10 minutes.
    assert_true(taken >= 5 + 199);
    assert_true(taken <= 5 + 200);
}

// ---- Backoff ----------------------------------------------------------------------------

Millis failure(Backoff& backoff) {
    return backoff.record_failure();
}

void backoff_doubles_from_one_second_up_to_a_minute(void**) {
    Backoff backoff;
    const Millis expected[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000};
    for (Millis e : expected)
        assert_int_equal(failure(backoff), e);
    assert_int_equal(backoff.failures(), 9);
    for (int i = 0; i < 100; ++i)
        assert_int_equal(failure(backoff), 60000);
}

void backoff_reset_starts_over(void**) {
    Backoff backoff;
    failure(backoff);
    failure(backoff);
    failure(backoff);
    backoff.reset();
    assert_int_equal(backoff.failures(), 0);
    assert_int_equal(failure(backoff), 1000);
    assert_int_equal(failure(backoff), 2000);
}

void backoff_with_custom_initial_and_cap(void**) {
    Backoff backoff(500, 3000);
    assert_int_equal(failure(backoff), 500);
    assert_int_equal(failure(backoff), 1000);
    assert_int_equal(failure(backoff), 2000);
    assert_int_equal(failure(backoff), 3000);
    assert_int_equal(failure(backoff), 3000);
}

// ---- Dedup ------------------------------------------------------------------------------

void dedup_first_sighting_then_duplicates_within_ttl(void**) {
    Dedup dedup(10 * kMinute);
    const Millis t0 = 1'000'000;
    assert_true(dedup.first_sighting(0x11111111, 7, t0));
    assert_false(dedup.first_sighting(0x11111111, 7, t0));
    assert_false(dedup.first_sighting(0x11111111, 7, t0 + 10 * kMinute - 1));
    // Another id or another sender is new.
    assert_true(dedup.first_sighting(0x11111111, 8, t0));
    assert_true(dedup.first_sighting(0x22222222, 7, t0));
}

void dedup_forgets_after_ttl(void**) {
    Dedup dedup(10 * kMinute);
    const Millis t0 = 1'000'000;
    assert_true(dedup.first_sighting(1, 1, t0));
    assert_true(dedup.first_sighting(1, 1, t0 + 10 * kMinute));
    // Seen again: a duplicate for another ttl.
    assert_false(dedup.first_sighting(1, 1, t0 + 15 * kMinute));
    assert_true(dedup.first_sighting(1, 1, t0 + 20 * kMinute));
}

void dedup_sweeps_expired_entries(void**) {
    Dedup dedup(1 * kSecond, 1000);
    for (uint32_t id = 0; id < 50; ++id)
        dedup.first_sighting(9, id, 0);
    assert_int_equal(dedup.size(), 50);
    dedup.first_sighting(9, 1000, 2 * kSecond);
    assert_int_equal(dedup.size(), 1);
}

void dedup_capacity_forgets_oldest_first(void**) {
    Dedup dedup(1 * kHour, 3);
    assert_true(dedup.first_sighting(1, 1, 0));
    assert_true(dedup.first_sighting(1, 2, 1));
    assert_true(dedup.first_sighting(1, 3, 2));
    assert_true(dedup.first_sighting(1, 4, 3));
    assert_true(dedup.size() <= 3);
    assert_false(dedup.first_sighting(1, 2, 4));
    assert_false(dedup.first_sighting(1, 3, 4));
    assert_false(dedup.first_sighting(1, 4, 4));
    assert_true(dedup.first_sighting(1, 1, 5));  // the oldest was forgotten
}

void dedup_memory_stays_bounded(void**) {
    Dedup dedup(1 * kHour, 100);
    for (uint32_t id = 0; id < 20000; ++id) {
        dedup.first_sighting(id % 7, id, id);
        assert_true(dedup.size() <= 100);
    }
    assert_int_equal(dedup.size(), 100);
}

// ---- NodeRegistry: receptions ---------------------------------------------------------

void heard_keeps_one_reception_per_gateway_newest_first(void**) {
    NodeRegistry reg;
    reg.heard(0x100, rx("!0000000a", 100, 1, 5.0f));
    reg.heard(0x100, rx("!0000000b", 101, 2, 3.0f));
    const Node& n = reg.heard(0x100, rx("!0000000a", 102, 0, 9.0f));
    assert_int_equal(n.receptions.size(), 2);
    assert_string_equal(n.receptions[0].gateway.c_str(), "!0000000a");
    assert_int_equal(n.receptions[0].time, 102);
    assert_int_equal(*n.receptions[0].hops, 0);
    assert_string_equal(n.receptions[1].gateway.c_str(), "!0000000b");
    assert_int_equal(n.last_heard, 102);
    assert_int_equal(reg.size(), 1);
}

void receptions_per_node_are_bounded(void**) {
    NodeRegistry reg;
    for (int g = 0; g < 12; ++g) {
        reg.heard(0x100,
                  rx(mesh::format_node_id(static_cast<mesh::NodeNum>(0x1000 + g)), 100 + g, 1));
    }
    const Node* n = reg.find(0x100);
    assert_non_null(n);
    assert_int_equal(n->receptions.size(), NodeRegistry::kMaxGatewaysPerNode);
    assert_string_equal(n->receptions[0].gateway.c_str(), "!0000100b");  // the newest
    assert_int_equal(n->receptions[0].time, 111);
    for (size_t i = 1; i < n->receptions.size(); ++i) {
        assert_true(n->receptions[i - 1].time > n->receptions[i].time);
    }
}

void heard_without_gateway_updates_last_heard_only(void**) {
    NodeRegistry reg;
    const Node& n = reg.heard(0x200, rx("", 500));
    assert_int_equal(n.last_heard, 500);
    assert_true(n.receptions.empty());
}

void last_heard_never_goes_back(void**) {
    NodeRegistry reg;
    reg.heard(0x200, rx("!0000000a", 500));
    reg.heard(0x200, rx("!0000000b", 400));
    assert_int_equal(reg.find(0x200)->last_heard, 500);
}

void best_reception_prefers_fewest_hops_then_snr(void**) {
    NodeRegistry reg;
    reg.heard(0x300, rx("!00000001", 1, 2, 10.0f));
    reg.heard(0x300, rx("!00000002", 2, 1, -5.0f));
    reg.heard(0x300, rx("!00000003", 3, 1, 3.0f));
    reg.heard(0x300, rx("!00000004", 4, std::nullopt, 20.0f));
    reg.heard(0x300, rx("!00000005", 5, 1));
    const Reception* best = reg.find(0x300)->best_reception();
    assert_non_null(best);
    assert_string_equal(best->gateway.c_str(), "!00000003");
    NodeRegistry empty;
    assert_null(empty.heard(0x301, rx("", 1)).best_reception());
}

// ---- NodeRegistry: node info ------------------------------------------------------------

void apply_user_sets_names_hardware_and_key(void**) {
    NodeRegistry reg;
    mesh::UserInfo u = user("Base Camp", "BC");
    u.hw_model = 9;
    u.role = 2;
    u.public_key = std::string(32, '\x07');
    reg.apply_user(0x400, u, KeySource::kEncrypted);
    const Node* n = reg.find(0x400);
    assert_non_null(n);
    assert_string_equal(n->long_name.c_str(), "Base Camp");
    assert_string_equal(n->short_name.c_str(), "BC");
    assert_int_equal(*n->hw_model, 9);
    assert_int_equal(*n->role, 2);
    assert_int_equal(n->public_key.size(), 32);
    assert_string_equal(n->display_name().c_str(), "Base Camp");

    // Empty fields and a key of the wrong size leave what is known.
    mesh::UserInfo partial;
    partial.public_key = std::string(16, '\x01');
    reg.apply_user(0x400, partial, KeySource::kEncrypted);
    assert_string_equal(n->long_name.c_str(), "Base Camp");
    assert_string_equal(n->short_name.c_str(), "BC");
    assert_true(n->public_key == std::string(32, '\x07'));
}

void display_name_falls_back_to_short_name_then_id(void**) {
    NodeRegistry reg;
    reg.apply_user(0x401, user("", "SN"), KeySource::kEncrypted);
    assert_string_equal(reg.find(0x401)->display_name().c_str(), "SN");
    reg.heard(0x402, rx("", 1));
    assert_string_equal(reg.find(0x402)->display_name().c_str(), "!00000402");
}

void apply_position_and_metrics(void**) {
    NodeRegistry reg;
    mesh::PositionInfo pos;
    pos.latitude_i = 525200000;
    pos.longitude_i = 134050000;
    pos.altitude = 34;
    reg.apply_position(0x500, pos, 1234);
    mesh::DeviceMetricsInfo m;
    m.battery_level = 87;
    m.voltage = 4.125f;
    reg.apply_metrics(0x500, m, 1234);
    const Node* n = reg.find(0x500);
    assert_true(n->position.has_value());
    assert_int_equal(n->position->latitude_i, 525200000);
    assert_int_equal(n->position->longitude_i, 134050000);
    assert_int_equal(*n->position->altitude, 34);
    assert_int_equal(n->position_heard, 1234);
    assert_int_equal(*n->battery_level, 87);
    assert_true(*n->voltage == 4.125f);

    // A zero voltage (not measured) keeps the last good one.
    mesh::DeviceMetricsInfo zero;
    zero.voltage = 0.0f;
    reg.apply_metrics(0x500, zero, 1300);
    assert_true(*n->voltage == 4.125f);
    assert_int_equal(*n->battery_level, 87);
}

// ---- NodeRegistry: capacity -------------------------------------------------------------

void over_capacity_forgets_least_recently_heard(void**) {
    NodeRegistry reg(5);
    for (mesh::NodeNum num = 1; num <= 5; ++num)
        reg.heard(num, rx("!0000000a", 10 * num));
    reg.heard(1, rx("!0000000a", 60));  // node 1 is now the most recent; node 2 the oldest
    reg.heard(6, rx("!0000000a", 70));
    assert_true(reg.size() <= 5);
    assert_null(reg.find(2));
    assert_non_null(reg.find(1));
    assert_non_null(reg.find(6));
    for (mesh::NodeNum num = 7; num < 100; ++num) {
        reg.heard(num, rx("!0000000a", 100 + num));
        assert_true(reg.size() <= 5);
        assert_non_null(reg.find(num));  // the node just heard is never the one evicted
    }
    assert_non_null(reg.find(98));
    assert_null(reg.find(1));
}

void by_last_heard_is_most_recent_first(void**) {
    NodeRegistry reg;
    reg.heard(3, rx("", 30));
    reg.heard(1, rx("", 50));
    reg.heard(2, rx("", 40));
    auto nodes = reg.by_last_heard();
    assert_int_equal(nodes.size(), 3);
    assert_int_equal(nodes[0]->num, 1);
    assert_int_equal(nodes[1]->num, 2);
    assert_int_equal(nodes[2]->num, 3);
}

// ---- NodeRegistry: resolve --------------------------------------------------------------

NodeRegistry named_nodes() {
    NodeRegistry reg;
    reg.apply_user(0xa1, user("Base", "BS"), KeySource::kEncrypted);
    reg.apply_user(0xa2, user("Base Camp", "BC"), KeySource::kEncrypted);
    reg.apply_user(0xa3, user("Hilltop Relay", "AB"), KeySource::kEncrypted);
    reg.apply_user(0xa4, user("Valley", "AB"), KeySource::kEncrypted);
    return reg;
}

void resolve_node_id(void**) {
    NodeRegistry reg = named_nodes();
    auto r = reg.resolve("  !A1B2C3D4 hello there");
    assert_true(r.node == 0xa1b2c3d4u);
    assert_string_equal(r.query.c_str(), "!A1B2C3D4");
    assert_string_equal(r.rest.c_str(), "hello there");
}

void resolve_longest_long_name_case_insensitive(void**) {
    NodeRegistry reg = named_nodes();
    auto r = reg.resolve("base camp see you at noon");
    assert_true(r.node == 0xa2u);
    assert_string_equal(r.rest.c_str(), "see you at noon");
    r = reg.resolve("BASE hi");
    assert_true(r.node == 0xa1u);
    assert_string_equal(r.rest.c_str(), "hi");
    r = reg.resolve("hilltop relay");
    assert_true(r.node == 0xa3u);
    assert_true(r.rest.empty());
}

void resolve_long_name_only_at_a_word_boundary(void**) {
    NodeRegistry reg = named_nodes();
    auto r = reg.resolve("Basement flooded");
    assert_false(r.node.has_value());
    assert_true(r.candidates.empty());
}

void resolve_short_name(void**) {
    NodeRegistry reg = named_nodes();
    auto r = reg.resolve("bc  meet me");
    assert_true(r.node == 0xa2u);
    assert_string_equal(r.query.c_str(), "bc");
    assert_string_equal(r.rest.c_str(), "meet me");
}

void resolve_quoted_name(void**) {
    NodeRegistry reg = named_nodes();
    auto r = reg.resolve("\"Hilltop Relay\" are you up?");
    assert_true(r.node == 0xa3u);
    assert_string_equal(r.query.c_str(), "Hilltop Relay");
    assert_string_equal(r.rest.c_str(), "are you up?");
    r = reg.resolve("\"bs\" hi");
    assert_true(r.node == 0xa1u);
    assert_string_equal(r.rest.c_str(), "hi");
}

void resolve_ambiguous_short_name_lists_candidates(void**) {
    NodeRegistry reg = named_nodes();
    auto r = reg.resolve("ab hello");
    assert_false(r.node.has_value());
    assert_int_equal(r.candidates.size(), 2);
    assert_int_equal(r.candidates[0], 0xa3);
    assert_int_equal(r.candidates[1], 0xa4);
    assert_string_equal(r.rest.c_str(), "hello");
}

void resolve_unknown_name_finds_no_node(void**) {
    NodeRegistry reg = named_nodes();
    auto r = reg.resolve("nobody here");
    assert_false(r.node.has_value());
    assert_true(r.candidates.empty());
    assert_string_equal(r.query.c_str(), "nobody");
    assert_string_equal(r.rest.c_str(), "here");
}

// ---- NodeRegistry: JSON ------------------------------------------------------------------

void to_json_and_load_json_round_trip(void**) {
    NodeRegistry reg;
    mesh::UserInfo u = user("Base Camp", "BC");
    u.hw_model = 43;
    u.role = 1;
    u.public_key = test::hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    reg.apply_user(0xdeadbeef, u, KeySource::kEncrypted);
    reg.heard(0xdeadbeef, rx("!0000000b", 1'760'000'100, 2, -7.5f, -110));
    reg.heard(0xdeadbeef, rx("!0000000a", 1'760'000'200, 0, 5.25f, -60));
    mesh::PositionInfo pos;
    pos.latitude_i = -339000000;
    pos.longitude_i = 1512000000;
    pos.altitude = -12;
    pos.time = 1'760'000'000;
    pos.precision_bits = 13;
    reg.apply_position(0xdeadbeef, pos, 1'760'000'150);
    mesh::DeviceMetricsInfo m;
    m.battery_level = 101;
    m.voltage = 4.125f;
    reg.apply_metrics(0xdeadbeef, m, 1'760'000'150);
    reg.heard(0x00000042, rx("", 1'760'000'050));

    // Through text, as in the state file.
    std::string text = json::print(reg.to_json().get());
    auto doc = json::parse(text);
    assert_non_null(doc.get());
    NodeRegistry loaded;
    loaded.load_json(doc.get());
    assert_int_equal(loaded.size(), 2);

    const Node* n = loaded.find(0xdeadbeef);
    assert_non_null(n);
    assert_string_equal(n->long_name.c_str(), "Base Camp");
    assert_string_equal(n->short_name.c_str(), "BC");
    assert_int_equal(*n->hw_model, 43);
    assert_int_equal(*n->role, 1);
    assert_true(n->public_key == u.public_key);
    assert_int_equal(n->last_heard, 1'760'000'200);
    assert_int_equal(n->receptions.size(), 2);
    assert_string_equal(n->receptions[0].gateway.c_str(), "!0000000a");
    assert_int_equal(*n->receptions[0].hops, 0);
    assert_true(*n->receptions[0].snr == 5.25f);
    assert_int_equal(*n->receptions[0].rssi, -60);
    assert_int_equal(n->receptions[0].time, 1'760'000'200);
    assert_string_equal(n->receptions[1].gateway.c_str(), "!0000000b");
    assert_int_equal(*n->receptions[1].hops, 2);
    assert_true(*n->receptions[1].snr == -7.5f);
    assert_int_equal(*n->receptions[1].rssi, -110);
    assert_true(n->position.has_value());
    assert_int_equal(n->position->latitude_i, -339000000);
    assert_int_equal(n->position->longitude_i, 1512000000);
    assert_int_equal(*n->position->altitude, -12);
    assert_int_equal(*n->position->time, 1'760'000'000);
    assert_int_equal(*n->position->precision_bits, 13);
    assert_int_equal(n->position_heard, 1'760'000'150);
    assert_int_equal(*n->battery_level, 101);
    assert_true(*n->voltage == 4.125f);

    const Node* other = loaded.find(0x42);
    assert_non_null(other);
    assert_int_equal(other->last_heard, 1'760'000'050);
    assert_true(other->long_name.empty());
    assert_false(other->position.has_value());

    // And the second serialisation is the same as the first.
    assert_string_equal(json::print(loaded.to_json().get()).c_str(), text.c_str());
    // Printed node by node (as in the state file), the text is the same too.
    std::string streamed;
    loaded.print_json(streamed);
    assert_string_equal(streamed.c_str(), text.c_str());
    NodeRegistry none;
    streamed.clear();
    none.print_json(streamed);
    assert_string_equal(streamed.c_str(), "[]");
}

void load_json_skips_malformed_entries_and_replaces_content(void**) {
    NodeRegistry reg;
    reg.heard(0x77, rx("", 1));
    auto doc = json::parse(R"([
        {"id": "!00000010", "long_name": "Good", "last_heard": 5},
        {"id": "00000011", "long_name": "No bang"},
        {"long_name": "No id"},
        "not an object",
        {"id": "!00000012", "receptions": [{"hops": 1}, {"gateway": "!0000000a", "hops": 99}],
         "position": {"latitude_i": 1}}
    ])");
    assert_non_null(doc.get());
    reg.load_json(doc.get());
    assert_int_equal(reg.size(), 2);
    assert_null(reg.find(0x77));
    assert_string_equal(reg.find(0x10)->long_name.c_str(), "Good");
    const Node* n = reg.find(0x12);
    assert_non_null(n);
    assert_int_equal(n->receptions.size(), 1);        // the entry without a gateway is dropped
    assert_false(n->receptions[0].hops.has_value());  // 99 hops is not plausible
    assert_false(n->position.has_value());            // no longitude

    reg.load_json(nullptr);
    assert_int_equal(reg.size(), 0);
}

void load_json_respects_capacity(void**) {
    NodeRegistry big;
    for (mesh::NodeNum num = 1; num <= 20; ++num)
        big.heard(num, rx("", 100 + num));
    auto doc = big.to_json();
    NodeRegistry small(5);
    small.load_json(doc.get());
    assert_true(small.size() <= 5);
    assert_non_null(small.find(20));  // the most recently heard are kept
    assert_null(small.find(1));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_bucket_starts_full_then_refills_at_its_rate),
        cmocka_unit_test(token_bucket_never_holds_more_than_its_burst),
        cmocka_unit_test(token_bucket_ready_at_does_not_consume),
        cmocka_unit_test(token_bucket_ready_at_agrees_with_try_take),
        cmocka_unit_test(token_bucket_long_run_rate),
        cmocka_unit_test(backoff_doubles_from_one_second_up_to_a_minute),
        cmocka_unit_test(backoff_reset_starts_over),
        cmocka_unit_test(backoff_with_custom_initial_and_cap),
        cmocka_unit_test(dedup_first_sighting_then_duplicates_within_ttl),
        cmocka_unit_test(dedup_forgets_after_ttl),
        cmocka_unit_test(dedup_sweeps_expired_entries),
        cmocka_unit_test(dedup_capacity_forgets_oldest_first),
        cmocka_unit_test(dedup_memory_stays_bounded),
        cmocka_unit_test(heard_keeps_one_reception_per_gateway_newest_first),
        cmocka_unit_test(receptions_per_node_are_bounded),
        cmocka_unit_test(heard_without_gateway_updates_last_heard_only),
        cmocka_unit_test(last_heard_never_goes_back),
        cmocka_unit_test(best_reception_prefers_fewest_hops_then_snr),
        cmocka_unit_test(apply_user_sets_names_hardware_and_key),
        cmocka_unit_test(display_name_falls_back_to_short_name_then_id),
        cmocka_unit_test(apply_position_and_metrics),
        cmocka_unit_test(over_capacity_forgets_least_recently_heard),
        cmocka_unit_test(by_last_heard_is_most_recent_first),
        cmocka_unit_test(resolve_node_id),
        cmocka_unit_test(resolve_longest_long_name_case_insensitive),
        cmocka_unit_test(resolve_long_name_only_at_a_word_boundary),
        cmocka_unit_test(resolve_short_name),
        cmocka_unit_test(resolve_quoted_name),
        cmocka_unit_test(resolve_ambiguous_short_name_lists_candidates),
        cmocka_unit_test(resolve_unknown_name_finds_no_node),
        cmocka_unit_test(to_json_and_load_json_round_trip),
        cmocka_unit_test(load_json_skips_malformed_entries_and_replaces_content),
        cmocka_unit_test(load_json_respects_capacity),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
