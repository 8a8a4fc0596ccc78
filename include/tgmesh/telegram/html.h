#pragma once
#include <string>
#include <string_view>

namespace tgmesh::telegram {

// Escapes user-supplied text for parse_mode HTML: & < > " become entities; invalid UTF-8 and
// NUL bytes become U+FFFD so the whole message is never rejected for one bad byte.
std::string escape_html(std::string_view text);

}  // namespace tgmesh::telegram
