#pragma once
// Which chat (and forum topic) each DM sent from Telegram left from, by packet id, so that a
// node's DM answering one of them (Data.reply_id) goes back to that chat only instead of every
// chat that receives DMs. Bounded: the oldest are forgotten first. Kept in the state file.
#include <cstdint>
#include <optional>
#include <vector>

#include "tgmesh/util/bounded_map.h"

namespace tgmesh::core {

struct DmOrigin {
    uint32_t packet_id = 0;
    int64_t chat_id = 0;
    std::optional<int64_t> thread_id;
};

class DmOrigins {
  public:
    static constexpr size_t kCapacity = 2000;

    void remember(const DmOrigin& origin);
    const DmOrigin* find(uint32_t packet_id) const;

    // Oldest first, for the state file; restore() takes them back.
    std::vector<DmOrigin> list() const;
    void restore(const std::vector<DmOrigin>& origins);

  private:
    BoundedMap<uint32_t, DmOrigin> by_packet_{kCapacity};
};

}  // namespace tgmesh::core
