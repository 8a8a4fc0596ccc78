#pragma once
// The bridge's counters and gauges at one moment: published retained under
// $SYS/broker/tgmesh/ every 10 s, and returned by the control API's getStatus.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tgmesh/base/ports.h"
#include "tgmesh/base/stats.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::core {

// A gateway counts as online while it reported a node within this window.
constexpr int64_t kGatewayOnlineSeconds = int64_t{15} * 60;

struct GatewayActivity {
    std::string id;    // "!xxxxxxxx"
    size_t nodes = 0;  // distinct nodes it reported within the window
    int64_t last = 0;  // unix seconds of its latest report
};

// Gateways that reported a node within `window_s` of `now_unix`, ordered by id.
std::vector<GatewayActivity> gateways_heard(const NodeRegistry& nodes, int64_t now_unix,
                                            int64_t window_s = kGatewayOnlineSeconds);

struct Metrics {
    int64_t uptime_s = 0;
    Stats stats;
    size_t nodes_known = 0;
    size_t gateways_online = 0;
    int64_t last_uplink_age_s = -1;  // -1: no uplink since the start
    bool telegram_connected = false;
    size_t mesh_queue = 0;
    size_t chat_queue = 0;
    size_t blocked_users = 0;  // blocked_users and /block
    size_t blocked_nodes = 0;
};

// ("uplinks", "42"), ("drops/duplicate", "3"), ...: the names under $SYS/broker/tgmesh/.
std::vector<std::pair<std::string, std::string>> sys_values(const Metrics& m);

// Publishes the values retained under $SYS/broker/tgmesh/; after the first round only those
// that changed, as the broker does with its own $SYS tree.
class SysTree {
  public:
    static constexpr Millis kInterval = 10 * kSecond;
    static constexpr std::string_view kPrefix = "$SYS/broker/tgmesh/";

    void publish(const Metrics& m, Publisher& out);

  private:
    std::map<std::string, std::string, std::less<>> last_;
};

}  // namespace tgmesh::core
