#pragma once
// What chat members can do. Sending (chat_send.cpp): /send, /send_to_node, /send_nearby, plain
// text as a broadcast, and a reply to a bridged mesh message as a mesh reply (a DM when the
// original was a DM). Browsing (chat_browse.cpp): /write's node picker, /nodes with a filter
// and pages, /node with its position. Here: dispatch, /start, /help, /probe, /status. Every
// send is answered with a confirmation or the reason it was refused; a DM's confirmation later
// shows whether the node acknowledged it. Every button press is answered at once.
// Outside (chat_outside.cpp): chats that are not bridged get nothing but the answer to /start
// (their id, for chat_ids); an admin's private chat with the bot takes the admin commands.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tgmesh/core/config.h"
#include "tgmesh/core/downlinks.h"
#include "tgmesh/core/drop_reporter.h"
#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/mesh_outbox.h"
#include "tgmesh/core/message_map.h"
#include "tgmesh/core/node_pages.h"
#include "tgmesh/core/node_registry.h"
#include "tgmesh/core/ports.h"
#include "tgmesh/core/sent_dms.h"
#include "tgmesh/core/stats.h"
#include "tgmesh/core/write_flow.h"
#include "tgmesh/telegram/outbox.h"
#include "tgmesh/telegram/update.h"

namespace tgmesh::core {

class ChatCommands {
  public:
    struct Deps {
        const Config& config;
        const NodeRegistry& nodes;
        Downlinks& downlinks;
        MeshOutbox& mesh_outbox;
        Publisher& publisher;
        telegram::Outbox& chat;
        const Clock& clock;
        Stats& stats;
        DropReporter& drops;
        const MessageMap& messages;
        SentDms& sent_dms;
        // A DM of these packets left for `dest` from a chat (topic): returns the tag for its
        // confirmation message, so that the destination's ACK can mark it.
        std::function<uint64_t(mesh::NodeNum dest, std::vector<uint32_t> packet_ids,
                               int64_t chat_id, std::optional<int64_t> thread_id,
                               const std::string& confirmation_html)>
            track_delivery;
        // Asks a node for its NODEINFO (and so its public key).
        std::function<void(mesh::NodeNum node)> request_key;
        // A chat message sent packet `ref.packet_id` to the mesh: replies can thread on it.
        std::function<void(int64_t chat_id, int64_t message_id, const MeshRef& ref)> remember;
        // The /status text.
        std::function<std::string(const i18n::Catalog& cat)> status;
        // Drops a node's pinned key (logged); false if it had none.
        std::function<bool(mesh::NodeNum node)> forget_key;
    };

    explicit ChatCommands(Deps deps) : d_(std::move(deps)) {}

    // `m` comes from a bridged chat.
    void handle(const telegram::IncomingMessage& m, const std::string& bot_username);
    // `m` comes from a chat that is not bridged (chat_outside.cpp).
    void handle_outside(const telegram::IncomingMessage& m, const std::string& bot_username);
    // A button press on one of the bot's messages in a bridged chat.
    void handle_callback(const telegram::CallbackQuery& q);
    // The broker published (or refused) a message this class asked a receipt for.
    void on_published(uint64_t receipt_id, bool ok, Millis at);

    static constexpr size_t kMaxNameInPrefix = 24;
    // A chat that is not bridged gets its id for /start at most this often.
    static constexpr Millis kDiscoveryAnswerGap = kMinute;
    static constexpr size_t kDiscoveryChatsRemembered = 1000;
    static constexpr size_t kMaxNearbyListed = 20;

    // The commands offered in the chat's menu (setMyCommands), in the configured language.
    static std::vector<std::pair<std::string, std::string_view>> menu(const i18n::Catalog& cat,
                                                                      bool admin);

  private:
    struct SendSpec {
        mesh::NodeNum to = mesh::kBroadcast;
        std::string channel;  // of a broadcast
        std::optional<uint32_t> reply_id;
        std::optional<uint32_t> hop_limit;
        std::string target_html;  // how the confirmation names the destination
        bool nearby = false;
    };

    const i18n::Catalog& cat() const { return i18n::catalog(d_.config.language); }
    void reply(const telegram::IncomingMessage& m, const std::string& html, uint64_t tag = 0,
               const std::string& reply_markup = {});
    void edit(int64_t chat_id, int64_t message_id, const std::string& html,
              const std::string& reply_markup = {});
    void answer(const telegram::CallbackQuery& q, std::string_view text = {});
    void help(const telegram::IncomingMessage& m, bool start);
    void probe(const telegram::IncomingMessage& m);
    void status(const telegram::IncomingMessage& m);
    void forget_key(const telegram::IncomingMessage& m, std::string_view args);

    // chat_outside.cpp
    void answer_discovery(const telegram::IncomingMessage& m);
    void admin_private_chat(const telegram::IncomingMessage& m, const telegram::Command& cmd);

    // chat_send.cpp
    void send(const telegram::IncomingMessage& m, std::string_view text, const SendSpec& spec);
    std::optional<SendSpec> broadcast_in(const telegram::IncomingMessage& m);
    void send_to_node(const telegram::IncomingMessage& m, std::string_view args);
    void send_nearby(const telegram::IncomingMessage& m, std::string_view args);
    void reply_on_mesh(const telegram::IncomingMessage& m, const MeshRef& original);
    SendSpec dm_to(mesh::NodeNum node) const;
    std::string prefix_for(const telegram::IncomingMessage& m) const;
    std::string heard_directly() const;

    // chat_browse.cpp
    void write(const telegram::IncomingMessage& m);
    void write_pressed(const telegram::CallbackQuery& q);
    void list_nodes(const telegram::IncomingMessage& m, const std::string& filter);
    void nodes_pressed(const telegram::CallbackQuery& q);
    void node(const telegram::IncomingMessage& m, std::string_view args);
    // Resolves "<!id|name> ..." or replies why not; nullopt when it replied.
    std::optional<NodeRegistry::Resolution> resolve_or_reply(const telegram::IncomingMessage& m,
                                                             std::string_view args,
                                                             std::string_view usage);

    struct PendingProbe {
        int64_t chat_id = 0;
        int64_t message_id = 0;
        std::optional<int64_t> thread_id;
        Millis requested_at = 0;
        std::string topic;
    };

    Deps d_;
    std::map<uint64_t, PendingProbe> probes_;
    std::map<int64_t, Millis> discovery_answered_at_;
    uint64_t next_receipt_ = 1;
    WriteFlow write_;
    NodePages pages_;
};

}  // namespace tgmesh::core
