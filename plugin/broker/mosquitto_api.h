#pragma once
// The broker's plugin API, and the places where Mosquitto 2.0 (Debian 12: 2.0.11, what CI
// tests) and 2.1 differ for tgmesh. Chosen at compile time by the headers found: 2.1 moved
// them to <mosquitto/broker.h> and <mosquitto/broker_plugin.h>.
#include <mosquitto.h>

#if __has_include(<mosquitto/broker_plugin.h>)
#define TGMESH_MOSQUITTO_21 1
#include <mosquitto/broker.h>
#include <mosquitto/broker_plugin.h>
#else
#define TGMESH_MOSQUITTO_21 0
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#endif

namespace tgmesh::broker {

#if TGMESH_MOSQUITTO_21
// 2.1: any non-zero return from a reload callback is an error.
constexpr int kReloadResult = MOSQ_ERR_SUCCESS;
// 2.1 waits up to 24 h for the next tick on an idle broker unless a tick callback asks for
// one sooner (issue #3530); 2.0 ticks at least every 100 ms by itself.
constexpr long kTickIntervalMs = 100;
inline void ask_next_tick(mosquitto_evt_tick* tick) {
    tick->next_ms = kTickIntervalMs;
}
#else
// 2.0: a reload callback that returns an error unregisters the broker's own password and ACL
// checks; DEFER lets the chain go on.
constexpr int kReloadResult = MOSQ_ERR_PLUGIN_DEFER;
inline void ask_next_tick(mosquitto_evt_tick*) {}
#endif

}  // namespace tgmesh::broker
