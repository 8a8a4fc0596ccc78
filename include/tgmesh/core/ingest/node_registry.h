#pragma once
// What the bridge knows about each node it has heard: names, hardware, key, position,
// battery, and the latest reception per gateway (hops away, SNR, RSSI, time). Bounded: the
// least recently heard nodes are forgotten first, and every stored string as firmware bounds
// it (long_name 39 bytes, short_name 4, gateway ids "!" + 8 hex digits). Public keys are pinned
// as firmware pins them: the first key learned stays.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/mesh/payloads.h"
#include "tgmesh/util/bytes.h"
#include "tgmesh/util/json.h"

namespace tgmesh::core {

struct Reception {
    std::string gateway;  // "!xxxxxxxx"
    std::optional<int> hops;
    std::optional<float> snr;
    std::optional<int32_t> rssi;
    int64_t time = 0;  // unix seconds
};

// Environment telemetry (Telemetry.environment_metrics), as last reported.
struct Environment {
    std::optional<float> temperature;  // °C
    std::optional<float> humidity;     // %
    std::optional<float> pressure;     // hPa
    int64_t at = 0;                    // unix seconds
};

// How busy the node's channel is (DeviceMetrics.channel_utilization, air_util_tx), in percent.
struct Airtime {
    float channel_utilization = 0;
    float air_util_tx = 0;
    int64_t at = 0;
};

// A node the node hears directly (NEIGHBORINFO_APP), with the SNR it hears it at.
struct Neighbor {
    mesh::NodeNum node = 0;
    float snr = 0;
};

struct Node {
    mesh::NodeNum num = 0;
    std::string long_name;
    std::string short_name;
    std::optional<uint32_t> hw_model;
    std::optional<uint32_t> role;
    Bytes public_key;
    int64_t last_heard = 0;             // unix seconds
    std::vector<Reception> receptions;  // one per gateway, newest first, bounded
    std::optional<mesh::PositionInfo> position;
    int64_t position_heard = 0;
    std::optional<uint32_t> battery_level;
    std::optional<float> voltage;
    std::optional<Environment> environment;
    std::optional<Airtime> airtime;
    std::vector<Neighbor> neighbors;  // at most kMaxNeighbors
    int64_t neighbors_at = 0;
    // Days it was heard: bit i = heard on day (days_until - i), unix days, the last 7 days.
    uint8_t days_heard = 0;
    int64_t days_until = 0;
    bool silent_alerted = false;   // an alert went out for the current silence
    bool battery_alerted = false;  // ... for the current low-battery episode
    uint32_t key_mismatches = 0;   // NODEINFOs refused because they carried another key

    // Days out of the last seven (before it was last heard) on which it was heard.
    int days_heard_count() const;

    // The reception with the fewest hops, then the best SNR.
    const Reception* best_reception() const;
    // Long name, else short name, else the !id.
    std::string display_name() const;
};

// Where a NODEINFO came from decides whether it may set a key.
enum class KeySource {
    kEncrypted,  // opened with a channel key (or PKI): may set a node's first key
    kPlain,      // a decoded envelope, a JSON uplink, a map report: never sets or replaces one
};

enum class UserUpdate {
    kApplied,
    kKeyMismatch,  // another key than the pinned one: nothing changed (counted, shown by /node)
    kIgnored,      // no key for a node whose key is pinned: nothing changed (as firmware does)
};

class NodeRegistry {
  public:
    static constexpr size_t kDefaultCapacity = 10000;
    static constexpr size_t kMaxGatewaysPerNode = 8;
    // meshtastic User.long_name is char[40], short_name char[5] (NUL-terminated).
    static constexpr size_t kMaxLongName = 39;
    static constexpr size_t kMaxShortName = 4;
    // Firmware keeps at most 10 neighbours (NeighborInfo, MAX_NUM_NEIGHBORS).
    static constexpr size_t kMaxNeighbors = 10;

    explicit NodeRegistry(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

    // Records that `num` was heard (any packet) through `reception`; the gateway must be a
    // node id ("!" + 8 hex digits) or empty.
    Node& heard(mesh::NodeNum num, const Reception& reception);
    // A NODEINFO. Firmware pins the first key (src/mesh/NodeDB.cpp:1872-1877 at v2.7.26): once
    // a node has one, a NODEINFO with another key or none changes nothing at all.
    UserUpdate apply_user(mesh::NodeNum num, const mesh::UserInfo& user, KeySource source);
    // Drops a pinned key (/forget_key, forgetNodeKey): the next NODEINFO sets it. False if the
    // node has none.
    bool forget_key(mesh::NodeNum num);
    void apply_position(mesh::NodeNum num, const mesh::PositionInfo& position, int64_t now);
    void apply_metrics(mesh::NodeNum num, const mesh::DeviceMetricsInfo& metrics, int64_t now);
    void apply_environment(mesh::NodeNum num, const mesh::EnvironmentInfo& environment,
                           int64_t now);
    void apply_neighbors(mesh::NodeNum num, const mesh::NeighborInfoMsg& info, int64_t now);
    void apply_map_report(mesh::NodeNum num, const mesh::MapReportInfo& report, int64_t now);

    const Node* find(mesh::NodeNum num) const;
    Node* find(mesh::NodeNum num);
    size_t size() const { return nodes_.size(); }
    // Most recently heard first.
    std::vector<const Node*> by_last_heard() const;
    // Those whose long or short name or id contains `filter` (any case), most recent first.
    std::vector<const Node*> matching(std::string_view filter) const;

    // Resolves the leading node reference of "<ref> <rest>": "!xxxxxxxx", a long name (the
    // longest one that prefixes the text, case-insensitive) or a short name (first word).
    struct Resolution {
        std::optional<mesh::NodeNum> node;
        std::vector<mesh::NodeNum> candidates;  // >1 when ambiguous
        std::string query;                      // the reference as typed
        std::string rest;                       // the text after the reference
    };
    Resolution resolve(std::string_view text) const;

    json::Ptr to_json() const;
    // The same array printed onto `out` one node at a time, without the whole tree in memory
    // (10k nodes as one cJSON tree took ~50 MB).
    void print_json(std::string& out) const;
    // Replaces the content with the nodes in `array`; malformed entries are skipped.
    void load_json(const cJSON* array);

  private:
    Node& node(mesh::NodeNum num);
    void shrink_to(size_t target);

    size_t capacity_;
    std::unordered_map<mesh::NodeNum, Node> nodes_;
};

}  // namespace tgmesh::core
