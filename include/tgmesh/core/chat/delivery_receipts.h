#pragma once
// Delivery receipts for DMs sent from the chat: the destination's ROUTING answer (request_id =
// our packet id) turns the chat's confirmation into delivered / failed, and no answer within
// the timeout into "no acknowledgement". An outcome is reported once the confirmation message
// exists (its id comes back from Telegram), whichever happens first.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tgmesh/core/config/config.h"
#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::core {

enum class DeliveryOutcome { kDelivered, kFailed, kTimedOut };

struct DeliveryReport {
    int64_t chat_id = 0;
    int64_t message_id = 0;         // the confirmation to edit
    std::string confirmation_html;  // its current text
    DeliveryOutcome outcome = DeliveryOutcome::kDelivered;
    uint32_t error_reason = 0;          // Routing.Error when failed
    bool legacy = false;                // the DM went with the channel key (no PKI)
    Language language = Language::kEn;  // the confirmation's: the outcome is added in it
};

class DeliveryReceipts {
  public:
    static constexpr size_t kMaxTracked = 500;
    // A confirmation Telegram never accepted is forgotten this long after the deadline.
    static constexpr Millis kForgetAfter = kHour;
    using ReportSink = std::function<void(DeliveryReport)>;

    explicit DeliveryReceipts(ReportSink sink) : sink_(std::move(sink)) {}

    // A DM of `packet_ids` (its parts) to `dest`; returns the tag for its confirmation message.
    uint64_t track(mesh::NodeNum dest, std::vector<uint32_t> packet_ids, int64_t chat_id,
                   std::string confirmation_html, Millis deadline, bool legacy = false,
                   Language language = Language::kEn);
    // A part was sent again as a new packet (after a NAK 35): the receipt follows it.
    void replace_part(mesh::NodeNum dest, uint32_t old_id, uint32_t new_id);
    void confirmation_sent(uint64_t tag, int64_t message_id);
    // A ROUTING packet from `from` answering `request_id`; error 0 = ACK. True if it was ours.
    bool on_routing(mesh::NodeNum from, uint32_t request_id, uint32_t error_reason);
    void run_due(Millis now);
    Millis next_due() const;
    size_t tracked() const { return deliveries_.size(); }
    bool is_tag(uint64_t tag) const { return deliveries_.count(tag) != 0; }

  private:
    struct Delivery {
        mesh::NodeNum dest = 0;
        std::vector<uint32_t> waiting;  // parts not yet acknowledged
        int64_t chat_id = 0;
        std::optional<int64_t> message_id;
        std::string confirmation_html;
        Millis deadline = 0;
        std::optional<DeliveryOutcome> outcome;
        uint32_t error_reason = 0;
        bool legacy = false;
        Language language = Language::kEn;
    };
    void settle(uint64_t tag, DeliveryOutcome outcome, uint32_t error_reason);
    void report_if_ready(std::map<uint64_t, Delivery>::iterator it);

    ReportSink sink_;
    std::map<uint64_t, Delivery> deliveries_;  // by tag; tags grow, so the first is the oldest
    uint64_t next_tag_ = 1;
};

}  // namespace tgmesh::core
