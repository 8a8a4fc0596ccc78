#include "tgmesh/core/drop_reporter.h"

namespace tgmesh::core {

bool DropReporter::worth_logging(Drop d) {
    return d == Drop::kMalformedEnvelope || d == Drop::kUndecryptable ||
           d == Drop::kInboundQueueFull || d == Drop::kTelegramQueueFull ||
           d == Drop::kMeshQueueFull;
}

void DropReporter::note(Drop reason, const std::string& example, uint64_t count) {
    if (!worth_logging(reason)) return;
    const Millis now = clock_.now_ms();
    Entry& e = entries_[static_cast<size_t>(reason)];
    const std::string name(drop_name(reason));
    if (!e.seen) {
        e.seen = true;
        e.last_logged = now;
        e.since_logged = count - 1;  // the rest of a batch counts towards the next summary
        log_.log(LogLevel::kWarning,
                 "dropped (" + name + "): " + example +
                     " (further drops of this kind are summarised every 10 min)");
        return;
    }
    e.since_logged += count;
    if (e.since_logged > 0 && now - e.last_logged >= kInterval) {
        log_.log(LogLevel::kNotice,
                 "dropped " + std::to_string(e.since_logged) + " more (" + name + ") in the last " +
                     std::to_string((now - e.last_logged) / kMinute) + " min; latest: " + example);
        e.last_logged = now;
        e.since_logged = 0;
    }
}

}  // namespace tgmesh::core
