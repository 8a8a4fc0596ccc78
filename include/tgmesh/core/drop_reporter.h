#pragma once
// Answers "why did this message not cross?" in the broker log without flooding it: the first
// drop of each kind is logged with an example and what the reason means, then at most one
// summary line per kind every 10 minutes. Problems (malformed or undecryptable input, full
// queues, refused messages) are warnings; the normal ones (duplicates, other channels, DMs
// between other nodes) are informational.
#include <array>
#include <string>
#include <string_view>

#include "tgmesh/core/ports.h"
#include "tgmesh/core/stats.h"

namespace tgmesh::core {

class DropReporter {
  public:
    static constexpr Millis kInterval = 10 * kMinute;

    DropReporter(Logger& log, const Clock& clock) : log_(log), clock_(clock) {}
    // Counts `count` drops of one kind; true when a line about them is due now. Hot paths
    // (duplicates) build their example only then, and pass it to report().
    bool due(Drop reason, uint64_t count = 1);
    void report(Drop reason, const std::string& example);
    // due() and report() at once, for callers whose example costs little.
    void note(Drop reason, const std::string& example, uint64_t count = 1) {
        if (due(reason, count)) report(reason, example);
    }

    // What a reason means, for the log ("a text on a channel that is not bridged").
    static std::string_view explain(Drop reason);
    // Whether a drop of this kind points at a problem (logged as a warning).
    static bool is_problem(Drop reason);

  private:
    struct Entry {
        bool seen = false;
        Millis last_logged = 0;
        uint64_t pending = 0;  // drops not yet in a logged line
    };
    Logger& log_;
    const Clock& clock_;
    std::array<Entry, static_cast<size_t>(Drop::kCount)> entries_{};
};

}  // namespace tgmesh::core
