#pragma once
// $CONTROL/tgmesh/v1: administration over MQTT in the style of Mosquitto's dynamic-security
// plugin. A request {"commands":[{"command":"getStatus","correlationData":"7"}, ...]} gets one
// answer {"responses":[{"command":"getStatus","data":{...},"correlationData":"7"}, ...]} on
// $CONTROL/tgmesh/v1/response, a failed command {"command":..,"error":"why"}. Commands:
// getStatus, listNodes, getNode, sendText, reloadConfig, diagnose, forgetNodeKey. Who may
// publish to the topic is the broker ACL's decision; every command is logged with the client
// that sent it. Without an ACL any client may publish there, so everything is bounded: commands
// per request, nodes per listNodes answer, answer bytes, requests per client and overall per
// second; requests wait in a bounded queue and are handled a few at a time between the
// bridge's own work, so a flood never holds up uplinks, the chat or a shutdown.
#include <deque>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "tgmesh/base/drop_reporter.h"
#include "tgmesh/base/ports.h"
#include "tgmesh/core/admin/diagnosis.h"
#include "tgmesh/core/admin/metrics.h"
#include "tgmesh/core/config/config.h"
#include "tgmesh/core/downlink/mesh_sender.h"
#include "tgmesh/core/identity/node_identity.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/util/json.h"
#include "tgmesh/util/token_bucket.h"

namespace tgmesh::core {

struct ControlRequest {
    std::string client_id;
    std::string username;  // empty for anonymous clients
    std::string payload;
};

class ControlApi {
  public:
    static constexpr std::string_view kTopic = "$CONTROL/tgmesh/v1";
    static constexpr std::string_view kResponseTopic = "$CONTROL/tgmesh/v1/response";
    static constexpr size_t kMaxCommands = 10;
    static constexpr size_t kMaxNodesPerAnswer = 100;
    static constexpr size_t kMaxAnswerBytes = size_t{1} << 20;
    // Requests a client may send: kClientRate a second with a burst of kClientBurst; all
    // clients together kTotalRate with kTotalBurst. The excess is dropped (drops/control_flood).
    static constexpr double kClientRate = 5;
    static constexpr double kClientBurst = 10;
    static constexpr double kTotalRate = 20;
    static constexpr double kTotalBurst = 40;
    static constexpr size_t kMaxWaiting = 100;
    // Handled per run_due() call; the rest waits for the next turn of the worker's loop.
    static constexpr size_t kRequestsPerTurn = 2;
    static constexpr size_t kClientsTracked = 1000;

    struct Deps {
        const Config& config;
        const NodeRegistry& nodes;
        const NodeIdentity& identity;
        MeshSender& sender;
        DropReporter& drops;
        Publisher& publisher;
        Logger& log;
        const Clock& clock;
        std::function<Metrics()> metrics;
        // Re-reads the configuration as SIGHUP does and applies it.
        std::function<Status()> reload;
        // What stops the bridge working, in English.
        std::function<std::vector<Finding>()> findings;
        // Drops a node's pinned key; false if it had none.
        std::function<bool(mesh::NodeNum node, const std::string& who)> forget_key;
    };

    explicit ControlApi(Deps deps) : d_(std::move(deps)) {}

    // Takes a request (or drops it: rate, queue bound) to be handled by run_due().
    void submit(ControlRequest request);
    // Handles up to kRequestsPerTurn waiting requests.
    void run_due();
    // Now while requests wait, else kNever.
    Millis next_due() const { return waiting_.empty() ? kNever : d_.clock.now_ms(); }
    size_t waiting() const { return waiting_.size(); }
    // Handles one request at once (run_due's step; also what tests drive).
    void handle(const ControlRequest& request);

  private:
    // A command's answer: its data (null: none), or why it was refused.
    using Answer = Result<json::Ptr>;
    using Handler = Answer (ControlApi::*)(const cJSON* command, const ControlRequest& request);
    struct Command {
        std::string_view name;
        Handler run;
        bool acts;  // changes something: logged as a notice (reading ones at debug level)
    };
    static std::span<const Command> commands();
    Answer get_status(const cJSON* command, const ControlRequest& request);
    Answer list_nodes(const cJSON* command, const ControlRequest& request);
    Answer get_node(const cJSON* command, const ControlRequest& request);
    Answer send_text(const cJSON* command, const ControlRequest& request);
    Answer reload_config(const cJSON* command, const ControlRequest& request);
    Answer diagnose(const cJSON* command, const ControlRequest& request);
    Answer forget_node_key(const cJSON* command, const ControlRequest& request);
    bool within_rate(const std::string& client_id);
    // "node": "!xxxxxxxx", a node number or a name; nullopt with the error set.
    Result<mesh::NodeNum> find_node(const cJSON* command) const;

    Deps d_;
    std::deque<ControlRequest> waiting_;
    std::map<std::string, TokenBucket> per_client_;
    TokenBucket total_{kTotalRate, kTotalBurst};
};

}  // namespace tgmesh::core
