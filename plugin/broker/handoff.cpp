#include "tgmesh/broker/handoff.h"

#include <algorithm>
#include <iterator>

#include "tgmesh/mesh/topic.h"

namespace tgmesh::broker {

void Handoff::wake() {
    if (wake_) wake_();
}

bool Handoff::offer_uplink(std::string_view topic, const void* payload, size_t length,
                           const std::vector<std::string>& roots) {
    if (!mesh::match_mesh_topic(topic, roots)) return false;
    return push_uplink(topic, payload, length > kMaxUplinkPayload ? 0 : length);
}

bool Handoff::push_uplink(std::string_view topic, const void* payload, size_t length) {
    bool was_empty = false;
    {
        std::lock_guard lock(mu_);
        if (payload == nullptr) length = 0;
        if (uplinks_.size() >= kMaxUplinks ||
            uplink_bytes_.size() + topic.size() + length > kMaxUplinkBytes) {
            ++uplinks_dropped_;
            return false;
        }
        was_empty = uplinks_.empty();
        uplink_bytes_.append(topic);
        uplink_bytes_.append(static_cast<const char*>(payload), length);
        uplinks_.push_back({static_cast<uint32_t>(topic.size()), static_cast<uint32_t>(length)});
    }
    // The worker drains the whole queue when it wakes, and while it is awake it comes back for
    // more by itself: a wake (a syscall on each side) only for the first uplink it sleeps on.
    if (was_empty && worker_asleep_.load()) wake();
    return true;
}

void Handoff::push_receipt(Receipt receipt) {
    {
        std::lock_guard lock(mu_);
        receipts_.push_back(receipt);
    }
    wake();
}

void Handoff::request_reload() {
    {
        std::lock_guard lock(mu_);
        reload_requested_ = true;
    }
    wake();
}

bool Handoff::push_control(core::ControlRequest request) {
    {
        std::lock_guard lock(mu_);
        if (control_.size() >= kMaxControlRequests) {
            ++control_dropped_;
            return false;
        }
        control_.push_back(std::move(request));
    }
    wake();
    return true;
}

void Handoff::push_roots(std::vector<std::string> roots) {
    std::lock_guard lock(mu_);
    roots_ = std::move(roots);
    tick_work_.store(true, std::memory_order_release);
}

bool Handoff::take_roots(std::vector<std::string>& roots) {
    std::lock_guard lock(mu_);
    if (!roots_) return false;
    roots = std::move(*roots_);
    roots_.reset();
    return true;
}

void Handoff::take_for_tick(std::vector<Outgoing>& outgoing, std::vector<LogLine>& logs) {
    std::lock_guard lock(mu_);
    tick_work_.store(false, std::memory_order_release);
    // The last tick's messages went out at the start of this loop iteration.
    handed_over_.clear();
    outgoing.swap(outgoing_);
    logs.swap(logs_);
    if (logs_dropped_ > 0) {
        logs.push_back({LogLevel::kWarning,
                        std::to_string(logs_dropped_) + " log lines dropped (log queue full)"});
        logs_dropped_ = 0;
    }
}

void Handoff::handed_to_broker(std::vector<Outgoing>& published) {
    std::lock_guard lock(mu_);
    handed_over_.swap(published);
    // The next tick releases them.
    if (!handed_over_.empty()) tick_work_.store(true, std::memory_order_release);
}

bool Handoff::worker_has_input() const {
    std::lock_guard lock(mu_);
    return !uplinks_.empty() || !receipts_.empty() || reload_requested_ || !control_.empty() ||
           uplinks_dropped_ > 0 || control_dropped_ > 0;
}

void Handoff::take_for_worker(WorkerInput& in) {
    std::lock_guard lock(mu_);
    worker_index_.clear();
    worker_index_.swap(uplinks_);
    in.bytes.clear();
    in.bytes.swap(uplink_bytes_);
    // The broker thread now fills the worker's previous buffer: after a flood, let it go
    // rather than keep up to kMaxUplinkBytes resident.
    if (uplink_bytes_.capacity() > kKeepBufferBytes) Bytes().swap(uplink_bytes_);
    in.uplinks.clear();
    size_t at = 0;
    const std::string_view bytes = in.bytes;
    for (const Packed& u : worker_index_) {
        in.uplinks.push_back({bytes.substr(at, u.topic_length),
                              bytes.substr(at + u.topic_length, u.payload_length)});
        at += u.topic_length + u.payload_length;
    }
    in.receipts.clear();
    in.receipts.swap(receipts_);
    in.reload = reload_requested_;
    reload_requested_ = false;
    in.control.clear();
    in.control.swap(control_);
    in.uplinks_dropped = uplinks_dropped_;
    uplinks_dropped_ = 0;
    in.control_dropped = control_dropped_;
    control_dropped_ = 0;
}

void Handoff::publish(Outgoing message) {
    {
        std::lock_guard lock(mu_);
        outgoing_.push_back(std::move(message));
        tick_work_.store(true, std::memory_order_release);
    }
    if (publish_wake_) publish_wake_();
}

void Handoff::set_secret(std::string secret) {
    secret_ = std::move(secret);
}

void Handoff::log(LogLevel level, std::string line) {
    if (!secret_.empty()) {
        static const std::string kMask = "<bot token>";
        for (size_t at = line.find(secret_); at != std::string::npos;
             at = line.find(secret_, at + kMask.size())) {
            line.replace(at, secret_.size(), kMask);
        }
    }
    std::lock_guard lock(mu_);
    if (logs_.size() >= kMaxLogLines) {
        ++logs_dropped_;
    } else {
        logs_.push_back({level, std::move(line)});
    }
    tick_work_.store(true, std::memory_order_release);
}

std::vector<Outgoing> Handoff::not_yet_published() const {
    std::lock_guard lock(mu_);
    std::vector<Outgoing> out = handed_over_;
    out.insert(out.end(), outgoing_.begin(), outgoing_.end());
    return out;
}

std::vector<Outgoing> Handoff::take_unpublished() {
    std::lock_guard lock(mu_);
    std::vector<Outgoing> out;
    out.swap(handed_over_);
    std::move(outgoing_.begin(), outgoing_.end(), std::back_inserter(out));
    outgoing_.clear();
    return out;
}

}  // namespace tgmesh::broker
