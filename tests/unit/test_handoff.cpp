// The hand-off between the broker thread and the worker: which MESSAGE topics are handed over
// and how big, the bound on waiting control requests, SIGHUP as a reload request, and new topic
// roots going back to the tick.
#include <string>
#include <vector>

#include "test_support.h"
#include "tgmesh/broker/handoff.h"

using tgmesh::Outgoing;
using tgmesh::broker::Handoff;
using tgmesh::broker::LogLine;
using tgmesh::core::ControlRequest;

namespace {

const std::vector<std::string> kRoots = {"msh/US", "msh/EU_868"};

void only_mesh_topics_under_the_roots_are_handed_over(void**) {
    Handoff h;
    int wakes = 0;
    h.set_waker([&] { ++wakes; });
    const std::string payload = "envelope";
    assert_true(
        h.offer_uplink("msh/US/2/e/LongFast/!a1b2c3d4", payload.data(), payload.size(), kRoots));
    assert_true(h.offer_uplink("msh/EU_868/2/json/LongFast/!a1b2c3d4", "{}", 2, kRoots));
    assert_false(h.offer_uplink("msh/PL/2/e/LongFast/!a1b2c3d4", "x", 1, kRoots));
    assert_false(h.offer_uplink("sensors/house/temp", "21.5", 4, kRoots));
    assert_false(h.offer_uplink("$SYS/broker/uptime", "1", 1, kRoots));
    Handoff::WorkerInput in;
    h.take_for_worker(in);
    assert_int_equal(in.uplinks.size(), 2);
    assert_string_equal(std::string(in.uplinks[0].topic).c_str(), "msh/US/2/e/LongFast/!a1b2c3d4");
    assert_string_equal(std::string(in.uplinks[0].payload).c_str(), "envelope");
    assert_string_equal(std::string(in.uplinks[1].payload).c_str(), "{}");
    assert_int_equal(wakes, 1);  // the worker slept on the first one only
}

void an_oversized_uplink_is_handed_over_empty(void**) {
    Handoff h;
    const std::string big(Handoff::kMaxUplinkPayload + 1, 'x');
    const std::string largest(Handoff::kMaxUplinkPayload, 'y');
    assert_true(h.offer_uplink("msh/US/2/e/LongFast/!a1b2c3d4", big.data(), big.size(), kRoots));
    assert_true(
        h.offer_uplink("msh/US/2/e/LongFast/!a1b2c3d4", largest.data(), largest.size(), kRoots));
    Handoff::WorkerInput in;
    h.take_for_worker(in);
    assert_int_equal(in.uplinks.size(), 2);
    assert_int_equal(in.uplinks[0].payload.size(), 0);  // the worker counts it as malformed
    assert_int_equal(in.uplinks[1].payload.size(), Handoff::kMaxUplinkPayload);
}

void control_requests_beyond_the_bound_are_counted(void**) {
    Handoff h;
    for (size_t i = 0; i < Handoff::kMaxControlRequests; ++i)
        assert_true(h.push_control({"c" + std::to_string(i), "admin", "{}"}));
    assert_false(h.push_control({"late", "admin", "{}"}));
    assert_false(h.push_control({"later", "", "{}"}));
    assert_true(h.worker_has_input());
    Handoff::WorkerInput in;
    h.take_for_worker(in);
    assert_int_equal(in.control.size(), Handoff::kMaxControlRequests);
    assert_string_equal(in.control.front().client_id.c_str(), "c0");
    assert_int_equal(in.control_dropped, 2);
    h.take_for_worker(in);
    assert_int_equal(in.control.size(), 0);
    assert_int_equal(in.control_dropped, 0);
    assert_false(h.worker_has_input());
}

void a_reload_request_reaches_the_worker_once(void**) {
    Handoff h;
    int wakes = 0;
    h.set_waker([&] { ++wakes; });
    h.request_reload();
    h.request_reload();  // two SIGHUPs before the worker came round: one reload
    assert_int_equal(wakes, 2);
    assert_true(h.worker_has_input());
    Handoff::WorkerInput in;
    h.take_for_worker(in);
    assert_true(in.reload);
    h.take_for_worker(in);
    assert_false(in.reload);
}

void new_roots_go_to_the_tick(void**) {
    Handoff h;
    std::vector<std::string> roots = {"msh/US"};
    assert_false(h.tick_has_work());
    assert_false(h.take_roots(roots));
    h.push_roots({"msh/EU_868", "msh/PL"});
    assert_true(h.tick_has_work());
    assert_true(h.take_roots(roots));
    assert_int_equal(roots.size(), 2);
    assert_string_equal(roots[1].c_str(), "msh/PL");
    assert_false(h.take_roots(roots));
    assert_int_equal(roots.size(), 2);
}

// A state save before confirming a Telegram update includes what the broker has not delivered
// yet (a /send waiting for the next tick), and only that.
void what_the_broker_has_not_delivered_is_seen_by_the_worker(void**) {
    Handoff handoff;
    Outgoing downlink;
    downlink.topic = "msh/US/2/e/LongFast/!7b000001";
    handoff.publish(downlink);
    auto pending = handoff.not_yet_published();
    assert_int_equal(pending.size(), 1);
    assert_string_equal(pending[0].topic.c_str(), downlink.topic.c_str());
    std::vector<Outgoing> out;
    std::vector<LogLine> logs;
    handoff.take_for_tick(out, logs);
    assert_int_equal(out.size(), 1);
    // Given to mosquitto_broker_publish, delivered only in the broker's next loop iteration.
    handoff.handed_to_broker(out);
    assert_int_equal(out.size(), 0);
    assert_int_equal(handoff.not_yet_published().size(), 1);
    assert_true(handoff.tick_has_work());
    // The next tick comes after that delivery.
    handoff.take_for_tick(out, logs);
    handoff.handed_to_broker(out);
    assert_int_equal(handoff.not_yet_published().size(), 0);
    assert_false(handoff.tick_has_work());
}

// A shutdown keeps what the last tick handed over: the broker leaves its loop before it
// delivers plugin messages again.
void the_last_ticks_messages_are_kept_at_shutdown(void**) {
    Handoff handoff;
    Outgoing first;
    first.topic = "msh/US/2/e/LongFast/!7b000001";
    handoff.publish(first);
    std::vector<Outgoing> out;
    std::vector<LogLine> logs;
    handoff.take_for_tick(out, logs);
    handoff.handed_to_broker(out);
    Outgoing second = first;
    second.topic = "msh/US/2/e/LongFast/!7b000002";
    handoff.publish(second);
    auto unpublished = handoff.take_unpublished();
    assert_int_equal(unpublished.size(), 2);
    assert_string_equal(unpublished[0].topic.c_str(), first.topic.c_str());
    assert_string_equal(unpublished[1].topic.c_str(), second.topic.c_str());
    assert_int_equal(handoff.not_yet_published().size(), 0);
}

// wake_broker on: every publish asks for a wake (BrokerWake keeps one in flight); a log line,
// which can wait for the next tick, does not.
void publishing_asks_for_a_broker_wake(void**) {
    Handoff h;
    int wakes = 0;
    h.set_publish_waker([&] { ++wakes; });
    Outgoing downlink;
    downlink.topic = "msh/US/2/e/LongFast/!7b000001";
    h.publish(downlink);
    h.publish(downlink);
    h.log(tgmesh::LogLevel::kInfo, "a line");
    assert_int_equal(wakes, 2);
    assert_true(h.tick_has_work());
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_mesh_topics_under_the_roots_are_handed_over),
        cmocka_unit_test(an_oversized_uplink_is_handed_over_empty),
        cmocka_unit_test(control_requests_beyond_the_bound_are_counted),
        cmocka_unit_test(a_reload_request_reaches_the_worker_once),
        cmocka_unit_test(new_roots_go_to_the_tick),
        cmocka_unit_test(what_the_broker_has_not_delivered_is_seen_by_the_worker),
        cmocka_unit_test(the_last_ticks_messages_are_kept_at_shutdown),
        cmocka_unit_test(publishing_asks_for_a_broker_wake),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
