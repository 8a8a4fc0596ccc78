// Delivery receipts (ACK matching, NAK, timeout, order of ACK and confirmation) and the
// chat message ↔ mesh packet map.
#include <vector>

#include "test_support.h"
#include "tgmesh/core/chat/delivery_receipts.h"
#include "tgmesh/core/chat/message_map.h"

using namespace tgmesh;
using namespace tgmesh::core;

namespace {

constexpr mesh::NodeNum kDest = 0xa1b2c3d4;

struct Rig {
    std::vector<DeliveryReport> reports;
    DeliveryReceipts receipts{[this](DeliveryReport r) { reports.push_back(std::move(r)); }};
};

void ack_from_the_destination_marks_delivered(void**) {
    Rig rig;
    uint64_t tag = rig.receipts.track(kDest, {100}, -1001, "📨 Sent", 60'000);
    rig.receipts.confirmation_sent(tag, 555);
    assert_true(rig.reports.empty());
    assert_true(rig.receipts.on_routing(kDest, 100, 0));
    assert_int_equal(rig.reports.size(), 1);
    assert_int_equal(static_cast<int>(rig.reports[0].outcome),
                     static_cast<int>(DeliveryOutcome::kDelivered));
    assert_int_equal(rig.reports[0].message_id, 555);
    assert_int_equal(rig.reports[0].chat_id, -1001);
    assert_string_equal(rig.reports[0].confirmation_html.c_str(), "📨 Sent");
    assert_int_equal(rig.receipts.tracked(), 0);
}

void answers_from_other_nodes_or_ids_do_not_count(void**) {
    Rig rig;
    uint64_t tag = rig.receipts.track(kDest, {100}, -1001, "x", 60'000);
    rig.receipts.confirmation_sent(tag, 1);
    assert_false(rig.receipts.on_routing(0x11111111, 100, 0));  // a relay, not the destination
    assert_false(rig.receipts.on_routing(kDest, 101, 0));
    assert_true(rig.reports.empty());
}

void ack_before_the_confirmation_exists_waits_for_it(void**) {
    Rig rig;
    uint64_t tag = rig.receipts.track(kDest, {7}, -1001, "x", 60'000);
    assert_true(rig.receipts.on_routing(kDest, 7, 0));
    assert_true(rig.reports.empty());
    rig.receipts.confirmation_sent(tag, 42);
    assert_int_equal(rig.reports.size(), 1);
    assert_int_equal(rig.reports[0].message_id, 42);
}

void every_part_must_be_acknowledged(void**) {
    Rig rig;
    uint64_t tag = rig.receipts.track(kDest, {1, 2, 3}, -1001, "x", 60'000);
    rig.receipts.confirmation_sent(tag, 9);
    rig.receipts.on_routing(kDest, 2, 0);
    rig.receipts.on_routing(kDest, 1, 0);
    assert_true(rig.reports.empty());
    rig.receipts.on_routing(kDest, 3, 0);
    assert_int_equal(rig.reports.size(), 1);
}

void a_nak_fails_with_its_reason(void**) {
    Rig rig;
    uint64_t tag = rig.receipts.track(kDest, {1, 2}, -1001, "x", 60'000);
    rig.receipts.confirmation_sent(tag, 9);
    rig.receipts.on_routing(kDest, 2, 35);  // PKI_UNKNOWN_PUBKEY
    assert_int_equal(rig.reports.size(), 1);
    assert_int_equal(static_cast<int>(rig.reports[0].outcome),
                     static_cast<int>(DeliveryOutcome::kFailed));
    assert_int_equal(rig.reports[0].error_reason, 35);
    assert_false(rig.receipts.on_routing(kDest, 1, 0));  // settled: later answers are ignored
}

void no_answer_times_out(void**) {
    Rig rig;
    uint64_t tag = rig.receipts.track(kDest, {1}, -1001, "x", 60'000);
    rig.receipts.confirmation_sent(tag, 9);
    assert_int_equal(rig.receipts.next_due(), 60'000);
    rig.receipts.run_due(59'999);
    assert_true(rig.reports.empty());
    rig.receipts.run_due(60'000);
    assert_int_equal(rig.reports.size(), 1);
    assert_int_equal(static_cast<int>(rig.reports[0].outcome),
                     static_cast<int>(DeliveryOutcome::kTimedOut));
    assert_false(rig.receipts.on_routing(kDest, 1, 0));
}

void a_confirmation_that_never_arrives_is_forgotten(void**) {
    Rig rig;
    rig.receipts.track(kDest, {1}, -1001, "x", 1000);
    rig.receipts.run_due(1000);
    assert_int_equal(rig.receipts.tracked(), 1);
    rig.receipts.run_due(1000 + DeliveryReceipts::kForgetAfter);
    assert_int_equal(rig.receipts.tracked(), 0);
    assert_true(rig.reports.empty());
}

void tracking_is_bounded(void**) {
    Rig rig;
    for (uint32_t i = 0; i < DeliveryReceipts::kMaxTracked + 10; ++i) {
        rig.receipts.track(kDest, {i}, -1001, "x", 60'000);
    }
    assert_int_equal(rig.receipts.tracked(), DeliveryReceipts::kMaxTracked);
}

void message_map_finds_and_forgets_the_oldest(void**) {
    MessageMap map(3);
    map.remember(-1, 10, {kDest, 100, true, ""});
    map.remember(-1, 11, {kDest, 101, false, "LongFast"});
    map.remember(-2, 10, {0x1234, 102, false, "LongFast"});
    assert_int_equal(map.find(-1, 10)->packet_id, 100);
    assert_true(map.find(-1, 10)->direct);
    map.remember(-2, 11, {0x1234, 103, false, "LongFast"});
    assert_null(map.find(-1, 10));
    assert_int_equal(map.find(-2, 11)->node, 0x1234);
    MessageMap copy(3);
    copy.restore(map.links());
    assert_int_equal(copy.size(), 3);
    assert_int_equal(copy.find(-1, 11)->packet_id, 101);
    assert_string_equal(copy.find(-1, 11)->channel.c_str(), "LongFast");  // replies go back there
    assert_null(copy.find(-1, 10));
    assert_int_equal(*copy.message_for(-2, 103), 11);
    assert_false(copy.message_for(-1, 100).has_value());  // forgotten with its entry
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ack_from_the_destination_marks_delivered),
        cmocka_unit_test(answers_from_other_nodes_or_ids_do_not_count),
        cmocka_unit_test(ack_before_the_confirmation_exists_waits_for_it),
        cmocka_unit_test(every_part_must_be_acknowledged),
        cmocka_unit_test(a_nak_fails_with_its_reason),
        cmocka_unit_test(no_answer_times_out),
        cmocka_unit_test(a_confirmation_that_never_arrives_is_forgotten),
        cmocka_unit_test(tracking_is_bounded),
        cmocka_unit_test(message_map_finds_and_forgets_the_oldest),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
