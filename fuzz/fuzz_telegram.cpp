// Telegram side: Bot API responses, updates, commands, HTML escaping and message splitting,
// then the Bridge's poller (with a few known nodes) fed the input as the body of its getMe or
// getUpdates answer. Input: one mode byte, then the response body.
//   bit 0     the body answers getMe (else getMe gets a canned bot and the body answers
//             getUpdates, twice, so already-handled update ids are seen again)
//   bits 1-3  the HTTP status of that answer (kStatuses)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "tgmesh/telegram/bot_api.h"
#include "tgmesh/telegram/html.h"
#include "tgmesh/telegram/message_split.h"
#include "tgmesh/telegram/update.h"
#include "tgmesh/util/utf8.h"

using namespace tgmesh;

namespace {

constexpr long kStatuses[] = {200, 200, 400, 401, 404, 409, 429, 502};

// The text a piece shows: without tags and without the '\n' joints.
std::string shown(std::string_view html) {
    std::string out;
    for (size_t i = 0; i < html.size(); ++i) {
        if (html[i] == '<') {
            size_t gt = html.find('>', i);
            if (gt != std::string_view::npos) {
                i = gt;
                continue;
            }
        }
        if (html[i] != '\n') out += html[i];
    }
    return out;
}

// Only <b>, <i>, <code>, properly nested.
void check_balanced(std::string_view html) {
    std::vector<std::string_view> open;
    for (size_t i = html.find('<'); i != std::string_view::npos; i = html.find('<', i + 1)) {
        size_t gt = html.find('>', i);
        fuzz::check(gt != std::string_view::npos);
        std::string_view tag = html.substr(i + 1, gt - i - 1);
        if (tag.starts_with('/')) {
            fuzz::check(!open.empty() && open.back() == tag.substr(1));
            open.pop_back();
        } else {
            fuzz::check(tag == "b" || tag == "i" || tag == "code");
            open.push_back(tag);
        }
    }
    fuzz::check(open.empty());
}

void check_escape(std::string_view text) {
    std::string html = telegram::escape_html(text);
    fuzz::check(utf8::is_valid(html));
    fuzz::check(html.find_first_of(std::string_view("<>\"\0", 4)) == std::string::npos);
}

enum class Lines { kRaw, kEscaped, kTagged };

// The text's lines: raw (any bytes but '<' and '>', which would read as tags), escaped as the
// bridge does, or escaped and wrapped in tags as the bridge's own lines are.
std::vector<std::string> split_lines(const std::string& text, Lines kind) {
    static constexpr const char* kOpen[] = {"<b>", "<code>", "<b><i>", ""};
    static constexpr const char* kClose[] = {"</b>", "</code>", "</i></b>", ""};
    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        if (kind == Lines::kRaw) {
            std::replace(line.begin(), line.end(), '<', '_');
            std::replace(line.begin(), line.end(), '>', '_');
        } else {
            line = telegram::escape_html(line);
        }
        if (kind == Lines::kTagged) {
            const size_t k = lines.size() % 4;
            line = kOpen[k] + line + kClose[k];
        }
        lines.push_back(std::move(line));
        start = end + 1;
    }
    return lines;
}

// split_message: no piece over the limit (any limit that holds an entity, 11 units, plus the
// tags open around it), valid UTF-8 pieces for valid lines, well-formed HTML pieces for
// well-formed lines, and nothing shown is lost.
void check_split(const std::vector<std::string>& lines, size_t limit, bool tags) {
    auto pieces = telegram::split_message(lines, limit);
    bool valid = true;
    std::string in;
    for (const auto& l : lines) {
        valid = valid && utf8::is_valid(l);
        in += shown(l);
    }
    std::string out;
    for (const auto& p : pieces) {
        fuzz::check(!p.empty());
        fuzz::check(utf8::utf16_length(p) <= limit);
        if (valid) fuzz::check(utf8::is_valid(p));
        if (tags) check_balanced(p);
        out += shown(p);
    }
    fuzz::check(out == in);
}

void check_command(const std::string& text) {
    (void)telegram::parse_command(text, "tgmesh_bot");
    if (auto cmd = telegram::parse_command(text, "")) fuzz::check(!cmd->name.empty());
}

// A message text: escaped as the bridge does, split into messages at Telegram's limit and at
// the smallest limit that holds any entity; and in tags, at the limit and at 64.
void check_message_text(const std::string& text) {
    check_escape(text);
    check_command(text);
    auto lines = split_lines(text, Lines::kEscaped);
    check_split(lines, telegram::kMaxMessageChars, false);
    check_split(lines, 11, false);
    auto tagged = split_lines(text, Lines::kTagged);
    check_split(tagged, telegram::kMaxMessageChars, true);
    check_split(tagged, 64, true);
}

void direct(long status, std::string_view body) {
    auto r = telegram::parse_response(status, body);
    (void)telegram::parse_response(200, body);
    if (r.outcome == telegram::Outcome::kRetryAfter) fuzz::check(r.retry_after_s > 0);
    if (r.outcome != telegram::Outcome::kOk) return;
    fuzz::check(r.result != nullptr);
    for (const auto& u : telegram::parse_updates(r.result)) {
        if (!u.message) continue;
        (void)u.message->display_name();
        check_message_text(u.message->text);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t mode = data[0];
    const long status = kStatuses[(mode >> 1) & 7];
    const std::string body(fuzz::as_view(data + 1, size - 1));
    direct(status, body);
    // The raw body as a text too: escaping, commands, and unescaped lines (any bytes).
    check_escape(body);
    check_command(body);
    check_split(split_lines(body, Lines::kRaw), 64, false);

    fuzz::Rig rig(fuzz::protobuf_config(), fuzz::kSampleState);
    rig.bridge->start();
    rig.bridge->run_due();
    if (mode & 1) {
        if (auto me = rig.http.try_take("getMe")) fuzz::Http::reply(*me, status, body);
        rig.bridge->run_due();
        if (auto poll = rig.http.try_take("getUpdates")) fuzz::Http::reply(*poll, 200, body);
    } else {
        rig.connect_telegram();
        for (int i = 0; i < 2; ++i) {
            rig.bridge->run_due();
            if (auto poll = rig.http.try_take("getUpdates")) fuzz::Http::reply(*poll, status, body);
        }
    }
    rig.pump(4);
    rig.bridge->shutdown({});
    return 0;
}
