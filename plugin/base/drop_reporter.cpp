#include "tgmesh/base/drop_reporter.h"

namespace tgmesh {

std::string_view DropReporter::explain(Drop reason) {
    switch (reason) {
        case Drop::kMalformedEnvelope:
            return "not a Meshtastic ServiceEnvelope or JSON message of a gateway (a gateway "
                   "names itself by node id, in the envelope and as the topic's last level)";
        case Drop::kUndecryptable:
            return "no configured channel key opens it (check channel_key and the gateway's "
                   "channel)";
        case Drop::kPkiNotForUs:
            return "a PKI-encrypted DM between two other nodes, unreadable by design";
        case Drop::kPkiUnknownSender:
            return "a PKI DM to the bridge from a node whose public key is not known yet (it is "
                   "asked for its NODEINFO)";
        case Drop::kDuplicate:
            return "already handled: heard through another gateway or relayed again";
        case Drop::kOwnPacket:
            return "the bridge's own packet coming back from a gateway";
        case Drop::kOtherChannel:
            return "a text on a channel that is not bridged (channel, channel_map)";
        case Drop::kDmNotForUs:
            return "a DM between two other nodes";
        case Drop::kEmptyText:
            return "a text with nothing to show";
        case Drop::kGatewayEcho:
            return "the gateway's copy of a text the bridge sent (json downlink)";
        case Drop::kInboundQueueFull:
            return "the hand-off from the broker thread was full: the bridge cannot keep up";
        case Drop::kTelegramQueueFull:
            return "too many chat messages waiting: the Bot API is slow or unreachable";
        case Drop::kTelegramRejected:
            return "the Bot API refused the message";
        case Drop::kMeshQueueFull:
            return "too many downlinks waiting (paced by mesh_interval)";
        case Drop::kTelegramGaveUp:
            return "the Bot API kept failing one chat message for a minute while other requests "
                   "went through";
        case Drop::kDecoded:
            return "an unencrypted envelope, which anyone on the broker could have written; "
                   "firmware gateways ignore them too while MQTT encryption is on (set "
                   "accept_decoded on if your gateways uplink decoded packets)";
        case Drop::kKeyMismatch:
            return "a NODEINFO with another public key than the one pinned for that node: the "
                   "first key stays, as in firmware (/forget_key if the node really changed it)";
        case Drop::kControlFlood:
            return "more requests on $CONTROL/tgmesh/v1 than a client (or all) may send";
        case Drop::kBlocked:
            return "from a node in blocked_nodes (or /block) to the chat, or from a user in "
                   "blocked_users to the mesh";
        case Drop::kCount:
            break;
    }
    return "unknown reason";
}

bool DropReporter::is_problem(Drop reason) {
    return reason == Drop::kMalformedEnvelope || reason == Drop::kUndecryptable ||
           reason == Drop::kPkiUnknownSender || reason == Drop::kInboundQueueFull ||
           reason == Drop::kTelegramQueueFull || reason == Drop::kTelegramRejected ||
           reason == Drop::kMeshQueueFull || reason == Drop::kTelegramGaveUp ||
           reason == Drop::kKeyMismatch || reason == Drop::kControlFlood;
}

bool DropReporter::due(Drop reason, uint64_t count) {
    Entry& e = entries_[static_cast<size_t>(reason)];
    e.pending += count;
    return !e.seen || clock_.now_ms() - e.last_logged >= kInterval;
}

void DropReporter::report(Drop reason, const std::string& example) {
    Entry& e = entries_[static_cast<size_t>(reason)];
    const Millis now = clock_.now_ms();
    const std::string name(drop_name(reason));
    const LogLevel level = is_problem(reason) ? LogLevel::kWarning : LogLevel::kInfo;
    if (!e.seen) {
        e.seen = true;
        log_.log(level, "dropped (" + name + "): " + example + "; " + std::string(explain(reason)) +
                            "; further drops of this kind are summarised every 10 min");
        // The rest of a batch counts towards the next summary.
        e.pending = e.pending > 0 ? e.pending - 1 : 0;
    } else {
        log_.log(is_problem(reason) ? LogLevel::kNotice : LogLevel::kInfo,
                 "dropped " + std::to_string(e.pending) + " more (" + name + ") in the last " +
                     std::to_string((now - e.last_logged) / kMinute) + " min; latest: " + example);
        e.pending = 0;
    }
    e.last_logged = now;
}

void DropReporter::report_owed(Drop reason, const std::string& example) {
    log_.log(is_problem(reason) ? LogLevel::kWarning : LogLevel::kInfo,
             "dropped (" + std::string(drop_name(reason)) + "): " + example);
}

}  // namespace tgmesh
