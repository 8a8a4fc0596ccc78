#include "tgmesh/telegram/message_split.h"

#include <string_view>

#include "tgmesh/util/utf8.h"

namespace tgmesh::telegram {

namespace {

// Cuts a tag-free HTML line into pieces of at most `limit` UTF-16 units, never inside a
// character or an entity such as "&amp;".
std::vector<std::string> cut_long_line(std::string_view line, size_t limit) {
    std::vector<std::string> pieces;
    std::string current;
    size_t units = 0;
    size_t i = 0;
    while (i < line.size()) {
        size_t len = 1;
        if (line[i] == '&') {
            size_t semi = line.find(';', i);
            if (semi != std::string_view::npos && semi - i <= 10) len = semi - i + 1;
        } else {
            len = utf8::char_length(line, i);
        }
        std::string_view unit = line.substr(i, len);
        size_t u = utf8::utf16_length(unit);
        if (units + u > limit && !current.empty()) {
            pieces.push_back(std::move(current));
            current.clear();
            units = 0;
        }
        current.append(unit);
        units += u;
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
