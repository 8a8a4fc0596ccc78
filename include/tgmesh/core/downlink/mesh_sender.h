#pragma once
// Everything the bridge sends to the mesh goes through here, whoever asks (chat commands, the
// control API, the bridge's answers to the mesh): texts in as many parts as they need (PKI for
// a DM when the node's key is known), NODEINFO requests (at most once in 12 h per node), the
// ROUTING packets the bridge owes (through the outbox's urgent lane), and the second try of a
// DM part a node could not open for lack of the bridge's key (NAK 35).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tgmesh/base/drop_reporter.h"
#include "tgmesh/base/stats.h"
#include "tgmesh/core/downlink/mesh_outbox.h"
#include "tgmesh/core/downlink/packet_encoder.h"
#include "tgmesh/core/downlink/sent_dms.h"
#include "tgmesh/core/ingest/node_registry.h"

namespace tgmesh::core {

struct MeshSendRequest {
    mesh::NodeNum to = mesh::kBroadcast;
    std::string_view text;
    std::string_view prefix;   // on every part, e.g. "Alice: "
    std::string_view channel;  // of a broadcast; empty: the bridged `channel`
    std::optional<uint32_t> reply_id;
    std::optional<uint32_t> hop_limit;
    bool emoji = false;       // the text is a reaction (an emoji) to reply_id
    std::string_view origin;  // for the log when the queue is full: "text from chat 42"
};

// Why a text was not queued; the numbers say it in the refusal.
enum class SendRefusal {
    kEmpty,
    kTooLong,
    kQueueFull,
    // A DM to a node that refused one sent with the channel key, whose key is not known yet.
    kNeedsKey,
};

struct MeshSendResult {
    std::optional<SendRefusal> refusal;  // nullopt: queued
    bool pki = false;
    size_t parts = 0;
    size_t ahead = 0;                  // downlinks that were already waiting
    size_t length = 0;                 // bytes of the cleaned text
    size_t part_bytes = 0;             // room in one part
    size_t capacity = 0;               // kTooLong: the longest text accepted
    std::vector<uint32_t> packet_ids;  // empty in json mode
};

class MeshSender {
  public:
    // NODEINFO requests (want_response) to one node at most this often: firmware answers one
    // requester at most once in 12 h, the window sliding with each request
    // (src/modules/NodeInfoModule.cpp:33-45, 135-159 at v2.7.26, 2.7.17+).
    static constexpr int64_t kKeyRequestGapS = int64_t{12} * 3600;

    struct Deps {
        const Config& config;
        const NodeRegistry& nodes;
        PacketEncoder& encoder;
        MeshOutbox& outbox;
        SentDms& sent_dms;
        Stats& stats;
        DropReporter& drops;
        const Clock& clock;
    };
    explicit MeshSender(Deps deps) : d_(deps) {}

    MeshSendResult send(const MeshSendRequest& request);
    // A traceroute to `to`; packet_ids holds the request's id (the answer's request_id).
    MeshSendResult send_traceroute(mesh::NodeNum to, std::string_view origin);
    // A waypoint broadcast on `channel` (empty: the bridged one).
    MeshSendResult send_waypoint(const mesh::WaypointInfo& waypoint, std::string_view channel,
                                 std::string_view origin);
    // Asks a node for its NODEINFO (and so its key), unless asked within kKeyRequestGapS.
    void request_key(mesh::NodeNum node);
    // Our NODEINFO: broadcast (the announcement), or to one node that asked for it.
    void send_nodeinfo(mesh::NodeNum to = mesh::kBroadcast);
    // Our NODEINFO to one gateway's MQTT client only: it learns the key, nothing goes on air.
    void greet_gateway(mesh::NodeNum gateway);
    // A ROUTING answer (ACK, or a NAK such as 35) to packet `request_id` of `to`. It takes no
    // airtime and must not wait behind texts: the urgent lane; a drop when that is full.
    void send_routing(mesh::NodeNum to, uint32_t request_id, uint32_t error_reason = 0);
    // A NAK 35 from `from` for our packet `request_id`: our NODEINFO to the node and the part
    // once more as a new packet, whose id is returned; nullopt when there is nothing to resend.
    std::optional<uint32_t> resend_after_unknown_key(mesh::NodeNum from, uint32_t request_id);

    // Kept in the state file (unix seconds).
    const std::map<mesh::NodeNum, int64_t>& key_requests() const { return key_requests_; }
    void restore_key_requests(std::map<mesh::NodeNum, int64_t> requests) {
        key_requests_ = std::move(requests);
    }
    // Something for the state file changed since it was last written.
    bool changed() const { return changed_; }
    void mark_saved() { changed_ = false; }

  private:
    void push_urgent(Outgoing message, std::string_view what);
    // Packets that are not texts: refused (and a drop) when the outbox is full, else queued.
    std::optional<MeshSendResult> refuse_if_full(std::string_view origin);
    MeshSendResult queue_one(Downlink downlink);

    Deps d_;
    std::map<mesh::NodeNum, int64_t> key_requests_;
    bool changed_ = false;
};

}  // namespace tgmesh::core
