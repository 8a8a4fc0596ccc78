// The state file: what the rooms keep across a restart, loaded at start and saved every 30 s
// when something changed, before Telegram forgets handled updates, and at shutdown.
#include "tgmesh/core/bridge.h"
#include "tgmesh/core/state/state.h"

namespace tgmesh::core {

bool Bridge::dirty() const {
    return dirty_ || identity_keeper_.changed() || sender_.changed() || poster_.changed() ||
           moderation_.changed();
}

void Bridge::load_state() {
    StateStore::Loaded loaded = s_.store.load();
    PersistentState state;
    if (!loaded.error.empty()) {
        s_.log.log(LogLevel::kWarning, "state file unreadable (" + loaded.error + "); moved to " +
                                           s_.store.move_aside() + ", starting fresh");
    } else if (loaded.text) {
        if (Status parsed = parse_state(*loaded.text, state, nodes_); !parsed) {
            state = PersistentState();
            s_.log.log(LogLevel::kWarning, "state file is corrupt (" + parsed.error() +
                                               "); moved to " + s_.store.move_aside() +
                                               ", starting fresh");
        }
    }
    identity_keeper_.load({state.node_id, state.packet_counter, state.private_key});
    poster_.restore(state.message_links, state.dm_origins);
    ingest_.restore_gateways(state.gateways);
    sender_.restore_key_requests(state.key_requests);
    moderation_.restore(state.blocked_users, state.blocked_nodes);
    poller_.set_offset(state.telegram_offset);
    for (auto& m : state.mesh_queue)
        mesh_outbox_.push(std::move(m));
    // The gateways reconnect after the broker restarts: until one uplinks, nobody would get them.
    if (!state.mesh_queue.empty()) {
        mesh_outbox_.hold_until(s_.clock.now_ms() + kRestoredDownlinksWait);
    }
    for (auto& m : state.chat_queue)
        chat_outbox_.enqueue(std::move(m));
    dirty_ = true;
}

void Bridge::save_state(const std::vector<Outgoing>& extra_unpublished) {
    PersistentState state;
    state.node_id = identity_.node();
    state.packet_counter = identity_.packet_counter();
    state.telegram_offset = poller_.offset();
    for (const auto& m : extra_unpublished) {
        // Probes, $SYS values and control responses are not replayed.
        if (m.receipt_id == 0 && !m.transient) state.mesh_queue.push_back(m);
    }
    for (auto& m : mesh_outbox_.pending())
        state.mesh_queue.push_back(std::move(m));
    state.chat_queue = chat_outbox_.pending();
    // The key lives in the identity file; the state carries it only while that cannot be written.
    state.private_key = identity_keeper_.key_for_state();
    state.message_links = poster_.links();
    state.dm_origins = poster_.dm_origins();
    state.gateways = ingest_.gateways();
    state.key_requests = sender_.key_requests();
    state.blocked_users.assign(moderation_.users_added().begin(), moderation_.users_added().end());
    state.blocked_nodes.assign(moderation_.nodes_added().begin(), moderation_.nodes_added().end());
    const Status saved = s_.store.save(serialize_state(state, nodes_));
    if (saved) {
        dirty_ = false;
        identity_keeper_.mark_saved();
        sender_.mark_saved();
        poster_.mark_saved();
        moderation_.mark_saved();
        ++saves_;
        if (save_failing_) s_.log.log(LogLevel::kNotice, "state file written again");
        save_failing_ = false;
    } else if (!save_failing_) {
        save_failing_ = true;
        s_.log.log(LogLevel::kWarning, "cannot write the state file: " + saved.error() +
                                           " (the bridge keeps running; retrying every 30 s)");
    }
}

void Bridge::shutdown(const std::vector<Outgoing>& unpublished) {
    poller_.stop();
    s_.http.cancel_all();
    chat_outbox_.requeue_in_flight();
    // The reporter logs a summary every 10 minutes; what came after the last one (every drop
    // of a shorter run) is told here.
    if (std::string drops = stats_.drop_summary(); !drops.empty()) {
        s_.log.log(LogLevel::kNotice, "dropped since start: " + drops);
    }
    save_state(unpublished);
}

}  // namespace tgmesh::core
