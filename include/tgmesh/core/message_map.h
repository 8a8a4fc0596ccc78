#pragma once
// Which mesh packet each bridged chat message stands for, so that a Telegram reply can go back
// to the right node (and, later, as a mesh reply). Bounded: the oldest entries are forgotten
// first. Kept in the state file.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "tgmesh/mesh/node_id.h"

namespace tgmesh::core {

struct MeshRef {
    mesh::NodeNum from = 0;  // the mesh author
    uint32_t packet_id = 0;
    bool direct = false;  // a DM to the bridge (replies go back as DMs)
};

struct MessageLink {
    int64_t chat_id = 0;
    int64_t message_id = 0;
    MeshRef ref;
};

class MessageMap {
  public:
    static constexpr size_t kCapacity = 2000;

    explicit MessageMap(size_t capacity = kCapacity) : capacity_(capacity) {}

    void remember(int64_t chat_id, int64_t message_id, const MeshRef& ref);
    const MeshRef* find(int64_t chat_id, int64_t message_id) const;
    size_t size() const { return entries_.size(); }

    // Oldest first, for the state file; restore() takes them back.
    std::vector<MessageLink> links() const;
    void restore(const std::vector<MessageLink>& links);

  private:
    using Key = std::pair<int64_t, int64_t>;
    size_t capacity_;
    std::map<Key, MeshRef> entries_;
    std::deque<Key> order_;  // oldest first
};

}  // namespace tgmesh::core
