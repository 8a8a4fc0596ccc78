#pragma once
// The worker thread: owns the Bridge and drives it with uplinks from the Handoff, HTTP
// completions from the curl multi handle, and its timers. It never calls the broker.
#include <atomic>
#include <memory>
#include <thread>

#include "tgmesh/adapters/curl_http.h"
#include "tgmesh/adapters/file_store.h"
#include "tgmesh/adapters/steady_clock.h"
#include "tgmesh/broker/handoff.h"
#include "tgmesh/core/bridge.h"

namespace tgmesh::broker {

class Worker {
  public:
    static constexpr Millis kMaxSleep = 10 * kSecond;
    // After a round with uplinks, how long the worker waits for more before going back to them.
    static constexpr Millis kUplinkBatch = 1;
    // How long a shutdown waits for chat messages already on their way (the broker must be
    // able to stop within a second).
    static constexpr Millis kShutdownDrain = 600;

    // `handoff` and `http` must outlive the worker; http's multi handle is used by wakeup().
    // `options` (plugin_opt_*) are read again at each reload.
    Worker(core::Config config, core::Options options, Handoff& handoff, adapters::CurlHttp& http);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Starts the thread with every signal blocked, so the broker's handlers run on its thread.
    bool start();
    // Wakes the thread, lets it save the state and joins it.
    void stop();

  private:
    void run();
    // SIGHUP and reloadConfig over $CONTROL: re-reads the options' files; on success the broker
    // thread's topic roots, the log's secret and the proxy follow, and the bridge applies the
    // rest (Bridge::reload_config).
    core::ConfigResult reload();

    core::Options options_;
    Handoff& handoff_;
    adapters::CurlHttp& http_;
    adapters::SteadyClock clock_;
    adapters::FileStore store_;
    adapters::FileStore identity_store_;  // core/identity/identity_file.h
    std::unique_ptr<core::Bridge> bridge_;
    uint64_t saves_trimmed_ = 0;  // worker thread only
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace tgmesh::broker
