#include "tgmesh/core/bridge.h"

#include <algorithm>

#include "tgmesh/core/format.h"
#include "tgmesh/core/state.h"

namespace tgmesh::core {

namespace {
constexpr size_t kIgnoredChatsLogged = 1000;

// The drop reporter logs the first drop of a kind and then a summary every 10 minutes: the
// drops since the last summary (every drop of a run shorter than 10 minutes) were never
// reported. Logged at shutdown, by reason.
void log_drop_totals(const Stats& stats, Logger& log) {
    std::string line;
    for (size_t i = 0; i < static_cast<size_t>(Drop::kCount); ++i) {
        if (stats.drops[i] == 0) continue;
        if (!line.empty()) line += ", ";
        line += std::string(drop_name(static_cast<Drop>(i))) + " " + std::to_string(stats.drops[i]);
    }
    if (!line.empty()) log.log(LogLevel::kNotice, "dropped since start: " + line);
}
}  // namespace

Bridge::Bridge(Config config, Services services)
    : s_(std::move(services)),
      config_(std::move(config)),
      keyring_(config_.channel_keys),
      downlinks_(config_, s_.clock),
      endpoint_{config_.api_url, config_.bot_token},
      poll_health_(s_.log),
      send_health_(s_.log),
      poller_(s_.http, s_.clock, s_.log, poll_health_, endpoint_, stats_),
      chat_outbox_(s_.http, s_.clock, s_.log, send_health_, endpoint_, stats_),
      drops_(s_.log, s_.clock),
      ingest_(config_, keyring_, downlinks_, nodes_, dedup_, stats_, drops_, s_.clock),
      commands_({config_, nodes_, downlinks_, mesh_outbox_, s_.publisher, chat_outbox_, s_.clock,
                 stats_, drops_}) {
    mesh_outbox_.set_interval(config_.mesh_interval_s * kSecond);
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
    mesh::NodeNum node = 0;
    if (config_.node_id) {
        node = *config_.node_id;
    } else if (state.node_id) {
        node = *state.node_id;
    } else {
        // Avoid 0, broadcast and the low reserved numbers.
        do {
            node = s_.random();
        } while (node < 4 || node == mesh::kBroadcast);
        s_.log.log(LogLevel::kNotice, "generated node id " + mesh::format_node_id(node) +
                                          " for the bridge (kept in the state file)");
    }
    // Ids issued after the last save must not be reused after a crash.
    uint32_t counter = state.node_id ? state.packet_counter + kPacketIdSkipAfterLoad : s_.random();
    downlinks_.set_identity(node, counter);
    poller_.set_offset(state.telegram_offset);
    for (auto& m : state.mesh_queue)
        mesh_outbox_.push(std::move(m));
    for (auto& m : state.chat_queue)
        chat_outbox_.enqueue(std::move(m));
    dirty_ = true;
}

void Bridge::start() {
    load_state();
    if (config_.downlink == DownlinkMode::kProtobuf) schedule_announce(s_.clock.now_ms());
    start_telegram();
    next_save_at_ = s_.clock.now_ms() + kSaveInterval;
    s_.log.log(LogLevel::kNotice,
               "bridging channel " + config_.channel + " on " + config_.topic_roots.front() +
                   " as " + mesh::format_node_id(downlinks_.node()) + " (" +
                   (config_.downlink == DownlinkMode::kJson ? "json" : "protobuf") +
                   " downlink); " + std::to_string(nodes_.size()) + " nodes known");
}

void Bridge::start_telegram() {
    endpoint_ = {config_.api_url, config_.bot_token};
    if (!config_.telegram_enabled()) {
        s_.log.log(LogLevel::kNotice,
                   "Telegram side off: no bot token (set plugin_opt_bot_token_file and "
                   "plugin_opt_chat_ids to bridge chats)");
        return;
    }
    poller_.start([this](const telegram::Update& u) { on_update(u); });
}

void Bridge::apply_config(Config config) {
    const bool telegram_changed =
        config.bot_token != config_.bot_token || config.api_url != config_.api_url;
    // Update ids belong to a bot: a token of another bot starts from its own first update.
    auto bot_of = [](const std::string& token) { return token.substr(0, token.find(':')); };
    const bool other_bot = bot_of(config.bot_token) != bot_of(config_.bot_token);
    const bool identity_changed = config.node_id && config.node_id != downlinks_.node();
    if (config.state_file != config_.state_file) {
        s_.log.log(LogLevel::kWarning, "state_file changes take effect at the next restart");
        config.state_file = config_.state_file;
    }
    config_ = std::move(config);
    keyring_ = mesh::Keyring(config_.channel_keys);
    mesh_outbox_.set_interval(config_.mesh_interval_s * kSecond);
    if (identity_changed) downlinks_.set_identity(*config_.node_id, downlinks_.packet_counter());
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
    IngestResult result = ingest_.ingest(topic, payload);
    dirty_ = true;
    if (result.new_gateway && config_.downlink == DownlinkMode::kProtobuf) {
        schedule_announce(s_.clock.now_ms() + kAnnounceAfterNewGateway);
    }
    if (result.text) post_to_chats(*result.text);
}

void Bridge::post_to_chats(const MeshText& text) {
    if (!config_.telegram_enabled()) return;
    const auto& cat = i18n::catalog(config_.language);
    const std::string html = format_mesh_text(text, nodes_.find(text.from), nodes_, cat);
    for (int64_t chat : config_.chat_ids) {
        if (chat_outbox_.enqueue({chat, html, {}, 0})) {
            ++stats_.texts_to_telegram;
        } else {
            drops_.note(Drop::kTelegramQueueFull, "text from " + mesh::format_node_id(text.from));
        }
    }
}

void Bridge::on_update(const telegram::Update& update) {
    dirty_ = true;
    if (!update.message) return;
    const telegram::IncomingMessage& m = *update.message;
    if (!config_.is_bridged_chat(m.chat_id)) {
        if (!ignored_chats_.count(m.chat_id) && ignored_chats_.size() < kIgnoredChatsLogged) {
            ignored_chats_.insert(m.chat_id);
            s_.log.log(LogLevel::kNotice, "ignoring updates from chat " +
                                              std::to_string(m.chat_id) + " (not in chat_ids)");
        }
        return;
    }
    if (m.from_bot) return;  // other bots (and our own echoes) never drive the mesh
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

void Bridge::run_due() {
    const Millis now = s_.clock.now_ms();
    if (now >= next_announce_at_) {
        mesh_outbox_.push(downlinks_.nodeinfo());
        last_announce_at_ = now;
        next_announce_at_ = now + kAnnounceInterval;
    }
    while (mesh_outbox_.run_due(now, s_.publisher))
        dirty_ = true;
    poller_.run_due(now);
    chat_outbox_.run_due(now);
    if (dirty_ && now >= next_save_at_) {
        save_state({});
        next_save_at_ = now + kSaveInterval;
    }
}

Millis Bridge::next_due() const {
    const Millis now = s_.clock.now_ms();
    Millis next = std::min({next_announce_at_, mesh_outbox_.next_due(), poller_.next_due(),
                            chat_outbox_.next_due(now)});
    if (dirty_) next = std::min(next, next_save_at_);
    return next;
}

void Bridge::save_state(const std::vector<Outgoing>& extra_unpublished) {
    PersistentState state;
    state.node_id = downlinks_.node();
    state.packet_counter = downlinks_.packet_counter();
    state.telegram_offset = poller_.offset();
    for (const auto& m : extra_unpublished) {
        if (m.receipt_id == 0) state.mesh_queue.push_back(m);  // probes are not replayed
    }
    for (auto& m : mesh_outbox_.pending())
        state.mesh_queue.push_back(std::move(m));
    state.chat_queue = chat_outbox_.pending();
    std::string error;
    if (s_.store.save(serialize_state(state, nodes_), error)) {
        dirty_ = false;
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
    log_drop_totals(stats_, s_.log);
    save_state(unpublished);
}

}  // namespace tgmesh::core
