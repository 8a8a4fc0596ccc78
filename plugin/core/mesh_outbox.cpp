#include "tgmesh/core/mesh_outbox.h"

namespace tgmesh::core {

bool MeshOutbox::run_due(Millis now, Publisher& publisher) {
    if (queue_.empty() || now < next_at_) return false;
    publisher.publish(std::move(queue_.front()));
    queue_.pop_front();
    next_at_ = now + interval_;
    return true;
}

Millis MeshOutbox::next_due() const {
    return queue_.empty() ? kNever : next_at_;
}

}  // namespace tgmesh::core
