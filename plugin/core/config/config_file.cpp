#include <string_view>

#include "tgmesh/core/config/config.h"

namespace tgmesh::core {

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}
}  // namespace

Result<Options> parse_config_file(const std::string& text) {
    Options options;
    size_t line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string_view line = trim(std::string_view(text).substr(pos, end - pos));
        pos = end + 1;
        ++line_no;
        if (line.empty() || line.front() == '#') continue;
        size_t split = line.find_first_of(" \t");
        if (split == std::string_view::npos) {
            // The line itself is not echoed: it could be a secret pasted on its own.
            return Status::failure("line " + std::to_string(line_no) +
                                   " has no value (expected: key value)");
        }
        std::string key(line.substr(0, split));
        std::string_view value = trim(line.substr(split));
        if (!value.empty() && value.front() == '"') {
            if (value.size() < 2 || value.back() != '"') {
                return Status::failure("line " + std::to_string(line_no) +
                                       ": unterminated quote in " + key);
            }
        }
        options.emplace_back(std::move(key), std::string(value));
    }
    return options;
}

}  // namespace tgmesh::core
