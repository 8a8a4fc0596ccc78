#pragma once
// What chat members can do: /start, /help, /send, /send_to_node, /nodes, /probe, and plain
// text as a broadcast. Every send is answered with a confirmation or the reason it was refused.
#include <map>
#include <string>
#include <string_view>

#include "tgmesh/core/config.h"
#include "tgmesh/core/downlinks.h"
#include "tgmesh/core/drop_reporter.h"
#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/mesh_outbox.h"
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
    };

    explicit ChatCommands(Deps deps) : d_(deps) {}

    // `m` comes from a bridged chat.
    void handle(const telegram::IncomingMessage& m, const std::string& bot_username);
    // The broker published (or refused) a message this class asked a receipt for.
    void on_published(uint64_t receipt_id, bool ok, Millis at);

    static constexpr size_t kNodesListed = 50;
    static constexpr size_t kMaxNameInPrefix = 24;

  private:
    const i18n::Catalog& cat() const { return i18n::catalog(d_.config.language); }
    void reply(const telegram::IncomingMessage& m, const std::string& html);
    void help(const telegram::IncomingMessage& m, bool start);
    void send_text(const telegram::IncomingMessage& m, mesh::NodeNum to, std::string_view text,
                   const std::string& target_html);
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
