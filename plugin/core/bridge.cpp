#include "tgmesh/core/bridge.h"

#include <algorithm>

#include "tgmesh/core/chat/status_report.h"
#include "tgmesh/util/base64.h"

namespace tgmesh::core {

Bridge::Bridge(Config config, Services services)
    : s_(std::move(services)),
      config_(std::move(config)),
      drops_(s_.log, s_.clock, stats_),
      keyring_(config_.channel_keys),
      identity_keeper_(identity_, config_, s_.identity, s_.log, s_.clock, s_.random),
      json_gateway_(s_.clock),
      ingest_(config_, keyring_, identity_, json_gateway_, nodes_, dedup_, stats_, drops_,
              s_.clock),
      encoder_(config_, identity_, json_gateway_, s_.random),
      sender_({config_, nodes_, encoder_, mesh_outbox_, sent_dms_, stats_, drops_, s_.clock}),
      duties_(config_, sender_, s_.clock),
      endpoint_{config_.api_url, config_.bot_token},
      poll_health_(s_.log),
      poller_(s_.http, s_.clock, s_.log, poll_health_, endpoint_, stats_),
      chat_outbox_(s_.http, s_.clock, s_.log, poll_health_, endpoint_, stats_, drops_),
      moderation_(config_, s_.clock),
      poster_(config_, nodes_, moderation_, chat_outbox_, s_.clock, stats_, drops_),
      alerts_(config_, nodes_),
      commands_(
          {config_, nodes_, identity_, sender_, poster_, moderation_, drops_, s_.publisher, s_.log,
           s_.clock,
           [this](const i18n::Catalog& cat) {
               return format_status(metrics(), nodes_, s_.clock.unix_seconds(), diagnose(cat), cat);
           },
           [this](mesh::NodeNum node) { return forget_node_key(node, "an admin in the chat"); }}),
      control_({config_, nodes_, identity_, sender_, drops_, s_.publisher, s_.log, s_.clock,
                [this] { return metrics(); }, [this] { return reload_config(); },
                [this] { return diagnose(i18n::catalog(Language::kEn)); },
                [this](mesh::NodeNum node, const std::string& who) {
                    return forget_node_key(node, who);
                }}) {
    poller_.set_connected_handler([this] { commands_.publish_menu(); });
    // What the handled updates caused (a queued downlink) is on disk before Telegram forgets
    // them: a /send confirmed in the chat survives a kill -9.
    poller_.set_before_confirm_handler([this] {
        if (!dirty()) return;
        // With what the broker has not published yet: a /send may be waiting for its tick.
        save_state(s_.publisher.not_yet_published());
        next_save_at_ = s_.clock.now_ms() + kSaveInterval;
    });
    mesh_outbox_.set_interval(config_.mesh_interval_s * kSecond);
    chat_outbox_.set_pacing(config_.chat_pacing);
}

void Bridge::start() {
    started_at_ = s_.clock.now_ms();
    load_state();
    duties_.start();
    start_telegram();
    next_save_at_ = s_.clock.now_ms() + kSaveInterval;
    if (config_.sys_interval_s > 0) next_sys_at_ = s_.clock.now_ms();
    s_.log.log(LogLevel::kNotice,
               "bridging channel " + config_.channel + " on " + config_.topic_roots.front() +
                   " as " + identity_.id() + " (" +
                   (config_.downlink == DownlinkMode::kJson ? "json" : "protobuf") +
                   " downlink); " + std::to_string(nodes_.size()) + " nodes known; public key " +
                   base64_encode(identity_.keys().public_key));
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
    poller_.start([this](const telegram::Update& update) {
        dirty_ = true;
        commands_.handle_update(update, poller_.bot_username());
    });
}

void Bridge::apply_config(Config config) {
    const bool telegram_changed =
        config.bot_token != config_.bot_token || config.api_url != config_.api_url;
    // Update ids belong to a bot: a token of another bot starts from its own first update.
    auto bot_of = [](const std::string& token) { return token.substr(0, token.find(':')); };
    const bool other_bot = bot_of(config.bot_token) != bot_of(config_.bot_token);
    if (config.state_file != config_.state_file) {
        s_.log.log(LogLevel::kWarning, "state_file changes take effect at the next restart");
        config.state_file = config_.state_file;
    }
    if (config.wake_broker != config_.wake_broker) {
        s_.log.log(LogLevel::kWarning, "wake_broker changes take effect at the next restart");
        config.wake_broker = config_.wake_broker;
    }
    const bool identity_changed = identity_keeper_.apply(config);
    config_ = std::move(config);
    keyring_ = mesh::Keyring(config_.channel_keys);
    mesh_outbox_.set_interval(config_.mesh_interval_s * kSecond);
    chat_outbox_.set_pacing(config_.chat_pacing);
    next_sys_at_ = config_.sys_interval_s > 0 ? s_.clock.now_ms() : kNever;
    if (telegram_changed) {
        poller_.stop();
        s_.http.cancel_all();
        chat_outbox_.requeue_in_flight();
        if (other_bot) poller_.set_offset(0);
        start_telegram();
    }
    if (identity_changed) duties_.announce_soon();
    dirty_ = true;
    s_.log.log(LogLevel::kNotice, "configuration reloaded");
}

Status Bridge::reload_config() {
    if (!s_.reload_config) return Status::failure("reloading is not available here");
    ConfigResult result = s_.reload_config();
    if (!result.config) {
        s_.log.log(LogLevel::kError, "reload refused, the previous configuration stays in force: " +
                                         result.config.error());
        return result.config.status();
    }
    // The commands after reloadConfig in the same request see the new configuration.
    apply_config(std::move(*result.config));
    return Status::ok();
}

void Bridge::on_mqtt_message(std::string_view topic, BytesView payload) {
    last_uplink_at_ = s_.clock.now_ms();
    duties_.on_uplink();
    mesh_outbox_.release(last_uplink_at_);
    IngestResult result = ingest_.ingest(topic, payload);
    dirty_ = true;
    duties_.on_ingest(result);
    if (result.routing) on_routing(*result.routing);
    if (result.heard) {
        poster_.post_alerts(
            alerts_.observe(*result.heard, result.new_node, i18n::catalog(config_.language)));
    }
    if (result.trace) commands_.on_trace(*result.trace);
    if (result.waypoint) poster_.post_waypoint(*result.waypoint);
    if (result.text) poster_.post_mesh_text(*result.text);
}

void Bridge::on_routing(const RoutingAnswer& r) {
    if (r.error_reason == mesh::kRoutingPkiUnknownPubkey) {
        // The node cannot open our PKI DM without our key: our NODEINFO to it, then the part
        // once more as a new packet; the chat's receipt follows the new one.
        if (auto new_id = sender_.resend_after_unknown_key(r.from, r.request_id)) {
            poster_.resent(r.from, r.request_id, *new_id);
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
    poster_.on_routing(r.from, r.request_id, r.error_reason);
}

void Bridge::on_published(uint64_t receipt_id, bool ok, Millis at) {
    commands_.on_published(receipt_id, ok, at);
}

void Bridge::note_inbound_dropped(uint64_t count) {
    drops_.record(Drop::kInboundQueueFull,
                  std::to_string(count) + " uplinks (the bridge cannot keep up with the traffic)",
                  count);
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
    m.blocked_users = moderation_.blocked_user_count();
    m.blocked_nodes = moderation_.blocked_node_count();
    return m;
}

void Bridge::run_due() {
    const Millis now = s_.clock.now_ms();
    if (now >= next_sys_at_) {
        sys_tree_.publish(metrics(), s_.publisher);
        next_sys_at_ = now + config_.sys_interval_s * kSecond;
    }
    identity_keeper_.run_due();
    duties_.run_due(identity_keeper_.on_disk());
    while (mesh_outbox_.run_due(now, s_.publisher))
        dirty_ = true;
    control_.run_due();      // a few requests a turn: a flood never holds up the rest
    poster_.run_due(now);    // receipts, before the outbox, which sends the edits they make
    commands_.run_due(now);  // traceroutes that timed out
    poster_.post_alerts(
        alerts_.run_due(now, s_.clock.unix_seconds(), i18n::catalog(config_.language)));
    poller_.run_due(now);
    chat_outbox_.run_due(now);
    if (dirty() && now >= next_save_at_) {
        save_state({});
        next_save_at_ = now + kSaveInterval;
    }
}

Millis Bridge::next_due() const {
    const Millis now = s_.clock.now_ms();
    // Without the identity on disk the announcement waits for the next attempt to write it.
    const Millis announce =
        identity_keeper_.on_disk() ? duties_.next_due() : identity_keeper_.next_due();
    Millis next = std::min({announce, next_sys_at_, mesh_outbox_.next_due(), poller_.next_due(),
                            chat_outbox_.next_due(now), poster_.next_due(), alerts_.next_due(),
                            control_.next_due(), commands_.next_due()});
    if (dirty()) next = std::min(next, next_save_at_);
    return next;
}

}  // namespace tgmesh::core
