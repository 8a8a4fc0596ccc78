#pragma once
// Downlinks waiting to be published, paced `interval` apart so the mesh is not flooded; at
// most kCapacity waiting. Messages are encoded when queued, so the queue is what the state
// file keeps across a restart.
#include <deque>
#include <vector>

#include "tgmesh/core/ports.h"

namespace tgmesh::core {

class MeshOutbox {
  public:
    static constexpr size_t kCapacity = 50;

    void set_interval(Millis interval) { interval_ = interval; }
    size_t size() const { return queue_.size(); }
    size_t free_slots() const { return kCapacity - std::min(kCapacity, queue_.size()); }
    // The caller checks free_slots() first; push never refuses (restored state may exceed).
    void push(Outgoing message) { queue_.push_back(std::move(message)); }

    // Publishes the head if its time has come; returns true if it published.
    bool run_due(Millis now, Publisher& publisher);
    Millis next_due() const;
    std::vector<Outgoing> pending() const { return {queue_.begin(), queue_.end()}; }

  private:
    std::deque<Outgoing> queue_;
    Millis interval_ = 0;
    Millis next_at_ = 0;
};

}  // namespace tgmesh::core
