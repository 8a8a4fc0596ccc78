#pragma once
// reply_markup objects: inline keyboards (buttons with callback_data) and ForceReply.
#include <string>
#include <string_view>
#include <vector>

namespace tgmesh::telegram {

// Telegram's limit for callback_data, in bytes.
constexpr size_t kMaxCallbackData = 64;

struct Button {
    std::string text;
    std::string data;  // at most kMaxCallbackData bytes
};
using KeyboardRows = std::vector<std::vector<Button>>;

std::string inline_keyboard(const KeyboardRows& rows);
// Asks the client to answer the message (selective: only the user it replies to).
std::string force_reply(std::string_view placeholder);

}  // namespace tgmesh::telegram
