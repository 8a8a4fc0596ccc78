#pragma once
// Which mesh packet each bridged chat message stands for, so that a Telegram reply can go back
// to the right node (and, later, as a mesh reply). Bounded: the oldest entries are forgotten
// first. Kept in the state file.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/bounded_map.h"

namespace tgmesh::core {

struct MeshRef {
    mesh::NodeNum node = 0;  // the author of a mesh message, the destination of a sent DM
    uint32_t packet_id = 0;
    bool direct = false;  // a DM (replies go to `node` as DMs), else a channel message
    std::string channel;  // a channel message's channel (replies and reactions go there)
};

struct MessageLink {
    int64_t chat_id = 0;
    int64_t message_id = 0;
    MeshRef ref;
};

class MessageMap {
  public:
    static constexpr size_t kCapacity = 2000;

    explicit MessageMap(size_t capacity = kCapacity) : entries_(capacity) {}

    void remember(int64_t chat_id, int64_t message_id, const MeshRef& ref);
    const MeshRef* find(int64_t chat_id, int64_t message_id) const;
    // The chat message that stands for mesh packet `packet_id` in this chat, if remembered.
    std::optional<int64_t> message_for(int64_t chat_id, uint32_t packet_id) const;
    size_t size() const { return entries_.size(); }

    // Oldest first, for the state file; restore() takes them back.
    std::vector<MessageLink> links() const;
    void restore(const std::vector<MessageLink>& links);

  private:
    using Key = std::pair<int64_t, int64_t>;  // (chat, message)
    BoundedMap<Key, MeshRef> entries_;
    std::map<std::pair<int64_t, uint32_t>, int64_t> by_packet_;  // (chat, packet) -> message
};

}  // namespace tgmesh::core
