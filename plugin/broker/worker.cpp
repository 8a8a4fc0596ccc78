#include "tgmesh/broker/worker.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <random>

#include "tgmesh/core/identity/identity_file.h"

namespace tgmesh::broker {

Worker::Worker(core::Config config, core::Options options, Handoff& handoff,
               adapters::CurlHttp& http)
    : options_(std::move(options)),
      handoff_(handoff),
      http_(http),
      store_(config.state_file),
      identity_store_(core::identity_file_for(config.state_file)) {
    handoff_.set_secret(config.bot_token);
    http_.set_proxy(config.proxy);
    auto random = [engine = std::make_shared<std::mt19937>(std::random_device{}())]() {
        return static_cast<uint32_t>((*engine)());
    };
    bridge_ = std::make_unique<core::Bridge>(
        std::move(config), core::Services{clock_, handoff_, http_, store_, identity_store_,
                                          handoff_, random, [this] { return reload(); }});
}

Worker::~Worker() {
    stop();
}

bool Worker::start() {
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    bool started = true;
    try {
        thread_ = std::thread([this] { run(); });
    } catch (...) {
        started = false;
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return started;
}

void Worker::stop() {
    if (!thread_.joinable()) return;
    stop_.store(true);
    http_.wakeup();
    thread_.join();
}

core::ConfigResult Worker::reload() {
    core::ConfigResult result = core::load_config(options_);
    for (auto& w : result.warnings)
        handoff_.log(LogLevel::kWarning, std::move(w));
    if (result.config) {
        handoff_.push_roots(result.config->topic_roots);
        handoff_.set_secret(result.config->bot_token);
        http_.set_proxy(result.config->proxy);
    }
    return result;
}

void Worker::run() {
    try {
        bridge_->start();
        // Loading the state parsed it into a JSON tree, now freed: return that heap at once.
        malloc_trim(0);
        saves_trimmed_ = bridge_->saves();
        Handoff::WorkerInput in;
        while (!stop_.load()) {
            handoff_.take_for_worker(in);
            const bool had_uplinks = !in.uplinks.empty();
            // A refused reload is logged by the bridge; the previous configuration stays.
            if (in.reload) static_cast<void>(bridge_->reload_config());
            if (in.uplinks_dropped > 0) bridge_->note_inbound_dropped(in.uplinks_dropped);
            for (const Uplink& u : in.uplinks)
                bridge_->on_mqtt_message(u.topic, u.payload);
            for (const core::ControlRequest& r : in.control)
                bridge_->on_control(r);
            if (in.control_dropped > 0) {
                handoff_.log(LogLevel::kWarning,
                             std::to_string(in.control_dropped) +
                                 " requests on $CONTROL/tgmesh/v1 dropped: too many at once");
            }
            for (const Receipt& r : in.receipts)
                bridge_->on_published(r.id, r.ok, r.at);
            http_.perform();
            bridge_->run_due();
            http_.perform();
            if (bridge_->saves() != saves_trimmed_) {
                // The state document (a JSON text of some MB for 10k nodes) is gone now: glibc
                // would keep its heap resident.
                saves_trimmed_ = bridge_->saves();
                malloc_trim(0);
            }
            if (had_uplinks) {
                // Uplinks come in bursts: collect the rest of this one for a moment instead of
                // being woken for every few of them (measured in bench/: half the broker's
                // throughput went to wake-ups under a flood).
                http_.wait(kUplinkBatch);
                continue;
            }
            handoff_.set_worker_asleep(true);
            if (!handoff_.worker_has_input()) {
                Millis sleep =
                    std::clamp<Millis>(bridge_->next_due() - clock_.now_ms(), 0, kMaxSleep);
                http_.wait(sleep);
            }
            handoff_.set_worker_asleep(false);
        }
        bridge_->stop_polling();
        const Millis drain_until = clock_.now_ms() + kShutdownDrain;
        while (bridge_->chat_sends_in_flight() > 0 && clock_.now_ms() < drain_until) {
            http_.perform();
            http_.wait(std::min<Millis>(20, std::max<Millis>(0, drain_until - clock_.now_ms())));
        }
        // Uplinks that arrived during the last round still become chat messages in the state.
        handoff_.take_for_worker(in);
        for (const Uplink& u : in.uplinks)
            bridge_->on_mqtt_message(u.topic, u.payload);
        bridge_->shutdown(handoff_.take_unpublished());
    } catch (const std::exception& e) {
        handoff_.log(LogLevel::kError,
                     std::string("worker stopped by an internal error: ") + e.what());
    } catch (...) {
        handoff_.log(LogLevel::kError, "worker stopped by an unknown internal error");
    }
}

}  // namespace tgmesh::broker
