#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace tgmesh::telegram {

// Telegram's sendMessage limit, in characters (UTF-16 code units) after entity parsing.
constexpr size_t kMaxMessageChars = 4096;

// Packs HTML lines into as few messages as possible, joined with '\n', each at most `limit`
// UTF-16 units of HTML source (an upper bound of the visible length, so always accepted).
// Lines are never split unless one alone exceeds the limit; such a line is cut at character
// boundaries outside entities and tags, and tags open at a cut are closed before it and opened
// again after it, so each message is valid HTML by itself.
std::vector<std::string> split_message(const std::vector<std::string>& lines,
                                       size_t limit = kMaxMessageChars);

}  // namespace tgmesh::telegram
