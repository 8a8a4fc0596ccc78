#include "tgmesh/core/config/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string_view>

#include "tgmesh/util/base64.h"
#include "tgmesh/util/json.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::core {

bool Config::is_bridged_chat(int64_t chat_id) const {
    if (std::find(chat_ids.begin(), chat_ids.end(), chat_id) != chat_ids.end()) return true;
    if (std::find(dm_chat_ids.begin(), dm_chat_ids.end(), chat_id) != dm_chat_ids.end()) {
        return true;
    }
    return std::any_of(channel_map.begin(), channel_map.end(),
                       [&](const ChannelRoute& r) { return r.chat_id == chat_id; });
}

std::vector<ChannelRoute> Config::routes() const {
    std::vector<ChannelRoute> out = channel_map;
    // A chat in chat_ids is bridged with `channel` both ways, unless the map gives it a channel.
    for (int64_t chat : chat_ids) {
        bool mapped = std::any_of(channel_map.begin(), channel_map.end(),
                                  [&](const auto& r) { return r.chat_id == chat && !r.thread_id; });
        if (!mapped) out.push_back({channel, chat, std::nullopt});
    }
    return out;
}

std::optional<std::string> Config::channel_for_chat(int64_t chat_id,
                                                    std::optional<int64_t> thread_id) const {
    const ChannelRoute* whole_chat = nullptr;
    for (const auto& r : channel_map) {
        if (r.chat_id != chat_id) continue;
        if (r.thread_id && thread_id && *r.thread_id == *thread_id) return r.channel;
        if (!r.thread_id) whole_chat = &r;
    }
    if (whole_chat) return whole_chat->channel;
    if (std::find(chat_ids.begin(), chat_ids.end(), chat_id) != chat_ids.end()) return channel;
    return std::nullopt;
}

std::vector<ChannelRoute> Config::home_routes() const {
    std::vector<ChannelRoute> out;
    for (int64_t chat : chat_ids)
        out.push_back({channel, chat, std::nullopt});
    if (!out.empty()) return out;
    for (const auto& r : channel_map) {
        if (r.channel == channel) out.push_back(r);
    }
    if (out.empty() && !channel_map.empty()) out.push_back(channel_map.front());
    return out;
}

std::vector<ChannelRoute> Config::dm_routes() const {
    if (dm_chat_ids.empty()) return home_routes();
    std::vector<ChannelRoute> out;
    for (int64_t chat : dm_chat_ids)
        out.push_back({channel, chat, std::nullopt});
    return out;
}

bool Config::is_admin(int64_t user_id) const {
    return std::find(admin_ids.begin(), admin_ids.end(), user_id) != admin_ids.end();
}

const mesh::ChannelKey* Config::bridged_key() const {
    return key_of(channel);
}

const mesh::ChannelKey* Config::key_of(std::string_view channel_name) const {
    for (const auto& key : channel_keys) {
        if (key.name == channel_name) return &key;
    }
    return nullptr;
}

namespace {

// Each setter applies one option's value, or says why it cannot (without the option name).
using Setter = std::function<Status(Config&, const std::string&)>;

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

// A value in double quotes keeps its spaces; anything else is trimmed.
std::string unquote(std::string_view raw) {
    std::string_view t = trim(raw);
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"')
        return std::string(t.substr(1, t.size() - 2));
    return std::string(t);
}

std::vector<std::string> split_list(std::string_view value) {
    std::vector<std::string> items;
    size_t start = 0;
    while (start <= value.size()) {
        size_t comma = value.find(',', start);
        if (comma == std::string_view::npos) comma = value.size();
        items.emplace_back(trim(value.substr(start, comma - start)));
        start = comma + 1;
    }
    return items;
}

template <class T>
bool parse_integer(std::string_view text, T& out) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

std::string in_quotes(std::string_view v) {
    return "\"" + std::string(v) + "\"";
}

Status int_in_range(const std::string& v, long min, long max, long& out) {
    if (!parse_integer(v, out) || out < min || out > max) {
        return Status::failure("must be an integer from " + std::to_string(min) + " to " +
                               std::to_string(max) + " (got " + in_quotes(v) + ")");
    }
    return Status::ok();
}

bool looks_like_token(std::string_view token) {
    size_t colon = token.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon + 1 >= token.size()) return false;
    for (size_t i = 0; i < colon; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(token[i]))) return false;
    }
    for (char c : token.substr(colon + 1)) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
    }
    return true;
}

// Topic levels: no wildcards, no empty level, valid UTF-8 (MQTT requires it).
Status check_topic(const std::string& topic, bool allow_slash) {
    if (topic.empty()) return Status::failure("must not be empty");
    if (topic.find_first_of("+#") != std::string::npos)
        return Status::failure("must not contain the wildcards + or #");
    if (topic.find('\0') != std::string::npos || !utf8::is_valid(topic))
        return Status::failure("must be valid UTF-8");
    if (!allow_slash && topic.find('/') != std::string::npos)
        return Status::failure("must not contain /");
    if (topic.front() == '/' || topic.back() == '/')
        return Status::failure("must not start or end with /");
    if (topic.find("//") != std::string::npos)
        return Status::failure("must not contain an empty level (//)");
    return Status::ok();
}

Status check_node_id(const std::string& v, mesh::NodeNum& out) {
    auto num = mesh::parse_node_id(v);
    if (!num) return Status::failure("must be a node id like !a1b2c3d4 (got " + in_quotes(v) + ")");
    if (*num == 0 || *num == mesh::kBroadcast)
        return Status::failure("must not be !00000000 or !ffffffff");
    out = *num;
    return Status::ok();
}

// "!a1b2c3d4,!0badcafe": node ids, each once.
Status set_node_list(const std::string& v, std::vector<mesh::NodeNum>& out) {
    out.clear();
    if (v.empty()) return Status::ok();
    for (const auto& item : split_list(v)) {
        mesh::NodeNum num = 0;
        if (Status valid = check_node_id(item, num); !valid) return valid;
        if (std::find(out.begin(), out.end(), num) == out.end()) out.push_back(num);
    }
    return Status::ok();
}

Status check_name(const std::string& v, size_t max_bytes) {
    if (v.empty()) return Status::failure("must not be empty");
    if (!utf8::is_valid(v)) return Status::failure("must be valid UTF-8");
    if (v.size() > max_bytes) {
        return Status::failure("must be at most " + std::to_string(max_bytes) + " bytes (got " +
                               std::to_string(v.size()) + ")");
    }
    return Status::ok();
}

// A directory opens as a stream that reads nothing, so it would pass for an empty file.
bool is_directory(const std::string& path) {
    std::error_code ec;
    return std::filesystem::is_directory(path, ec);
}

Status read_token_file(const std::string& path, std::string& token) {
    std::ifstream in(path);
    if (!in || is_directory(path)) return Status::failure("cannot read " + in_quotes(path));
    std::string line;
    std::getline(in, line);
    token = std::string(trim(line));
    if (token.empty()) return Status::failure(in_quotes(path) + " is empty");
    if (!looks_like_token(token))
        return Status::failure("the first line of " + in_quotes(path) + " is not a bot token");
    return Status::ok();
}

// The first line of the file: the 32-byte key as base64 (44 characters) or hex (64).
Status read_private_key_file(const std::string& path, std::optional<Bytes>& key) {
    std::ifstream in(path);
    if (!in || is_directory(path)) return Status::failure("cannot read " + in_quotes(path));
    std::string line;
    std::getline(in, line);
    std::string text(trim(line));
    Bytes raw;
    if (text.size() == 64 && from_hex(text, raw)) {
        key = raw;
        return Status::ok();
    }
    if (auto decoded = base64_decode(text); decoded && decoded->size() == 32) {
        key = *decoded;
        return Status::ok();
    }
    return Status::failure("the first line of " + in_quotes(path) +
                           " must be a 32-byte X25519 private key in base64 or hex");
}

Status set_chat_list(const std::string& v, std::vector<int64_t>& out, bool positive_only) {
    out.clear();
    if (v.empty()) return Status::ok();
    for (const auto& item : split_list(v)) {
        int64_t id = 0;
        // Telegram ids fit in 52 bits; larger ones would not survive JSON (json::kMaxExactInt).
        if (!parse_integer(item, id) || id == 0 || (positive_only && id < 0) ||
            id > json::kMaxExactInt || id < -json::kMaxExactInt) {
            return Status::failure(
                std::string("must be comma-separated ") +
                (positive_only ? "positive integer user ids" : "integer chat ids") + " (got " +
                in_quotes(item) + ")");
        }
        if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
    return Status::ok();
}

// Loopback by address only: "localhost", [::1] or a dotted 127.a.b.c (not a name such as
// 127.example.com, which DNS could point anywhere).
bool is_loopback_host(std::string_view host) {
    if (host == "localhost" || host == "[::1]") return true;
    if (!host.starts_with("127.")) return false;
    int dots = 0;
    for (char c : host) {
        if (c == '.') {
            ++dots;
        } else if (!std::isdigit(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return dots == 3;
}

Status check_api_url(const std::string& v, std::string& out) {
    std::string url = v;
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    if (url.find_first_of(" \t\r\n") != std::string::npos)
        return Status::failure("must not contain spaces");
    std::string_view rest;
    bool tls = false;
    if (url.starts_with("https://")) {
        tls = true;
        rest = std::string_view(url).substr(8);
    } else if (url.starts_with("http://")) {
        rest = std::string_view(url).substr(7);
    } else {
        return Status::failure("must start with https:// (got " + in_quotes(v) + ")");
    }
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string_view::npos) {
        return Status::failure("must not contain user:password@ (put proxy credentials in proxy)");
    }
    std::string_view host = authority;
    if (host.starts_with("[")) {
        host = host.substr(0, host.find(']') + 1);
    } else {
        host = host.substr(0, host.find(':'));
    }
    if (host.empty()) return Status::failure("has no host name");
    if (!tls && !is_loopback_host(host)) {
        return Status::failure(
            "plain http:// is allowed only for a loopback address (127.0.0.1, localhost); use "
            "https://");
    }
    out = url;
    return Status::ok();
}

Status set_channel_keys(const std::string& v, Config& c) {
    c.channel_keys.clear();
    for (const auto& item : split_list(v)) {
        size_t eq = item.find('=');
        if (eq == std::string::npos) {
            return Status::failure("each entry must be Name=base64psk (got " + in_quotes(item) +
                                   ")");
        }
        std::string name(trim(std::string_view(item).substr(0, eq)));
        std::string b64(trim(std::string_view(item).substr(eq + 1)));
        if (Status topic = check_topic(name, false); !topic) {
            return Status::failure("channel name " + in_quotes(name) + " " + topic.error());
        }
        if (name.size() > 11)
            return Status::failure("channel name " + in_quotes(name) + " is longer than 11 bytes");
        for (const auto& existing : c.channel_keys) {
            if (existing.name == name)
                return Status::failure("channel " + in_quotes(name) + " is listed twice");
        }
        auto psk = mesh::parse_psk(b64);
        if (!psk) {
            return Status::failure(
                "the key of " + in_quotes(name) +
                " must be base64 (optionally base64:...), 0x followed by hex digits, none, "
                "default or simple0 to simple10");
        }
        auto key = mesh::expand_psk(*psk);
        if (!key) {
            return Status::failure("the key of " + in_quotes(name) + " is " +
                                   std::to_string(psk->size()) + " bytes; a PSK has at most 32");
        }
        c.channel_keys.push_back(mesh::make_channel_key(name, *key));
    }
    return Status::ok();
}

// "LongFast=-1001234567890,Ops=-1009876543210:42" (":42" = a forum topic's thread id).
Status set_channel_map(const std::string& v, std::vector<ChannelRoute>& out) {
    out.clear();
    for (const auto& item : split_list(v)) {
        size_t eq = item.find('=');
        if (eq == std::string::npos) {
            return Status::failure(
                "each entry must be Channel=chat_id or Channel=chat_id:topic_id (got " +
                in_quotes(item) + ")");
        }
        ChannelRoute route;
        route.channel = std::string(trim(std::string_view(item).substr(0, eq)));
        std::string_view target = trim(std::string_view(item).substr(eq + 1));
        std::string_view chat = target.substr(0, target.find(':'));
        if (Status topic = check_topic(route.channel, false); !topic) {
            return Status::failure("channel name " + in_quotes(route.channel) + " " +
                                   topic.error());
        }
        if (!parse_integer(chat, route.chat_id) || route.chat_id == 0 ||
            route.chat_id > json::kMaxExactInt || route.chat_id < -json::kMaxExactInt) {
            return Status::failure("the chat of " + in_quotes(route.channel) +
                                   " must be an integer chat id (got " + in_quotes(target) + ")");
        }
        if (size_t colon = target.find(':'); colon != std::string_view::npos) {
            int64_t thread = 0;
            if (!parse_integer(target.substr(colon + 1), thread) || thread <= 0) {
                return Status::failure("the topic of " + in_quotes(route.channel) +
                                       " must be a positive message_thread_id (got " +
                                       in_quotes(target) + ")");
            }
            route.thread_id = thread;
        }
        for (const auto& other : out) {
            if (other.chat_id == route.chat_id && other.thread_id == route.thread_id) {
                return Status::failure("chat " + std::string(target) + " is mapped twice");
            }
        }
        out.push_back(std::move(route));
    }
    return Status::ok();
}

Status set_bool(const std::string& v, bool& out) {
    std::string lower(v);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (lower == "on" || lower == "true" || lower == "yes" || lower == "1") {
        out = true;
    } else if (lower == "off" || lower == "false" || lower == "no" || lower == "0") {
        out = false;
    } else {
        return Status::failure("must be on or off (got " + in_quotes(v) + ")");
    }
    return Status::ok();
}

// The setter of an integer option from min to max.
template <class T>
Setter in_range(long min, long max, T Config::*field) {
    return [=](Config& c, const std::string& v) {
        long n = 0;
        Status valid = int_in_range(v, min, max, n);
        if (valid) c.*field = static_cast<T>(n);
        return valid;
    };
}

const std::map<std::string, Setter>& setters() {
    static const std::map<std::string, Setter> table = {
        {"bot_token",
         [](Config& c, const std::string& v) -> Status {
             if (!looks_like_token(v))
                 return Status::failure("does not look like a bot token (<digits>:<letters>)");
             if (c.bot_token.empty()) c.bot_token = v;  // bot_token_file wins; it is applied first
             return Status::ok();
         }},
        {"bot_token_file",
         [](Config& c, const std::string& v) { return read_token_file(v, c.bot_token); }},
        {"api_url", [](Config& c, const std::string& v) { return check_api_url(v, c.api_url); }},
        {"proxy",
         [](Config& c, const std::string& v) -> Status {
             if (v.find_first_of(" \t") != std::string::npos)
                 return Status::failure("must not contain spaces");
             c.proxy = v;
             return Status::ok();
         }},
        {"chat_ids",
         [](Config& c, const std::string& v) { return set_chat_list(v, c.chat_ids, false); }},
        {"admin_ids",
         [](Config& c, const std::string& v) { return set_chat_list(v, c.admin_ids, true); }},
        {"dm_chat_ids",
         [](Config& c, const std::string& v) { return set_chat_list(v, c.dm_chat_ids, false); }},
        {"topic_root",
         [](Config& c, const std::string& v) -> Status {
             c.topic_roots.clear();
             for (const auto& root : split_list(v)) {
                 if (Status topic = check_topic(root, true); !topic) {
                     return Status::failure(in_quotes(root) + " " + topic.error());
                 }
                 if (std::find(c.topic_roots.begin(), c.topic_roots.end(), root) ==
                     c.topic_roots.end()) {
                     c.topic_roots.push_back(root);
                 }
             }
             return Status::ok();
         }},
        {"channel",
         [](Config& c, const std::string& v) -> Status {
             if (Status topic = check_topic(v, false); !topic) return topic;
             if (v.size() > 11)
                 return Status::failure("must be at most 11 bytes (a Meshtastic channel name)");
             c.channel = v;
             return Status::ok();
         }},
        {"channel_keys", [](Config& c, const std::string& v) { return set_channel_keys(v, c); }},
        {"node_id",
         [](Config& c, const std::string& v) {
             mesh::NodeNum num = 0;
             Status valid = check_node_id(v, num);
             if (valid) c.node_id = num;
             return valid;
         }},
        {"node_long_name",
         [](Config& c, const std::string& v) {
             c.node_long_name = v;
             return check_name(v, 39);
         }},
        {"node_short_name",
         [](Config& c, const std::string& v) {
             c.node_short_name = v;
             return check_name(v, 4);
         }},
        {"downlink",
         [](Config& c, const std::string& v) -> Status {
             if (v == "protobuf") {
                 c.downlink = DownlinkMode::kProtobuf;
             } else if (v == "json") {
                 c.downlink = DownlinkMode::kJson;
             } else {
                 return Status::failure("must be protobuf or json (got " + in_quotes(v) + ")");
             }
             return Status::ok();
         }},
        {"gateway_id",
         [](Config& c, const std::string& v) {
             mesh::NodeNum num = 0;
             Status valid = check_node_id(v, num);
             if (valid) c.gateway_id = num;
             return valid;
         }},
        {"hop_limit", in_range(1, 7, &Config::hop_limit)},
        {"max_text_bytes", in_range(1, 228, &Config::max_text_bytes)},
        {"mesh_interval", in_range(0, 3600, &Config::mesh_interval_s)},
        {"chat_to_mesh",
         [](Config& c, const std::string& v) { return set_bool(v, c.chat_to_mesh); }},
        {"accept_decoded",
         [](Config& c, const std::string& v) { return set_bool(v, c.accept_decoded); }},
        {"text_prefix",
         [](Config& c, const std::string& v) -> Status {
             if (!utf8::is_valid(v)) return Status::failure("must be valid UTF-8");
             if (v.size() > 64) return Status::failure("must be at most 64 bytes");
             c.text_prefix = v;
             return Status::ok();
         }},
        {"probe_topic",
         [](Config& c, const std::string& v) {
             c.probe_topic = v;
             return check_topic(v, true);
         }},
        {"state_file",
         [](Config& c, const std::string& v) -> Status {
             if (v.empty()) return Status::failure("must not be empty");
             std::filesystem::path dir = std::filesystem::absolute(v).parent_path();
             std::error_code ec;
             if (!std::filesystem::is_directory(dir, ec)) {
                 return Status::failure("directory " + in_quotes(dir.string()) + " does not exist");
             }
             c.state_file = v;
             return Status::ok();
         }},
        {"config_file", [](Config&, const std::string&) { return Status::ok(); }},
        {"node_private_key_file",
         [](Config& c, const std::string& v) {
             return read_private_key_file(v, c.node_private_key);
         }},
        {"channel_map",
         [](Config& c, const std::string& v) { return set_channel_map(v, c.channel_map); }},
        {"chat_pacing", [](Config& c, const std::string& v) { return set_bool(v, c.chat_pacing); }},
        {"wake_broker", [](Config& c, const std::string& v) { return set_bool(v, c.wake_broker); }},
        {"alert_new_nodes",
         [](Config& c, const std::string& v) { return set_bool(v, c.alert_new_nodes); }},
        {"alert_silent_hours", in_range(0, 720, &Config::alert_silent_hours)},
        {"alert_battery_percent", in_range(0, 100, &Config::alert_battery_percent)},
        {"ack_timeout", in_range(5, 3600, &Config::ack_timeout_s)},
        {"sys_interval", in_range(0, 3600, &Config::sys_interval_s)},
        {"control", [](Config& c, const std::string& v) { return set_bool(v, c.control); }},
        {"language",
         [](Config& c, const std::string& v) -> Status {
             if (v == "en") {
                 c.language = Language::kEn;
             } else if (v == "ru") {
                 c.language = Language::kRu;
             } else if (v == "auto") {
                 c.language = Language::kAuto;
             } else {
                 return Status::failure("must be en, ru or auto (got " + in_quotes(v) + ")");
             }
             return Status::ok();
         }},
        {"user_rate", in_range(0, 1000, &Config::user_rate)},
        {"blocked_users",
         [](Config& c, const std::string& v) { return set_chat_list(v, c.blocked_users, true); }},
        {"blocked_nodes",
         [](Config& c, const std::string& v) { return set_node_list(v, c.blocked_nodes); }},
    };
    return table;
}

// Keys in the order they must be applied: the token file before the token (file wins),
// everything else in table order.
std::vector<std::string> apply_order(const std::map<std::string, std::string>& values) {
    std::vector<std::string> keys;
    if (values.count("bot_token_file")) keys.push_back("bot_token_file");
    for (const auto& [key, v] : values) {
        if (key != "bot_token_file") keys.push_back(key);
    }
    return keys;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
}

std::string fail(const std::string& key, const std::string& why) {
    return "option " + key + ": " + why;
}

// Checks that involve several options.
Status check_combination(Config& c) {
    if (c.channel_keys.empty()) {
        c.channel_keys.push_back(mesh::make_channel_key("LongFast", mesh::default_channel_key()));
    }
    if (c.bridged_key() == nullptr) {
        return Status::failure(fail("channel_keys", "has no key for the bridged channel " +
                                                        in_quotes(c.channel) + " (add " +
                                                        c.channel + "=<base64 psk>)"));
    }
    for (const auto& route : c.channel_map) {
        bool has_key =
            std::any_of(c.channel_keys.begin(), c.channel_keys.end(),
                        [&](const mesh::ChannelKey& k) { return k.name == route.channel; });
        if (!has_key) {
            return Status::failure(fail("channel_map", "channel " + in_quotes(route.channel) +
                                                           " has no key in channel_keys (add " +
                                                           route.channel + "=<base64 psk>)"));
        }
    }
    if (c.downlink == DownlinkMode::kJson && !c.gateway_id) {
        return Status::failure(
            fail("gateway_id", "is required with downlink json (the gateway that transmits)"));
    }
    if (c.probe_topic.empty()) c.probe_topic = c.topic_roots.front() + "/tgmesh/probe";
    return Status::ok();
}

}  // namespace

ConfigResult load_config(const Options& plugin_options) {
    ConfigResult result;
    std::map<std::string, std::string> values;
    for (const auto& [key, value] : plugin_options)
        values[lower(key)] = unquote(value);

    if (auto it = values.find("config_file"); it != values.end()) {
        const std::string path = it->second;
        std::ifstream in(path);
        if (!in || is_directory(path)) {  // a directory was taken for an empty config_file
            result.config = Status::failure(fail("config_file", "cannot read " + in_quotes(path)));
            return result;
        }
        std::stringstream text;
        text << in.rdbuf();
        Result<Options> file = parse_config_file(text.str());
        if (!file) {
            result.config =
                Status::failure(fail("config_file", in_quotes(path) + " " + file.error()));
            return result;
        }
        for (const auto& [key, value] : *file) {
            std::string k = lower(key);
            if (k == "config_file") {
                result.warnings.push_back("config_file " + in_quotes(path) +
                                          ": config_file inside it is ignored");
                continue;
            }
            values[k] = unquote(value);
        }
        // A file with a token file takes precedence over a token given in mosquitto.conf.
    }

    Config config;
    config.config_file = values.count("config_file") ? values["config_file"] : "";
    const auto& table = setters();
    for (const auto& key : apply_order(values)) {
        auto setter = table.find(key);
        if (setter == table.end()) {
            result.warnings.push_back("unknown option " + in_quotes(key) + " ignored");
            continue;
        }
        if (Status applied = setter->second(config, values[key]); !applied) {
            result.config = Status::failure(fail(key, applied.error()));
            return result;
        }
    }
    if (Status combined = check_combination(config); !combined) {
        result.config = combined;
        return result;
    }
    result.config = std::move(config);
    return result;
}

}  // namespace tgmesh::core
