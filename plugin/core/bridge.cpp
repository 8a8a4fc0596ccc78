#include "tgmesh/core/bridge.h"

#include <algorithm>

#include "tgmesh/core/format.h"
#include "tgmesh/core/identity.h"
#include "tgmesh/core/state.h"
#include "tgmesh/core/status_report.h"
#include "tgmesh/util/base64.h"

namespace tgmesh::core {

namespace {
constexpr size_t kIgnoredChatsLogged = 1000;

}  // namespace

Bridge::Bridge(Config config, Services services)
    : s_(std::move(services)),
      config_(std::move(config)),
      keyring_(config_.channel_keys),
      downlinks_(config_, s_.clock, s_.random),
      endpoint_{config_.api_url, config_.bot_token},
      poll_health_(s_.log),
      poller_(s_.http, s_.clock, s_.log, poll_health_, endpoint_, stats_),
      chat_outbox_(s_.http, s_.clock, s_.log, poll_health_, endpoint_, stats_),
      drops_(s_.log, s_.clock),
      ingest_(config_, keyring_, downlinks_, nodes_, dedup_, stats_, drops_, s_.clock),
      receipts_([this](DeliveryReport report) { report_delivery(std::move(report)); }),
      alerts_(config_, nodes_),
      commands_(
          {config_, nodes_, downlinks_, mesh_outbox_, s_.publisher, chat_outbox_, s_.clock, stats_,
           drops_, messages_, sent_dms_,
           [this](mesh::NodeNum dest, std::vector<uint32_t> ids, int64_t chat,
                  std::optional<int64_t> thread, const std::string& html) {
               return track_delivery(dest, std::move(ids), chat, thread, html);
           },
           [this](mesh::NodeNum node) { request_key(node); },
           [this](int64_t chat, int64_t message_id, const MeshRef& ref) {
               messages_.remember(chat, message_id, ref);
               dirty_ = true;
           },
           [this](const i18n::Catalog& cat) {
               return format_status(metrics(), nodes_, s_.clock.unix_seconds(), diagnose(cat), cat);
           },
           [this](mesh::NodeNum node) { return forget_node_key(node, "an admin in the chat"); }}),
      control_({config_, nodes_,
                MeshSendContext{nodes_, downlinks_, mesh_outbox_, stats_, drops_, sent_dms_},
                s_.publisher, s_.log, s_.clock, [this] { return metrics(); },
                [this] { return reload_config(); },
                [this] { return diagnose(i18n::catalog(Language::kEn)); },
                [this](mesh::NodeNum node, const std::string& who) {
                    return forget_node_key(node, who);
                }}) {
    poller_.set_connected_handler([this] { publish_command_menu(); });
    // What the handled updates caused (a queued downlink) is on disk before Telegram forgets
    // them: a /send confirmed in the chat survives a kill -9.
    poller_.set_before_confirm_handler([this] {
        if (!dirty_) return;
        // With what the broker has not published yet: a /send may be waiting for its tick.
        save_state(s_.publisher.not_yet_published());
        next_save_at_ = s_.clock.now_ms() + kSaveInterval;
    });
    mesh_outbox_.set_interval(config_.mesh_interval_s * kSecond);
    chat_outbox_.set_pacing(config_.chat_pacing);
    chat_outbox_.set_sent_handler([this](uint64_t tag, int64_t chat_id, int64_t message_id) {
        auto it = sent_actions_.find(tag);
        if (it == sent_actions_.end()) return;
        auto action = std::move(it->second);
        sent_actions_.erase(it);
        action(chat_id, message_id);
    });
}

void Bridge::load_identity(const PersistentState& state) {
    const std::string file = identity_file_for(config_.state_file);
    std::optional<Identity> stored;
    StateStore::Loaded loaded = s_.identity.load();
    if (!loaded.error.empty() || (loaded.text && !(stored = parse_identity(*loaded.text)))) {
        s_.log.log(
            LogLevel::kError,
            "the bridge's identity file " + file + " is unreadable (" +
                (loaded.error.empty() ? std::string("not an identity document") : loaded.error) +
                "); moved to " + s_.identity.move_aside() +
                ". A new key pair replaces the old one: nodes that pinned the old key "
                "drop the bridge's packets until they forget it");
    }
    // An older version kept the identity in the state file: taken over from there once.
    if (!stored) stored = Identity{state.node_id, state.private_key};
    std::optional<mesh::KeyPair> keys;
    if (config_.node_private_key) {
        keys = mesh::key_pair_from_private(*config_.node_private_key);
    } else if (!stored->private_key.empty()) {
        keys = mesh::key_pair_from_private(stored->private_key);
    }
    key_generated_ = !config_.node_private_key;
    if (!keys) {
        keys = mesh::generate_key_pair();
        if (keys) {
            s_.log.log(LogLevel::kNotice, "generated the bridge node's key pair (kept in " + file +
                                              "; node_private_key_file can supply one)");
        } else {
            s_.log.log(LogLevel::kError, "cannot generate a key pair: DMs use the channel key");
        }
    }
    mesh::NodeNum node = 0;
    if (config_.node_id) {
        node = *config_.node_id;
    } else if (stored->node_id) {
        node = *stored->node_id;
    } else {
        // Avoid 0, broadcast and the low reserved numbers.
        do {
            node = s_.random();
        } while (node < 4 || node == mesh::kBroadcast);
        s_.log.log(LogLevel::kNotice, "generated node id " + mesh::format_node_id(node) +
                                          " for the bridge (kept in " + file + ")");
    }
    // Ids issued after the last save must not be reused after a crash.
    uint32_t counter = state.node_id ? state.packet_counter + kPacketIdSkipAfterLoad : s_.random();
    downlinks_.set_identity(node, counter, keys.value_or(mesh::KeyPair{}));
    save_identity();
}

void Bridge::save_identity() {
    Identity identity{downlinks_.node(), key_generated_ ? downlinks_.keys().private_key : Bytes{}};
    const std::string text = serialize_identity(identity);
    if (identity_saved_ && text == identity_on_disk_) return;
    std::string error;
    if (s_.identity.save(text, error)) {
        if (!identity_saved_ && !identity_on_disk_.empty()) {
            s_.log.log(LogLevel::kNotice, "the bridge's identity file is written again");
        }
        identity_on_disk_ = text;
        identity_saved_ = true;
        dirty_ = true;  // the state file no longer needs to carry the key
        return;
    }
    if (identity_saved_ || identity_on_disk_.empty()) {
        s_.log.log(LogLevel::kError,
                   "cannot write the bridge's identity file " +
                       identity_file_for(config_.state_file) + ": " + error +
                       " (its key is not announced until it is on disk; retrying every 30 s)");
    }
    identity_saved_ = false;
    identity_on_disk_ = "-";  // logged once until it works again
    next_identity_save_at_ = s_.clock.now_ms() + kSaveInterval;
}

void Bridge::load_state() {
    StateStore::Loaded loaded = s_.store.load();
    PersistentState state;
    if (!loaded.error.empty()) {
        s_.log.log(LogLevel::kWarning, "state file unreadable (" + loaded.error + "); moved to " +
                                           s_.store.move_aside() + ", starting fresh");
    } else if (loaded.text) {
        std::string error;
        if (!parse_state(*loaded.text, state, nodes_, error)) {
            state = PersistentState();
            s_.log.log(LogLevel::kWarning, "state file is corrupt (" + error + "); moved to " +
                                               s_.store.move_aside() + ", starting fresh");
        }
    }
    load_identity(state);
    messages_.restore(state.message_links);
    dm_origins_.restore(state.dm_origins);
    ingest_.restore_gateways(state.gateways);
    key_requests_ = state.key_requests;
    poller_.set_offset(state.telegram_offset);
    for (auto& m : state.mesh_queue)
        mesh_outbox_.push(std::move(m));
    for (auto& m : state.chat_queue)
        chat_outbox_.enqueue(std::move(m));
    dirty_ = true;
}

void Bridge::start() {
    started_at_ = s_.clock.now_ms();
    load_state();
    // Nothing announced into the broker while it loads (no gateway is connected yet): within
    // kAnnounceAfterFirstUplink of the run's first uplink, at the latest a minute from now.
    if (config_.downlink == DownlinkMode::kProtobuf) {
        next_announce_at_ = s_.clock.now_ms() + kAnnounceAtTheLatest;
    }
    start_telegram();
    next_save_at_ = s_.clock.now_ms() + kSaveInterval;
    if (config_.sys_interval_s > 0) next_sys_at_ = s_.clock.now_ms();
    s_.log.log(LogLevel::kNotice,
               "bridging channel " + config_.channel + " on " + config_.topic_roots.front() +
                   " as " + mesh::format_node_id(downlinks_.node()) + " (" +
                   (config_.downlink == DownlinkMode::kJson ? "json" : "protobuf") +
                   " downlink); " + std::to_string(nodes_.size()) + " nodes known; public key " +
                   base64_encode(downlinks_.keys().public_key));
}

void Bridge::start_telegram() {
    endpoint_ = {config_.api_url, config_.bot_token};
    if (!config_.telegram_enabled()) {
        s_.log.log(LogLevel::kNotice,
                   "Telegram side off: no bot token (set plugin_opt_bot_token_file and "
                   "plugin_opt_chat_ids to bridge chats)");
        return;
    }
    if (config_.discovering()) {
        s_.log.log(LogLevel::kNotice,
                   "no chat is bridged yet (chat_ids is empty): send /start in the chat to "
                   "bridge and the bot answers with its id; put it in chat_ids");
    }
    poller_.start([this](const telegram::Update& u) { on_update(u); });
}

void Bridge::apply_config(Config config) {
    const bool telegram_changed =
        config.bot_token != config_.bot_token || config.api_url != config_.api_url;
    // Update ids belong to a bot: a token of another bot starts from its own first update.
    auto bot_of = [](const std::string& token) { return token.substr(0, token.find(':')); };
    const bool other_bot = bot_of(config.bot_token) != bot_of(config_.bot_token);
    const bool identity_changed =
        (config.node_id && config.node_id != downlinks_.node()) ||
        (config.node_private_key && *config.node_private_key != downlinks_.keys().private_key);
    if (config.state_file != config_.state_file) {
        s_.log.log(LogLevel::kWarning, "state_file changes take effect at the next restart");
        config.state_file = config_.state_file;
    }
    config_ = std::move(config);
    keyring_ = mesh::Keyring(config_.channel_keys);
    mesh_outbox_.set_interval(config_.mesh_interval_s * kSecond);
    chat_outbox_.set_pacing(config_.chat_pacing);
    next_sys_at_ = config_.sys_interval_s > 0 ? s_.clock.now_ms() : kNever;
    if (identity_changed) {
        auto keys = config_.node_private_key
                        ? mesh::key_pair_from_private(*config_.node_private_key)
                        : std::nullopt;
        if (keys) key_generated_ = false;
        downlinks_.set_identity(config_.node_id.value_or(downlinks_.node()),
                                downlinks_.packet_counter(), keys.value_or(downlinks_.keys()));
        save_identity();
    }
    if (telegram_changed) {
        poller_.stop();
        s_.http.cancel_all();
        chat_outbox_.requeue_in_flight();
        if (other_bot) poller_.set_offset(0);
        start_telegram();
    }
    if (config_.downlink == DownlinkMode::kProtobuf && identity_changed) {
        schedule_announce(s_.clock.now_ms());
    }
    dirty_ = true;
    s_.log.log(LogLevel::kNotice, "configuration reloaded");
}

void Bridge::schedule_announce(Millis at) {
    next_announce_at_ =
        std::min(next_announce_at_, std::max(at, last_announce_at_ + kMinAnnounceGap));
}

void Bridge::on_mqtt_message(std::string_view topic, BytesView payload) {
    last_uplink_at_ = s_.clock.now_ms();
    // Gateways are connected now: the run's first announcement goes out soon, not into the
    // empty broker of the plugin's load.
    if (!announced_this_run_ && config_.downlink == DownlinkMode::kProtobuf) {
        schedule_announce(last_uplink_at_ + kAnnounceAfterFirstUplink);
    }
    IngestResult result = ingest_.ingest(topic, payload);
    dirty_ = true;
    handle_mesh_result(result);
}

void Bridge::handle_mesh_result(const IngestResult& result) {
    const bool virtual_node = config_.downlink == DownlinkMode::kProtobuf;
    if (!result.new_gateway.empty() && virtual_node && announced_this_run_) {
        // A gateway that did not hear this run's broadcast: our NODEINFO to it alone, over
        // MQTT only. It learns the key; nothing goes on the air.
        if (auto gateway = mesh::parse_node_id(result.new_gateway)) {
            owe(downlinks_.nodeinfo_for_gateway(*gateway));
        }
    }
    if (result.routing) on_routing(*result.routing);
    if (result.ack_wanted && virtual_node) ack(result.ack_wanted->first, result.ack_wanted->second);
    if (result.repeat_ack && virtual_node) {
        auto it = acked_.find(*result.repeat_ack);
        if (it != acked_.end() && s_.clock.now_ms() - it->second >= kReAckGap) {
            ack(result.repeat_ack->first, result.repeat_ack->second);
        }
    }
    if (result.pki_unknown && virtual_node) {
        // Firmware answers this NAK with its NODEINFO (src/mesh/ReliableRouter.cpp:134-139).
        const auto [from, id] = *result.pki_unknown;
        if (first_in_a_while(nak35_sent_at_, from, kNakGap)) {
            owe(downlinks_.routing(from, id, mesh::kRoutingPkiUnknownPubkey));
        }
    }
    if (result.heard) {
        post_alerts(
            alerts_.observe(*result.heard, result.new_node, i18n::catalog(config_.language)));
    }
    if (result.nodeinfo_wanted && virtual_node) answer_nodeinfo(*result.nodeinfo_wanted);
    if (result.text) post_to_chats(*result.text);
}

uint64_t Bridge::when_sent(std::function<void(int64_t, int64_t)> action) {
    // Messages that never get sent (Telegram refused them) leave their action behind.
    if (sent_actions_.size() >= kMaxSentActions) sent_actions_.erase(sent_actions_.begin());
    const uint64_t tag = next_tag_++;
    sent_actions_.emplace(tag, std::move(action));
    return tag;
}

uint64_t Bridge::track_delivery(mesh::NodeNum dest, std::vector<uint32_t> packet_ids,
                                int64_t chat_id, std::optional<int64_t> thread_id,
                                const std::string& confirmation_html) {
    // The node's answer to any part of this DM comes back to this chat (topic) only.
    for (uint32_t id : packet_ids)
        dm_origins_.remember({id, chat_id, thread_id});
    dirty_ = true;
    const Millis deadline = s_.clock.now_ms() + config_.ack_timeout_s * kSecond;
    const SentDmPart* first = packet_ids.empty() ? nullptr : sent_dms_.find(packet_ids.front());
    const bool legacy = first != nullptr && !first->pki;
    const uint64_t receipt =
        receipts_.track(dest, std::move(packet_ids), chat_id, confirmation_html, deadline, legacy);
    return when_sent([this, receipt](int64_t, int64_t message_id) {
        receipts_.confirmation_sent(receipt, message_id);
    });
}

void Bridge::report_delivery(DeliveryReport report) {
    const auto& cat = i18n::catalog(config_.language);
    std::string outcome;
    switch (report.outcome) {
        case DeliveryOutcome::kDelivered:
            outcome = std::string(cat.delivered);
            break;
        case DeliveryOutcome::kFailed:
            outcome = i18n::fill(
                cat.not_delivered,
                {{"reason", report.legacy && report.error_reason == mesh::kRoutingNoChannel
                                ? std::string(cat.legacy_dm_refused)
                                : i18n::routing_error_text(cat, report.error_reason)}});
            break;
        case DeliveryOutcome::kTimedOut:
            outcome = i18n::fill(cat.no_ack, {{"s", std::to_string(config_.ack_timeout_s)}});
            break;
    }
    telegram::OutboundMessage edit;
    edit.chat_id = report.chat_id;
    edit.html = report.confirmation_html + "\n" + outcome;
    edit.edit_message_id = report.message_id;
    chat_outbox_.enqueue(std::move(edit));
}

bool Bridge::first_in_a_while(std::map<mesh::NodeNum, Millis>& last, mesh::NodeNum node,
                              Millis gap) {
    const Millis now = s_.clock.now_ms();
    if (last.size() > NodeRegistry::kDefaultCapacity) last.clear();
    auto [it, first] = last.try_emplace(node, now);
    if (!first && now - it->second < gap) return false;
    it->second = now;
    return true;
}

void Bridge::request_key(mesh::NodeNum node) {
    if (config_.downlink != DownlinkMode::kProtobuf) return;
    // Firmware answers a NODEINFO request at most once per requester in 12 h, the window
    // sliding with each request (src/modules/NodeInfoModule.cpp:33-45, 135-159, 2.7.17+):
    // asking more often only silences the node longer. Kept across restarts.
    const int64_t now = s_.clock.unix_seconds();
    if (key_requests_.size() >= NodeRegistry::kDefaultCapacity) {
        std::erase_if(key_requests_,
                      [&](const auto& entry) { return now - entry.second >= kKeyRequestGapS; });
    }
    auto it = key_requests_.find(node);
    if (it != key_requests_.end() && now - it->second < kKeyRequestGapS) return;
    key_requests_[node] = now;
    dirty_ = true;
    mesh_outbox_.push(downlinks_.nodeinfo(node, true));
}

void Bridge::owe(Outgoing message) {
    if (mesh_outbox_.push_urgent(std::move(message))) {
        ++stats_.downlinks;
        return;
    }
    stats_.drop(Drop::kMeshQueueFull);
    drops_.note(Drop::kMeshQueueFull, "a ROUTING answer (a flood of packets asking for ACKs)");
}

void Bridge::ack(mesh::NodeNum from, uint32_t id) {
    owe(downlinks_.routing(from, id));
    if (acked_.size() >= kAcksRemembered) acked_.clear();
    acked_[{from, id}] = s_.clock.now_ms();
}

void Bridge::on_routing(const RoutingAnswer& r) {
    if (r.error_reason == mesh::kRoutingPkiUnknownPubkey) {
        if (auto part = sent_dms_.resend_of(r.from, r.request_id)) {
            // The node cannot open our PKI DM without our key: our NODEINFO to it, then the
            // part once more as a new packet; the chat's receipt follows the new one.
            mesh_outbox_.push(downlinks_.nodeinfo(r.from));
            const Node* node = nodes_.find(r.from);
            TextRequest text;
            text.to = r.from;
            text.text = part->text;
            text.peer_public_key = node ? node->public_key : Bytes();
            text.reply_id = part->reply_id;
            text.hop_limit = part->hop_limit;
            Downlink again = downlinks_.text(text);
            part->pki = again.pki;
            sent_dms_.remember(again.packet_id, *part);
            mesh_outbox_.push(std::move(again.message));
            stats_.downlinks += 2;
            receipts_.replace_part(r.from, r.request_id, again.packet_id);
            if (const DmOrigin* origin = dm_origins_.find(r.request_id)) {
                dm_origins_.remember({again.packet_id, origin->chat_id, origin->thread_id});
            }
            dirty_ = true;
            s_.log.log(LogLevel::kInfo, mesh::format_node_id(r.from) +
                                            " does not know the bridge's key yet: sent it our "
                                            "NODEINFO and the DM once more");
            return;
        }
    }
    if (r.error_reason == mesh::kRoutingNoChannel) {
        // Firmware 2.7.14+ refuses DMs sent with the channel key: wait for its key from now on.
        const SentDmPart* part = sent_dms_.find(r.request_id);
        if (part && part->to == r.from && !part->pki) sent_dms_.note_legacy_refused(r.from);
    }
    receipts_.on_routing(r.from, r.request_id, r.error_reason);
}

void Bridge::answer_nodeinfo(mesh::NodeNum node) {
    if (first_in_a_while(nodeinfo_answered_at_, node)) mesh_outbox_.push(downlinks_.nodeinfo(node));
}

void Bridge::post_to_chats(const MeshText& text) {
    if (!config_.telegram_enabled()) return;
    // DMs to the bridge go to the home chats; channel texts to the chats (topics) of their channel.
    std::vector<ChannelRoute> targets;
    if (text.direct) {
        targets = dm_targets(text);
    } else {
        for (const auto& route : config_.routes()) {
            if (route.channel == text.channel) targets.push_back(route);
        }
    }
    if (chat_outbox_.size() >= telegram::Outbox::kCapacity) {
        // Full (Telegram down or a flood): drop before the formatting work, counted as usual.
        for (size_t i = 0; i < targets.size(); ++i)
            stats_.drop(Drop::kTelegramQueueFull);
        if (!targets.empty()) {
            drops_.note(Drop::kTelegramQueueFull, "text from " + mesh::format_node_id(text.from),
                        targets.size());
        }
        return;
    }
    const auto& cat = i18n::catalog(config_.language);
    const Node* sender = nodes_.find(text.from);
    const std::string html = text.emoji ? format_reaction(text, sender, cat)
                                        : format_mesh_text(text, sender, nodes_, cat);
    const MeshRef ref{text.from, text.packet_id, text.direct};
    for (const auto& route : targets) {
        telegram::OutboundMessage post;
        post.chat_id = route.chat_id;
        post.options.message_thread_id = route.thread_id;
        // A mesh reply (or reaction) answers the chat message that stands for its packet.
        if (text.reply_id) {
            post.options.reply_to_message_id = messages_.message_for(route.chat_id, *text.reply_id);
        }
        post.html = html;
        // Remember which mesh packet the chat message stands for, so a reply can answer it.
        post.tag = when_sent([this, ref](int64_t chat_id, int64_t message_id) {
            messages_.remember(chat_id, message_id, ref);
            dirty_ = true;
        });
        if (chat_outbox_.enqueue(std::move(post))) {
            ++stats_.texts_to_telegram;
        } else {
            drops_.note(Drop::kTelegramQueueFull, "text from " + mesh::format_node_id(text.from));
        }
    }
}

std::vector<ChannelRoute> Bridge::dm_targets(const MeshText& text) const {
    if (text.reply_id) {
        const DmOrigin* origin = dm_origins_.find(*text.reply_id);
        // Only while that chat is still bridged (a reload may have removed it).
        if (origin && config_.is_bridged_chat(origin->chat_id)) {
            return {ChannelRoute{config_.channel, origin->chat_id, origin->thread_id}};
        }
    }
    return config_.dm_routes();
}

void Bridge::post_alerts(const std::vector<std::string>& alerts) {
    if (!config_.telegram_enabled()) return;
    for (const auto& text : alerts) {
        for (const auto& route : config_.home_routes()) {
            telegram::OutboundMessage out;
            out.chat_id = route.chat_id;
            out.options.message_thread_id = route.thread_id;
            out.html = text;
            chat_outbox_.enqueue(std::move(out));
        }
    }
}

void Bridge::publish_command_menu() {
    const auto& cat = i18n::catalog(config_.language);
    auto commands_for = [&](bool admin) {
        std::vector<telegram::BotCommand> commands;
        for (const auto& [command, description] : ChatCommands::menu(cat, admin)) {
            commands.push_back({command, std::string(description)});
        }
        return commands;
    };
    const auto everyone = commands_for(false);
    const auto admins = commands_for(true);
    chat_outbox_.post_now("setMyCommands", telegram::set_my_commands_body(everyone, {"default"}));
    // Earlier versions showed the admin commands to every group administrator.
    chat_outbox_.post_now("deleteMyCommands",
                          telegram::delete_my_commands_body({"all_chat_administrators"}));
    // The admin menu for admin_ids only: in their private chats with the bot, and to them in
    // each bridged group. Bounded: a long admin list in many chats would flood the API.
    std::vector<telegram::CommandScope> scopes;
    std::set<int64_t> groups;
    for (const auto& route : config_.routes()) {
        if (route.chat_id < 0) groups.insert(route.chat_id);
    }
    for (int64_t admin : config_.admin_ids) {
        scopes.push_back({"chat", admin, std::nullopt});
        for (int64_t group : groups)
            scopes.push_back({"chat_member", group, admin});
    }
    if (scopes.size() > kMaxAdminMenus) {
        s_.log.log(LogLevel::kNotice, "the admin command menu is set for the first " +
                                          std::to_string(kMaxAdminMenus) + " of " +
                                          std::to_string(scopes.size()) + " admin/chat pairs");
        scopes.resize(kMaxAdminMenus);
    }
    for (const auto& scope : scopes) {
        chat_outbox_.post_now("setMyCommands", telegram::set_my_commands_body(admins, scope));
    }
}

void Bridge::on_callback(const telegram::CallbackQuery& q) {
    if (!config_.is_bridged_chat(q.chat_id)) {
        // Answered all the same, so the presser's button stops spinning; nothing else.
        chat_outbox_.post_now("answerCallbackQuery", telegram::answer_callback_body(q.id, {}));
        return;
    }
    commands_.handle_callback(q);
}

void Bridge::on_update(const telegram::Update& update) {
    dirty_ = true;
    if (update.callback) return on_callback(*update.callback);
    if (!update.message) return;
    const telegram::IncomingMessage& m = *update.message;
    if (m.from_bot) return;  // other bots (and our own echoes) never drive the mesh
    if (!config_.is_bridged_chat(m.chat_id)) {
        if (!config_.is_admin_private_chat(m.chat_id, m.user_id) &&
            !ignored_chats_.count(m.chat_id) && ignored_chats_.size() < kIgnoredChatsLogged) {
            ignored_chats_.insert(m.chat_id);
            s_.log.log(LogLevel::kNotice,
                       "ignoring updates from chat " + std::to_string(m.chat_id) +
                           " (not in chat_ids; /start there answers with its id)");
        }
        return commands_.handle_outside(m, poller_.bot_username());
    }
    commands_.handle(m, poller_.bot_username());
}

void Bridge::on_published(uint64_t receipt_id, bool ok, Millis at) {
    commands_.on_published(receipt_id, ok, at);
}

void Bridge::note_inbound_dropped(uint64_t count) {
    stats_.drops[static_cast<size_t>(Drop::kInboundQueueFull)] += count;
    drops_.note(Drop::kInboundQueueFull,
                std::to_string(count) + " uplinks (the bridge cannot keep up with the traffic)",
                count);
}

void Bridge::on_control(const ControlRequest& request) {
    control_.submit(request);
}

std::string Bridge::reload_config() {
    if (!s_.reload_config) return "reloading is not available here";
    ConfigResult result = s_.reload_config();
    if (!result.config) {
        s_.log.log(LogLevel::kError,
                   "reload refused, the previous configuration stays in force: " + result.error);
        return result.error;
    }
    // The commands after reloadConfig in the same request see the new configuration.
    apply_config(std::move(*result.config));
    return {};
}

bool Bridge::forget_node_key(mesh::NodeNum node, const std::string& who) {
    if (!nodes_.forget_key(node)) return false;
    dirty_ = true;
    s_.log.log(LogLevel::kNotice, "forgot the pinned public key of " + mesh::format_node_id(node) +
                                      " (asked by " + who + "): its next NODEINFO sets it");
    return true;
}

std::vector<Finding> Bridge::diagnose(const i18n::Catalog& cat) const {
    const Millis now = s_.clock.now_ms();
    DiagnosisInputs in;
    in.uptime = now - started_at_;
    if (last_uplink_at_ != kNever) in.last_uplink_age = now - last_uplink_at_;
    in.unknown_channels =
        ingest_.unknown_channels().seen_since(now - Diagnosis::kUnknownChannelWindow);
    in.telegram_unauthorized = poller_.unauthorized();
    in.can_read_all_group_messages = poller_.can_read_all_group_messages();
    in.unreachable_chats = chat_outbox_.unreachable_chats();
    return Diagnosis::run(config_, in, cat);
}

Metrics Bridge::metrics() const {
    const Millis now = s_.clock.now_ms();
    Metrics m;
    m.uptime_s = (now - started_at_) / kSecond;
    m.stats = stats_;
    m.nodes_known = nodes_.size();
    m.gateways_online = gateways_heard(nodes_, s_.clock.unix_seconds()).size();
    m.last_uplink_age_s = last_uplink_at_ == kNever ? -1 : (now - last_uplink_at_) / kSecond;
    m.telegram_connected = poller_.connected();
    m.mesh_queue = mesh_outbox_.size();
    m.chat_queue = chat_outbox_.size();
    return m;
}

void Bridge::run_due() {
    const Millis now = s_.clock.now_ms();
    if (now >= next_sys_at_) {
        sys_tree_.publish(metrics(), s_.publisher);
        next_sys_at_ = now + config_.sys_interval_s * kSecond;
    }
    if (!identity_saved_ && now >= next_identity_save_at_) save_identity();
    // The key goes out only once it is on disk: announced and then lost, it would be pinned by
    // nodes that then drop everything signed with the next one.
    if (now >= next_announce_at_ && identity_saved_) {
        announced_this_run_ = true;
        mesh_outbox_.push(downlinks_.nodeinfo());
        last_announce_at_ = now;
        next_announce_at_ = now + kAnnounceInterval;
    }
    while (mesh_outbox_.run_due(now, s_.publisher))
        dirty_ = true;
    control_.run_due();      // a few requests a turn: a flood never holds up the rest
    receipts_.run_due(now);  // before the outbox, which sends the edits it makes
    post_alerts(alerts_.run_due(now, s_.clock.unix_seconds(), i18n::catalog(config_.language)));
    poller_.run_due(now);
    chat_outbox_.run_due(now);
    if (dirty_ && now >= next_save_at_) {
        save_state({});
        next_save_at_ = now + kSaveInterval;
    }
}

Millis Bridge::next_due() const {
    const Millis now = s_.clock.now_ms();
    // Without the identity on disk the announcement waits for the next attempt to write it.
    const Millis announce = identity_saved_ ? next_announce_at_ : next_identity_save_at_;
    Millis next = std::min({announce, next_sys_at_, mesh_outbox_.next_due(), poller_.next_due(),
                            chat_outbox_.next_due(now), receipts_.next_due(), alerts_.next_due(),
                            control_.next_due()});
    if (dirty_) next = std::min(next, next_save_at_);
    return next;
}

void Bridge::save_state(const std::vector<Outgoing>& extra_unpublished) {
    PersistentState state;
    state.node_id = downlinks_.node();
    state.packet_counter = downlinks_.packet_counter();
    state.telegram_offset = poller_.offset();
    for (const auto& m : extra_unpublished) {
        // Probes, $SYS values and control responses are not replayed.
        if (m.receipt_id == 0 && !m.transient) state.mesh_queue.push_back(m);
    }
    for (auto& m : mesh_outbox_.pending())
        state.mesh_queue.push_back(std::move(m));
    state.chat_queue = chat_outbox_.pending();
    // The key lives in the identity file; the state carries it only while that cannot be written.
    if (key_generated_ && !identity_saved_) state.private_key = downlinks_.keys().private_key;
    state.message_links = messages_.links();
    state.dm_origins = dm_origins_.list();
    state.gateways = ingest_.gateways();
    state.key_requests = key_requests_;
    std::string error;
    if (s_.store.save(serialize_state(state, nodes_), error)) {
        dirty_ = false;
        ++saves_;
        if (save_failing_) s_.log.log(LogLevel::kNotice, "state file written again");
        save_failing_ = false;
    } else if (!save_failing_) {
        save_failing_ = true;
        s_.log.log(LogLevel::kWarning, "cannot write the state file: " + error +
                                           " (the bridge keeps running; retrying every 30 s)");
    }
}

void Bridge::shutdown(const std::vector<Outgoing>& unpublished) {
    poller_.stop();
    s_.http.cancel_all();
    chat_outbox_.requeue_in_flight();
    // The reporter logs a summary every 10 minutes; what came after the last one (every drop
    // of a shorter run) is told here.
    if (std::string drops = stats_.drop_summary(); !drops.empty()) {
        s_.log.log(LogLevel::kNotice, "dropped since start: " + drops);
    }
    save_state(unpublished);
}

}  // namespace tgmesh::core
