// Text utilities: mesh::chunk_text, the utf8 functions, base64 and hex, PSK forms.
// Input: three parameter bytes (max_bytes, max_parts, prefix length), the prefix, the text.
// The whole input also goes through the utf8 and codec checks.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "tgmesh/mesh/channel_key.h"
#include "tgmesh/mesh/node_id.h"
#include "tgmesh/mesh/text_chunker.h"
#include "tgmesh/util/base64.h"
#include "tgmesh/util/bytes.h"
#include "tgmesh/util/utf8.h"

using namespace tgmesh;

namespace {

std::string without_spaces(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c != ' ') out += c;
    }
    return out;
}

// A text that fits is one part, prefix + text. Otherwise the parts fit, are few enough, are
// numbered, are valid UTF-8 for valid input, and carry the whole text (cuts only drop spaces).
void check_chunks(std::string_view prefix, std::string_view text, size_t max_bytes,
                  size_t max_parts) {
    auto parts = mesh::chunk_text(prefix, text, max_bytes, max_parts);
    if (parts.empty()) {
        fuzz::check(prefix.size() + text.size() > max_bytes);
        return;
    }
    const bool valid = utf8::is_valid(prefix) && utf8::is_valid(text);
    if (prefix.size() + text.size() <= max_bytes) {
        fuzz::check(parts.size() == 1 && parts[0] == std::string(prefix) + std::string(text));
        return;
    }
    fuzz::check(parts.size() <= max_parts);
    std::string pieces;
    for (size_t i = 0; i < parts.size(); ++i) {
        const std::string& part = parts[i];
        fuzz::check(part.size() <= max_bytes);
        if (valid) fuzz::check(utf8::is_valid(part));
        std::string head = "(" + std::to_string(i + 1) + "/" + std::to_string(parts.size()) + ") " +
                           std::string(prefix);
        fuzz::check(part.compare(0, head.size(), head) == 0);
        fuzz::check(part.size() > head.size());
        pieces += part.substr(head.size());
    }
    fuzz::check(without_spaces(pieces) == without_spaces(text));
}

void check_utf8(std::string_view s) {
    const bool valid = utf8::is_valid(s);
    std::string clean = utf8::sanitize(s);
    fuzz::check(utf8::is_valid(clean));
    fuzz::check(utf8::sanitize(clean) == clean);
    if (s.find('\0') == std::string_view::npos) fuzz::check(valid == (clean == s));
    size_t units = utf8::utf16_length(s);
    fuzz::check(units <= s.size());
    if (valid) {
        size_t chars = 0;
        for (size_t i = 0; i < s.size(); i += utf8::char_length(s, i))
            ++chars;
        fuzz::check(chars <= units && units <= 2 * chars);
    }
    for (size_t i = 0; i < s.size(); ++i)
        fuzz::check(utf8::char_length(s, i) >= 1 && i + utf8::char_length(s, i) <= s.size());
    for (size_t n : {size_t{0}, size_t{1}, s.size() / 2, s.size() > 0 ? s.size() - 1 : 0, s.size(),
                     s.size() + 3}) {
        size_t cut = utf8::prefix_at_boundary(s, n);
        fuzz::check(cut <= n && cut <= s.size());
        if (valid) {
            fuzz::check(utf8::is_valid(s.substr(0, cut)));
            fuzz::check(n < 4 || n >= s.size() || cut + 3 >= n);  // at most 3 bytes given up
        }
    }
}

void check_codecs(std::string_view s) {
    // base64: encode then decode is the identity; a decoded input re-encodes to something that
    // decodes to the same bytes.
    std::string b64 = base64_encode(s);
    auto back = base64_decode(b64);
    fuzz::check(s.empty() ? !back.has_value() : (back.has_value() && *back == s));
    if (auto decoded = base64_decode(s)) {
        auto again = base64_decode(base64_encode(*decoded));
        fuzz::check(decoded->empty() ? !again.has_value() : again == decoded);
    }
    // hex
    Bytes raw;
    fuzz::check(from_hex(to_hex(s), raw) && raw == s);
    if (from_hex(s, raw)) fuzz::check(raw.size() * 2 == s.size());
    // node ids
    if (auto num = mesh::parse_node_id(s)) {
        fuzz::check(mesh::parse_node_id(mesh::format_node_id(*num)) == num);
    }
    // PSKs in every form channel_keys takes expand as firmware does: none, 16 or 32 bytes;
    // the same bytes written as 0x hex or base64: read the same.
    if (auto psk = mesh::parse_psk(s)) {
        auto key = mesh::expand_psk(*psk);
        fuzz::check(key.has_value() == (psk->size() <= 32));
        if (key) {
            fuzz::check(key->empty() || key->size() == 16 || key->size() == 32);
            fuzz::check(psk->size() <= 1 || key->compare(0, psk->size(), *psk) == 0);
        }
        if (!psk->empty()) {
            fuzz::check(mesh::parse_psk("0x" + to_hex(*psk)) == psk);
            fuzz::check(mesh::parse_psk("base64:" + base64_encode(*psk)) == psk);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view all = fuzz::as_view(data, size);
    check_utf8(all);
    check_codecs(all);
    if (size < 3) return 0;
    const size_t max_bytes = 1 + data[0] % 240;
    const size_t max_parts = data[1] % 10;  // the marker "(i/n) " assumes n <= 9
    std::string_view rest = all.substr(3);
    const size_t prefix_len = std::min<size_t>(data[2] % 48, rest.size());
    std::string_view prefix = rest.substr(0, prefix_len);
    std::string_view text = rest.substr(prefix_len);
    check_chunks(prefix, text, max_bytes, max_parts);
    check_chunks(prefix, text, max_bytes, mesh::kMaxTextParts);
    return 0;
}
