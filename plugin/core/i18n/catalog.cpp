#include "tgmesh/core/i18n/catalog.h"

namespace tgmesh::core::i18n {

extern const Catalog kEnglish;
extern const Catalog kRussian;

const Catalog& catalog(Language language) {
    return language == Language::kRu ? kRussian : kEnglish;
}

Language language_for(Language configured, std::string_view language_code) {
    if (configured != Language::kAuto) return configured;
    return language_code.starts_with("ru") ? Language::kRu : Language::kEn;
}

std::string routing_error_text(const Catalog& cat, uint32_t code) {
    for (const auto& [value, words] : cat.routing_errors) {
        if (value == code) return std::string(words);
    }
    return fill(cat.routing_error, {{"code", std::to_string(code)}});
}

std::string fill(std::string_view text,
                 std::initializer_list<std::pair<std::string_view, std::string>> values) {
    std::string out;
    out.reserve(text.size() + 32);
    size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '{') {
            size_t close = text.find('}', i);
            if (close != std::string_view::npos) {
                std::string_view key = text.substr(i + 1, close - i - 1);
                bool replaced = false;
                for (const auto& [k, v] : values) {
                    if (k == key) {
                        out += v;
                        replaced = true;
                        break;
                    }
                }
                if (replaced) {
                    i = close + 1;
                    continue;
                }
            }
        }
        out += text[i++];
    }
    return out;
}

}  // namespace tgmesh::core::i18n
