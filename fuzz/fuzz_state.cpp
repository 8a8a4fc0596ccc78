// State file loading: core::parse_state on the input; what it accepted must serialize to a
// document that parses again to the same content, and saving is stable from then on. Then a Bridge
// starts from the input as its stored state, runs (restored downlinks and chat messages are sent)
// and shuts down; the state it saves must parse.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/core/state/state.h"

using namespace tgmesh;

namespace {

// A float read from the state is finite (a number beyond float range is dropped on load, see
// fuzz/RESULTS.md finding 3) and survives a save unchanged.
bool same_float(const std::optional<float>& a, const std::optional<float>& b) {
    return a == b && (!a || std::isfinite(*a));
}

void check_same_nodes(const core::NodeRegistry& a, const core::NodeRegistry& b) {
    fuzz::check(a.size() == b.size());
    for (const core::Node* n : a.by_last_heard()) {
        const core::Node* m = b.find(n->num);
        fuzz::check(m != nullptr);
        fuzz::check(n->long_name == m->long_name && n->short_name == m->short_name);
        fuzz::check(n->hw_model == m->hw_model && n->role == m->role);
        fuzz::check(n->public_key == m->public_key && n->last_heard == m->last_heard);
        fuzz::check(n->battery_level == m->battery_level && same_float(n->voltage, m->voltage));
        fuzz::check(n->receptions.size() == m->receptions.size());
        for (size_t i = 0; i < n->receptions.size(); ++i) {
            const core::Reception& r = n->receptions[i];
            const core::Reception& q = m->receptions[i];
            fuzz::check(r.gateway == q.gateway && r.hops == q.hops && r.rssi == q.rssi &&
                        r.time == q.time && same_float(r.snr, q.snr));
        }
        fuzz::check(n->position.has_value() == m->position.has_value());
        if (n->position) {
            fuzz::check(n->position->latitude_i == m->position->latitude_i &&
                        n->position->longitude_i == m->position->longitude_i &&
                        n->position->altitude == m->position->altitude &&
                        n->position->time == m->position->time &&
                        n->position->precision_bits == m->position->precision_bits &&
                        n->position_heard == m->position_heard);
        }
    }
}

void direct(const std::string& text) {
    core::PersistentState state;
    core::NodeRegistry nodes;
    if (Status parsed = core::parse_state(text, state, nodes); !parsed) {
        fuzz::check(!parsed.error().empty());
        return;
    }
    fuzz::check_registry_bounds(nodes);
    const std::string once = core::serialize_state(state, nodes);
    core::PersistentState state2;
    core::NodeRegistry nodes2;
    fuzz::check(core::parse_state(once, state2, nodes2).is_ok());
    check_same_nodes(nodes, nodes2);
    fuzz::check(state2.mesh_queue.size() == state.mesh_queue.size());
    fuzz::check(state2.chat_queue.size() == state.chat_queue.size());
    fuzz::check(state2.telegram_offset == state.telegram_offset);
    fuzz::check(state2.packet_counter == state.packet_counter);
    fuzz::check(state2.node_id == state.node_id);
    for (size_t i = 0; i < state.mesh_queue.size(); ++i) {
        fuzz::check(state.mesh_queue[i].topic == state2.mesh_queue[i].topic &&
                    state.mesh_queue[i].payload == state2.mesh_queue[i].payload &&
                    state.mesh_queue[i].client_id == state2.mesh_queue[i].client_id);
    }
    for (size_t i = 0; i < state.chat_queue.size(); ++i) {
        const auto& a = state.chat_queue[i];
        const auto& b = state2.chat_queue[i];
        fuzz::check(a.chat_id == b.chat_id && a.html == b.html &&
                    a.options.reply_to_message_id == b.options.reply_to_message_id &&
                    a.options.message_thread_id == b.options.message_thread_id);
    }
    // From the first save on, saving is stable.
    const std::string twice = core::serialize_state(state2, nodes2);
    core::PersistentState state3;
    core::NodeRegistry nodes3;
    fuzz::check(core::parse_state(twice, state3, nodes3).is_ok());
    fuzz::check(core::serialize_state(state3, nodes3) == twice);
    // The registry's own queries on what was loaded.
    for (const core::Node* n : nodes.by_last_heard()) {
        (void)n->best_reception();
        (void)n->display_name();
        (void)nodes.resolve(n->display_name() + " hi");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(fuzz::as_view(data, size));
    direct(text);

    fuzz::Rig rig(fuzz::protobuf_config(), text);
    rig.check_html = false;
    rig.bridge->start();
    rig.connect_telegram();
    rig.pump(4);
    rig.bridge->shutdown({});
    core::PersistentState state;
    core::NodeRegistry nodes;
    fuzz::check(rig.store.saves > 0 && rig.store.text &&
                core::parse_state(*rig.store.text, state, nodes).is_ok());
    return 0;
}
