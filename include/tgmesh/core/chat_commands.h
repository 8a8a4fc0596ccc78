#pragma once
// What chat members can do: /start, /help, /send, /send_to_node, /nodes, /probe, plain text as
// a broadcast, and a reply to a bridged mesh message as a mesh reply (a DM when the original
// was a DM to the bridge). Every send is answered with a confirmation or the reason it was
// refused; a DM's confirmation later shows whether the node acknowledged it.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tgmesh/core/config.h"
#include "tgmesh/core/downlinks.h"
#include "tgmesh/core/drop_reporter.h"
#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/mesh_outbox.h"
#include "tgmesh/core/message_map.h"
#include "tgmesh/core/node_registry.h"
#include "tgmesh/core/ports.h"
#include "tgmesh/core/stats.h"
#include "tgmesh/telegram/outbox.h"
#include "tgmesh/telegram/update.h"

namespace tgmesh::core {

class ChatCommands {
  public:
    struct Deps {
        const Config& config;
        const NodeRegistry& nodes;
        Downlinks& downlinks;
        MeshOutbox& mesh_outbox;
        Publisher& publisher;
        telegram::Outbox& chat;
        const Clock& clock;
        Stats& stats;
        DropReporter& drops;
        const MessageMap& messages;
        // A DM of these packets left for `dest`: returns the tag for its confirmation message,
        // so that the destination's ACK can mark it.
        std::function<uint64_t(mesh::NodeNum dest, std::vector<uint32_t> packet_ids,
                               int64_t chat_id, const std::string& confirmation_html)>
            track_delivery;
        // Asks a node for its NODEINFO (and so its public key).
        std::function<void(mesh::NodeNum node)> request_key;
    };

    explicit ChatCommands(Deps deps) : d_(std::move(deps)) {}

    // `m` comes from a bridged chat.
    void handle(const telegram::IncomingMessage& m, const std::string& bot_username);
    // The broker published (or refused) a message this class asked a receipt for.
    void on_published(uint64_t receipt_id, bool ok, Millis at);

    static constexpr size_t kNodesListed = 50;
    static constexpr size_t kMaxNameInPrefix = 24;

  private:
    const i18n::Catalog& cat() const { return i18n::catalog(d_.config.language); }
    void reply(const telegram::IncomingMessage& m, const std::string& html, uint64_t tag = 0);
    void help(const telegram::IncomingMessage& m, bool start);
    void send_text(const telegram::IncomingMessage& m, mesh::NodeNum to, std::string_view text,
                   const std::string& target_html, std::optional<uint32_t> reply_id = {});
    // A reply to a bridged mesh message: a mesh reply to that packet.
    void reply_on_mesh(const telegram::IncomingMessage& m, const MeshRef& original);
    void send_to_node(const telegram::IncomingMessage& m, std::string_view args);
    void list_nodes(const telegram::IncomingMessage& m);
    void probe(const telegram::IncomingMessage& m);
    std::string prefix_for(const telegram::IncomingMessage& m) const;

    struct PendingProbe {
        int64_t chat_id = 0;
        int64_t message_id = 0;
        std::optional<int64_t> thread_id;
        Millis requested_at = 0;
        std::string topic;
    };

    Deps d_;
    std::map<uint64_t, PendingProbe> probes_;
    uint64_t next_receipt_ = 1;
};

}  // namespace tgmesh::core
