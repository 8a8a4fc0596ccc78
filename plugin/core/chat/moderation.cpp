#include "tgmesh/core/chat/moderation.h"

#include <algorithm>

namespace tgmesh::core {

namespace {
template <class T>
bool listed(const std::vector<T>& list, T value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

template <class T>
Moderation::Change add(std::set<T>& added, const std::vector<T>& configured, T value,
                       bool& changed) {
    if (listed(configured, value) || added.count(value)) return Moderation::Change::kAlready;
    if (added.size() >= Moderation::kMaxBlocked) return Moderation::Change::kFull;
    added.insert(value);
    changed = true;
    return Moderation::Change::kDone;
}

template <class T>
Moderation::Change remove(std::set<T>& added, const std::vector<T>& configured, T value,
                          bool& changed) {
    if (added.erase(value) > 0) {
        changed = true;
        return Moderation::Change::kDone;
    }
    return listed(configured, value) ? Moderation::Change::kInConfig : Moderation::Change::kAlready;
}
}  // namespace

bool Moderation::user_blocked(int64_t user_id) const {
    return users_.count(user_id) || listed(config_.blocked_users, user_id);
}

bool Moderation::node_blocked(mesh::NodeNum node) const {
    return nodes_.count(node) || listed(config_.blocked_nodes, node);
}

std::optional<Millis> Moderation::take(int64_t user_id) {
    if (config_.user_rate <= 0 || config_.is_admin(user_id)) return std::nullopt;
    if (rate_for_ != config_.user_rate || allowance_.size() >= kUsersTracked) {
        allowance_.clear();
        rate_for_ = config_.user_rate;
    }
    const double per_window = config_.user_rate;
    auto [it, fresh] = allowance_.try_emplace(
        user_id, per_window / (static_cast<double>(kRateWindow) / kSecond), per_window);
    const Millis now = clock_.now_ms();
    if (it->second.try_take(now)) return std::nullopt;
    return std::max<Millis>(it->second.ready_at(now) - now, 1);
}

Moderation::Change Moderation::block_user(int64_t user_id) {
    if (config_.is_admin(user_id)) return Change::kAdmin;
    return add(users_, config_.blocked_users, user_id, changed_);
}

Moderation::Change Moderation::unblock_user(int64_t user_id) {
    return remove(users_, config_.blocked_users, user_id, changed_);
}

Moderation::Change Moderation::block_node(mesh::NodeNum node) {
    return add(nodes_, config_.blocked_nodes, node, changed_);
}

Moderation::Change Moderation::unblock_node(mesh::NodeNum node) {
    return remove(nodes_, config_.blocked_nodes, node, changed_);
}

size_t Moderation::blocked_user_count() const {
    size_t n = config_.blocked_users.size();
    for (int64_t user : users_)
        n += listed(config_.blocked_users, user) ? 0 : 1;
    return n;
}

size_t Moderation::blocked_node_count() const {
    size_t n = config_.blocked_nodes.size();
    for (mesh::NodeNum node : nodes_)
        n += listed(config_.blocked_nodes, node) ? 0 : 1;
    return n;
}

void Moderation::restore(const std::vector<int64_t>& users,
                         const std::vector<mesh::NodeNum>& nodes) {
    users_.clear();
    nodes_.clear();
    for (int64_t user : users) {
        if (users_.size() < kMaxBlocked && user > 0) users_.insert(user);
    }
    for (mesh::NodeNum node : nodes) {
        if (nodes_.size() < kMaxBlocked) nodes_.insert(node);
    }
}

}  // namespace tgmesh::core
