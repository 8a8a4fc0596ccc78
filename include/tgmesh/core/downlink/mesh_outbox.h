#pragma once
// Downlinks waiting to be published, paced `interval` apart so the mesh is not flooded; at
// most kCapacity waiting. Messages are encoded when queued, so the queue is what the state
// file keeps across a restart. ROUTING packets the bridge owes (ACKs and NAKs: the sender
// retries within seconds) and packets that take no airtime go through an urgent lane: out at
// the next turn, ahead of the queue, outside the pacing.
#include <algorithm>
#include <deque>
#include <vector>

#include "tgmesh/base/ports.h"

namespace tgmesh::core {

class MeshOutbox {
  public:
    static constexpr size_t kCapacity = 50;
    static constexpr size_t kUrgentCapacity = 32;

    void set_interval(Millis interval) { interval_ = interval; }
    size_t size() const { return queue_.size() + urgent_.size(); }
    size_t free_slots() const { return kCapacity - std::min(kCapacity, queue_.size()); }
    // The caller checks free_slots() first; push never refuses (restored state may exceed).
    void push(Outgoing message) { queue_.push_back(std::move(message)); }
    // False when the urgent lane is full (a flood of packets asking for ACKs).
    bool push_urgent(Outgoing message);

    // Downlinks restored at start wait until the gateways are back (the first uplink of the
    // run, release()), at the latest until `at`: published into a broker no gateway has
    // reconnected to yet, they would be lost.
    void hold_until(Millis at) {
        next_at_ = std::max(next_at_, at);
        held_ = true;
    }
    void release(Millis now) {
        if (held_) next_at_ = std::min(next_at_, now);
        held_ = false;
    }

    // Publishes every urgent message, then the head of the queue if its time has come; returns
    // true if it published anything.
    bool run_due(Millis now, Publisher& publisher);
    Millis next_due() const;
    std::vector<Outgoing> pending() const;

  private:
    std::deque<Outgoing> urgent_;
    std::deque<Outgoing> queue_;
    Millis interval_ = 0;
    Millis next_at_ = 0;
    bool held_ = false;
};

}  // namespace tgmesh::core
