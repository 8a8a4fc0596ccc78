#include "tgmesh/core/chat/delivery_receipts.h"

#include <algorithm>

namespace tgmesh::core {

uint64_t DeliveryReceipts::track(mesh::NodeNum dest, std::vector<uint32_t> packet_ids,
                                 int64_t chat_id, std::string confirmation_html, Millis deadline,
                                 bool legacy, Language language) {
    if (deliveries_.size() >= kMaxTracked) deliveries_.erase(deliveries_.begin());
    const uint64_t tag = next_tag_++;
    Delivery& d = deliveries_[tag];
    d.dest = dest;
    d.waiting = std::move(packet_ids);
    d.chat_id = chat_id;
    d.confirmation_html = std::move(confirmation_html);
    d.deadline = deadline;
    d.legacy = legacy;
    d.language = language;
    return tag;
}

void DeliveryReceipts::replace_part(mesh::NodeNum dest, uint32_t old_id, uint32_t new_id) {
    for (auto& [tag, d] : deliveries_) {
        if (d.dest != dest || d.outcome) continue;
        auto part = std::find(d.waiting.begin(), d.waiting.end(), old_id);
        if (part != d.waiting.end()) *part = new_id;
    }
}

void DeliveryReceipts::confirmation_sent(uint64_t tag, int64_t message_id) {
    auto it = deliveries_.find(tag);
    if (it == deliveries_.end()) return;
    it->second.message_id = message_id;
    report_if_ready(it);
}

bool DeliveryReceipts::on_routing(mesh::NodeNum from, uint32_t request_id, uint32_t error_reason) {
    for (auto& [tag, d] : deliveries_) {
        // Only the destination's own answer counts: relays acknowledge implicitly, not to us.
        if (d.dest != from || d.outcome) continue;
        auto part = std::find(d.waiting.begin(), d.waiting.end(), request_id);
        if (part == d.waiting.end()) continue;
        if (error_reason != 0) {
            settle(tag, DeliveryOutcome::kFailed, error_reason);
        } else {
            d.waiting.erase(part);
            if (d.waiting.empty()) settle(tag, DeliveryOutcome::kDelivered, 0);
        }
        return true;
    }
    return false;
}

void DeliveryReceipts::settle(uint64_t tag, DeliveryOutcome outcome, uint32_t error_reason) {
    auto it = deliveries_.find(tag);
    it->second.outcome = outcome;
    it->second.error_reason = error_reason;
    report_if_ready(it);
}

void DeliveryReceipts::report_if_ready(std::map<uint64_t, Delivery>::iterator it) {
    Delivery& d = it->second;
    if (!d.outcome || !d.message_id) return;
    DeliveryReport report{d.chat_id,  *d.message_id,  std::move(d.confirmation_html),
                          *d.outcome, d.error_reason, d.legacy,
                          d.language};
    deliveries_.erase(it);
    sink_(std::move(report));
}

void DeliveryReceipts::run_due(Millis now) {
    for (auto it = deliveries_.begin(); it != deliveries_.end();) {
        auto current = it++;
        Delivery& d = current->second;
        if (!d.outcome && now >= d.deadline) {
            d.outcome = DeliveryOutcome::kTimedOut;
            report_if_ready(current);
        } else if (d.outcome && now >= d.deadline + kForgetAfter) {
            deliveries_.erase(current);
        }
    }
}

Millis DeliveryReceipts::next_due() const {
    Millis next = kNever;
    for (const auto& [tag, d] : deliveries_) {
        next = std::min(next, d.outcome ? d.deadline + kForgetAfter : d.deadline);
    }
    return next;
}

}  // namespace tgmesh::core
