#include "test_support.h"

#include <fstream>
#include <sstream>
#include <utility>

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

FakeHttp::Pending FakeHttp::take(const std::string& method) {
    auto p = try_take(method);
    if (!p) fail_msg("no pending %s request", method.c_str());
    return p ? std::move(*p) : Pending{};
}

}  // namespace test
