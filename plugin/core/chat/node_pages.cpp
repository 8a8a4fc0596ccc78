#include "tgmesh/core/chat/node_pages.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "tgmesh/core/chat/format.h"
#include "tgmesh/telegram/html.h"
#include "tgmesh/telegram/keyboard.h"

namespace tgmesh::core {

namespace {

std::string callback(uint32_t view, size_t page) {
    return std::string(NodePages::kCallbackPrefix) + std::to_string(view) + ":" +
           std::to_string(page);
}

}  // namespace

uint32_t NodePages::open(std::string filter, Millis now) {
    for (auto it = views_.begin(); it != views_.end();) {
        it = now >= it->second.expires ? views_.erase(it) : std::next(it);
    }
    if (views_.size() >= kMaxViews) views_.erase(views_.begin());
    const uint32_t id = ++next_id_;
    views_[id] = {std::move(filter), now + kLifetime};
    return id;
}

std::optional<NodePages::Press> NodePages::press(const std::string& data, Millis now) {
    // "v:<view>:<page>"
    if (!data.starts_with(kCallbackPrefix)) return std::nullopt;
    size_t colon = data.find(':', 2);
    if (colon == std::string::npos) return std::nullopt;
    Press p;
    auto parse = [](std::string_view s, auto& out) {
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc() && ptr == s.data() + s.size();
    };
    std::string_view text(data);
    if (!parse(text.substr(2, colon - 2), p.view) || !parse(text.substr(colon + 1), p.page)) {
        return std::nullopt;
    }
    auto it = views_.find(p.view);
    if (it == views_.end() || now >= it->second.expires) return std::nullopt;
    it->second.expires = now + kLifetime;
    return p;
}

NodePages::Page NodePages::render(uint32_t view, size_t page, const NodeRegistry& nodes,
                                  int64_t now_unix, const i18n::Catalog& cat) const {
    auto it = views_.find(view);
    const std::string filter = it == views_.end() ? std::string() : it->second.filter;
    auto list = nodes.matching(filter);
    Page out;
    if (list.empty()) {
        out.html = filter.empty()
                       ? std::string(cat.nodes_empty)
                       : i18n::fill(cat.nodes_matching,
                                    {{"filter", telegram::escape_html(filter)}, {"n", "0"}});
        return out;
    }
    const size_t pages = (list.size() + kNodesPerPage - 1) / kNodesPerPage;
    page = std::min(page, pages - 1);
    const std::string n = std::to_string(list.size());
    out.html = filter.empty() ? i18n::fill(cat.nodes_header, {{"n", n}})
                              : i18n::fill(cat.nodes_matching,
                                           {{"filter", telegram::escape_html(filter)}, {"n", n}});
    for (size_t i = page * kNodesPerPage; i < list.size() && i < (page + 1) * kNodesPerPage; ++i) {
        out.html += "\n" + format_node_line(*list[i], now_unix, cat);
    }
    if (pages > 1) {
        out.html += "\n<i>" +
                    i18n::fill(cat.page, {{"page", std::to_string(page + 1)},
                                          {"pages", std::to_string(pages)}}) +
                    "</i>";
        std::vector<telegram::Button> nav;
        if (page > 0) nav.push_back({std::string(cat.button_prev), callback(view, page - 1)});
        if (page + 1 < pages)
            nav.push_back({std::string(cat.button_next), callback(view, page + 1)});
        out.reply_markup = telegram::inline_keyboard({nav});
    }
    return out;
}

}  // namespace tgmesh::core
