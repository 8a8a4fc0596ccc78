#pragma once
// Splitting chat texts into mesh-sized parts (a LoRa text carries at most ~228 bytes).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tgmesh::mesh {

constexpr size_t kMaxTextParts = 5;

// Splits `text` into parts of at most `max_bytes` UTF-8 bytes each, cutting only at character
// boundaries and preferably at a space. With one part the result is prefix + text; with more,
// each part is "(i/n) " + prefix + piece, so the author is on every part. Returns an empty
// vector when more than `max_parts` parts would be needed (or the prefix leaves no room).
std::vector<std::string> chunk_text(std::string_view prefix, std::string_view text,
                                    size_t max_bytes, size_t max_parts = kMaxTextParts);

// The longest text (in bytes) that chunk_text accepts for this prefix and limits, for
// telling the user why a text was refused.
size_t chunk_capacity(std::string_view prefix, size_t max_bytes, size_t max_parts = kMaxTextParts);

}  // namespace tgmesh::mesh
