#include "tgmesh/core/identity/identity_keeper.h"

#include "tgmesh/core/identity/identity_file.h"

namespace tgmesh::core {

std::string IdentityKeeper::file_name() const {
    return identity_file_for(config_.state_file);
}

void IdentityKeeper::load(const FromState& state) {
    std::optional<Identity> stored;
    StateStore::Loaded loaded = file_.load();
    if (!loaded.error.empty() || (loaded.text && !(stored = parse_identity(*loaded.text)))) {
        log_.log(
            LogLevel::kError,
            "the bridge's identity file " + file_name() + " is unreadable (" +
                (loaded.error.empty() ? std::string("not an identity document") : loaded.error) +
                "); moved to " + file_.move_aside() +
                ". A new key pair replaces the old one: nodes that pinned the old key "
                "drop the bridge's packets until they forget it");
    }
    // An older version kept the identity in the state file: taken over from there once.
    if (!stored) stored = Identity{state.node_id, state.private_key};
    std::optional<mesh::KeyPair> keys;
    if (config_.node_private_key) {
        keys = mesh::key_pair_from_private(*config_.node_private_key);
    } else if (!stored->private_key.empty()) {
        keys = mesh::key_pair_from_private(stored->private_key);
    }
    key_generated_ = !config_.node_private_key;
    if (!keys) {
        keys = mesh::generate_key_pair();
        if (keys) {
            log_.log(LogLevel::kNotice, "generated the bridge node's key pair (kept in " +
                                            file_name() +
                                            "; node_private_key_file can supply one)");
        } else {
            log_.log(LogLevel::kError, "cannot generate a key pair: DMs use the channel key");
        }
    }
    mesh::NodeNum node = 0;
    if (config_.node_id) {
        node = *config_.node_id;
    } else if (stored->node_id) {
        node = *stored->node_id;
    } else {
        // Avoid 0, broadcast and the low reserved numbers.
        do {
            node = random_();
        } while (node < 4 || node == mesh::kBroadcast);
        log_.log(LogLevel::kNotice, "generated node id " + mesh::format_node_id(node) +
                                        " for the bridge (kept in " + file_name() + ")");
    }
    const uint32_t counter =
        state.node_id ? state.packet_counter + kPacketIdSkipAfterLoad : random_();
    identity_.set(node, counter, keys.value_or(mesh::KeyPair{}));
    save();
}

bool IdentityKeeper::apply(const Config& next) {
    const bool changed =
        (next.node_id && next.node_id != identity_.node()) ||
        (next.node_private_key && *next.node_private_key != identity_.keys().private_key);
    if (!changed) return false;
    auto keys =
        next.node_private_key ? mesh::key_pair_from_private(*next.node_private_key) : std::nullopt;
    if (keys) key_generated_ = false;
    identity_.set(next.node_id.value_or(identity_.node()), identity_.packet_counter(),
                  keys.value_or(identity_.keys()));
    save();
    return true;
}

void IdentityKeeper::run_due() {
    if (!saved_ && clock_.now_ms() >= next_save_at_) save();
}

Bytes IdentityKeeper::key_for_state() const {
    return key_generated_ && !saved_ ? identity_.keys().private_key : Bytes{};
}

void IdentityKeeper::save() {
    Identity identity{identity_.node(), key_generated_ ? identity_.keys().private_key : Bytes{}};
    const std::string text = serialize_identity(identity);
    if (saved_ && text == on_disk_) return;
    const Status saved = file_.save(text);
    if (saved) {
        if (!saved_ && !on_disk_.empty()) {
            log_.log(LogLevel::kNotice, "the bridge's identity file is written again");
        }
        on_disk_ = text;
        saved_ = true;
        changed_ = true;
        return;
    }
    if (saved_ || on_disk_.empty()) {
        log_.log(LogLevel::kError,
                 "cannot write the bridge's identity file " + file_name() + ": " + saved.error() +
                     " (its key is not announced until it is on disk; retrying every 30 s)");
    }
    saved_ = false;
    on_disk_ = "-";  // logged once until it works again
    next_save_at_ = clock_.now_ms() + kRetryInterval;
}

}  // namespace tgmesh::core
