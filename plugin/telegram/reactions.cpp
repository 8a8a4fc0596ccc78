#include "tgmesh/telegram/reactions.h"

#include <algorithm>
#include <array>

namespace tgmesh::telegram {

namespace {

// As listed for ReactionTypeEmoji.emoji; "\u200d" joins the multi-part ones.
constexpr std::array<std::string_view, 73> kAllowed = {"👍",        "👎",
                                                       "❤",        "🔥",
                                                       "🥰",     "👏",
                                                       "😁",        "🤔",
                                                       "🤯",     "😱",
                                                       "🤬",     "😢",
                                                       "🎉",        "🤩",
                                                       "🤮",     "💩",
                                                       "🙏",        "👌",
                                                       "🕊",     "🤡",
                                                       "🥱",     "🥴",
                                                       "😍",        "🐳",
                                                       "❤\u200d🔥", "🌚",
                                                       "🌭",     "💯",
                                                       "🤣",     "⚡",
                                                       "🍌",        "🏆",
                                                       "💔",        "🤨",
                                                       "😐",        "🍓",
                                                       "🍾",     "💋",
                                                       "🖕",     "😈",
                                                       "😴",        "😭",
                                                       "🤓",     "👻",
                                                       "👨\u200d💻", "👀",
                                                       "🎃",        "🙈",
                                                       "😇",        "😨",
                                                       "🤝",     "✍",
                                                       "🤗",     "🫡",
                                                       "🎅",        "🎄",
                                                       "☃",        "💅",
                                                       "🤪",     "🗿",
                                                       "🆒",        "💘",
                                                       "🙉",        "🦄",
                                                       "😘",        "💊",
                                                       "🙊",        "😎",
                                                       "👾",        "🤷\u200d♂",
                                                       "🤷",     "🤷\u200d♀",
                                                       "😡"};

constexpr std::string_view kVariationSelector = "\xEF\xB8\x8F";  // U+FE0F
// U+1F3FB..U+1F3FF (skin tones): F0 9F 8F BB..BF.
bool is_skin_tone(std::string_view s, size_t i) {
    return i + 4 <= s.size() && s.compare(i, 3, "\xF0\x9F\x8F") == 0 &&
           static_cast<unsigned char>(s[i + 3]) >= 0xBB &&
           static_cast<unsigned char>(s[i + 3]) <= 0xBF;
}

}  // namespace

std::optional<std::string> as_reaction(std::string_view emoji) {
    if (emoji.size() > 32) return std::nullopt;  // no reaction is that long
    std::string bare;
    for (size_t i = 0; i < emoji.size();) {
        if (emoji.compare(i, kVariationSelector.size(), kVariationSelector) == 0) {
            i += kVariationSelector.size();
        } else if (is_skin_tone(emoji, i)) {
            i += 4;
        } else {
            bare += emoji[i++];
        }
    }
    if (std::find(kAllowed.begin(), kAllowed.end(), bare) == kAllowed.end()) return std::nullopt;
    return bare;
}

}  // namespace tgmesh::telegram
