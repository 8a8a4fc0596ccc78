#include "tgmesh/core/chat/write_flow.h"

#include <charconv>
#include <cstdio>

#include "tgmesh/core/chat/format.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::core {

namespace {

std::string hex32(uint32_t v) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return buf;
}

bool parse_hex32(std::string_view s, uint32_t& out) {
    if (s.size() != 8) return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
    return ec == std::errc() && ptr == s.data() + s.size();
}

// Button text: "Long name · 1 hop · 5 min ago", the name cut to stay readable on a phone.
std::string button_label(const Node& n, int64_t now_unix, const i18n::Catalog& cat) {
    std::string label = n.display_name();
    label.resize(utf8::prefix_at_boundary(label, 28));
    if (const Reception* r = n.best_reception(); r && r->hops) {
        label += " · " + format_link_quality(Reception{r->gateway, r->hops, {}, {}, r->time}, cat);
    }
    if (n.last_heard > 0) label += " · " + format_age(now_unix - n.last_heard, cat);
    return label;
}

}  // namespace

void WriteFlow::expire(Millis now) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        it = (now >= it->second.expires) ? sessions_.erase(it) : std::next(it);
    }
}

uint32_t WriteFlow::start(int64_t chat_id, int64_t user_id, const std::string& user_name,
                          int64_t command_message_id, Millis now) {
    expire(now);
    if (sessions_.size() >= kMaxSessions) sessions_.erase(sessions_.begin());
    // Ids differ from run to run, so a keyboard left from before a restart is stale.
    const uint32_t id = static_cast<uint32_t>(now) ^ (++next_id_ * 0x9e3779b9u);
    sessions_[{chat_id, user_id}] = {id, user_name, command_message_id, std::nullopt,
                                     now + kLifetime};
    return id;
}

WriteFlow::Press WriteFlow::press(const std::string& data, int64_t chat_id, int64_t user_id,
                                  Millis now) {
    expire(now);
    Press p;
    // "w:<8 hex>:<kind>[:<arg>]"
    uint32_t id = 0;
    if (data.size() < 12 || !data.starts_with(kCallbackPrefix) || data[10] != ':' ||
        !parse_hex32(std::string_view(data).substr(2, 8), id)) {
        return p;
    }
    const Session* owner = nullptr;
    bool own = false;
    for (const auto& [key, s] : sessions_) {
        if (key.first == chat_id && s.id == id) {
            owner = &s;
            own = key.second == user_id;
            break;
        }
    }
    if (!owner) return p;  // expired or from before a restart
    if (!own) {
        p.kind = Press::Kind::kForeign;
        p.owner_name = owner->user_name;
        return p;
    }
    Session& session = sessions_[{chat_id, user_id}];
    p.session = id;
    std::string_view rest = std::string_view(data).substr(11);
    if (rest == "x") {
        sessions_.erase({chat_id, user_id});
        p.kind = Press::Kind::kCancel;
    } else if (rest.starts_with("p:")) {
        size_t page = 0;
        auto arg = rest.substr(2);
        auto [ptr, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), page);
        if (ec != std::errc() || ptr != arg.data() + arg.size()) return p;
        p.kind = Press::Kind::kPage;
        p.page = page;
        session.expires = now + kLifetime;
    } else if (rest.starts_with("n:") && parse_hex32(rest.substr(2), p.node)) {
        p.kind = Press::Kind::kPick;
        session.target = p.node;
        session.expires = now + kLifetime;
    }
    return p;
}

std::optional<mesh::NodeNum> WriteFlow::take_target(int64_t chat_id, int64_t user_id, Millis now) {
    expire(now);
    auto it = sessions_.find({chat_id, user_id});
    if (it == sessions_.end() || !it->second.target) return std::nullopt;
    mesh::NodeNum node = *it->second.target;
    sessions_.erase(it);
    return node;
}

int64_t WriteFlow::command_message(int64_t chat_id, int64_t user_id) const {
    auto it = sessions_.find({chat_id, user_id});
    return it == sessions_.end() ? 0 : it->second.command_message_id;
}

size_t WriteFlow::page_count(const NodeRegistry& nodes) {
    return std::max<size_t>(1, (nodes.size() + kNodesPerPage - 1) / kNodesPerPage);
}

telegram::KeyboardRows WriteFlow::keyboard(uint32_t session, size_t page, const NodeRegistry& nodes,
                                           int64_t now_unix, const i18n::Catalog& cat) const {
    const std::string prefix = std::string(kCallbackPrefix) + hex32(session) + ":";
    auto all = nodes.by_last_heard();
    const size_t pages = page_count(nodes);
    page = std::min(page, pages - 1);
    telegram::KeyboardRows rows;
    for (size_t i = page * kNodesPerPage; i < all.size() && i < (page + 1) * kNodesPerPage; ++i) {
        rows.push_back(
            {{button_label(*all[i], now_unix, cat), prefix + "n:" + hex32(all[i]->num)}});
    }
    std::vector<telegram::Button> nav;
    if (page > 0)
        nav.push_back({std::string(cat.button_prev), prefix + "p:" + std::to_string(page - 1)});
    nav.push_back({std::string(cat.button_cancel), prefix + "x"});
    if (page + 1 < pages) {
        nav.push_back({std::string(cat.button_next), prefix + "p:" + std::to_string(page + 1)});
    }
    rows.push_back(std::move(nav));
    return rows;
}

}  // namespace tgmesh::core
