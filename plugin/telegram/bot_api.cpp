#include "tgmesh/telegram/bot_api.h"

namespace tgmesh::telegram {

ApiResult parse_response(long http_status, std::string_view body) {
    ApiResult r;
    r.http_status = http_status;
    if (http_status == 0) return r;
    r.document = json::parse(body);
    const cJSON* doc = r.document.get();
    auto ok = json::get_bool(doc, "ok");
    if (!ok) {
        // Not a Bot API answer at all (a proxy's error page, a truncated body).
        r.description = "malformed response";
        r.outcome = (http_status == 401 || http_status == 404) ? Outcome::kUnauthorized
                                                               : Outcome::kTransient;
        return r;
    }
    if (*ok) {
        r.result = json::member(doc, "result");
        r.outcome = r.result ? Outcome::kOk : Outcome::kTransient;
        if (!r.result) r.description = "response without result";
        return r;
    }
    r.description = json::get_string(doc, "description").value_or("");
    long code = json::get_int(doc, "error_code", 0, 999).value_or(http_status);
    const cJSON* params = json::member(doc, "parameters");
    r.retry_after_s =
        static_cast<int>(json::get_int(params, "retry_after", 0, int64_t{1} << 30).value_or(0));
    r.migrate_to_chat_id = json::get_int(params, "migrate_to_chat_id");
    if (code == 429) {
        r.outcome = Outcome::kRetryAfter;
        if (r.retry_after_s <= 0) r.retry_after_s = 1;
    } else if (code == 409) {
        r.outcome = Outcome::kConflict;
    } else if (code == 401 || code == 404) {  // 404 on a Bot API method: the token is wrong
        r.outcome = Outcome::kUnauthorized;
    } else if (code >= 500 || code == 0) {
        r.outcome = Outcome::kTransient;
    } else {
        r.outcome = Outcome::kRejected;
    }
    return r;
}

std::string method_url(std::string_view api_url, std::string_view token, std::string_view method) {
    std::string url(api_url);
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    url += "/bot";
    url += token;
    url += '/';
    url += method;
    return url;
}

std::string get_updates_body(int64_t offset, int timeout_s) {
    auto body = json::make_object();
    if (offset != 0) json::add_int(body.get(), "offset", offset);
    json::add_int(body.get(), "timeout", timeout_s);
    json::add_int(body.get(), "limit", 100);
    auto allowed = json::make_array();
    json::append(allowed.get(), json::Ptr(cJSON_CreateString("message")));
    json::append(allowed.get(), json::Ptr(cJSON_CreateString("callback_query")));
    // Reactions reach a bot only where it is an administrator (Bot API, MessageReactionUpdated).
    json::append(allowed.get(), json::Ptr(cJSON_CreateString("message_reaction")));
    json::add_item(body.get(), "allowed_updates", std::move(allowed));
    return json::print(body.get());
}

namespace {
void add_markup(cJSON* body, std::string_view reply_markup) {
    if (reply_markup.empty()) return;
    if (auto markup = json::parse(reply_markup))
        json::add_item(body, "reply_markup", std::move(markup));
}

void add_options(cJSON* body, const SendOptions& options) {
    if (options.message_thread_id) {
        json::add_int(body, "message_thread_id", *options.message_thread_id);
    }
    if (options.reply_to_message_id) {
        auto reply = json::make_object();
        json::add_int(reply.get(), "message_id", *options.reply_to_message_id);
        json::add_bool(reply.get(), "allow_sending_without_reply", true);
        json::add_item(body, "reply_parameters", std::move(reply));
    }
}
}  // namespace

std::string edit_message_body(int64_t chat_id, int64_t message_id, std::string_view html,
                              std::string_view reply_markup) {
    auto body = json::make_object();
    json::add_int(body.get(), "chat_id", chat_id);
    json::add_int(body.get(), "message_id", message_id);
    json::add_string(body.get(), "text", html);
    json::add_string(body.get(), "parse_mode", "HTML");
    auto preview = json::make_object();
    json::add_bool(preview.get(), "is_disabled", true);
    json::add_item(body.get(), "link_preview_options", std::move(preview));
    add_markup(body.get(), reply_markup);
    return json::print(body.get());
}

std::string send_message_body(int64_t chat_id, std::string_view html, const SendOptions& options,
                              std::string_view reply_markup) {
    auto body = json::make_object();
    json::add_int(body.get(), "chat_id", chat_id);
    json::add_string(body.get(), "text", html);
    json::add_string(body.get(), "parse_mode", "HTML");
    auto preview = json::make_object();
    json::add_bool(preview.get(), "is_disabled", true);
    json::add_item(body.get(), "link_preview_options", std::move(preview));
    add_options(body.get(), options);
    add_markup(body.get(), reply_markup);
    return json::print(body.get());
}

std::string send_location_body(int64_t chat_id, const GeoPoint& point, const SendOptions& options) {
    auto body = json::make_object();
    json::add_int(body.get(), "chat_id", chat_id);
    json::add_number(body.get(), "latitude", point.latitude);
    json::add_number(body.get(), "longitude", point.longitude);
    if (point.horizontal_accuracy) {
        json::add_number(body.get(), "horizontal_accuracy", *point.horizontal_accuracy);
    }
    add_options(body.get(), options);
    return json::print(body.get());
}

std::string send_venue_body(int64_t chat_id, const Venue& venue, const SendOptions& options) {
    auto body = json::make_object();
    json::add_int(body.get(), "chat_id", chat_id);
    json::add_number(body.get(), "latitude", venue.point.latitude);
    json::add_number(body.get(), "longitude", venue.point.longitude);
    json::add_string(body.get(), "title", venue.title);
    json::add_string(body.get(), "address", venue.address);
    add_options(body.get(), options);
    return json::print(body.get());
}

std::string set_reaction_body(int64_t chat_id, int64_t message_id, std::string_view emoji) {
    auto body = json::make_object();
    json::add_int(body.get(), "chat_id", chat_id);
    json::add_int(body.get(), "message_id", message_id);
    auto reaction = json::make_array();
    auto item = json::make_object();
    json::add_string(item.get(), "type", "emoji");
    json::add_string(item.get(), "emoji", emoji);
    json::append(reaction.get(), std::move(item));
    json::add_item(body.get(), "reaction", std::move(reaction));
    return json::print(body.get());
}

std::string answer_callback_body(std::string_view callback_id, std::string_view text) {
    auto body = json::make_object();
    json::add_string(body.get(), "callback_query_id", callback_id);
    if (!text.empty()) json::add_string(body.get(), "text", text);
    return json::print(body.get());
}

namespace {
json::Ptr scope_json(const CommandScope& scope) {
    auto out = json::make_object();
    json::add_string(out.get(), "type", scope.type);
    if (scope.chat_id) json::add_int(out.get(), "chat_id", *scope.chat_id);
    if (scope.user_id) json::add_int(out.get(), "user_id", *scope.user_id);
    return out;
}
}  // namespace

std::string set_my_commands_body(const std::vector<BotCommand>& commands, const CommandScope& scope,
                                 std::string_view language_code) {
    auto body = json::make_object();
    auto list = json::make_array();
    for (const auto& c : commands) {
        auto item = json::make_object();
        json::add_string(item.get(), "command", c.command);
        json::add_string(item.get(), "description", c.description);
        json::append(list.get(), std::move(item));
    }
    json::add_item(body.get(), "commands", std::move(list));
    json::add_item(body.get(), "scope", scope_json(scope));
    if (!language_code.empty()) json::add_string(body.get(), "language_code", language_code);
    return json::print(body.get());
}

std::string delete_my_commands_body(const CommandScope& scope) {
    auto body = json::make_object();
    json::add_item(body.get(), "scope", scope_json(scope));
    return json::print(body.get());
}

}  // namespace tgmesh::telegram
