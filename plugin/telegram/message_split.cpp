#include "tgmesh/telegram/message_split.h"

#include <string_view>

#include "tgmesh/util/utf8.h"

namespace tgmesh::telegram {

namespace {

// Cuts an HTML line into pieces of at most `limit` UTF-16 units, never inside a character, an
// entity such as "&amp;" or a tag. Tags still open at a cut are closed at the end of the piece
// and opened again at the start of the next one, so every piece is valid HTML on its own.
// (Replies are split as one line with their tags: a long "node not found" reply was cut inside
// or between its <code> tags, Telegram refused both parts and the reply was lost. Found by
// fuzz/fuzz_telegram.)
std::vector<std::string> cut_long_line(std::string_view line, size_t limit) {
    struct OpenTag {
        std::string_view name;  // "b", "code", "a"
        std::string_view text;  // as written, with any attributes: "<a href=...>"
    };
    std::vector<OpenTag> open;
    size_t closing_units = 0;  // of the "</name>" tags that close everything open
    std::vector<std::string> pieces;
    std::string current;
    size_t units = 0;
    bool has_text = false;  // the piece holds more than the tags it opened again
    size_t i = 0;
    while (i < line.size()) {
        size_t len = 1;
        bool tag = false;
        if (line[i] == '&') {
            size_t semi = line.find(';', i);
            if (semi != std::string_view::npos && semi - i <= 10) len = semi - i + 1;
        } else if (line[i] == '<') {
            size_t gt = line.find('>', i);
            tag = gt != std::string_view::npos;
            if (tag) len = gt - i + 1;
        } else {
            len = utf8::char_length(line, i);
        }
        std::string_view unit = line.substr(i, len);
        size_t u = utf8::utf16_length(unit);
        // How the unit changes the closing tags the piece needs.
        bool opens = false;
        bool closes = false;
        std::string_view name;
        if (tag) {
            std::string_view inner = unit.substr(1, unit.size() - 2);
            if (inner.starts_with('/')) {
                name = inner.substr(1);
                closes = !open.empty() && open.back().name == name;
            } else {
                name = inner.substr(0, inner.find_first_of(" \t\n"));
                opens = !name.empty() && !inner.ends_with('/');
            }
        }
        size_t closing_after = closing_units;
        if (opens) closing_after += name.size() + 3;
        if (closes) closing_after -= name.size() + 3;
        if (has_text && units + u + closing_after > limit) {
            for (auto it = open.rbegin(); it != open.rend(); ++it) {
                current += "</";
                current += it->name;
                current += '>';
            }
            pieces.push_back(std::move(current));
            current.clear();
            for (const auto& t : open)
                current += t.text;
            units = utf8::utf16_length(current);
            has_text = false;
        }
        current.append(unit);
        units += u;
        if (opens) open.push_back({name, unit});
        if (closes) open.pop_back();
        closing_units = closing_after;
        has_text = has_text || !tag;
        i += len;
    }
    if (!current.empty()) pieces.push_back(std::move(current));
    return pieces;
}

}  // namespace

std::vector<std::string> split_message(const std::vector<std::string>& lines, size_t limit) {
    std::vector<std::string> messages;
    std::string current;
    size_t units = 0;
    auto flush = [&] {
        if (!current.empty()) messages.push_back(std::move(current));
        current.clear();
        units = 0;
    };
    for (const auto& line : lines) {
        size_t line_units = utf8::utf16_length(line);
        if (line_units > limit) {
            flush();
            for (auto& piece : cut_long_line(line, limit))
                messages.push_back(std::move(piece));
            continue;
        }
        size_t needed = current.empty() ? line_units : units + 1 + line_units;
        if (needed > limit) {
            flush();
            needed = line_units;
        }
        if (!current.empty()) current += '\n';
        current += line;
        units = needed;
    }
    flush();
    return messages;
}

}  // namespace tgmesh::telegram
