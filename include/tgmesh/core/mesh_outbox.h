#pragma once
// Downlinks waiting to be published, paced `interval` apart so the mesh is not flooded; at
// most kCapacity waiting. Messages are encoded when queued, so the queue is what the state
// file keeps across a restart. ROUTING packets the bridge owes (ACKs and NAKs: the sender
// retries within seconds) and packets that take no airtime go through an urgent lane: out at
// the next turn, ahead of the queue, outside the pacing.
#include <deque>
#include <vector>

#include "tgmesh/core/ports.h"

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
};

}  // namespace tgmesh::core
