#pragma once
// Airtime is shared: who may send to the mesh, and whose texts reach the chats. Each Telegram
// user (admins excepted) may send `user_rate` messages to the mesh per 10 minutes; users in
// blocked_users never reach the mesh and nodes in blocked_nodes never reach the chats. Admins'
// /block and /unblock add to or take from those lists; what they add is kept in the state
// file (the configured lists stay as configured: /unblock cannot lift those).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "tgmesh/core/config/config.h"
#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/clock.h"
#include "tgmesh/util/token_bucket.h"

namespace tgmesh::core {

class Moderation {
  public:
    static constexpr Millis kRateWindow = 10 * kMinute;
    // Users whose allowance is tracked; a flood of new ids starts counting afresh.
    static constexpr size_t kUsersTracked = 5000;
    static constexpr size_t kMaxBlocked = 1000;

    enum class Change { kDone, kAlready, kInConfig, kAdmin, kFull };

    Moderation(const Config& config, const Clock& clock) : config_(config), clock_(clock) {}

    bool user_blocked(int64_t user_id) const;
    bool node_blocked(mesh::NodeNum node) const;
    // Takes one message from the user's allowance: nullopt when it may go, else how long
    // until it may.
    std::optional<Millis> take(int64_t user_id);

    Change block_user(int64_t user_id);
    Change unblock_user(int64_t user_id);
    Change block_node(mesh::NodeNum node);
    Change unblock_node(mesh::NodeNum node);
    size_t tracked_users() const { return allowance_.size(); }
    size_t blocked_user_count() const;
    size_t blocked_node_count() const;

    // The state file's part: what /block added.
    const std::set<int64_t>& users_added() const { return users_; }
    const std::set<mesh::NodeNum>& nodes_added() const { return nodes_; }
    void restore(const std::vector<int64_t>& users, const std::vector<mesh::NodeNum>& nodes);
    bool changed() const { return changed_; }
    void mark_saved() { changed_ = false; }

  private:
    const Config& config_;
    const Clock& clock_;
    std::set<int64_t> users_;
    std::set<mesh::NodeNum> nodes_;
    std::map<int64_t, TokenBucket> allowance_;
    int rate_for_ = 0;  // the user_rate the buckets were made for (a reload may change it)
    bool changed_ = false;
};

}  // namespace tgmesh::core
