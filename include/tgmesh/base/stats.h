#pragma once
// Counters kept by the worker; shown by /status, the shutdown log line, $SYS/broker/tgmesh/ and
// the control API.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tgmesh {

enum class Drop {
    kMalformedEnvelope,  // not a ServiceEnvelope / not Meshtastic JSON
    kUndecryptable,      // no configured key opens it
    kPkiNotForUs,        // PKI DM between two other nodes
    kPkiUnknownSender,   // PKI DM to the bridge from a node whose public key is unknown
    kDuplicate,          // (from, id) already handled
    kOwnPacket,          // from the bridge's own node id
    kOtherChannel,       // a text on a channel that is not bridged
    kDmNotForUs,         // a channel-key DM between two other nodes
    kEmptyText,          // a text with nothing to show
    kGatewayEcho,        // json mode: the gateway's re-uplink of our sendtext
    kInboundQueueFull,   // broker thread could not hand the uplink over
    kTelegramQueueFull,  // too many chat messages waiting
    kTelegramRejected,   // Bot API refused a message (4xx)
    kMeshQueueFull,      // downlink refused: paced queue full
    kTelegramGaveUp,     // Bot API kept failing one message for 60 s while others went through
    kDecoded,            // an unencrypted envelope, ignored as firmware does (accept_decoded)
    kKeyMismatch,        // a NODEINFO with another key than the one pinned for that node
    kControlFlood,       // a $CONTROL request over the rate a client (or all) may send
    kBlocked,            // from a blocked node (to the chat) or a blocked user (to the mesh)
    kCount
};

inline constexpr std::array<std::string_view, static_cast<size_t>(Drop::kCount)> kDropNames = {
    "malformed",
    "undecryptable",
    "pki_not_for_us",
    "pki_unknown_sender",
    "duplicate",
    "own_packet",
    "other_channel",
    "dm_not_for_us",
    "empty_text",
    "gateway_echo",
    "inbound_queue_full",
    "telegram_queue_full",
    "telegram_rejected",
    "mesh_queue_full",
    "telegram_gave_up",
    "decoded",
    "key_mismatch",
    "control_flood",
    "blocked"};
// An array shorter than the enum would compile with empty names: every reason needs its own.
static_assert([] {
    for (std::string_view name : kDropNames) {
        if (name.empty()) return false;
    }
    return true;
}());

constexpr std::string_view drop_name(Drop d) {
    return kDropNames[static_cast<size_t>(d)];
}

struct Stats {
    uint64_t uplinks = 0;
    uint64_t decoded = 0;
    uint64_t texts_to_telegram = 0;
    uint64_t telegram_sent = 0;
    uint64_t telegram_errors = 0;
    uint64_t telegram_429 = 0;
    uint64_t updates_handled = 0;
    uint64_t downlinks = 0;
    std::array<uint64_t, static_cast<size_t>(Drop::kCount)> drops{};

    // Drops are counted by DropReporter::record, which also logs them.
    uint64_t dropped(Drop d) const { return drops[static_cast<size_t>(d)]; }
    // "duplicate 12, undecryptable 3" for every reason with drops; empty when none.
    std::string drop_summary() const;
};

}  // namespace tgmesh
