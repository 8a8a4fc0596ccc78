#pragma once
// What chat members can do. Sending (chat_send.cpp): /send, /send_to_node, /send_nearby, plain
// text as a broadcast, a reply to a bridged mesh message as a mesh reply (a DM when the
// original was a DM), a reaction as an emoji reply, a shared location as a waypoint. Browsing
// (chat_browse.cpp): /write's node picker, /nodes with a filter and pages, /node with its
// position. /trace (chat_trace.cpp). Moderation (chat_moderation.cpp): user_rate, blocked
// users, /block and /unblock. Here: dispatch, /start, /help, /probe, /status. Every send is
// answered with a confirmation or the reason it was refused; a DM's confirmation later shows
// whether the node acknowledged it. Every button press is answered at once. With `language
// auto` each answer is in the language of the one it answers.
// Outside (chat_outside.cpp): chats that are not bridged get nothing but the answer to /start
// (their id, for chat_ids); an admin's private chat with the bot takes the admin commands.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tgmesh/base/ports.h"
#include "tgmesh/core/chat/chat_poster.h"
#include "tgmesh/core/chat/moderation.h"
#include "tgmesh/core/chat/node_pages.h"
#include "tgmesh/core/chat/traces.h"
#include "tgmesh/core/chat/write_flow.h"
#include "tgmesh/core/config/config.h"
#include "tgmesh/core/downlink/mesh_sender.h"
#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/identity/node_identity.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/telegram/update.h"

namespace tgmesh::core {

class ChatCommands {
  public:
    struct Deps {
        const Config& config;
        const NodeRegistry& nodes;
        const NodeIdentity& identity;
        MeshSender& sender;
        ChatPoster& poster;
        Moderation& moderation;
        DropReporter& drops;
        Publisher& publisher;  // /probe
        Logger& log;
        const Clock& clock;
        // The /status text.
        std::function<std::string(const i18n::Catalog& cat)> status;
        // Drops a node's pinned key (logged); false if it had none.
        std::function<bool(mesh::NodeNum node)> forget_key;
    };

    // One chat command: who may use it, where, and its line in the menu (setMyCommands).
    struct Command {
        std::string_view name;
        void (ChatCommands::*run)(const telegram::IncomingMessage& m, std::string_view args);
        bool admin_only = false;
        // Also in an admin's private chat with the bot, which is not bridged.
        bool in_admin_chat = false;
        // The menu's description; null: not in the menu (/start).
        std::string_view i18n::Catalog::*menu = nullptr;
    };
    static std::span<const Command> commands();

    // Chats that are not bridged, whose ignored updates were logged (once each).
    static constexpr size_t kIgnoredChatsLogged = 1000;

    explicit ChatCommands(Deps deps) : d_(std::move(deps)) {}

    // Any update from getUpdates: messages and button presses from the bridged chats; from
    // others only /start (and admin commands in an admin's private chat).
    void handle_update(const telegram::Update& update, const std::string& bot_username);
    // setMyCommands: the menu for everyone and, for the admins (admin_ids) in their private
    // chats and the bridged groups, with the admin commands.
    void publish_menu();
    // The broker published (or refused) a message this class asked a receipt for.
    void on_published(uint64_t receipt_id, bool ok, Millis at);
    // A traceroute answer from the mesh (chat_trace.cpp).
    void on_trace(const TraceAnswer& answer);
    // Traceroutes that timed out get their answer.
    void run_due(Millis now);
    Millis next_due() const { return traces_.next_due(); }

    static constexpr size_t kMaxNameInPrefix = 24;
    // A chat that is not bridged gets its id for /start at most this often.
    static constexpr Millis kDiscoveryAnswerGap = kMinute;
    static constexpr size_t kDiscoveryChatsRemembered = 1000;
    static constexpr size_t kMaxNearbyListed = 20;

    // setMyCommands calls for the admin menu (admins x their private chat and bridged groups).
    static constexpr size_t kMaxAdminMenus = 20;

    // The commands offered in the chat's menu, in the configured language.
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

    // In the language of whoever the bridge is answering (language auto), else the configured.
    const i18n::Catalog& cat() const { return i18n::catalog(language_); }
    void answer_in_language_of(std::string_view language_code) {
        language_ = i18n::language_for(d_.config.language, language_code);
    }
    void reply(const telegram::IncomingMessage& m, const std::string& html, uint64_t tag = 0,
               const std::string& reply_markup = {}) {
        d_.poster.reply(m, html, tag, reply_markup);
    }
    void handle_callback(const telegram::CallbackQuery& q);
    // A command or plain text in a bridged chat.
    void handle(const telegram::IncomingMessage& m, const std::string& bot_username);
    void plain_text(const telegram::IncomingMessage& m);
    // Runs `command` for `m` if its sender may use it.
    void run(const Command& command, const telegram::IncomingMessage& m, std::string_view args);
    void start(const telegram::IncomingMessage& m, std::string_view args);
    void help(const telegram::IncomingMessage& m, std::string_view args);
    std::string help_text(const telegram::IncomingMessage& m) const;
    void send_command(const telegram::IncomingMessage& m, std::string_view args);
    void probe(const telegram::IncomingMessage& m, std::string_view args);
    void status(const telegram::IncomingMessage& m, std::string_view args);
    void forget_key(const telegram::IncomingMessage& m, std::string_view args);

    // chat_moderation.cpp
    // Whether `m`'s sender may send to the mesh now: a blocked user's message is dropped in
    // silence; one over user_rate is refused with a reply (unless `quiet`: reactions).
    bool may_send(const telegram::IncomingMessage& m, bool quiet = false);
    void block(const telegram::IncomingMessage& m, std::string_view args);
    void unblock(const telegram::IncomingMessage& m, std::string_view args);
    void change_block(const telegram::IncomingMessage& m, std::string_view args, bool blocking);

    // chat_trace.cpp
    void trace(const telegram::IncomingMessage& m, std::string_view args);

    // chat_outside.cpp
    void handle_outside(const telegram::IncomingMessage& m, const std::string& bot_username);
    void answer_discovery(const telegram::IncomingMessage& m);
    void admin_private_chat(const telegram::IncomingMessage& m, const telegram::Command& cmd);
    void log_ignored(int64_t chat_id);

    // chat_send.cpp
    void send(const telegram::IncomingMessage& m, std::string_view text, const SendSpec& spec);
    void refuse(const telegram::IncomingMessage& m, const SendSpec& spec,
                const MeshSendResult& sent);
    std::optional<SendSpec> broadcast_in(const telegram::IncomingMessage& m);
    void send_to_node(const telegram::IncomingMessage& m, std::string_view args);
    void send_nearby(const telegram::IncomingMessage& m, std::string_view args);
    void reply_on_mesh(const telegram::IncomingMessage& m, const MeshRef& original);
    SendSpec dm_to(mesh::NodeNum node) const;
    std::string prefix_for(const telegram::IncomingMessage& m) const;
    std::string heard_directly() const;
    // A location shared in a bridged chat: a waypoint for an hour.
    void share_location(const telegram::IncomingMessage& m);
    // A reaction on a chat message that stands for a mesh packet: an emoji reply to it.
    void handle_reaction(const telegram::ReactionChange& r);

    // chat_browse.cpp
    void write(const telegram::IncomingMessage& m, std::string_view args);
    void write_pressed(const telegram::CallbackQuery& q);
    void list_nodes(const telegram::IncomingMessage& m, std::string_view filter);
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
        Language language = Language::kEn;
    };

    Deps d_;
    std::map<uint64_t, PendingProbe> probes_;
    std::map<int64_t, Millis> discovery_answered_at_;
    std::set<int64_t> ignored_chats_;
    uint64_t next_receipt_ = 1;
    Language language_ = Language::kEn;
    Traces traces_;
    WriteFlow write_;
    NodePages pages_;
};

}  // namespace tgmesh::core
