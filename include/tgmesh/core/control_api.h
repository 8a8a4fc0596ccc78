#pragma once
// $CONTROL/tgmesh/v1: administration over MQTT in the style of Mosquitto's dynamic-security
// plugin. A request {"commands":[{"command":"getStatus","correlationData":"7"}, ...]} gets one
// answer {"responses":[{"command":"getStatus","data":{...},"correlationData":"7"}, ...]} on
// $CONTROL/tgmesh/v1/response, a failed command {"command":..,"error":"why"}. Commands:
// getStatus, listNodes, getNode, sendText, reloadConfig, diagnose. Who may publish to the topic is
// the broker ACL's decision; every command is logged with the client that sent it.
#include <functional>
#include <string>
#include <string_view>

#include "tgmesh/core/config.h"
#include "tgmesh/core/diagnosis.h"
#include "tgmesh/core/mesh_send.h"
#include "tgmesh/core/metrics.h"
#include "tgmesh/core/node_registry.h"
#include "tgmesh/core/ports.h"
#include "tgmesh/util/json.h"

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
    static constexpr size_t kMaxCommands = 100;

    struct Deps {
        const Config& config;
        const NodeRegistry& nodes;
        MeshSendContext mesh;
        Publisher& publisher;
        Logger& log;
        const Clock& clock;
        std::function<Metrics()> metrics;
        // Re-reads the configuration as SIGHUP does; the error, or empty once it applies.
        std::function<std::string()> reload;
        // What stops the bridge working, in English.
        std::function<std::vector<Finding>()> findings;
    };

    explicit ControlApi(Deps deps) : d_(std::move(deps)) {}

    void handle(const ControlRequest& request);

  private:
    // Each fills `data` and returns an empty string, or returns the error.
    std::string get_status(json::Ptr& data);
    std::string list_nodes(const cJSON* command, json::Ptr& data);
    std::string get_node(const cJSON* command, json::Ptr& data);
    std::string send_text(const cJSON* command, const ControlRequest& request, json::Ptr& data);
    std::string reload_config();
    std::string diagnose(json::Ptr& data);
    // "node": "!xxxxxxxx", a node number or a name; nullopt with the error set.
    std::optional<mesh::NodeNum> find_node(const cJSON* command, std::string& error) const;

    Deps d_;
};

}  // namespace tgmesh::core
