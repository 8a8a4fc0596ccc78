#pragma once
// Optional alerts to the chat (all off by default): a node heard for the first time, a node
// that used to be heard most days silent for alert_silent_hours, a battery at or below
// alert_battery_percent (once per episode; the episode ends 5 points above the threshold).
#include <string>
#include <vector>

#include "tgmesh/core/config/config.h"
#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::core {

class Alerts {
  public:
    // New nodes are collected and told at most this often, so that a new gateway showing a
    // whole mesh at once gives one message, not hundreds.
    static constexpr Millis kNewNodeBatch = kMinute;
    static constexpr Millis kSilenceCheck = 10 * kMinute;
    static constexpr int kRegularDays = 5;  // heard on at least 5 of the last 7 days
    static constexpr size_t kMaxNamesPerAlert = 20;

    Alerts(const Config& config, NodeRegistry& nodes) : config_(config), nodes_(nodes) {}

    // A node was heard; `is_new` when the registry did not know it. Returns alerts to post now.
    std::vector<std::string> observe(mesh::NodeNum num, bool is_new, const i18n::Catalog& cat);
    // New-node batches and silence checks that are due.
    std::vector<std::string> run_due(Millis now, int64_t now_unix, const i18n::Catalog& cat);
    Millis next_due() const;

  private:
    const Config& config_;
    NodeRegistry& nodes_;
    std::vector<mesh::NodeNum> new_nodes_;
    Millis next_batch_at_ = 0;
    Millis next_silence_check_ = 0;
};

}  // namespace tgmesh::core
