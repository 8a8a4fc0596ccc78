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
    r.retry_after_s = static_cast<int>(json::get_int(params, "retry_after", 0, 86400).value_or(0));
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
    json::add_item(body.get(), "allowed_updates", std::move(allowed));
    return json::print(body.get());
}

std::string edit_message_body(int64_t chat_id, int64_t message_id, std::string_view html) {
    auto body = json::make_object();
    json::add_int(body.get(), "chat_id", chat_id);
    json::add_int(body.get(), "message_id", message_id);
    json::add_string(body.get(), "text", html);
    json::add_string(body.get(), "parse_mode", "HTML");
    auto preview = json::make_object();
    json::add_bool(preview.get(), "is_disabled", true);
    json::add_item(body.get(), "link_preview_options", std::move(preview));
    return json::print(body.get());
}

std::string send_message_body(int64_t chat_id, std::string_view html, const SendOptions& options) {
    auto body = json::make_object();
    json::add_int(body.get(), "chat_id", chat_id);
    json::add_string(body.get(), "text", html);
    json::add_string(body.get(), "parse_mode", "HTML");
    auto preview = json::make_object();
    json::add_bool(preview.get(), "is_disabled", true);
    json::add_item(body.get(), "link_preview_options", std::move(preview));
    if (options.message_thread_id) {
        json::add_int(body.get(), "message_thread_id", *options.message_thread_id);
    }
    if (options.reply_to_message_id) {
        auto reply = json::make_object();
        json::add_int(reply.get(), "message_id", *options.reply_to_message_id);
        json::add_bool(reply.get(), "allow_sending_without_reply", true);
        json::add_item(body.get(), "reply_parameters", std::move(reply));
    }
    return json::print(body.get());
}

}  // namespace tgmesh::telegram
