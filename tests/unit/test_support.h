#pragma once
// Helpers shared by the unit tests: CMocka in C++, vectors, and fakes of the core's ports.
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tgmesh/core/ports.h"
#include "tgmesh/util/bytes.h"
#include "tgmesh/util/json.h"

// CMocka last: it defines macros (fail, ...) that clash with the standard library.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

namespace test {

// tests/vectors/<name> parsed; fails the test if missing or malformed.
tgmesh::json::Ptr load_vectors(const char* name);
tgmesh::Bytes hex(const std::string& text);

class FakeClock : public tgmesh::Clock {
  public:
    tgmesh::Millis now = 1'000'000;
    int64_t unix_now = 1'760'000'000;
    tgmesh::Millis now_ms() const override { return now; }
    int64_t unix_seconds() const override { return unix_now; }
    void advance(tgmesh::Millis ms) {
        now += ms;
        unix_now += ms / 1000;
    }
};

// $SYS/... values go to `sys`, and the NODEINFO the bridge sends a newly heard gateway over
// MQTT only to `greetings`, so that tests of downlinks see only downlinks.
class FakePublisher : public tgmesh::core::Publisher {
  public:
    std::vector<tgmesh::core::Outgoing> published;
    std::vector<tgmesh::core::Outgoing> sys;
    std::vector<tgmesh::core::Outgoing> greetings;
    void publish(tgmesh::core::Outgoing message) override {
        if (message.topic.rfind("$SYS/", 0) == 0) {
            sys.push_back(std::move(message));
        } else if (is_gateway_greeting(message)) {
            greetings.push_back(std::move(message));
        } else {
            published.push_back(std::move(message));
        }
    }
    // A packet addressed to the very gateway whose client alone receives it.
    static bool is_gateway_greeting(const tgmesh::core::Outgoing& message);
};

class FakeLogger : public tgmesh::core::Logger {
  public:
    std::vector<std::string> lines;
    std::vector<tgmesh::core::LogLevel> levels;  // levels[i] is the level of lines[i]
    void log(tgmesh::core::LogLevel level, std::string line) override {
        lines.push_back(std::move(line));
        levels.push_back(level);
    }
    bool contains(const std::string& needle) const;
};

// Requests wait until the test answers them.
class FakeHttp : public tgmesh::core::HttpClient {
  public:
    struct Pending {
        tgmesh::core::HttpRequest request;
        std::function<void(tgmesh::core::HttpResponse)> done;
        // The Bot API method: the last path segment of the URL.
        std::string method() const;
    };
    std::deque<Pending> pending;
    int cancelled = 0;

    void post(tgmesh::core::HttpRequest request,
              std::function<void(tgmesh::core::HttpResponse)> done) override {
        pending.push_back({std::move(request), std::move(done)});
    }
    void cancel_all() override {
        cancelled += static_cast<int>(pending.size());
        pending.clear();
    }
    // Removes and returns the oldest pending request for `method`; fails the test if none.
    Pending take(const std::string& method);
    bool has(const std::string& method) const;
    static void reply(Pending& p, long status, const std::string& body);
};

class FakeStore : public tgmesh::core::StateStore {
  public:
    std::optional<std::string> text;
    std::string load_error;
    bool fail_saves = false;
    int saves = 0;
    int moved_aside = 0;
    Loaded load() override { return {load_error.empty() ? text : std::nullopt, load_error}; }
    bool save(const std::string& t, std::string& error) override {
        if (fail_saves) {
            error = "disk full";
            return false;
        }
        ++saves;
        text = t;
        return true;
    }
    std::string move_aside() override {
        ++moved_aside;
        text.reset();
        load_error.clear();
        return "state.json.corrupt";
    }
};

}  // namespace test
