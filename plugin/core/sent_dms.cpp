#include "tgmesh/core/sent_dms.h"

namespace tgmesh::core {

void SentDms::remember(uint32_t packet_id, SentDmPart part) {
    auto [it, inserted] = parts_.insert_or_assign(packet_id, std::move(part));
    if (!inserted) return;
    order_.push_back(packet_id);
    while (order_.size() > kCapacity) {
        parts_.erase(order_.front());
        order_.pop_front();
    }
}

const SentDmPart* SentDms::find(uint32_t packet_id) const {
    auto it = parts_.find(packet_id);
    return it == parts_.end() ? nullptr : &it->second;
}

std::optional<SentDmPart> SentDms::resend_of(mesh::NodeNum from, uint32_t packet_id) {
    auto it = parts_.find(packet_id);
    if (it == parts_.end() || it->second.to != from || it->second.resent) return std::nullopt;
    SentDmPart part = it->second;
    it->second.resent = true;  // one NAK 35 per part is answered
    part.resent = true;
    return part;
}

void SentDms::note_legacy_refused(mesh::NodeNum node) {
    if (refusing_.size() < kMaxRefusing) refusing_.insert(node);
}

}  // namespace tgmesh::core
