#pragma once
// wake_broker on: ends the broker's idle wait as soon as the worker has something to publish.
//
// Mosquitto 2.0 has no way for a plugin to ask for a tick: its loop waits up to 100 ms in
// epoll_wait (src/mux_epoll.c:189 at v2.0.11), and the TICK that publishes what the worker
// queued comes after it (src/loop.c:269). A signal delivered to the broker thread ends that
// wait with EINTR, which 2.0.11 treats as an ordinary turn of the loop (src/mux_epoll.c:196-199:
// no error logged, nothing handled), so the tick runs at once. The loop masks only SIGINT,
// SIGTERM, SIGUSR1, SIGUSR2 and SIGHUP around the wait (src/mux_epoll.c:79-84, 188), not the
// real-time signals.
//
// The signal is SIGRTMIN+kSignalOffset: glibc keeps its own real-time signals below SIGRTMIN.
// Its handler does nothing and is installed with SA_RESTART, so every other call of the broker
// thread that a signal interrupts is restarted by the kernel; only waits that are never
// restarted (epoll_wait) return early. At most one wake is in flight: the next tick clears it.
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdint>

#include "tgmesh/util/status.h"

namespace tgmesh::broker {

class BrokerWake {
  public:
    static constexpr int kSignalOffset = 3;
    static int signal_number();

    BrokerWake() = default;
    BrokerWake(const BrokerWake&) = delete;
    BrokerWake& operator=(const BrokerWake&) = delete;
    ~BrokerWake() { uninstall(); }

    // Broker thread, at start: the calling thread is the one woken. Fails, naming the signal,
    // when something else already handles it (another plugin, a library).
    Status install();
    // Broker thread, after the worker stopped (no wake can be sent any more): the signal gets
    // back the disposition it had before install().
    void uninstall();
    bool installed() const { return installed_; }

    // Worker: the broker thread should publish soon. A no-op unless installed, or while a wake
    // sent earlier has not been followed by a tick yet.
    void wake();
    // Broker thread, at every tick, before it takes what is queued: later work needs a new wake.
    void tick_ran() { in_flight_.store(false, std::memory_order_release); }
    uint64_t wakes_sent() const { return wakes_sent_.load(std::memory_order_relaxed); }

  private:
    bool installed_ = false;
    pthread_t broker_thread_{};
    struct sigaction previous_ {};
    std::atomic<bool> in_flight_{false};
    std::atomic<uint64_t> wakes_sent_{0};
};

}  // namespace tgmesh::broker
