#include "tgmesh/core/chat/alerts.h"

#include <algorithm>

#include "tgmesh/core/chat/format.h"

namespace tgmesh::core {

namespace {
constexpr uint32_t kBatteryHysteresis = 5;
}  // namespace

std::vector<std::string> Alerts::observe(mesh::NodeNum num, bool is_new, const i18n::Catalog& cat) {
    std::vector<std::string> out;
    if (is_new && config_.alert_new_nodes && new_nodes_.size() < 1000) new_nodes_.push_back(num);
    Node* n = nodes_.find(num);
    const int threshold = config_.alert_battery_percent;
    if (n == nullptr || threshold <= 0 || !n->battery_level || *n->battery_level > 100) return out;
    const uint32_t level = *n->battery_level;
    if (level <= static_cast<uint32_t>(threshold) && !n->battery_alerted) {
        n->battery_alerted = true;
        out.push_back(i18n::fill(cat.alert_battery, {{"node", format_node_ref(n, num)},
                                                     {"percent", std::to_string(level)}}));
    } else if (level > static_cast<uint32_t>(threshold) + kBatteryHysteresis) {
        n->battery_alerted = false;
    }
    return out;
}

std::vector<std::string> Alerts::run_due(Millis now, int64_t now_unix, const i18n::Catalog& cat) {
    std::vector<std::string> out;
    if (!new_nodes_.empty() && now >= next_batch_at_) {
        std::string names;
        size_t shown = 0;
        for (mesh::NodeNum num : new_nodes_) {
            if (shown++ == kMaxNamesPerAlert) {
                names += ", …";
                break;
            }
            if (!names.empty()) names += ", ";
            names += format_node_ref(nodes_.find(num), num);
        }
        out.push_back(i18n::fill(cat.alert_new_node, {{"node", names}}));
        new_nodes_.clear();
        next_batch_at_ = now + kNewNodeBatch;
    }
    if (config_.alert_silent_hours > 0 && now >= next_silence_check_) {
        next_silence_check_ = now + kSilenceCheck;
        const int64_t silence = static_cast<int64_t>(config_.alert_silent_hours) * 3600;
        for (const Node* seen : nodes_.by_last_heard()) {
            Node* n = nodes_.find(seen->num);
            if (n->silent_alerted || n->last_heard <= 0 || now_unix - n->last_heard < silence ||
                n->days_heard_count() < kRegularDays) {
                continue;
            }
            n->silent_alerted = true;
            out.push_back(i18n::fill(
                cat.alert_silent, {{"node", format_node_ref(n, n->num)},
                                   {"hours", std::to_string((now_unix - n->last_heard) / 3600)}}));
        }
    }
    return out;
}

Millis Alerts::next_due() const {
    Millis next = kNever;
    if (!new_nodes_.empty()) next = next_batch_at_;
    if (config_.alert_silent_hours > 0) next = std::min(next, next_silence_check_);
    return next;
}

}  // namespace tgmesh::core
