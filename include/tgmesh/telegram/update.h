#pragma once
// The parts of a Telegram Update that tgmesh acts on.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tgmesh/telegram/bot_api.h"
#include "tgmesh/util/json.h"

namespace tgmesh::telegram {

struct IncomingMessage {
    int64_t message_id = 0;
    int64_t chat_id = 0;
    std::string chat_type;  // private, group, supergroup, channel
    std::optional<int64_t> thread_id;
    int64_t user_id = 0;
    bool from_bot = false;
    std::string first_name;
    std::string last_name;
    std::string username;
    std::string language_code;         // the sender's interface language ("ru", "en-GB"), if known
    std::string text;                  // empty for a shared location
    std::optional<GeoPoint> location;  // a location (or a venue's) shared in the chat
    std::optional<int64_t> reply_to_message_id;
    // The author of the message replied to: a user's id, or 0 with reply_to_bot for a bot's.
    int64_t reply_to_user_id = 0;
    bool reply_to_bot = false;

    // "First Last", else @username, else the numeric id.
    std::string display_name() const;
};

// A press on an inline keyboard button of one of the bot's messages.
struct CallbackQuery {
    std::string id;  // for answerCallbackQuery
    int64_t user_id = 0;
    std::string first_name;
    std::string last_name;
    std::string username;
    std::string language_code;
    int64_t chat_id = 0;     // of the message with the keyboard (0 if Telegram omitted it)
    int64_t message_id = 0;  // that message
    std::optional<int64_t> thread_id;
    std::string data;  // the button's callback_data

    std::string display_name() const;
};

// Reactions kept per list (a user has a few at most; the rest of a hostile list is dropped).
constexpr size_t kMaxReactionsKept = 8;

// A user changed their reactions to a message (message_reaction: the bot gets these only in
// groups where it is an administrator). Only plain emoji reactions are kept.
struct ReactionChange {
    int64_t chat_id = 0;
    int64_t message_id = 0;
    int64_t user_id = 0;  // 0: an anonymous reaction (on behalf of a chat)
    std::string first_name;
    std::string last_name;
    std::string username;
    std::string language_code;
    std::vector<std::string> old_emojis;
    std::vector<std::string> new_emojis;

    // The emojis in new_emojis that were not there before.
    std::vector<std::string> added() const;
    std::string display_name() const;
};

struct Update {
    int64_t update_id = 0;
    std::optional<IncomingMessage> message;  // nullopt: a kind tgmesh does not handle
    std::optional<CallbackQuery> callback;
    std::optional<ReactionChange> reaction;
};

// Parses getUpdates' result array. Entries without a numeric update_id are skipped; entries
// of other kinds (or messages with neither text nor a location) are kept with nothing set, so
// their ids still advance the offset.
std::vector<Update> parse_updates(const cJSON* result);

// "/cmd@bot args" → command "cmd" (lower case), args trimmed; nullopt if `text` is no command
// or is addressed to another bot.
struct Command {
    std::string name;
    std::string args;
    bool addressed = false;  // written as /cmd@this_bot
};
std::optional<Command> parse_command(const std::string& text, const std::string& bot_username);

}  // namespace tgmesh::telegram
