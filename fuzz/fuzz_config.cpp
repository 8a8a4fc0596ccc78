// Options and config_file: core::parse_config_file on the input, then core::load_config on
// its options; the input again as "key=value" lines of plugin options; every valid result
// then starts a Bridge, and is applied to a running one as a reload. Paths in bot_token_file and
// config_file are confined to a sandbox directory (created here, holding a token file, config files
// and a subdirectory) so that an input cannot make the harness read /dev/zero or a FIFO; nothing is
// ever written.
#include <unistd.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_support.h"

using namespace tgmesh;

namespace {

constexpr const char* kSandboxToken = "123456:SANDBOXsecretTOKENvalue";

std::string& sandbox() {
    static std::string dir;
    return dir;
}

void write_file(const std::string& name, const std::string& text) {
    std::ofstream(sandbox() + "/" + name) << text;
}

void make_sandbox() {
    char templ[] = "/tmp/tgmesh-fuzz-config.XXXXXX";
    if (mkdtemp(templ) == nullptr) std::abort();
    sandbox() = templ;
    const std::string& d = sandbox();
    write_file("token", std::string(kSandboxToken) + "\nsecond line\n");
    write_file("token_bad", "not a token\n");
    write_file("empty", "");
    write_file("tgmesh.conf",
               "# reloadable part\nchat_ids -1001, 42\ntext_prefix \"{name} » \"\n"
               "bot_token_file " +
                   d + "/token\nlanguage ru\n");
    write_file("nested.conf", "config_file " + d + "/tgmesh.conf\nhop_limit 5\n");
    write_file("bad.conf", "channel\n");
    std::filesystem::create_directory(d + "/dir");
    std::atexit([] {
        std::error_code ec;
        std::filesystem::remove_all(sandbox(), ec);
    });
}

std::string trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"'))
        s.remove_suffix(1);
    return std::string(s);
}

std::string lower(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// bot_token_file and config_file name a file in the sandbox: "token", "dir", "x/../y" (".."
// removed), anything else is a file that does not exist.
core::Options confine(core::Options options) {
    for (auto& [key, value] : options) {
        const std::string k = lower(key);
        if (k != "bot_token_file" && k != "config_file") continue;
        std::string name = trimmed(value);
        for (size_t dots; (dots = name.find("..")) != std::string::npos;)
            name.erase(dots, 2);
        value = sandbox() + "/" + name;
    }
    return options;
}

size_t occurrences(std::string_view haystack, std::string_view needle) {
    size_t n = 0;
    for (size_t at = haystack.find(needle); at != std::string_view::npos;
         at = haystack.find(needle, at + 1))
        ++n;
    return n;
}

void check_config(const core::Config& c) {
    fuzz::check(c.bridged_key() != nullptr);
    fuzz::check(!c.topic_roots.empty() && !c.probe_topic.empty());
    fuzz::check(c.hop_limit >= 1 && c.hop_limit <= 7);
    fuzz::check(c.max_text_bytes >= 1 && c.max_text_bytes <= 228);
    fuzz::check(c.mesh_interval_s >= 0 && c.mesh_interval_s <= 3600);
    // A token without chats is discovery; whatever is bridged, DMs have somewhere to go.
    fuzz::check(c.discovering() == (c.chat_ids.empty() && c.channel_map.empty()));
    fuzz::check(c.discovering() || !c.dm_routes().empty());
    fuzz::check(c.downlink != core::DownlinkMode::kJson || c.gateway_id.has_value());
    fuzz::check(c.channel.size() <= 11 && c.node_short_name.size() <= 4 &&
                c.node_long_name.size() <= 39);
}

void run(const core::Options& raw, std::string_view input) {
    auto result = core::load_config(confine(raw));
    // The token never appears in a message (unless the input itself spelled it out).
    if (occurrences(input, kSandboxToken) == 0) {
        fuzz::check(result.config.error().find(kSandboxToken) == std::string::npos);
        for (const auto& w : result.warnings)
            fuzz::check(w.find(kSandboxToken) == std::string::npos);
    }
    if (!result.config) {
        fuzz::check(!result.config.error().empty());
        return;
    }
    check_config(*result.config);
    const std::string token = result.config->bot_token;
    // Secret check only when the token is not also spelled out elsewhere in the input.
    const size_t allowed = token == kSandboxToken ? 0 : 1;
    const bool secret = !token.empty() && occurrences(input, token) <= allowed;
    {  // A bridge started with this configuration.
        fuzz::Rig rig(*result.config);
        if (!secret) rig.log.secret.clear();
        rig.bridge->start();
        rig.connect_telegram();
        rig.pump(2);
        rig.bridge->shutdown({});
    }
    {  // A running bridge that reloads it (SIGHUP).
        fuzz::Rig rig(fuzz::protobuf_config(), fuzz::kSampleState);
        rig.bridge->start();
        rig.connect_telegram();
        rig.log.secret = secret ? token : std::string();
        rig.bridge->apply_config(*result.config);
        rig.pump(2);
        rig.bridge->shutdown({});
    }
}

core::Options key_value_lines(std::string_view text) {
    core::Options options;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        size_t eq = line.find('=');
        if (eq != std::string_view::npos) {
            options.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
        }
        start = end + 1;
    }
    return options;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    make_sandbox();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(fuzz::as_view(data, size));
    auto file = core::parse_config_file(text);
    if (file) {
        for (const auto& [key, value] : *file) {
            fuzz::check(!key.empty() && key.find_first_of(" \t") == std::string::npos);
            fuzz::check(value.empty() || value.front() != '"' ||
                        (value.size() >= 2 && value.back() == '"'));
        }
        run(*file, text);
    }
    run(key_value_lines(text), text);
    return 0;
}
