#include "tgmesh/telegram/html.h"

#include "tgmesh/util/utf8.h"

namespace tgmesh::telegram {

std::string escape_html(std::string_view text) {
    std::string clean = utf8::sanitize(text);
    std::string out;
    out.reserve(clean.size() + 16);
    for (char c : clean) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace tgmesh::telegram
