#pragma once
#include <optional>
#include <string_view>

#include "tgmesh/util/bytes.h"

namespace tgmesh {

// Strict standard base64 (with padding) via OpenSSL; nullopt on any invalid input.
std::optional<Bytes> base64_decode(std::string_view text);
std::string base64_encode(BytesView bytes);

}  // namespace tgmesh
