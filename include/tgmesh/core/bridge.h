#pragma once
// The single-threaded heart of tgmesh. It owns all bridge state and is driven by its thread:
// MQTT uplinks, publish receipts and timers go in; publishes, HTTP requests, log lines and
// state saves go out through the ports. Unit tests drive it with fakes.
//
// It only wires the rooms of core/ together and keeps the clock: ingest (what the mesh says),
// downlink (what the bridge sends and owes the mesh), chat (what Telegram shows and is asked),
// admin ($CONTROL, $SYS, diagnosis), state and identity (what survives a restart).
#include <functional>
#include <string>
#include <vector>

#include "tgmesh/base/drop_reporter.h"
#include "tgmesh/base/ports.h"
#include "tgmesh/base/stats.h"
#include "tgmesh/core/admin/control_api.h"
#include "tgmesh/core/admin/diagnosis.h"
#include "tgmesh/core/admin/metrics.h"
#include "tgmesh/core/chat/alerts.h"
#include "tgmesh/core/chat/chat_commands.h"
#include "tgmesh/core/chat/chat_poster.h"
#include "tgmesh/core/config/config.h"
#include "tgmesh/core/downlink/mesh_duties.h"
#include "tgmesh/core/downlink/mesh_outbox.h"
#include "tgmesh/core/downlink/mesh_sender.h"
#include "tgmesh/core/downlink/packet_encoder.h"
#include "tgmesh/core/downlink/sent_dms.h"
#include "tgmesh/core/identity/identity_keeper.h"
#include "tgmesh/core/identity/node_identity.h"
#include "tgmesh/core/ingest/dedup.h"
#include "tgmesh/core/ingest/json_gateway.h"
#include "tgmesh/core/ingest/mesh_ingest.h"
#include "tgmesh/core/ingest/node_registry.h"
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
    StateStore& identity;  // the node id and key pair, apart from the state (identity_file.h)
    Logger& log;
    std::function<uint32_t()> random;
    // Re-reads the configuration (SIGHUP, the control API's reloadConfig). On success the
    // adapters already follow it and the bridge applies it at once. Unset: not available.
    std::function<ConfigResult()> reload_config = {};
};

class Bridge {
  public:
    static constexpr Millis kSaveInterval = 30 * kSecond;
    // Downlinks restored from the state wait for the run's first uplink, at most this long.
    static constexpr Millis kRestoredDownlinksWait = kMinute;

    Bridge(Config config, Services services);

    // Loads the state file, then starts announcing and polling.
    void start();
    // The new configuration applies to what follows.
    void apply_config(Config config);
    // SIGHUP and reloadConfig over $CONTROL: re-reads it through Services::reload_config and
    // applies it; on failure the previous configuration stays.
    Status reload_config();
    void on_mqtt_message(std::string_view topic, BytesView payload);
    void on_published(uint64_t receipt_id, bool ok, Millis at);
    // The broker thread had to drop `count` uplinks (its queue to the worker was full).
    void note_inbound_dropped(uint64_t count);
    // A request published to $CONTROL/tgmesh/v1 (the broker's ACL let the client publish it).
    void on_control(const ControlRequest& request) { control_.submit(request); }
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
    mesh::NodeNum node_id() const { return identity_.node(); }
    const NodeRegistry& nodes() const { return nodes_; }

  private:
    void start_telegram();
    void on_routing(const RoutingAnswer& routing);
    // Something to save changed since the last save.
    bool dirty() const;

    // bridge_state.cpp: the state file.
    void load_state();
    void save_state(const std::vector<Outgoing>& extra_unpublished);

    Services s_;
    Config config_;
    Stats stats_;
    DropReporter drops_;
    mesh::Keyring keyring_;
    NodeIdentity identity_;
    IdentityKeeper identity_keeper_;
    NodeRegistry nodes_;
    // ingest
    Dedup dedup_;
    JsonGateway json_gateway_;
    MeshIngest ingest_;
    // downlink
    PacketEncoder encoder_;
    MeshOutbox mesh_outbox_;
    SentDms sent_dms_;
    MeshSender sender_;
    MeshDuties duties_;
    // chat
    telegram::Endpoint endpoint_;
    // getUpdates' view of the Bot API; each chat of the outbox keeps its own.
    telegram::ApiHealth poll_health_;
    telegram::Poller poller_;
    telegram::Outbox chat_outbox_;
    Moderation moderation_;
    ChatPoster poster_;
    Alerts alerts_;
    ChatCommands commands_;
    // admin
    ControlApi control_;
    SysTree sys_tree_;

    bool dirty_ = false;
    uint64_t saves_ = 0;
    bool save_failing_ = false;
    Millis next_save_at_ = 0;
    Millis started_at_ = 0;
    Millis next_sys_at_ = kNever;
    Millis last_uplink_at_ = kNever;
};

}  // namespace tgmesh::core
