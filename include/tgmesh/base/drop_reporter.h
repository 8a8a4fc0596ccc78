#pragma once
// The one way to record a drop: counted under its reason (Stats, $SYS drops/<reason>) and
// told in the broker log without flooding it. "Why did this message not cross?": the first drop
// of each kind is logged with an example and what the reason means, then at most one summary
// line per kind every 10 minutes. Problems (malformed or undecryptable input, full queues,
// refused messages) are warnings; the normal ones (duplicates, other channels, DMs between
// other nodes) are informational.
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "tgmesh/base/ports.h"
#include "tgmesh/base/stats.h"

namespace tgmesh {

class DropReporter {
  public:
    static constexpr Millis kInterval = 10 * kMinute;

    DropReporter(Logger& log, const Clock& clock, Stats& stats)
        : log_(log), clock_(clock), stats_(stats) {}

    // Counts `count` drops of `reason`, with an example of what was dropped (the topic it came
    // on, the chat it was for) for the log line, if one is due.
    void record(Drop reason, std::string_view example, uint64_t count = 1) {
        record_lazy(
            reason, [&] { return std::string(example); }, count);
    }
    // The same for hot paths (duplicates): the example is made only when a line is due, or
    // always with `log_now` (a line the caller owes, e.g. a node's first key mismatch).
    template <class MakeExample>
    void record_lazy(Drop reason, MakeExample&& make_example, uint64_t count = 1,
                     bool log_now = false) {
        stats_.drops[static_cast<size_t>(reason)] += count;
        if (due(reason, count)) {
            report(reason, std::forward<MakeExample>(make_example)());
        } else if (log_now) {
            report_owed(reason, std::forward<MakeExample>(make_example)());
        }
    }

    // What a reason means, for the log ("a text on a channel that is not bridged").
    static std::string_view explain(Drop reason);
    // Whether a drop of this kind points at a problem (logged as a warning).
    static bool is_problem(Drop reason);

  private:
    bool due(Drop reason, uint64_t count);
    void report(Drop reason, const std::string& example);
    // A line of its own between two summaries; the summary still counts this drop.
    void report_owed(Drop reason, const std::string& example);

    struct Entry {
        bool seen = false;
        Millis last_logged = 0;
        uint64_t pending = 0;  // drops not yet in a logged line
    };
    Logger& log_;
    const Clock& clock_;
    Stats& stats_;
    std::array<Entry, static_cast<size_t>(Drop::kCount)> entries_{};
};

}  // namespace tgmesh
