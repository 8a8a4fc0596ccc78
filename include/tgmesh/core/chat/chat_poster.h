#pragma once
// Everything the bridge posts to Telegram goes through here: mesh texts to the chats of their
// channel (DMs to dm_chat_ids, or to the one chat whose DM they answer), alerts, replies to
// commands (split to fit Telegram), edits, answers to button presses, and the receipts that
// edit a DM's confirmation when the node acknowledges it. It remembers which chat message
// stands for which mesh packet (replies thread on it) and which chat each DM left from.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tgmesh/base/drop_reporter.h"
#include "tgmesh/base/stats.h"
#include "tgmesh/core/chat/delivery_receipts.h"
#include "tgmesh/core/chat/dm_origins.h"
#include "tgmesh/core/chat/message_map.h"
#include "tgmesh/core/chat/moderation.h"
#include "tgmesh/core/config/config.h"
#include "tgmesh/core/ingest/mesh_ingest.h"
#include "tgmesh/core/ingest/mesh_text.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/telegram/outbox.h"
#include "tgmesh/telegram/update.h"
#include "tgmesh/util/bounded_map.h"

namespace tgmesh::core {

class ChatPoster {
  public:
    // Actions waiting for the message id of a chat message (Telegram refuses some: bounded).
    static constexpr size_t kMaxSentActions = 5000;

    // Chat messages that got a native reaction from the mesh (a bot sets one per message).
    static constexpr size_t kReactedRemembered = 2000;

    ChatPoster(const Config& config, const NodeRegistry& nodes, const Moderation& moderation,
               telegram::Outbox& outbox, const Clock& clock, Stats& stats, DropReporter& drops);

    // A mesh text (or reaction, or DM to the bridge) to the chats it belongs in. A reaction
    // whose emoji Telegram allows becomes a native reaction on the chat message it answers,
    // unless that message has one already (a bot may set only one): then, as for any other
    // emoji, a short reply.
    void post_mesh_text(const MeshText& text);
    // A mesh waypoint to the chats of its channel, as a venue (a map with its name).
    void post_waypoint(const MeshWaypoint& waypoint);
    void post_alerts(const std::vector<std::string>& alerts);
    // A reply to `m`, split in several messages when it is long; `tag` (see when_sent) goes
    // with the first, `reply_markup` (buttons) with the last.
    void reply(const telegram::IncomingMessage& m, const std::string& html, uint64_t tag = 0,
               const std::string& reply_markup = {});
    // A location pin in reply to `m` (/node of a node with a position).
    void reply_location(const telegram::IncomingMessage& m, const telegram::GeoPoint& point);
    void edit(int64_t chat_id, int64_t message_id, const std::string& html,
              const std::string& reply_markup = {});
    // answerCallbackQuery: stops the button's progress indicator, with an optional notice.
    void answer(const telegram::CallbackQuery& q, std::string_view text = {});
    // A Bot API call that is not a chat message (setMyCommands and the like).
    void call(std::string_view method, std::string body) {
        outbox_.post_now(method, std::move(body));
    }
    // Runs `action` with the message id once the message given the returned tag is sent.
    uint64_t when_sent(std::function<void(int64_t chat_id, int64_t message_id)> action);

    // A chat message sent mesh packet ref.packet_id: replies thread on it.
    void remember(int64_t chat_id, int64_t message_id, const MeshRef& ref);
    const MessageMap& messages() const { return messages_; }

    // A DM of these packets left for `dest` from a chat (topic): the node's answer comes back
    // there; returns the tag for the DM's confirmation, which the node's ACK marks delivered.
    uint64_t track_delivery(mesh::NodeNum dest, std::vector<uint32_t> packet_ids, int64_t chat_id,
                            std::optional<int64_t> thread_id, const std::string& confirmation_html,
                            bool legacy, Language language);
    // A ROUTING answer from `from` to one of our packets.
    void on_routing(mesh::NodeNum from, uint32_t request_id, uint32_t error_reason);
    // A DM part went out again as a new packet: its receipt and its chat follow it.
    void resent(mesh::NodeNum dest, uint32_t old_id, uint32_t new_id);

    void run_due(Millis now) { receipts_.run_due(now); }
    Millis next_due() const { return receipts_.next_due(); }

    // The state file's part.
    std::vector<MessageLink> links() const { return messages_.links(); }
    std::vector<DmOrigin> dm_origins() const { return dm_origins_.list(); }
    void restore(const std::vector<MessageLink>& links, const std::vector<DmOrigin>& origins);
    bool changed() const { return changed_; }
    void mark_saved() { changed_ = false; }

  private:
    std::vector<ChannelRoute> dm_targets(const MeshText& text) const;
    // The routes a text from the mesh goes to (none for a blocked node: counted as a drop).
    std::vector<ChannelRoute> targets(const MeshText& text);
    bool react(int64_t chat_id, std::optional<int64_t> message_id, const std::string& emoji);
    void report_delivery(const DeliveryReport& report);

    const Config& config_;
    const NodeRegistry& nodes_;
    const Moderation& moderation_;
    telegram::Outbox& outbox_;
    Stats& stats_;
    DropReporter& drops_;
    MessageMap messages_;
    DmOrigins dm_origins_;
    DeliveryReceipts receipts_;
    BoundedMap<std::pair<int64_t, int64_t>, bool> reacted_{kReactedRemembered};
    const Clock& clock_;
    std::map<uint64_t, std::function<void(int64_t, int64_t)>> sent_actions_;
    uint64_t next_tag_ = 1;
    bool changed_ = false;
};

}  // namespace tgmesh::core
