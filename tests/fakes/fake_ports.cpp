#include "fake_ports.h"

#include <algorithm>
#include <utility>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/mesh/packet.h"

namespace tgmesh::fakes {

void Publisher::publish(Outgoing message) {
    if (on_publish) on_publish(message);
    if (message.topic.starts_with("$SYS/")) {
        sys.push_back(std::move(message));
    } else if (is_gateway_greeting(message)) {
        greetings.push_back(std::move(message));
    } else {
        published.push_back(std::move(message));
    }
}

bool Publisher::is_gateway_greeting(const Outgoing& message) {
    if (message.client_id.empty()) return false;
    auto env = mesh::decode_envelope(message.payload);
    return env && mesh::format_node_id(env->packet.to) == message.client_id;
}

void Logger::log(LogLevel level, std::string line) {
    if (on_line) on_line(line);
    lines.push_back(std::move(line));
    levels.push_back(level);
}

bool Logger::contains(std::string_view needle) const {
    return count(needle) > 0;
}

size_t Logger::count(std::string_view needle) const {
    return static_cast<size_t>(std::count_if(lines.begin(), lines.end(), [&](const auto& l) {
        return l.find(needle) != std::string::npos;
    }));
}

std::string Http::Pending::method() const {
    return request.url.substr(request.url.rfind('/') + 1);
}

void Http::post(HttpRequest request, std::function<void(HttpResponse)> done) {
    pending.push_back({std::move(request), std::move(done)});
}

void Http::cancel_all() {
    cancelled += static_cast<int>(pending.size());
    pending.clear();
}

std::optional<Http::Pending> Http::try_take(std::string_view method) {
    for (auto it = pending.begin(); it != pending.end(); ++it) {
        if (it->method() == method) {
            Pending p = std::move(*it);
            pending.erase(it);
            return p;
        }
    }
    return std::nullopt;
}

bool Http::has(std::string_view method) const {
    return std::any_of(pending.begin(), pending.end(),
                       [&](const Pending& p) { return p.method() == method; });
}

void Http::reply(Pending& p, long status, const std::string& body) {
    HttpResponse r;
    r.status = status;
    r.body = body;
    p.done(std::move(r));
}

StateStore::Loaded Store::load() {
    return {load_error.empty() ? text : std::nullopt, load_error};
}

Status Store::save(const std::string& document) {
    if (fail_saves) return Status::failure("disk full");
    ++saves;
    text = document;
    return Status::ok();
}

std::string Store::move_aside() {
    ++moved_aside;
    text.reset();
    load_error.clear();
    return "state.json.corrupt";
}

}  // namespace tgmesh::fakes
