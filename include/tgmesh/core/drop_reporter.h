#pragma once
// Logs the first drop of each kind worth knowing (malformed or undecryptable input, full
// queues) with an example, then at most one summary line per kind every 10 minutes, so bad
// input is visible without flooding the broker log. Normal drops (duplicates, own packets,
// other channels) are only counted, by whoever drops.
#include <array>
#include <string>

#include "tgmesh/core/ports.h"
#include "tgmesh/core/stats.h"

namespace tgmesh::core {

class DropReporter {
  public:
    static constexpr Millis kInterval = 10 * kMinute;

    DropReporter(Logger& log, const Clock& clock) : log_(log), clock_(clock) {}
    // `count` drops of one kind at once (the broker thread reports its drops in batches).
    void note(Drop reason, const std::string& example, uint64_t count = 1);
    // Whether note() logs this kind at all (the others are only counted by the caller): lets a
    // caller skip building the example on hot paths (duplicates).
    static bool worth_logging(Drop d);

  private:
    struct Entry {
        bool seen = false;
        Millis last_logged = 0;
        uint64_t since_logged = 0;
    };
    Logger& log_;
    const Clock& clock_;
    std::array<Entry, static_cast<size_t>(Drop::kCount)> entries_{};
};

}  // namespace tgmesh::core
