#pragma once
// The single-threaded heart of tgmesh. It owns all bridge state and is driven by its thread:
// MQTT uplinks, publish receipts and timers go in; publishes, HTTP requests, log lines and
// state saves go out through the ports. Unit tests drive it with fakes.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tgmesh/core/alerts.h"
#include "tgmesh/core/chat_commands.h"
#include "tgmesh/core/config.h"
#include "tgmesh/core/control_api.h"
#include "tgmesh/core/dedup.h"
#include "tgmesh/core/delivery_receipts.h"
#include "tgmesh/core/diagnosis.h"
#include "tgmesh/core/dm_origins.h"
#include "tgmesh/core/downlinks.h"
#include "tgmesh/core/drop_reporter.h"
#include "tgmesh/core/mesh_ingest.h"
#include "tgmesh/core/mesh_outbox.h"
#include "tgmesh/core/message_map.h"
#include "tgmesh/core/metrics.h"
#include "tgmesh/core/node_registry.h"
#include "tgmesh/core/ports.h"
#include "tgmesh/core/state.h"
#include "tgmesh/core/stats.h"
#include "tgmesh/mesh/keyring.h"
#include "tgmesh/telegram/api_health.h"
#include "tgmesh/telegram/outbox.h"
#include "tgmesh/telegram/poller.h"

namespace tgmesh::core {

struct Services {
    const Clock& clock;
    Publisher& publisher;
    HttpClient& http;
    StateStore& store;
    StateStore& identity;  // the node id and key pair, apart from the state (identity.h)
    Logger& log;
    std::function<uint32_t()> random;
    // Re-reads the configuration (SIGHUP, the control API's reloadConfig). On success the
    // adapters already follow it and the bridge applies it at once. Unset: not available.
    std::function<ConfigResult()> reload_config = {};
};

class Bridge {
  public:
    static constexpr Millis kSaveInterval = 30 * kSecond;
    static constexpr Millis kAnnounceInterval = 3 * kHour;
    // The run's first announcement: soon after the first uplink (gateways are connected), at
    // the latest this long after the start.
    static constexpr Millis kAnnounceAfterFirstUplink = 5 * kSecond;
    static constexpr Millis kAnnounceAtTheLatest = kMinute;
    static constexpr Millis kMinAnnounceGap = kMinute;
    // NODEINFO requests (want_response) to one node at most this often (firmware's window).
    static constexpr int64_t kKeyRequestGapS = int64_t{12} * 3600;
    // A repeated want_ack packet is ACKed again when its last ACK is at least this old (copies
    // through several gateways arrive within milliseconds; a retransmission seconds later).
    static constexpr Millis kReAckGap = 2 * kSecond;
    static constexpr size_t kAcksRemembered = 2000;
    // NAK 35 to one node at most this often (each makes the node send its NODEINFO).
    static constexpr Millis kNakGap = kMinute;
    static constexpr uint32_t kPacketIdSkipAfterLoad = 1000;
    // A node asking for our NODEINFO is answered at most this often.
    static constexpr Millis kNodeInfoExchangeGap = 10 * kMinute;
    static constexpr size_t kMaxSentActions = 5000;
    // setMyCommands calls for the admin menu (admins x their private chat and bridged groups).
    static constexpr size_t kMaxAdminMenus = 20;

    Bridge(Config config, Services services);

    // Loads the state file, then starts announcing and polling.
    void start();
    // The new configuration applies to what follows.
    void apply_config(Config config);
    // SIGHUP and reloadConfig over $CONTROL: re-reads it through Services::reload_config and
    // applies it; the error (the previous configuration stays), or empty.
    std::string reload_config();
    void on_mqtt_message(std::string_view topic, BytesView payload);
    void on_published(uint64_t receipt_id, bool ok, Millis at);
    // The broker thread had to drop `count` uplinks (its queue to the worker was full).
    void note_inbound_dropped(uint64_t count);
    // A request published to $CONTROL/tgmesh/v1 (the broker's ACL let the client publish it).
    void on_control(const ControlRequest& request);
    // The counters and gauges of $SYS/broker/tgmesh/ and getStatus, now.
    Metrics metrics() const;
    // What stops the bridge working (diagnose over $CONTROL, /status), in `cat`'s language.
    std::vector<Finding> diagnose(const i18n::Catalog& cat) const;
    // /forget_key and forgetNodeKey: drops a node's pinned key (logged with `who`).
    bool forget_node_key(mesh::NodeNum node, const std::string& who);
    void run_due();
    Millis next_due() const;
    // First step of a shutdown: no more updates are taken (a poll answering now is not
    // confirmed, so Telegram sends it again after the restart).
    void stop_polling() { poller_.stop(); }
    // Chat messages whose request is under way: a shutdown lets them finish briefly, since a
    // cancelled request that Telegram already executed would be sent again after the restart.
    size_t chat_sends_in_flight() const { return chat_outbox_.in_flight(); }
    // Stops polling and saves the state, including messages the broker never published.
    void shutdown(const std::vector<Outgoing>& unpublished);

    const Stats& stats() const { return stats_; }
    // State files written so far (the worker returns the heap after each).
    uint64_t saves() const { return saves_; }
    const Config& config() const { return config_; }
    mesh::NodeNum node_id() const { return downlinks_.node(); }
    const NodeRegistry& nodes() const { return nodes_; }

  private:
    void load_state();
    void save_state(const std::vector<Outgoing>& extra_unpublished);
    void on_update(const telegram::Update& update);
    void post_to_chats(const MeshText& text);
    void start_telegram();
    void schedule_announce(Millis at);
    void load_identity(const PersistentState& state);
    // Writes the identity file if it changed; announcements wait until it is on disk.
    void save_identity();
    // Runs `action` with the message id once the chat message tagged with the result is sent.
    uint64_t when_sent(std::function<void(int64_t chat_id, int64_t message_id)> action);
    uint64_t track_delivery(mesh::NodeNum dest, std::vector<uint32_t> packet_ids, int64_t chat_id,
                            std::optional<int64_t> thread_id, const std::string& confirmation_html);
    void report_delivery(DeliveryReport report);
    void request_key(mesh::NodeNum node);
    void answer_nodeinfo(mesh::NodeNum node);
    bool first_in_a_while(std::map<mesh::NodeNum, Millis>& last, mesh::NodeNum node,
                          Millis gap = kNodeInfoExchangeGap);
    // A ROUTING packet (or another that takes no airtime) through the urgent lane.
    void owe(Outgoing message);
    void ack(mesh::NodeNum from, uint32_t id);
    void on_routing(const RoutingAnswer& routing);
    void handle_mesh_result(const IngestResult& result);
    void on_callback(const telegram::CallbackQuery& q);
    void post_alerts(const std::vector<std::string>& alerts);
    // setMyCommands: the menu for everyone and, for the admins (admin_ids) in their private
    // chats and the bridged groups, with the admin commands.
    void publish_command_menu();
    // Where a DM to the bridge goes: the chat a DM it answers came from, else dm_routes().
    std::vector<ChannelRoute> dm_targets(const MeshText& text) const;

    Services s_;
    Config config_;
    Stats stats_;
    mesh::Keyring keyring_;
    NodeRegistry nodes_;
    Dedup dedup_;
    Downlinks downlinks_;
    MeshOutbox mesh_outbox_;
    telegram::Endpoint endpoint_;
    // getUpdates' view of the Bot API; each chat of the outbox keeps its own.
    telegram::ApiHealth poll_health_;
    telegram::Poller poller_;
    telegram::Outbox chat_outbox_;
    DropReporter drops_;
    MeshIngest ingest_;
    MessageMap messages_;
    DmOrigins dm_origins_;
    SentDms sent_dms_;
    DeliveryReceipts receipts_;
    Alerts alerts_;
    ChatCommands commands_;
    ControlApi control_;
    SysTree sys_tree_;

    bool dirty_ = false;
    uint64_t saves_ = 0;
    bool save_failing_ = false;
    Millis next_save_at_ = 0;
    Millis next_announce_at_ = kNever;
    Millis last_announce_at_ = -kMinAnnounceGap;
    std::set<int64_t> ignored_chats_;
    Millis started_at_ = 0;
    Millis next_sys_at_ = kNever;
    Millis last_uplink_at_ = kNever;
    bool key_generated_ = false;  // ours to keep (not from node_private_key_file)
    bool identity_saved_ = false;
    std::string identity_on_disk_;
    Millis next_identity_save_at_ = 0;
    std::map<uint64_t, std::function<void(int64_t, int64_t)>> sent_actions_;
    uint64_t next_tag_ = 1;
    std::map<mesh::NodeNum, int64_t> key_requests_;  // unix seconds; kept in the state file
    std::map<mesh::NodeNum, Millis> nodeinfo_answered_at_;
    std::map<mesh::NodeNum, Millis> nak35_sent_at_;
    std::map<std::pair<mesh::NodeNum, uint32_t>, Millis> acked_;
    bool announced_this_run_ = false;
};

}  // namespace tgmesh::core
