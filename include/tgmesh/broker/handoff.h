#pragma once
// The only state shared between the broker thread and the worker, behind one mutex.
// Broker thread: offer_uplink (MESSAGE), push_control (CONTROL), take_for_tick + take_roots +
// push_receipt (TICK), request_reload (RELOAD). Worker: take_for_worker, push_roots (after a
// reload), and publish/log through the Publisher and Logger it implements.
// Nothing here calls the broker.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tgmesh/base/ports.h"
#include "tgmesh/core/admin/control_api.h"
#include "tgmesh/core/config/config.h"

namespace tgmesh::broker {

// Views into WorkerInput::bytes: valid until the next take_for_worker.
struct Uplink {
    std::string_view topic;
    BytesView payload;
};

struct Receipt {
    uint64_t id = 0;
    bool ok = false;
    Millis at = 0;
};

struct LogLine {
    LogLevel level;
    std::string text;
};

class Handoff : public Publisher, public Logger {
  public:
    static constexpr size_t kMaxUplinks = 10000;
    static constexpr size_t kMaxUplinkBytes = size_t{8} << 20;
    static constexpr size_t kKeepBufferBytes = size_t{256} << 10;
    static constexpr size_t kMaxLogLines = 1000;
    static constexpr size_t kMaxControlRequests = 100;
    // Uplinks larger than this are not Meshtastic (gateways cannot send over ~1 KiB); they are
    // handed over empty so the worker counts and logs them as malformed.
    static constexpr size_t kMaxUplinkPayload = size_t{64} << 10;

    // Called whenever the worker has something new to do; must be callable from any thread.
    void set_waker(std::function<void()> wake) { wake_ = std::move(wake); }
    // Called (worker thread, outside the lock) after each publish: wake_broker on. Set before
    // the worker starts.
    void set_publish_waker(std::function<void()> wake) { publish_wake_ = std::move(wake); }

    // --- broker thread ---
    // MESSAGE: hands over a message on a mesh topic under `roots`; any other topic is left
    // alone (false). Cheap: prefix compares, then one copy.
    bool offer_uplink(std::string_view topic, const void* payload, size_t length,
                      const std::vector<std::string>& roots);
    // Copies the message; false (and counted) when the queue is full.
    bool push_uplink(std::string_view topic, const void* payload, size_t length);
    void push_receipt(Receipt receipt);
    // SIGHUP: the worker re-reads the configuration (files are not read on the broker thread).
    void request_reload();
    // false (and counted) when too many requests wait.
    bool push_control(core::ControlRequest request);
    // The topic roots the MESSAGE callback matches changed (a reload in the worker).
    bool take_roots(std::vector<std::string>& roots);
    bool tick_has_work() const { return tick_work_.load(std::memory_order_acquire); }
    void take_for_tick(std::vector<Outgoing>& outgoing, std::vector<LogLine>& logs);
    // After take_for_tick: the messages just given to mosquitto_broker_publish (swapped out of
    // `published`). Mosquitto 2.0 delivers them at the start of its next loop iteration
    // (src/loop.c:190-191 queue_plugin_msgs at v2.0.11), which ends with the next tick; until
    // then a kill -9 or a shutdown loses them, so they count as not yet published.
    void handed_to_broker(std::vector<Outgoing>& published);

    // --- worker thread ---
    struct WorkerInput {
        std::vector<Uplink> uplinks;
        Bytes bytes;  // every uplink's topic and payload, back to back
        std::vector<Receipt> receipts;
        bool reload = false;
        std::vector<core::ControlRequest> control;
        uint64_t uplinks_dropped = 0;
        uint64_t control_dropped = 0;
    };
    void take_for_worker(WorkerInput& in);
    bool worker_has_input() const;
    // The worker says it is about to sleep (then checks worker_has_input) or is awake again.
    void set_worker_asleep(bool asleep) { worker_asleep_.store(asleep); }
    void push_roots(std::vector<std::string> roots);
    void publish(Outgoing message) override;
    std::vector<Outgoing> not_yet_published() const override;
    void log(LogLevel level, std::string line) override;
    // Replaced in every logged line; the worker sets the current bot token.
    void set_secret(std::string secret);

    // After the broker loop stopped (cleanup): what was never published or never delivered.
    std::vector<Outgoing> take_unpublished();

  private:
    void wake();

    mutable std::mutex mu_;
    // Uplinks packed into one buffer that keeps its capacity: no allocation per message, and
    // the broker thread writes memory it wrote before instead of blocks the worker freed.
    struct Packed {
        uint32_t topic_length;
        uint32_t payload_length;
    };
    std::vector<Packed> uplinks_;
    Bytes uplink_bytes_;
    std::vector<Packed> worker_index_;  // swapped with uplinks_ by take_for_worker
    uint64_t uplinks_dropped_ = 0;
    std::vector<Receipt> receipts_;
    bool reload_requested_ = false;
    std::vector<core::ControlRequest> control_;
    uint64_t control_dropped_ = 0;
    std::optional<std::vector<std::string>> roots_;
    std::vector<Outgoing> outgoing_;
    std::vector<Outgoing> handed_over_;  // published in the last tick, not yet delivered
    std::vector<LogLine> logs_;
    uint64_t logs_dropped_ = 0;
    std::atomic<bool> tick_work_{false};
    std::atomic<bool> worker_asleep_{true};
    std::function<void()> wake_;
    std::function<void()> publish_wake_;
    std::string secret_;  // worker-only
};

}  // namespace tgmesh::broker
