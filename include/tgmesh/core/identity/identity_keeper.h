#pragma once
// Gives the bridge its node identity and keeps it on disk (identity_file.h): read at start
// (taken over once from an older version's state file), made when there is none (a random
// node id, a new key pair), changed by a reload that sets node_id or node_private_key_file.
// A failed write is retried every 30 s; until it succeeds the key is not announced and the
// state file carries it instead.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "tgmesh/base/ports.h"
#include "tgmesh/core/config/config.h"
#include "tgmesh/core/identity/node_identity.h"

namespace tgmesh::core {

class IdentityKeeper {
  public:
    static constexpr Millis kRetryInterval = 30 * kSecond;
    // Packet ids issued after the last state save must not be reused after a crash.
    static constexpr uint32_t kPacketIdSkipAfterLoad = 1000;

    // What the state file knows: the packet counter, and an older version's identity.
    struct FromState {
        std::optional<mesh::NodeNum> node_id;
        uint32_t packet_counter = 0;
        Bytes private_key;
    };

    IdentityKeeper(NodeIdentity& identity, const Config& config, StateStore& file, Logger& log,
                   const Clock& clock, std::function<uint32_t()> random)
        : identity_(identity),
          config_(config),
          file_(file),
          log_(log),
          clock_(clock),
          random_(std::move(random)) {}

    void load(const FromState& state);
    // `next` (the reloaded configuration) sets another node id or key: applied and written;
    // true if the identity changed.
    bool apply(const Config& next);
    bool on_disk() const { return saved_; }
    void run_due();
    Millis next_due() const { return saved_ ? kNever : next_save_at_; }
    // The generated key for the state file while the identity file cannot be written.
    Bytes key_for_state() const;
    // Something for the state file changed (it no longer needs to carry the key).
    bool changed() const { return changed_; }
    void mark_saved() { changed_ = false; }

  private:
    std::string file_name() const;
    void save();

    NodeIdentity& identity_;
    const Config& config_;
    StateStore& file_;
    Logger& log_;
    const Clock& clock_;
    std::function<uint32_t()> random_;
    bool key_generated_ = false;  // ours to keep (not from node_private_key_file)
    bool saved_ = false;
    std::string on_disk_;
    Millis next_save_at_ = 0;
    bool changed_ = false;
};

}  // namespace tgmesh::core
