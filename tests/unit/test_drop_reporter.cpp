// The drop reporter: every drop counted under its reason, the first of each kind logged with
// its meaning, the rest summarised every 10 minutes.
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

// ---- DropReporter ---------------------------------------------------------------------------

struct DropRig {
    test::FakeClock clock;
    test::FakeLogger log;
    Stats stats;
    DropReporter drops{log, clock, stats};
};

bool is_problem_kind(Drop d) {
    switch (d) {
        case Drop::kMalformedEnvelope:
        case Drop::kUndecryptable:
        case Drop::kPkiUnknownSender:
        case Drop::kInboundQueueFull:
        case Drop::kTelegramQueueFull:
        case Drop::kTelegramRejected:
        case Drop::kMeshQueueFull:
        case Drop::kTelegramGaveUp:
        case Drop::kKeyMismatch:
        case Drop::kControlFlood:
            return true;
        default:
            return false;
    }
}

void first_drop_of_each_kind_is_logged_with_its_meaning(void**) {
    DropRig rig;
    rig.drops.record(Drop::kUndecryptable, "msh/US/2/e/Other/!a1b2c3d4");
    assert_int_equal(rig.log.lines.size(), 1);
    assert_string_equal(rig.log.lines[0].c_str(),
                        "dropped (undecryptable): msh/US/2/e/Other/!a1b2c3d4; no configured "
                        "channel key opens it (check channel_key and the gateway's channel); "
                        "further drops of this kind are summarised every 10 min");
    assert_int_equal(static_cast<int>(rig.log.levels[0]), static_cast<int>(LogLevel::kWarning));

    for (size_t i = 0; i < static_cast<size_t>(Drop::kCount); ++i) {
        const auto reason = static_cast<Drop>(i);
        if (reason == Drop::kUndecryptable) continue;
        const size_t before = rig.log.lines.size();
        rig.drops.record(reason, "example " + std::to_string(i));
        rig.drops.record(reason, "again " + std::to_string(i));
        assert_int_equal(rig.log.lines.size(), before + 1);
        const std::string explanation(DropReporter::explain(reason));
        assert_false(explanation.empty());
        assert_string_not_equal(explanation.c_str(), "unknown reason");
        const std::string expected = "dropped (" + test::kDropNames[i] + "): example " +
                                     std::to_string(i) + "; " + explanation +
                                     "; further drops of this kind are summarised every 10 min";
        assert_string_equal(rig.log.lines.back().c_str(), expected.c_str());
        assert_int_equal(DropReporter::is_problem(reason), is_problem_kind(reason));
        const LogLevel level = is_problem_kind(reason) ? LogLevel::kWarning : LogLevel::kInfo;
        assert_int_equal(static_cast<int>(rig.log.levels.back()), static_cast<int>(level));
    }
    assert_string_equal(std::string(DropReporter::explain(Drop::kDuplicate)).c_str(),
                        "already handled: heard through another gateway or relayed again");
    assert_string_equal(std::string(DropReporter::explain(Drop::kOtherChannel)).c_str(),
                        "a text on a channel that is not bridged (channel, channel_map)");
}

void further_drops_are_summarised_every_10_minutes(void**) {
    DropRig rig;
    rig.drops.record(Drop::kDuplicate, "first");
    assert_int_equal(rig.log.lines.size(), 1);
    for (int i = 0; i < 3; ++i) {
        rig.clock.advance(3 * kMinute);
        rig.drops.record(Drop::kDuplicate, "d" + std::to_string(i));
    }
    assert_int_equal(rig.log.lines.size(), 1);
    rig.clock.advance(kMinute - 1);  // 9:59.999 after the first line
    rig.drops.record(Drop::kDuplicate, "d3");
    assert_int_equal(rig.log.lines.size(), 1);
    rig.clock.advance(1);
    rig.drops.record(Drop::kDuplicate, "d4");
    assert_int_equal(rig.log.lines.size(), 2);
    assert_string_equal(rig.log.lines[1].c_str(),
                        "dropped 5 more (duplicate) in the last 10 min; latest: d4");
    assert_int_equal(static_cast<int>(rig.log.levels[1]), static_cast<int>(LogLevel::kInfo));

    // The window starts again at the summary; a quiet spell makes it longer.
    rig.clock.advance(kSecond);
    rig.drops.record(Drop::kDuplicate, "d5");
    rig.clock.advance(25 * kMinute);
    rig.drops.record(Drop::kDuplicate, "d6");
    assert_int_equal(rig.log.lines.size(), 3);
    assert_string_equal(rig.log.lines[2].c_str(),
                        "dropped 2 more (duplicate) in the last 25 min; latest: d6");

    // Kinds are independent; a problem's summary is a notice.
    rig.drops.record(Drop::kMalformedEnvelope, "m0");
    rig.drops.record(Drop::kMalformedEnvelope, "m1");
    rig.clock.advance(10 * kMinute);
    rig.drops.record(Drop::kMalformedEnvelope, "m2");
    assert_int_equal(rig.log.lines.size(), 5);
    assert_true(rig.log.lines[3].starts_with("dropped (malformed): m0; "));
    assert_string_equal(rig.log.lines[4].c_str(),
                        "dropped 2 more (malformed) in the last 10 min; latest: m2");
    assert_int_equal(static_cast<int>(rig.log.levels[4]), static_cast<int>(LogLevel::kNotice));
}

void batched_drops_count_in_full(void**) {
    DropRig rig;
    rig.drops.record(Drop::kInboundQueueFull, "5 uplinks", 5);
    assert_int_equal(rig.stats.dropped(Drop::kInboundQueueFull), 5);
    assert_int_equal(rig.log.lines.size(), 1);
    assert_true(rig.log.lines[0].starts_with("dropped (inbound_queue_full): 5 uplinks; "));
    // The lazy form makes its example only when a line is due.
    int made = 0;
    auto example = [&] {
        ++made;
        return std::string("lazy");
    };
    rig.clock.advance(kMinute);
    rig.drops.record_lazy(Drop::kInboundQueueFull, example, 2);
    assert_int_equal(made, 0);
    rig.clock.advance(9 * kMinute);
    rig.drops.record(Drop::kInboundQueueFull, "3 uplinks", 3);
    assert_int_equal(rig.log.lines.size(), 2);
    // 4 left from the first batch, 2 lazily, 3 now.
    assert_string_equal(
        rig.log.lines[1].c_str(),
        "dropped 9 more (inbound_queue_full) in the last 10 min; latest: 3 uplinks");
    rig.clock.advance(10 * kMinute);
    rig.drops.record_lazy(Drop::kInboundQueueFull, example);
    assert_int_equal(made, 1);
    assert_string_equal(rig.log.lines[2].c_str(),
                        "dropped 1 more (inbound_queue_full) in the last 10 min; latest: lazy");
    assert_int_equal(rig.stats.dropped(Drop::kInboundQueueFull), 11);
}

// A line the caller owes (a node's first key mismatch, a chat's first refusal) is logged at
// once between two summaries, which still count it.
void owed_lines_are_logged_between_summaries(void**) {
    DropRig rig;
    rig.drops.record(Drop::kKeyMismatch, "NODEINFO of !00000001");
    rig.drops.record(Drop::kKeyMismatch, "NODEINFO of !00000001 again");
    rig.drops.record_lazy(
        Drop::kKeyMismatch, [] { return std::string("NODEINFO of !00000002"); }, 1, true);
    assert_int_equal(rig.log.lines.size(), 2);
    assert_string_equal(rig.log.lines[1].c_str(), "dropped (key_mismatch): NODEINFO of !00000002");
    assert_int_equal(static_cast<int>(rig.log.levels[1]), static_cast<int>(LogLevel::kWarning));
    rig.clock.advance(DropReporter::kInterval);
    rig.drops.record(Drop::kKeyMismatch, "later");
    assert_string_equal(rig.log.lines[2].c_str(),
                        "dropped 3 more (key_mismatch) in the last 10 min; latest: later");
}

void the_bridge_reports_inbound_drops(void**) {
    Harness h;
    h.start();
    h.bridge->note_inbound_dropped(7);
    h.bridge->note_inbound_dropped(2);
    assert_int_equal(h.bridge->stats().dropped(Drop::kInboundQueueFull), 9);
    int lines = 0;
    for (const auto& l : h.log.lines)
        lines += l.starts_with(
            "dropped (inbound_queue_full): 7 uplinks (the bridge cannot keep "
            "up with the traffic); the hand-off from the broker thread was "
            "full");
    assert_int_equal(lines, 1);
    h.clock.advance(10 * kMinute);
    h.bridge->note_inbound_dropped(1);
    assert_true(
        h.log.contains("dropped 9 more (inbound_queue_full) in the last 10 min; latest: "
                       "1 uplinks"));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_drop_of_each_kind_is_logged_with_its_meaning),
        cmocka_unit_test(further_drops_are_summarised_every_10_minutes),
        cmocka_unit_test(batched_drops_count_in_full),
        cmocka_unit_test(owed_lines_are_logged_between_summaries),
        cmocka_unit_test(the_bridge_reports_inbound_drops),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
