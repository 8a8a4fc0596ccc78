#include "tgmesh/core/downlink/mesh_outbox.h"

namespace tgmesh::core {

bool MeshOutbox::push_urgent(Outgoing message) {
    if (urgent_.size() >= kUrgentCapacity) return false;
    urgent_.push_back(std::move(message));
    return true;
}

bool MeshOutbox::run_due(Millis now, Publisher& publisher) {
    bool published = !urgent_.empty();
    while (!urgent_.empty()) {
        publisher.publish(std::move(urgent_.front()));
        urgent_.pop_front();
    }
    if (queue_.empty() || now < next_at_) return published;
    publisher.publish(std::move(queue_.front()));
    queue_.pop_front();
    next_at_ = now + interval_;
    return true;
}

Millis MeshOutbox::next_due() const {
    if (!urgent_.empty()) return 0;
    return queue_.empty() ? kNever : next_at_;
}

std::vector<Outgoing> MeshOutbox::pending() const {
    std::vector<Outgoing> out(urgent_.begin(), urgent_.end());
    out.insert(out.end(), queue_.begin(), queue_.end());
    return out;
}

}  // namespace tgmesh::core
