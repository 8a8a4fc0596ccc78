#include "tgmesh/mesh/text_chunker.h"

#include "tgmesh/util/utf8.h"

namespace tgmesh::mesh {

namespace {

constexpr size_t kMarkerBytes = 6;  // "(i/n) " with n <= 9

std::string_view trim_leading_spaces(std::string_view s) {
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    return s;
}

// Greedy split into pieces of at most `room` bytes. With prefer_spaces, a piece ends after the
// last space in its final 40% when there is one, so words stay whole.
std::vector<std::string_view> split_pieces(std::string_view text, size_t room, bool prefer_spaces) {
    std::vector<std::string_view> pieces;
    while (!text.empty()) {
        size_t cut = utf8::prefix_at_boundary(text, room);
        if (cut == 0) return {};  // room smaller than one character
        if (cut < text.size() && prefer_spaces) {
            size_t space = text.substr(0, cut + 1).rfind(' ');
            if (space != std::string_view::npos && space > 0 && space * 5 >= cut * 3) cut = space;
        }
        std::string_view piece = text.substr(0, cut);
        while (!piece.empty() && piece.back() == ' ')
            piece.remove_suffix(1);
        if (!piece.empty()) pieces.push_back(piece);
        text = trim_leading_spaces(text.substr(cut));
    }
    return pieces;
}

}  // namespace

std::vector<std::string> chunk_text(std::string_view prefix, std::string_view text,
                                    size_t max_bytes, size_t max_parts) {
    if (prefix.size() + text.size() <= max_bytes) return {std::string(prefix) + std::string(text)};
    if (max_parts < 2 || max_bytes <= kMarkerBytes + prefix.size()) return {};
    size_t room = max_bytes - kMarkerBytes - prefix.size();
    auto pieces = split_pieces(text, room, true);
    if (pieces.size() > max_parts) pieces = split_pieces(text, room, false);
    if (pieces.empty() || pieces.size() > max_parts) return {};
    std::vector<std::string> parts;
    const size_t n = pieces.size();
    for (size_t i = 0; i < n; ++i) {
        // Appended piece by piece: `"(" + std::to_string(...)` trips GCC 12's false -Wrestrict
        // at -O3 (a Release build).
        std::string part = "(";
        part += std::to_string(i + 1);
        part += '/';
        part += std::to_string(n);
        part += ") ";
        part += prefix;
        part += pieces[i];
        parts.push_back(std::move(part));
    }
    return parts;
}

size_t chunk_capacity(std::string_view prefix, size_t max_bytes, size_t max_parts) {
    size_t single = max_bytes > prefix.size() ? max_bytes - prefix.size() : 0;
    if (max_parts < 2 || max_bytes <= kMarkerBytes + prefix.size()) return single;
    size_t multi = (max_bytes - kMarkerBytes - prefix.size()) * max_parts;
    return multi > single ? multi : single;
}

}  // namespace tgmesh::mesh
