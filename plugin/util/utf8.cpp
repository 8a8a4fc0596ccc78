#include "tgmesh/util/utf8.h"

#include <algorithm>
#include <string>

namespace tgmesh::utf8 {

namespace {
// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t sequence_length(std::string_view text, size_t i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char c = byte(i);
    if (c < 0x80) return 1;
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + len > text.size()) return 0;
    for (size_t k = 1; k < len; ++k) {
        unsigned char cc = byte(i + k);
        if ((cc & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}
}  // namespace

bool is_valid(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
        size_t len = sequence_length(text, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

size_t char_length(std::string_view text, size_t i) {
    size_t len = sequence_length(text, i);
    return len == 0 ? 1 : len;
}

size_t prefix_at_boundary(std::string_view text, size_t max_bytes) {
    if (max_bytes >= text.size()) return text.size();
    size_t n = max_bytes;
    // Step back over continuation bytes so the cut lands before a lead byte.
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
        --n;
    return n;
}

size_t utf16_length(std::string_view text) {
    size_t units = 0;
    for (size_t i = 0; i < text.size();) {
        size_t len = sequence_length(text, i);
        if (len == 0) len = 1;
        units += (len == 4) ? 2 : 1;
        i += len;
    }
    return units;
}

std::string sanitize(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        size_t len = sequence_length(text, i);
        if (len == 0 || text[i] == '\0') {
            out += "\xEF\xBF\xBD";
            i += 1;
        } else {
            out.append(text.substr(i, len));
            i += len;
        }
    }
    return out;
}

namespace {
// U+061C ARABIC LETTER MARK, U+200E/U+200F, U+202A-U+202E embeddings and overrides,
// U+2066-U+2069 isolates.
bool is_direction_control(std::string_view c) {
    if (c == "\xD8\x9C") return true;
    if (c.size() != 3 || static_cast<unsigned char>(c[0]) != 0xE2) return false;
    const auto b1 = static_cast<unsigned char>(c[1]);
    const auto b2 = static_cast<unsigned char>(c[2]);
    if (b1 == 0x80) return b2 == 0x8E || b2 == 0x8F || (b2 >= 0xAA && b2 <= 0xAE);
    return b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9;
}
}  // namespace

std::string printable(std::string_view text, size_t max_bytes) {
    const std::string clean = sanitize(text);
    std::string out;
    out.reserve(std::min(clean.size(), max_bytes));
    for (size_t i = 0; i < clean.size() && out.size() < max_bytes;) {
        const size_t len = std::max<size_t>(1, sequence_length(clean, i));
        const std::string_view c = std::string_view(clean).substr(i, len);
        i += len;
        const auto byte = static_cast<unsigned char>(c[0]);
        if (len == 1 && (byte < 0x20 || byte == 0x7f)) continue;
        if (is_direction_control(c)) continue;
        if (out.size() + len > max_bytes) break;
        out += c;
    }
    return out;
}

}  // namespace tgmesh::utf8
