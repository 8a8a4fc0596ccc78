// Payloads of part 11: telemetry (device and environment metrics), traceroute (RouteDiscovery),
// waypoints and neighbour info. The wire bytes below are written by hand from the field numbers
// of meshtastic/protobufs 6b1ded43 (the commit firmware v2.7.26 pins: mesh.proto,
// telemetry.proto), so that a wrong field number in plugin/mesh/meshtastic.proto fails here
// instead of round-tripping through itself.
#include <string>

#include "test_support.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/mesh/portnum.h"

using namespace tgmesh;
using namespace tgmesh::mesh;

namespace {

std::string repeat(const std::string& piece, size_t times) {
    std::string out;
    for (size_t i = 0; i < times; ++i)
        out += piece;
    return out;
}

// Bytes that no message decodes from: a field key whose varint never ends.
const Bytes kGarbage = test::hex("ffffffffffffffffffffff");

void port_numbers(void**) {
    // portnums.proto: WAYPOINT_APP = 8, TELEMETRY_APP = 67, TRACEROUTE_APP = 70,
    // NEIGHBORINFO_APP = 71.
    assert_int_equal(port::kWaypoint, 8);
    assert_int_equal(port::kTelemetry, 67);
    assert_int_equal(port::kTraceroute, 70);
    assert_int_equal(port::kNeighborInfo, 71);
}

// ---------------------------------------------------------------- telemetry

void telemetry_environment_only_from_wire(void**) {
    // telemetry.proto Telemetry { time (1, fixed32), environment_metrics (3) {
    // temperature (1, float) 21.5, relative_humidity (2) 55, barometric_pressure (3) 1013.25 } }
    const Bytes wire = test::hex(
        "0d"
        "00f15365"  // time
        "1a0f"
        "0d0000ac41"
        "1500005c42"
        "1d00507d44");
    auto telemetry = decode_telemetry(wire);
    assert_true(telemetry.has_value());
    assert_false(telemetry->device.has_value());
    assert_true(telemetry->environment.has_value());
    assert_true(telemetry->environment->temperature == 21.5f);
    assert_true(telemetry->environment->relative_humidity == 55.0f);
    assert_true(telemetry->environment->barometric_pressure == 1013.25f);
    // Not device metrics: what the node registry reads stays away.
    assert_false(decode_device_metrics(wire).has_value());
}

void telemetry_device_only_from_wire(void**) {
    // Telemetry { device_metrics (2) { battery_level (1) 87, voltage (2) 4.25,
    // channel_utilization (3, float) 12.5, air_util_tx (4, float) 3.25 } }
    const Bytes wire = test::hex(
        "1211"
        "0857"
        "1500008840"
        "1d00004841"
        "2500005040");
    auto telemetry = decode_telemetry(wire);
    assert_true(telemetry.has_value());
    assert_false(telemetry->environment.has_value());
    assert_true(telemetry->device.has_value());
    assert_int_equal(telemetry->device->battery_level.value_or(0), 87);
    assert_true(telemetry->device->voltage == 4.25f);
    assert_true(telemetry->device->channel_utilization == 12.5f);
    assert_true(telemetry->device->air_util_tx == 3.25f);
    // decode_device_metrics reads the same, the two new fields included.
    auto device = decode_device_metrics(wire);
    assert_true(device.has_value());
    assert_int_equal(device->battery_level.value_or(0), 87);
    assert_true(device->channel_utilization == 12.5f);
    assert_true(device->air_util_tx == 3.25f);
}

void telemetry_with_neither_variant(void**) {
    // Only the time.
    assert_false(decode_telemetry(test::hex("0d00f15365")).has_value());
    // An empty payload.
    assert_false(decode_telemetry(Bytes()).has_value());
    // power_metrics (5) { ch1_voltage (1, float) 6.0 }: a variant tgmesh does not read.
    const Bytes power = test::hex("2a050d0000c040");
    assert_false(decode_telemetry(power).has_value());
    assert_false(decode_device_metrics(power).has_value());
    assert_false(decode_telemetry(kGarbage).has_value());
    assert_false(decode_device_metrics(kGarbage).has_value());
}

void telemetry_round_trips(void**) {
    TelemetryInfo env_only;
    env_only.environment = EnvironmentInfo{-7.75f, std::nullopt, 1013.25f};
    // Hand-checked bytes: environment_metrics (3) { temperature (1), barometric_pressure (3) }.
    assert_string_equal(to_hex(encode_telemetry(env_only)).c_str(), "1a0a0d0000f8c01d00507d44");
    auto back = decode_telemetry(encode_telemetry(env_only));
    assert_true(back.has_value());
    assert_false(back->device.has_value());
    assert_true(back->environment->temperature == -7.75f);
    assert_false(back->environment->relative_humidity.has_value());
    assert_true(back->environment->barometric_pressure == 1013.25f);

    TelemetryInfo device_only;
    device_only.device = DeviceMetricsInfo{101, 4.25f, 12.5f, 3.25f};
    back = decode_telemetry(encode_telemetry(device_only));
    assert_true(back.has_value());
    assert_false(back->environment.has_value());
    assert_int_equal(back->device->battery_level.value_or(0), 101);
    assert_true(back->device->voltage == 4.25f);
    assert_true(back->device->channel_utilization == 12.5f);
    assert_true(back->device->air_util_tx == 3.25f);

    // Neither: an empty Telemetry, which does not decode back.
    assert_int_equal(encode_telemetry(TelemetryInfo{}).size(), 0);
    assert_false(decode_telemetry(encode_telemetry(TelemetryInfo{})).has_value());
}

// ---------------------------------------------------------------- traceroute

void route_discovery_wire_is_packed(void**) {
    // mesh.proto RouteDiscovery { route (1, repeated fixed32) [0x11111111],
    // snr_towards (2, repeated int32) [24] }, packed as proto3 (and the firmware) writes it:
    // a length-delimited key (wire type 2) and the values back to back.
    RouteDiscovery route;
    route.route = {0x11111111};
    route.snr_towards = {24};
    assert_string_equal(to_hex(encode_route_discovery(route)).c_str(), "0a0411111111120118");

    // route_back (3) [0x22222222, 0x33333333], snr_back (4) [-8, kSnrUnknown]: negative
    // int32s are 10-byte varints.
    const Bytes wire = test::hex(
        "0a0411111111"
        "120118"
        "1a08"
        "22222222"
        "33333333"
        "2214"
        "f8ffffffffffffffff01"
        "80ffffffffffffffff01");
    auto decoded = decode_route_discovery(wire);
    assert_true(decoded.has_value());
    assert_int_equal(decoded->route.size(), 1);
    assert_int_equal(decoded->route[0], 0x11111111);
    assert_int_equal(decoded->snr_towards.size(), 1);
    assert_int_equal(decoded->snr_towards[0], 24);
    assert_int_equal(decoded->route_back.size(), 2);
    assert_int_equal(decoded->route_back[0], 0x22222222);
    assert_int_equal(decoded->route_back[1], 0x33333333);
    assert_int_equal(decoded->snr_back.size(), 2);
    assert_int_equal(decoded->snr_back[0], -8);
    assert_int_equal(decoded->snr_back[1], kSnrUnknown);
    assert_string_equal(to_hex(encode_route_discovery(*decoded)).c_str(), to_hex(wire).c_str());
}

void route_discovery_reads_unpacked_too(void**) {
    // The same lists written unpacked (one key per value): route (1, fixed32 = wire type 5),
    // snr_towards (2, varint).
    const Bytes wire = test::hex(
        "0d11111111"
        "0d22222222"
        "1018"
        "10f4ffffffffffffffff01");  // -12
    auto decoded = decode_route_discovery(wire);
    assert_true(decoded.has_value());
    assert_int_equal(decoded->route.size(), 2);
    assert_int_equal(decoded->route[1], 0x22222222);
    assert_int_equal(decoded->snr_towards.size(), 2);
    assert_int_equal(decoded->snr_towards[0], 24);
    assert_int_equal(decoded->snr_towards[1], -12);
    assert_true(decoded->route_back.empty());
    assert_true(decoded->snr_back.empty());
}

void route_discovery_round_trip_and_empty(void**) {
    RouteDiscovery route;
    route.route = {0x0badcafe, 0xdeadbeef};
    route.snr_towards = {24, -8, kSnrUnknown};
    route.route_back = {0x7b000001};
    route.snr_back = {127};
    auto back = decode_route_discovery(encode_route_discovery(route));
    assert_true(back.has_value());
    assert_true(back->route == route.route);
    assert_true(back->snr_towards == route.snr_towards);
    assert_true(back->route_back == route.route_back);
    assert_true(back->snr_back == route.snr_back);

    // A traceroute request carries an empty RouteDiscovery: an empty payload, which decodes.
    assert_int_equal(encode_route_discovery(RouteDiscovery{}).size(), 0);
    auto empty = decode_route_discovery(Bytes());
    assert_true(empty.has_value());
    assert_true(empty->route.empty() && empty->snr_towards.empty());
    assert_true(empty->route_back.empty() && empty->snr_back.empty());
}

void route_discovery_bounds(void**) {
    // 9 entries in every list: the firmware holds ROUTE_SIZE = 8 (mesh.options max_count:8).
    RouteDiscovery route;
    for (uint32_t i = 1; i <= 9; ++i) {
        route.route.push_back(i);
        route.snr_towards.push_back(static_cast<int32_t>(i));
        route.route_back.push_back(100 + i);
        route.snr_back.push_back(-static_cast<int32_t>(i));
    }
    auto back = decode_route_discovery(encode_route_discovery(route));
    assert_true(back.has_value());
    assert_int_equal(back->route.size(), kMaxRouteEntries);
    assert_int_equal(back->route.size(), 8);
    assert_int_equal(back->route.back(), 8);
    assert_int_equal(back->snr_towards.size(), 8);
    assert_int_equal(back->snr_towards.back(), 8);
    assert_int_equal(back->route_back.size(), 8);
    assert_int_equal(back->route_back.back(), 108);
    assert_int_equal(back->snr_back.size(), 8);
    assert_int_equal(back->snr_back.back(), -8);

    // SNRs outside the firmware's int8 read as unknown; the int8 extremes stay.
    RouteDiscovery snrs;
    snrs.snr_towards = {127, 128, -128, -129, 100000};
    back = decode_route_discovery(encode_route_discovery(snrs));
    assert_true(back.has_value());
    assert_int_equal(back->snr_towards.size(), 5);
    assert_int_equal(back->snr_towards[0], 127);
    assert_int_equal(back->snr_towards[1], kSnrUnknown);
    assert_int_equal(back->snr_towards[2], -128);
    assert_int_equal(back->snr_towards[3], kSnrUnknown);
    assert_int_equal(back->snr_towards[4], kSnrUnknown);
}

void route_discovery_garbage(void**) {
    assert_false(decode_route_discovery(kGarbage).has_value());
    // Packed fixed32 route of 5 bytes: not a whole number of values.
    assert_false(decode_route_discovery(test::hex("0a050102030405")).has_value());
    // Length past the end.
    assert_false(decode_route_discovery(test::hex("0a1011")).has_value());
}

// ---------------------------------------------------------------- waypoints

void waypoint_from_wire(void**) {
    // mesh.proto Waypoint { id (1) 1, latitude_i (2, sfixed32) 457572352, longitude_i (3,
    // sfixed32) -52035584, expire (4) 1700000000, locked_to (5) 0x0badcafe, name (6) "Camp",
    // description (7) "Tents", icon (8, fixed32) U+1F4CD }
    const Bytes wire = test::hex(
        "0801"
        "150000461b"
        "1d0000e6fc"
        "2080e2cfaa06"
        "28fe95b75d"
        "3204"
        "43616d70"
        "3a05"
        "54656e7473"
        "45cdf40100");
    auto waypoint = decode_waypoint(wire);
    assert_true(waypoint.has_value());
    assert_int_equal(waypoint->id, 1);
    assert_int_equal(waypoint->latitude_i.value_or(0), 457572352);
    assert_int_equal(waypoint->longitude_i.value_or(0), -52035584);
    assert_int_equal(waypoint->expire, 1700000000);
    assert_int_equal(waypoint->locked_to, 0x0badcafe);
    assert_string_equal(waypoint->name.c_str(), "Camp");
    assert_string_equal(waypoint->description.c_str(), "Tents");
    assert_int_equal(waypoint->icon, 0x1F4CD);
    assert_string_equal(to_hex(encode_waypoint(*waypoint)).c_str(), to_hex(wire).c_str());
}

void waypoint_round_trip_and_defaults(void**) {
    WaypointInfo waypoint;
    waypoint.id = 0xfffffffe;
    waypoint.latitude_i = -337000000;
    waypoint.longitude_i = 1512000000;
    waypoint.name = "Мост 🌉";
    waypoint.description = "встреча в 18:00";
    waypoint.icon = 0x1F309;
    auto back = decode_waypoint(encode_waypoint(waypoint));
    assert_true(back.has_value());
    assert_int_equal(back->id, 0xfffffffe);
    assert_int_equal(back->latitude_i.value_or(0), -337000000);
    assert_int_equal(back->longitude_i.value_or(0), 1512000000);
    assert_int_equal(back->expire, 0);
    assert_int_equal(back->locked_to, 0);
    assert_string_equal(back->name.c_str(), waypoint.name.c_str());
    assert_string_equal(back->description.c_str(), waypoint.description.c_str());
    assert_int_equal(back->icon, 0x1F309);

    // proto3 implicit fields: zeros and empty strings are left out; the optional coordinates
    // are written when set, even at 0.
    assert_int_equal(encode_waypoint(WaypointInfo{}).size(), 0);
    WaypointInfo origin;
    origin.latitude_i = 0;
    origin.longitude_i = 0;
    assert_string_equal(to_hex(encode_waypoint(origin)).c_str(), "15000000001d00000000");
    back = decode_waypoint(encode_waypoint(origin));
    assert_true(back->latitude_i.has_value() && back->longitude_i.has_value());
    // An empty payload: a waypoint with nothing set, without coordinates.
    back = decode_waypoint(Bytes());
    assert_true(back.has_value());
    assert_false(back->latitude_i.has_value() || back->longitude_i.has_value());
}

void waypoint_text_bounds(void**) {
    // mesh.options: Waypoint.name max_size:30, Waypoint.description max_size:100.
    WaypointInfo waypoint;
    waypoint.name = std::string(40, 'n');
    waypoint.description = std::string(120, 'd');
    auto back = decode_waypoint(encode_waypoint(waypoint));
    assert_true(back.has_value());
    assert_string_equal(back->name.c_str(), std::string(30, 'n').c_str());
    assert_string_equal(back->description.c_str(), std::string(100, 'd').c_str());

    // 40 bytes of 2-byte characters: 30 bytes is a boundary, 15 characters stay.
    waypoint.name = repeat("ж", 20);
    back = decode_waypoint(encode_waypoint(waypoint));
    assert_string_equal(back->name.c_str(), repeat("ж", 15).c_str());
    // 40 bytes of 4-byte characters: byte 30 is inside the eighth, which goes whole.
    waypoint.name = repeat("🌐", 10);
    back = decode_waypoint(encode_waypoint(waypoint));
    assert_string_equal(back->name.c_str(), repeat("🌐", 7).c_str());
    // A description of "é" after 99 bytes: cut before it, not in its middle.
    waypoint.description = std::string(99, 'd') + "é";
    back = decode_waypoint(encode_waypoint(waypoint));
    assert_string_equal(back->description.c_str(), std::string(99, 'd').c_str());
}

void waypoint_garbage(void**) {
    assert_false(decode_waypoint(kGarbage).has_value());
    // name (6) claims 16 bytes, has 2.
    assert_false(decode_waypoint(test::hex("32104142")).has_value());
    // icon (8) declared fixed32 but written as a varint: a wrong wire type.
    assert_false(decode_waypoint(test::hex("4001")).has_value());
}

// ---------------------------------------------------------------- neighbour info

void neighbor_info_from_wire(void**) {
    // mesh.proto NeighborInfo { node_id (1) 0x0badcafe, last_sent_by_id (2) 7,
    // node_broadcast_interval_secs (3) 900, neighbors (4) [ Neighbor { node_id (1) 0x11,
    // snr (2, float) 6.0, last_rx_time (3, fixed32), node_broadcast_interval_secs (4) 60 },
    // Neighbor { node_id (1) 0x22, snr (2) -7.75 } ] }
    const Bytes wire = test::hex(
        "08fe95b75d"
        "1007"
        "188407"
        "220e"
        "0811"
        "150000c040"
        "1d00f15365"
        "203c"
        "2207"
        "0822"
        "150000f8c0");
    auto info = decode_neighbor_info(wire);
    assert_true(info.has_value());
    assert_int_equal(info->node, 0x0badcafe);
    assert_int_equal(info->broadcast_interval_s, 900);
    assert_int_equal(info->neighbors.size(), 2);
    assert_int_equal(info->neighbors[0].node, 0x11);
    assert_true(info->neighbors[0].snr == 6.0f);
    assert_int_equal(info->neighbors[1].node, 0x22);
    assert_true(info->neighbors[1].snr == -7.75f);

    // Encoding writes what the firmware sends over the air: no last_sent_by_id, no local-only
    // Neighbor fields.
    NeighborInfoMsg msg;
    msg.node = 0x0badcafe;
    msg.broadcast_interval_s = 900;
    msg.neighbors = {{0x11, 6.0f}};
    assert_string_equal(to_hex(encode_neighbor_info(msg)).c_str(),
                        "08fe95b75d"
                        "188407"
                        "2207"
                        "0811"
                        "150000c040");
}

void neighbor_info_round_trip_and_bound(void**) {
    NeighborInfoMsg msg;
    msg.node = 0x7b000001;
    msg.broadcast_interval_s = 14400;
    for (uint32_t i = 1; i <= 11; ++i)
        msg.neighbors.push_back({0x100 + i, static_cast<float>(i) - 5.5f});
    auto back = decode_neighbor_info(encode_neighbor_info(msg));
    assert_true(back.has_value());
    assert_int_equal(back->node, 0x7b000001);
    assert_int_equal(back->broadcast_interval_s, 14400);
    // 11 neighbours: the firmware sends at most 10 (mesh.options max_count:10).
    assert_int_equal(back->neighbors.size(), kMaxNeighbors);
    assert_int_equal(back->neighbors.size(), 10);
    for (size_t i = 0; i < back->neighbors.size(); ++i) {
        assert_int_equal(back->neighbors[i].node, msg.neighbors[i].node);
        assert_true(back->neighbors[i].snr == msg.neighbors[i].snr);
    }
    msg.neighbors.resize(3);
    back = decode_neighbor_info(encode_neighbor_info(msg));
    assert_int_equal(back->neighbors.size(), 3);
    assert_int_equal(back->neighbors[2].node, 0x103);
}

void neighbor_info_garbage(void**) {
    assert_false(decode_neighbor_info(kGarbage).has_value());
    // neighbors (4) holding a truncated Neighbor: snr (2) with 2 of its 4 bytes.
    assert_false(decode_neighbor_info(test::hex("220315"
                                                "0000"))
                     .has_value());
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(port_numbers),
        cmocka_unit_test(telemetry_environment_only_from_wire),
        cmocka_unit_test(telemetry_device_only_from_wire),
        cmocka_unit_test(telemetry_with_neither_variant),
        cmocka_unit_test(telemetry_round_trips),
        cmocka_unit_test(route_discovery_wire_is_packed),
        cmocka_unit_test(route_discovery_reads_unpacked_too),
        cmocka_unit_test(route_discovery_round_trip_and_empty),
        cmocka_unit_test(route_discovery_bounds),
        cmocka_unit_test(route_discovery_garbage),
        cmocka_unit_test(waypoint_from_wire),
        cmocka_unit_test(waypoint_round_trip_and_defaults),
        cmocka_unit_test(waypoint_text_bounds),
        cmocka_unit_test(waypoint_garbage),
        cmocka_unit_test(neighbor_info_from_wire),
        cmocka_unit_test(neighbor_info_round_trip_and_bound),
        cmocka_unit_test(neighbor_info_garbage),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
