#include "tgmesh/telegram/update.h"

#include <algorithm>
#include <cctype>

namespace tgmesh::telegram {

namespace {
std::string display_name_of(const std::string& first, const std::string& last,
                            const std::string& username, int64_t user_id) {
    std::string name = first;
    if (!last.empty()) name += (name.empty() ? "" : " ") + last;
    if (name.empty() && !username.empty()) name = "@" + username;
    if (name.empty()) name = std::to_string(user_id);
    return name;
}
}  // namespace

std::string IncomingMessage::display_name() const {
    return display_name_of(first_name, last_name, username, user_id);
}

std::string CallbackQuery::display_name() const {
    return display_name_of(first_name, last_name, username, user_id);
}

std::string ReactionChange::display_name() const {
    return display_name_of(first_name, last_name, username, user_id);
}

std::vector<std::string> ReactionChange::added() const {
    std::vector<std::string> out;
    for (const auto& emoji : new_emojis) {
        if (std::find(old_emojis.begin(), old_emojis.end(), emoji) == old_emojis.end()) {
            out.push_back(emoji);
        }
    }
    return out;
}

namespace {

// The sender's names and language, as messages, button presses and reactions carry them.
void read_names(const cJSON* from, std::string& first, std::string& last, std::string& username,
                std::string& language_code) {
    first = json::get_string(from, "first_name").value_or("");
    last = json::get_string(from, "last_name").value_or("");
    username = json::get_string(from, "username").value_or("");
    language_code = json::get_string(from, "language_code").value_or("");
}

// A ReactionType list: the plain emojis (custom emoji and paid reactions are left out).
std::vector<std::string> emojis_of(const cJSON* reactions) {
    std::vector<std::string> out;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, reactions) {
        if (json::get_string(item, "type").value_or("") != "emoji") continue;
        if (auto emoji = json::get_string(item, "emoji"); emoji && !emoji->empty()) {
            out.push_back(*emoji);
        }
        if (out.size() == kMaxReactionsKept) break;
    }
    return out;
}

std::optional<ReactionChange> parse_reaction(const cJSON* r) {
    auto chat_id = json::get_int(json::member(r, "chat"), "id");
    auto message_id = json::get_int(r, "message_id");
    if (!chat_id || !message_id) return std::nullopt;
    ReactionChange change;
    change.chat_id = *chat_id;
    change.message_id = *message_id;
    const cJSON* user = json::member(r, "user");
    change.user_id = json::get_int(user, "id").value_or(0);
    read_names(user, change.first_name, change.last_name, change.username, change.language_code);
    change.old_emojis = emojis_of(json::member(r, "old_reaction"));
    change.new_emojis = emojis_of(json::member(r, "new_reaction"));
    return change;
}

std::optional<IncomingMessage> parse_message(const cJSON* msg) {
    auto message_id = json::get_int(msg, "message_id");
    const cJSON* chat = json::member(msg, "chat");
    auto chat_id = json::get_int(chat, "id");
    if (!message_id || !chat_id) return std::nullopt;
    IncomingMessage m;
    m.message_id = *message_id;
    m.chat_id = *chat_id;
    m.chat_type = json::get_string(chat, "type").value_or("");
    if (json::get_bool(msg, "is_topic_message").value_or(false)) {
        m.thread_id = json::get_int(msg, "message_thread_id");
    }
    const cJSON* from = json::member(msg, "from");
    m.user_id = json::get_int(from, "id").value_or(0);
    m.from_bot = json::get_bool(from, "is_bot").value_or(false);
    read_names(from, m.first_name, m.last_name, m.username, m.language_code);
    auto text = json::get_string(msg, "text");
    if (!text) text = json::get_string(msg, "caption");
    const cJSON* location = json::member(msg, "location");
    auto latitude = json::get_number(location, "latitude");
    auto longitude = json::get_number(location, "longitude");
    if (latitude && longitude && !text) m.location = GeoPoint{*latitude, *longitude, std::nullopt};
    if (!text && !m.location) return std::nullopt;
    m.text = text.value_or("");
    const cJSON* reply = json::member(msg, "reply_to_message");
    if (auto reply_id = json::get_int(reply, "message_id")) m.reply_to_message_id = reply_id;
    const cJSON* reply_from = json::member(reply, "from");
    m.reply_to_user_id = json::get_int(reply_from, "id").value_or(0);
    m.reply_to_bot = json::get_bool(reply_from, "is_bot").value_or(false);
    return m;
}

std::optional<CallbackQuery> parse_callback(const cJSON* cb) {
    auto id = json::get_string(cb, "id");
    const cJSON* from = json::member(cb, "from");
    auto user = json::get_int(from, "id");
    if (!id || !user) return std::nullopt;
    CallbackQuery q;
    q.id = *id;
    q.user_id = *user;
    read_names(from, q.first_name, q.last_name, q.username, q.language_code);
    q.data = json::get_string(cb, "data").value_or("");
    const cJSON* msg = json::member(cb, "message");
    q.chat_id = json::get_int(json::member(msg, "chat"), "id").value_or(0);
    q.message_id = json::get_int(msg, "message_id").value_or(0);
    if (json::get_bool(msg, "is_topic_message").value_or(false)) {
        q.thread_id = json::get_int(msg, "message_thread_id");
    }
    return q;
}

}  // namespace

std::vector<Update> parse_updates(const cJSON* result) {
    std::vector<Update> updates;
    if (!cJSON_IsArray(result)) return updates;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, result) {
        auto id = json::get_int(item, "update_id");
        if (!id) continue;
        Update u;
        u.update_id = *id;
        if (const cJSON* msg = json::member(item, "message")) u.message = parse_message(msg);
        if (const cJSON* cb = json::member(item, "callback_query")) u.callback = parse_callback(cb);
        if (const cJSON* r = json::member(item, "message_reaction")) u.reaction = parse_reaction(r);
        updates.push_back(std::move(u));
    }
    return updates;
}

std::optional<Command> parse_command(const std::string& text, const std::string& bot_username) {
    if (text.size() < 2 || text[0] != '/') return std::nullopt;
    size_t end = text.find_first_of(" \t\n");
    std::string head = text.substr(1, end == std::string::npos ? std::string::npos : end - 1);
    std::string target;
    if (size_t at = head.find('@'); at != std::string::npos) {
        target = head.substr(at + 1);
        head.resize(at);
    }
    if (head.empty()) return std::nullopt;
    auto lower = [](std::string s) {
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return s;
    };
    if (!target.empty() && !bot_username.empty() && lower(target) != lower(bot_username)) {
        return std::nullopt;
    }
    Command cmd;
    cmd.name = lower(head);
    cmd.addressed = !target.empty();
    if (end != std::string::npos) {
        size_t start = text.find_first_not_of(" \t\n", end);
        if (start != std::string::npos) cmd.args = text.substr(start);
        while (!cmd.args.empty() && std::isspace(static_cast<unsigned char>(cmd.args.back()))) {
            cmd.args.pop_back();
        }
    }
    return cmd;
}

}  // namespace tgmesh::telegram
