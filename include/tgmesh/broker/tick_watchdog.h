#pragma once
// Mosquitto 2.0.11-2.0.14 never deliver ticks with per_listener_settings true, and then nothing
// tgmesh queues is ever published. The MESSAGE callback asks this whether to say so: once, the
// first time a message comes some seconds after the start without a tick.
#include "tgmesh/adapters/steady_clock.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::broker {

class TickWatchdog {
  public:
    static constexpr Millis kGrace = 5000;

    void start() { started_at_ = adapters::steady_now_ms(); }
    void tick_seen() { tick_seen_ = true; }
    bool seen() const { return tick_seen_; }
    // True once; reads the clock only while no tick came and nothing was said.
    bool overdue() {
        if (tick_seen_ || warned_ || adapters::steady_now_ms() - started_at_ <= kGrace) {
            return false;
        }
        warned_ = true;
        return true;
    }

  private:
    Millis started_at_ = 0;
    bool tick_seen_ = false;
    bool warned_ = false;
};

}  // namespace tgmesh::broker
