// The three entry points Mosquitto 2.0 calls, and the broker-thread callbacks. The broker
// thread only matches topics, copies and enqueues (MESSAGE), copies control requests (CONTROL),
// publishes what the worker queued and writes its log lines (TICK), and asks the worker to
// re-read the configuration (RELOAD). Every callback catches everything: an exception crossing
// into the broker would kill it. The threads, the hand-off and the rooms of core/: README.md,
// section Design.
#include <curl/curl.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "mosquitto_api.h"
#include "tgmesh/adapters/curl_http.h"
#include "tgmesh/adapters/steady_clock.h"
#include "tgmesh/broker/broker_wake.h"
#include "tgmesh/broker/handoff.h"
#include "tgmesh/broker/tick_watchdog.h"
#include "tgmesh/broker/worker.h"
#include "tgmesh/core/admin/control_api.h"
#include "tgmesh/core/config/config.h"

namespace {

using tgmesh::LogLevel;
using tgmesh::Millis;
using tgmesh::Outgoing;
using tgmesh::Status;
namespace core = tgmesh::core;
namespace broker = tgmesh::broker;

// Control requests are small JSON documents; a larger one is answered as invalid.
constexpr size_t kMaxControlPayload = size_t{64} << 10;
const std::string kControlTopic(core::ControlApi::kTopic);

std::atomic<bool> g_loaded{false};

// One tgmesh per broker: claimed at the start of init, released again unless it succeeds.
class LoadClaim {
  public:
    LoadClaim() : held_(!g_loaded.exchange(true)) {}
    ~LoadClaim() {
        if (held_ && !kept_) g_loaded = false;
    }
    LoadClaim(const LoadClaim&) = delete;
    LoadClaim& operator=(const LoadClaim&) = delete;
    bool held() const { return held_; }
    void keep() { kept_ = true; }

  private:
    bool held_;
    bool kept_ = false;
};

struct Plugin {
    mosquitto_plugin_id_t* id = nullptr;
    std::vector<std::string> roots;  // broker thread only
    broker::BrokerWake wake;         // outlives the worker: it is destroyed last
    broker::Handoff handoff;
    tgmesh::adapters::CurlHttp http;
    std::unique_ptr<broker::Worker> worker;
    broker::TickWatchdog watchdog;   // broker thread only
    std::vector<Outgoing> tick_out;  // reused buffers: no allocation on idle ticks
    std::vector<broker::LogLine> tick_logs;
};

int mosq_level(LogLevel level) {
    switch (level) {
        case LogLevel::kDebug:
            return MOSQ_LOG_DEBUG;
        case LogLevel::kInfo:
            return MOSQ_LOG_INFO;
        case LogLevel::kNotice:
            return MOSQ_LOG_NOTICE;
        case LogLevel::kWarning:
            return MOSQ_LOG_WARNING;
        case LogLevel::kError:
            return MOSQ_LOG_ERR;
    }
    return MOSQ_LOG_INFO;
}

void log_line(int level, const std::string& text) {
    mosquitto_log_printf(level, "tgmesh: %s", text.c_str());
}

void publish_now(Plugin& p, const Outgoing& m) {
    bool ok = false;
    // Topics are built by tgmesh, but a check here keeps an invalid one out of the broker.
    if (mosquitto_pub_topic_check(m.topic.c_str()) == MOSQ_ERR_SUCCESS &&
        mosquitto_validate_utf8(m.topic.c_str(), static_cast<int>(m.topic.size())) ==
            MOSQ_ERR_SUCCESS) {
        // The broker frees the payload with its tracking allocator: it must come from
        // mosquitto_malloc, here on the broker thread (publish_copy is broken on 2.0).
        void* payload = mosquitto_malloc(m.payload.empty() ? 1 : m.payload.size());
        if (payload != nullptr) {
            std::memcpy(payload, m.payload.data(), m.payload.size());
            int rc = mosquitto_broker_publish(m.client_id.empty() ? nullptr : m.client_id.c_str(),
                                              m.topic.c_str(), static_cast<int>(m.payload.size()),
                                              payload, m.qos, m.retain, nullptr);
            ok = (rc == MOSQ_ERR_SUCCESS);
            if (!ok) mosquitto_free(payload);
        }
    }
    if (!ok) log_line(MOSQ_LOG_WARNING, "the broker refused a publish on " + m.topic);
    if (m.receipt_id != 0) {
        p.handoff.push_receipt({m.receipt_id, ok, tgmesh::adapters::steady_now_ms()});
    }
}

void flush_to_broker(Plugin& p) {
    p.handoff.take_roots(p.roots);
    p.handoff.take_for_tick(p.tick_out, p.tick_logs);
    for (const auto& m : p.tick_out)
        publish_now(p, m);
    p.handoff.handed_to_broker(p.tick_out);
    for (const auto& line : p.tick_logs)
        log_line(mosq_level(line.level), line.text);
    p.tick_out.clear();
    p.tick_logs.clear();
}

int on_tick(int, void* event_data, void* userdata) {
    try {
        broker::ask_next_tick(static_cast<mosquitto_evt_tick*>(event_data));
        auto& p = *static_cast<Plugin*>(userdata);
        p.watchdog.tick_seen();
        p.wake.tick_ran();
        if (p.handoff.tick_has_work()) flush_to_broker(p);
    } catch (...) {
    }
    return MOSQ_ERR_SUCCESS;
}

int on_message(int, void* event_data, void* userdata) {
    try {
        auto& p = *static_cast<Plugin*>(userdata);
        const auto* ed = static_cast<const mosquitto_evt_message*>(event_data);
        if (p.watchdog.overdue()) {
            log_line(MOSQ_LOG_ERR,
                     "the broker delivers no tick events (per_listener_settings true on "
                     "mosquitto < 2.0.15?): nothing will be published; load tgmesh globally");
        }
        if (ed->topic == nullptr ||
            !p.handoff.offer_uplink(ed->topic, ed->payload, ed->payloadlen, p.roots)) {
            return MOSQ_ERR_SUCCESS;
        }
    } catch (...) {
    }
    // Anything but success would disconnect the publishing client.
    return MOSQ_ERR_SUCCESS;
}

// A PUBLISH to $CONTROL/tgmesh/v1 that the broker's ACL allowed: copied for the worker, which
// answers on $CONTROL/tgmesh/v1/response.
int on_control(int, void* event_data, void* userdata) {
    try {
        auto& p = *static_cast<Plugin*>(userdata);
        const auto* ed = static_cast<const mosquitto_evt_control*>(event_data);
        core::ControlRequest request;
        const char* id = mosquitto_client_id(ed->client);
        const char* username = mosquitto_client_username(ed->client);
        request.client_id = id ? id : "";
        request.username = username ? username : "";
        if (ed->payload != nullptr && ed->payloadlen <= kMaxControlPayload) {
            request.payload.assign(static_cast<const char*>(ed->payload), ed->payloadlen);
        }
        p.handoff.push_control(std::move(request));
    } catch (...) {
    }
    return MOSQ_ERR_SUCCESS;
}

// SIGHUP: the worker re-reads the configuration; the broker thread reads no file.
int on_reload(int, void*, void* userdata) {
    try {
        static_cast<Plugin*>(userdata)->handoff.request_reload();
    } catch (...) {
    }
    return broker::kReloadResult;
}

// In 2.0.x a mosquitto_plugin_id_t starts with the listener it belongs to (NULL for global
// plugins), which is how per-listener loading shows. 2.1 delivers ticks per listener too.
bool loaded_per_listener([[maybe_unused]] mosquitto_plugin_id_t* id) {
#if TGMESH_MOSQUITTO_21
    return false;
#else
    return *reinterpret_cast<void* const*>(id) != nullptr;
#endif
}

int fail(const std::string& message) {
    log_line(MOSQ_LOG_ERR, message);
    return MOSQ_ERR_INVAL;
}

void unregister(Plugin& p) {
    mosquitto_callback_unregister(p.id, MOSQ_EVT_MESSAGE, on_message, nullptr);
    mosquitto_callback_unregister(p.id, MOSQ_EVT_TICK, on_tick, nullptr);
    mosquitto_callback_unregister(p.id, MOSQ_EVT_RELOAD, on_reload, nullptr);
    mosquitto_callback_unregister(p.id, MOSQ_EVT_CONTROL, on_control, kControlTopic.c_str());
}

int init(mosquitto_plugin_id_t* identifier, void** userdata, mosquitto_opt* options,
         int option_count) {
    LoadClaim claim;
    if (!claim.held()) {
        return fail("tgmesh is already loaded in this broker; keep a single plugin line for it");
    }
    if (loaded_per_listener(identifier)) {
        return fail("tgmesh must be loaded globally: per_listener_settings true is not supported");
    }
    auto p = std::make_unique<Plugin>();
    p->id = identifier;
    core::Options plugin_options;
    for (int i = 0; i < option_count; ++i) {
        plugin_options.emplace_back(options[i].key ? options[i].key : "",
                                    options[i].value ? options[i].value : "");
    }
    core::ConfigResult result = core::load_config(plugin_options);
    for (const auto& w : result.warnings)
        log_line(MOSQ_LOG_WARNING, w);
    if (!result.config) return fail(result.config.error());
    Plugin* raw = p.get();
    if (result.config->wake_broker) {
        if (Status installed = p->wake.install(); !installed) {
            return fail("option wake_broker: " + installed.error());
        }
        p->handoff.set_publish_waker([raw] { raw->wake.wake(); });
        log_line(MOSQ_LOG_INFO, "wake_broker on: signal " +
                                    std::to_string(broker::BrokerWake::signal_number()) +
                                    " ends the broker's idle wait when something is queued");
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !p->http.ok()) {
        return fail("cannot initialise libcurl");
    }
    p->roots = result.config->topic_roots;
    p->watchdog.start();
    p->handoff.set_waker([raw] { raw->http.wakeup(); });
    p->worker = std::make_unique<broker::Worker>(std::move(*result.config), plugin_options,
                                                 p->handoff, p->http);
    if (!p->worker->start()) {
        curl_global_cleanup();
        return fail("cannot start the worker thread");
    }
    if (mosquitto_callback_register(identifier, MOSQ_EVT_MESSAGE, on_message, nullptr, raw) ||
        mosquitto_callback_register(identifier, MOSQ_EVT_TICK, on_tick, nullptr, raw) ||
        mosquitto_callback_register(identifier, MOSQ_EVT_RELOAD, on_reload, nullptr, raw) ||
        mosquitto_callback_register(identifier, MOSQ_EVT_CONTROL, on_control, kControlTopic.c_str(),
                                    raw)) {
        unregister(*p);
        p->worker->stop();
        curl_global_cleanup();
        return fail("cannot register the broker callbacks");
    }
#if TGMESH_MOSQUITTO_21
    mosquitto_plugin_set_info(identifier, "tgmesh", TGMESH_VERSION);
#endif
    *userdata = p.release();
    claim.keep();
    return MOSQ_ERR_SUCCESS;
}

}  // namespace

// Built with hidden visibility; the version script (exports.map) keeps only these three.
#define TGMESH_EXPORT __attribute__((visibility("default")))

extern "C" {

TGMESH_EXPORT int mosquitto_plugin_version(int supported_version_count,
                                           const int* supported_versions) {
    for (int i = 0; i < supported_version_count; ++i) {
        if (supported_versions[i] == 5) return 5;
    }
    return -1;
}

TGMESH_EXPORT int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata,
                                        struct mosquitto_opt* options, int option_count) {
    try {
        return init(identifier, userdata, options, option_count);
    } catch (const std::exception& e) {
        return fail(std::string("start-up failed: ") + e.what());
    } catch (...) {
        return fail("start-up failed");
    }
}

TGMESH_EXPORT int mosquitto_plugin_cleanup(void* userdata, struct mosquitto_opt*, int) {
    try {
        std::unique_ptr<Plugin> p(static_cast<Plugin*>(userdata));
        if (!p) return MOSQ_ERR_SUCCESS;
        unregister(*p);
        p->worker->stop();
        p->wake.uninstall();  // no wake can come any more: the signal is as it was before
        // No tick runs any more: write the worker's last lines now. Nothing is published: the
        // broker would never send it, and the worker kept what it could not publish in the
        // state file.
        p->handoff.take_for_tick(p->tick_out, p->tick_logs);
        for (const auto& line : p->tick_logs)
            log_line(mosq_level(line.level), line.text);
        p.reset();
        curl_global_cleanup();
        g_loaded = false;
    } catch (...) {
    }
    return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
