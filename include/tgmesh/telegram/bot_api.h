#pragma once
// Bot API wire format: request bodies and the response envelope
// {"ok":..., "result":..., "error_code":..., "description":..., "parameters":{...}}.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tgmesh/util/json.h"

namespace tgmesh::telegram {

enum class Outcome {
    kOk,
    kRetryAfter,    // 429: wait parameters.retry_after
    kConflict,      // 409: another getUpdates poller, or a webhook is set
    kUnauthorized,  // 401/404 on every method: the token is wrong
    kTransient,     // no response, 5xx, or an unparsable body: retry with backoff
    kRejected,      // other 4xx: this request will never succeed; drop it
};

// Telegram has asked bots to wait for a day; a longer hold than this is capped (and logged).
constexpr int kMaxRetryAfterSeconds = 3600;

struct ApiResult {
    Outcome outcome = Outcome::kTransient;
    long http_status = 0;
    std::string description;
    int retry_after_s = 0;
    std::optional<int64_t> migrate_to_chat_id;
    json::Ptr document;  // owns `result`
    const cJSON* result = nullptr;
};

ApiResult parse_response(long http_status, std::string_view body);

struct SendOptions {
    std::optional<int64_t> reply_to_message_id;
    std::optional<int64_t> message_thread_id;
};

std::string method_url(std::string_view api_url, std::string_view token, std::string_view method);
std::string get_updates_body(int64_t offset, int timeout_s);
// `reply_markup` is a JSON object (see keyboard.h) or empty.
std::string send_message_body(int64_t chat_id, std::string_view html, const SendOptions& options,
                              std::string_view reply_markup = {});
// editMessageText of one of the bot's messages (receipts, keyboard pages).
std::string edit_message_body(int64_t chat_id, int64_t message_id, std::string_view html,
                              std::string_view reply_markup = {});

struct GeoPoint {
    double latitude = 0;
    double longitude = 0;
    std::optional<double> horizontal_accuracy;  // metres, 0..1500
};
std::string send_location_body(int64_t chat_id, const GeoPoint& point, const SendOptions& options);
// A named place (sendVenue): Telegram shows a map with the title and address.
struct Venue {
    GeoPoint point;
    std::string title;
    std::string address;  // required by Telegram: never empty
};
std::string send_venue_body(int64_t chat_id, const Venue& venue, const SendOptions& options);
std::string set_reaction_body(int64_t chat_id, int64_t message_id, std::string_view emoji);
// `text` is shown to the presser (empty: just stop the button's progress indicator).
std::string answer_callback_body(std::string_view callback_id, std::string_view text);

struct BotCommand {
    std::string command;
    std::string description;
};
// A BotCommandScope: "default", "all_chat_administrators", "chat" (chat_id) or
// "chat_member" (chat_id, user_id).
struct CommandScope {
    std::string type;
    std::optional<int64_t> chat_id = std::nullopt;
    std::optional<int64_t> user_id = std::nullopt;
};
// `language_code` (e.g. "ru"): the menu for users with that interface language; empty: all.
std::string set_my_commands_body(const std::vector<BotCommand>& commands, const CommandScope& scope,
                                 std::string_view language_code = {});
std::string delete_my_commands_body(const CommandScope& scope);

}  // namespace tgmesh::telegram
