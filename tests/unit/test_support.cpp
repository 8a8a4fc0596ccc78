#include "test_support.h"

#include <fstream>
#include <sstream>

#include "tgmesh/mesh/node_id.h"
#include "tgmesh/mesh/packet.h"

namespace test {

tgmesh::json::Ptr load_vectors(const char* name) {
    std::ifstream in(std::string(TGMESH_VECTORS_DIR) + "/" + name);
    std::stringstream text;
    text << in.rdbuf();
    auto doc = tgmesh::json::parse(text.str());
    if (!doc) fail_msg("cannot load vectors %s", name);
    return doc;
}

tgmesh::Bytes hex(const std::string& text) {
    tgmesh::Bytes out;
    if (!tgmesh::from_hex(text, out)) fail_msg("bad hex in test: %s", text.c_str());
    return out;
}

bool FakeLogger::contains(const std::string& needle) const {
    for (const auto& l : lines) {
        if (l.find(needle) != std::string::npos) return true;
    }
    return false;
}

std::string FakeHttp::Pending::method() const {
    return request.url.substr(request.url.rfind('/') + 1);
}

FakeHttp::Pending FakeHttp::take(const std::string& method) {
    for (auto it = pending.begin(); it != pending.end(); ++it) {
        if (it->method() == method) {
            Pending p = std::move(*it);
            pending.erase(it);
            return p;
        }
    }
    fail_msg("no pending %s request", method.c_str());
    return {};
}

bool FakeHttp::has(const std::string& method) const {
    for (const auto& p : pending) {
        if (p.method() == method) return true;
    }
    return false;
}

void FakeHttp::reply(Pending& p, long status, const std::string& body) {
    tgmesh::core::HttpResponse r;
    r.status = status;
    r.body = body;
    p.done(r);
}

bool FakePublisher::is_gateway_greeting(const tgmesh::core::Outgoing& message) {
    if (message.client_id.empty()) return false;
    auto env = tgmesh::mesh::decode_envelope(message.payload);
    return env && tgmesh::mesh::format_node_id(env->packet.to) == message.client_id;
}

}  // namespace test
