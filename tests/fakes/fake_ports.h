#pragma once
// Fakes of the core's ports (base/ports.h), shared by the unit tests and the fuzz harnesses:
// time moves only when told, publishes and log lines are kept, HTTP requests wait until the
// test answers them, and the state "file" is a string.
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tgmesh/base/ports.h"

namespace tgmesh::fakes {

class Clock : public tgmesh::Clock {
  public:
    Millis now = 1'000'000;
    int64_t unix_now = 1'760'000'000;
    Millis now_ms() const override { return now; }
    int64_t unix_seconds() const override { return unix_now; }
    void advance(Millis ms) {
        now += ms;
        unix_now += ms / 1000;
    }
};

// $SYS/... values go to `sys`, and the NODEINFO the bridge sends a newly heard gateway over
// MQTT only to `greetings`, so that tests of downlinks see only downlinks.
class Publisher : public tgmesh::Publisher {
  public:
    std::vector<Outgoing> published;
    std::vector<Outgoing> sys;
    std::vector<Outgoing> greetings;
    // When set, sees every message as it is published.
    std::function<void(const Outgoing&)> on_publish;

    void publish(Outgoing message) override;
    // A packet addressed to the very gateway whose client alone receives it.
    static bool is_gateway_greeting(const Outgoing& message);
};

class Logger : public tgmesh::Logger {
  public:
    std::vector<std::string> lines;
    std::vector<LogLevel> levels;  // levels[i] is the level of lines[i]
    // When set, sees every line (a fuzz harness checks it for the token).
    std::function<void(const std::string&)> on_line;

    void log(LogLevel level, std::string line) override;
    bool contains(std::string_view needle) const;
    // Lines containing `needle`.
    size_t count(std::string_view needle) const;
};

// Requests wait until the test answers them.
class Http : public tgmesh::HttpClient {
  public:
    struct Pending {
        HttpRequest request;
        std::function<void(HttpResponse)> done;
        // The Bot API method: the last path segment of the URL.
        std::string method() const;
    };
    std::deque<Pending> pending;
    int cancelled = 0;

    void post(HttpRequest request, std::function<void(HttpResponse)> done) override;
    void cancel_all() override;
    // Removes and returns the oldest pending request for `method`, if any.
    std::optional<Pending> try_take(std::string_view method);
    bool has(std::string_view method) const;
    static void reply(Pending& p, long status, const std::string& body);
};

class Store : public tgmesh::StateStore {
  public:
    std::optional<std::string> text;  // what load() returns; save() replaces it
    std::string load_error;
    bool fail_saves = false;
    int saves = 0;
    int moved_aside = 0;

    Loaded load() override;
    Status save(const std::string& document) override;
    std::string move_aside() override;
};

}  // namespace tgmesh::fakes
