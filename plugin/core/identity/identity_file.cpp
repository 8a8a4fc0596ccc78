#include "tgmesh/core/identity/identity_file.h"

#include "tgmesh/util/base64.h"
#include "tgmesh/util/json.h"

namespace tgmesh::core {

namespace {
constexpr int kVersion = 1;
constexpr std::string_view kStateSuffix = ".json";
}  // namespace

std::string identity_file_for(const std::string& state_file) {
    std::string_view base = state_file;
    if (base.ends_with(kStateSuffix)) base.remove_suffix(kStateSuffix.size());
    return std::string(base) + ".key";
}

std::string serialize_identity(const Identity& identity) {
    auto root = json::make_object();
    json::add_int(root.get(), "version", kVersion);
    if (identity.node_id) {
        json::add_string(root.get(), "node_id", mesh::format_node_id(*identity.node_id));
    }
    if (identity.private_key.size() == 32) {
        json::add_string(root.get(), "private_key", base64_encode(identity.private_key));
    }
    return json::print(root.get());
}

std::optional<Identity> parse_identity(const std::string& text) {
    auto root = json::parse(text);
    if (!cJSON_IsObject(root.get()) || json::get_int(root.get(), "version") != kVersion) {
        return std::nullopt;
    }
    Identity identity;
    if (auto id = json::get_string(root.get(), "node_id")) {
        identity.node_id = mesh::parse_node_id(*id);
        if (!identity.node_id) return std::nullopt;
    }
    if (auto key = json::get_string(root.get(), "private_key")) {
        auto raw = base64_decode(*key);
        if (!raw || raw->size() != 32) return std::nullopt;
        identity.private_key = *raw;
    }
    return identity;
}

}  // namespace tgmesh::core
