// Places both ways (part 11): a location shared in a bridged chat goes to the mesh as a
// WAYPOINT_APP broadcast (latitude_i/longitude_i = degrees x 1e7, named after the sender,
// expiring in an hour); a mesh waypoint comes to the channel's chats as a venue.
#include <cmath>
#include <cstring>

#include "bridge_harness.h"

namespace {

using namespace bridge_test;
using Call = Harness::ApiCall;

Bytes waypoint_uplink(const mesh::WaypointInfo& w, uint32_t id = 60,
                      const std::string& channel = "LongFast") {
    UplinkSpec s;
    s.id = id;
    s.portnum = mesh::port::kWaypoint;
    s.payload = mesh::encode_waypoint(w);
    s.channel = channel;
    return seal(s);
}

mesh::WaypointInfo hut(uint32_t expire = 0) {
    mesh::WaypointInfo w;
    w.id = 7;
    w.latitude_i = 457572352;
    w.longitude_i = 52035584;
    w.name = "Hut";
    w.description = "water here";
    w.expire = expire;
    return w;
}

void a_shared_location_becomes_a_waypoint_for_an_hour(void**) {
    Harness h;
    h.start_ready();
    h.take_published();
    MessageSpec m;
    m.id = 10;
    m.first_name = "Alice the Explorer of Very Long Names";
    m.location = std::make_pair(45.7572352, 5.2035584);
    h.deliver_updates("[" + message_update(m) + "]");
    auto out = h.take_published();
    assert_int_equal(out.size(), 1);
    mesh::Packet p;
    mesh::Data data = open_downlink(out[0], &p);
    assert_int_equal(data.portnum, mesh::port::kWaypoint);
    assert_int_equal(p.to, mesh::kBroadcast);
    auto w = mesh::decode_waypoint(data.payload);
    assert_true(w.has_value());
    assert_int_equal(*w->latitude_i, 457572352);
    assert_int_equal(*w->longitude_i, 52035584);
    assert_true(w->name.size() <= 29 && w->name.rfind("Alice the Explorer", 0) == 0);
    assert_int_equal(w->expire, h.clock.unix_seconds() + 3600);
    assert_true(w->id != 0);
    auto calls = h.flush_api();
    assert_int_equal(calls.size(), 1);
    assert_non_null(std::strstr(calls[0].text().c_str(), "as a waypoint"));
}

void no_waypoint_without_chat_to_mesh_or_from_a_blocked_user(void**) {
    Config c = base_config();
    c.chat_to_mesh = false;
    Harness h;
    h.start_ready(c);
    h.take_published();
    MessageSpec m;
    m.id = 10;
    m.location = std::make_pair(45.0, 5.0);
    h.deliver_updates("[" + message_update(m) + "]");
    assert_int_equal(h.take_published().size(), 0);

    Config b = base_config();
    b.blocked_users = {222};
    Harness blocked;
    blocked.start_ready(b);
    blocked.take_published();
    m.user = 222;
    blocked.deliver_updates("[" + message_update(m) + "]");
    assert_int_equal(blocked.take_published().size(), 0);
    assert_int_equal(blocked.flush_api().size(), 0);
}

void a_mesh_waypoint_becomes_a_venue(void**) {
    Harness h;
    h.start_ready();
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              nodeinfo_envelope(kAlice, 1, "Alice Base", "AB"));
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", waypoint_uplink(hut()));
    auto calls = h.flush_api();
    assert_int_equal(calls.size(), 1);
    assert_string_equal(calls[0].method.c_str(), "sendVenue");
    const cJSON* body = calls[0].body.get();
    assert_int_equal(*json::get_int(body, "chat_id"), kChat);
    assert_true(std::fabs(*json::get_number(body, "latitude") - 45.7572352) < 1e-6);
    assert_true(std::fabs(*json::get_number(body, "longitude") - 5.2035584) < 1e-6);
    assert_string_equal(json::get_string(body, "title")->c_str(), "Hut");
    assert_string_equal(json::get_string(body, "address")->c_str(), "water here");
    // Without a description the address says whose it is.
    mesh::WaypointInfo plain = hut();
    plain.description.clear();
    plain.name = "Camp\x01";
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", waypoint_uplink(plain, 61));
    calls = h.flush_api();
    assert_int_equal(calls.size(), 1);
    assert_string_equal(json::get_string(calls[0].body.get(), "title")->c_str(), "Camp");
    assert_string_equal(json::get_string(calls[0].body.get(), "address")->c_str(),
                        "Waypoint from Alice Base");
}

void expired_unbridged_and_blocked_waypoints_stay_out(void**) {
    Config c = base_config();
    c.blocked_nodes = {0x0badcafe};
    Harness h;
    h.start_ready(c);
    // Deleted in the app (expired).
    h.bridge->on_mqtt_message(
        "msh/US/2/e/LongFast/!11111111",
        waypoint_uplink(hut(static_cast<uint32_t>(h.clock.unix_seconds() - 1))));
    // Another channel.
    h.bridge->on_mqtt_message("msh/US/2/e/Other/!11111111", waypoint_uplink(hut(), 61, "Other"));
    // A blocked node.
    UplinkSpec s;
    s.from = 0x0badcafe;
    s.id = 62;
    s.portnum = mesh::port::kWaypoint;
    s.payload = mesh::encode_waypoint(hut());
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", seal(s));
    // No position at all.
    mesh::WaypointInfo nowhere = hut();
    nowhere.latitude_i.reset();
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111", waypoint_uplink(nowhere, 63));
    assert_int_equal(h.flush_api().size(), 0);
    assert_int_equal(h.bridge->stats().dropped(Drop::kBlocked), 1);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_shared_location_becomes_a_waypoint_for_an_hour),
        cmocka_unit_test(no_waypoint_without_chat_to_mesh_or_from_a_blocked_user),
        cmocka_unit_test(a_mesh_waypoint_becomes_a_venue),
        cmocka_unit_test(expired_unbridged_and_blocked_waypoints_stay_out),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
