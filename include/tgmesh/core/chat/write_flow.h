#pragma once
// /write without typing ids: an inline keyboard of recently heard nodes (8 per page, ◀ ▶,
// Cancel); picking one asks for the text (ForceReply), and the same user's next text in that
// chat goes to that node as a DM. One session per (chat, user), gone after 5 minutes.
// callback_data: "w:<session>:p:<page>", "w:<session>:n:<node>", "w:<session>:x".
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/telegram/keyboard.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::core {

class WriteFlow {
  public:
    // Its buttons' callback data: "w:<8 hex session>:<kind>[:<arg>]".
    static constexpr std::string_view kCallbackPrefix = "w:";
    static constexpr Millis kLifetime = 5 * kMinute;
    static constexpr size_t kNodesPerPage = 8;
    static constexpr size_t kMaxSessions = 1000;

    // What a button press means, once checked against the session it belongs to.
    struct Press {
        enum class Kind { kPage, kPick, kCancel, kForeign, kExpired } kind = Kind::kExpired;
        uint32_t session = 0;
        size_t page = 0;
        mesh::NodeNum node = 0;
        std::string owner_name;  // kForeign: whose menu it is
    };

    // A new session for (chat, user), replacing theirs; returns its id.
    uint32_t start(int64_t chat_id, int64_t user_id, const std::string& user_name,
                   int64_t command_message_id, Millis now);
    Press press(const std::string& data, int64_t chat_id, int64_t user_id, Millis now);
    // The node picked by (chat, user), consumed: their next text goes there.
    std::optional<mesh::NodeNum> take_target(int64_t chat_id, int64_t user_id, Millis now);
    // The message the prompt should answer (the user's /write), for ForceReply.
    int64_t command_message(int64_t chat_id, int64_t user_id) const;

    // Page `page` of the nodes as a keyboard for session `session` (and how many pages).
    telegram::KeyboardRows keyboard(uint32_t session, size_t page, const NodeRegistry& nodes,
                                    int64_t now_unix, const i18n::Catalog& cat) const;
    static size_t page_count(const NodeRegistry& nodes);

  private:
    struct Session {
        uint32_t id = 0;
        std::string user_name;
        int64_t command_message_id = 0;
        std::optional<mesh::NodeNum> target;
        Millis expires = 0;
    };
    void expire(Millis now);

    std::map<std::pair<int64_t, int64_t>, Session> sessions_;
    uint32_t next_id_ = 0;
};

}  // namespace tgmesh::core
