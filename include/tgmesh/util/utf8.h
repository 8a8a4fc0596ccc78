#pragma once
#include <cstddef>
#include <string_view>

namespace tgmesh::utf8 {

bool is_valid(std::string_view text);
// Bytes of the character starting at text[i]; 1 for an invalid byte.
size_t char_length(std::string_view text, size_t i);
// Largest n <= max_bytes such that text[0, n) ends on a UTF-8 character boundary.
size_t prefix_at_boundary(std::string_view text, size_t max_bytes);
// Length in UTF-16 code units, which is how Telegram counts message characters.
size_t utf16_length(std::string_view text);
// Replaces invalid sequences with U+FFFD so that JSON and Telegram accept the text.
std::string sanitize(std::string_view text);
// A string from the wire, fit to store and show: valid UTF-8 (sanitize), without control
// characters (C0, DEL) or Unicode direction controls (U+061C, U+200E/F, U+202A-E,
// U+2066-9: a name with U+202E would reverse the text after it in the chat), at most
// `max_bytes` bytes, cut at a character boundary.
std::string printable(std::string_view text, size_t max_bytes);

}  // namespace tgmesh::utf8
