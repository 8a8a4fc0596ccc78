#pragma once
// The small interfaces through which the single-threaded core reaches the outside world.
// Production adapters: broker/ (publish, log), adapters/ (libcurl, state file, clock);
// unit tests pass fakes.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tgmesh/util/bytes.h"
#include "tgmesh/util/clock.h"
#include "tgmesh/util/status.h"

namespace tgmesh {

// A message for the broker to publish in-process.
struct Outgoing {
    std::string topic;
    Bytes payload;
    std::string client_id;    // empty = every matching subscriber; else only that client
    uint64_t receipt_id = 0;  // nonzero = report back through Bridge::on_published
    uint8_t qos = 1;
    bool retain = false;
    // $SYS values and $CONTROL responses: dropped, not kept for after a restart.
    bool transient = false;
};

class Publisher {
  public:
    virtual ~Publisher() = default;
    virtual void publish(Outgoing message) = 0;
    // A copy of what was handed over and not published yet, for a state save that must not
    // lose it (the broker publishes on its next tick).
    virtual std::vector<Outgoing> not_yet_published() const { return {}; }
};

enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError };

class Logger {
  public:
    virtual ~Logger() = default;
    virtual void log(LogLevel level, std::string line) = 0;
};

struct HttpRequest {
    std::string url;
    std::string json_body;
    Millis timeout_ms = 30 * kSecond;
};

struct HttpResponse {
    long status = 0;  // 0 = no HTTP response (connection, DNS, timeout, size cap)
    std::string body;
    std::string error;  // transport error in words; never contains the URL
};

// Asynchronous POST; `done` runs later on the core's thread, exactly once, unless cancel_all
// is called first.
class HttpClient {
  public:
    virtual ~HttpClient() = default;
    virtual void post(HttpRequest request, std::function<void(HttpResponse)> done) = 0;
    virtual void cancel_all() = 0;
};

// Where the state document lives between runs.
class StateStore {
  public:
    virtual ~StateStore() = default;
    struct Loaded {
        std::optional<std::string> text;  // nullopt: no state yet (first start) or unreadable
        std::string error;                // why it could not be read; empty when simply absent
    };
    virtual Loaded load() = 0;
    // Atomically replaces the stored document.
    virtual Status save(const std::string& text) = 0;
    // Moves an unusable document out of the way; returns where it went.
    virtual std::string move_aside() = 0;
};

}  // namespace tgmesh
