#include "tgmesh/core/downlink/sent_dms.h"

namespace tgmesh::core {

void SentDms::remember(uint32_t packet_id, SentDmPart part) {
    parts_.put(packet_id, std::move(part));
}

const SentDmPart* SentDms::find(uint32_t packet_id) const {
    return parts_.find(packet_id);
}

std::optional<SentDmPart> SentDms::resend_of(mesh::NodeNum from, uint32_t packet_id) {
    SentDmPart* sent = parts_.find(packet_id);
    if (sent == nullptr || sent->to != from || sent->resent) return std::nullopt;
    SentDmPart part = *sent;
    sent->resent = true;  // one NAK 35 per part is answered
    part.resent = true;
    return part;
}

void SentDms::note_legacy_refused(mesh::NodeNum node) {
    if (refusing_.size() < kMaxRefusing) refusing_.insert(node);
}

}  // namespace tgmesh::core
