#pragma once
// Byte buffers are std::string: MQTT payloads, protobuf blobs and keys all move between
// string_view-based APIs without copies or casts at every call site.
#include <cstdint>
#include <string>
#include <string_view>

namespace tgmesh {

using Bytes = std::string;
using BytesView = std::string_view;

inline const uint8_t* byte_ptr(BytesView b) {
    return reinterpret_cast<const uint8_t*>(b.data());
}

std::string to_hex(BytesView bytes);
// Returns false on odd length or a non-hex digit.
bool from_hex(std::string_view hex, Bytes& out);

}  // namespace tgmesh
