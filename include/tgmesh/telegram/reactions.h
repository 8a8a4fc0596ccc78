#pragma once
// The emoji Telegram accepts as a message reaction (ReactionTypeEmoji, Bot API 7.x): a mesh
// reaction with one of these becomes a native reaction on the chat message, any other stays a
// short reply. Meshtastic apps send emoji as typed, often with a variation selector (U+FE0F,
// "❤️") or a skin tone: those are taken off before looking.
#include <optional>
#include <string>
#include <string_view>

namespace tgmesh::telegram {

// The reaction Telegram takes for `emoji`, or nullopt if it takes none.
std::optional<std::string> as_reaction(std::string_view emoji);

}  // namespace tgmesh::telegram
