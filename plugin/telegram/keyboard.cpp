#include "tgmesh/telegram/keyboard.h"

#include "tgmesh/util/json.h"

namespace tgmesh::telegram {

std::string inline_keyboard(const KeyboardRows& rows) {
    auto markup = json::make_object();
    auto keyboard = json::make_array();
    for (const auto& row : rows) {
        auto buttons = json::make_array();
        for (const auto& b : row) {
            auto button = json::make_object();
            json::add_string(button.get(), "text", b.text);
            json::add_string(button.get(), "callback_data", b.data);
            json::append(buttons.get(), std::move(button));
        }
        json::append(keyboard.get(), std::move(buttons));
    }
    json::add_item(markup.get(), "inline_keyboard", std::move(keyboard));
    return json::print(markup.get());
}

std::string force_reply(std::string_view placeholder) {
    auto markup = json::make_object();
    json::add_bool(markup.get(), "force_reply", true);
    json::add_bool(markup.get(), "selective", true);
    if (!placeholder.empty())
        json::add_string(markup.get(), "input_field_placeholder", placeholder);
    return json::print(markup.get());
}

}  // namespace tgmesh::telegram
