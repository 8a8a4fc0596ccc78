#pragma once
// The plugin options (docs: README "Configuration"), parsed and validated as a whole: either a
// complete Config or one error that names the option and the reason.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tgmesh/mesh/channel_key.h"
#include "tgmesh/mesh/node_id.h"
#include "tgmesh/util/bytes.h"
#include "tgmesh/util/status.h"

namespace tgmesh::core {

enum class DownlinkMode { kProtobuf, kJson };
// kAuto: replies follow the sender's Telegram language (ru, else en); posts are in English.
enum class Language { kEn, kRu, kAuto };

// A mesh channel bridged with a chat, or with one topic (message_thread_id) of a forum chat.
struct ChannelRoute {
    std::string channel;
    int64_t chat_id = 0;
    std::optional<int64_t> thread_id;
};

struct Config {
    std::string bot_token;  // from bot_token_file or bot_token; empty = Telegram side off
    std::string api_url = "https://api.telegram.org";
    std::string proxy;
    std::vector<int64_t> chat_ids;
    std::vector<int64_t> admin_ids;
    // Where DMs to the bridge node go; empty: the chats of chat_ids (home_routes).
    std::vector<int64_t> dm_chat_ids;
    std::vector<std::string> topic_roots = {"msh/US"};
    std::string channel = "LongFast";
    std::vector<mesh::ChannelKey> channel_keys;
    std::optional<mesh::NodeNum> node_id;  // nullopt: generated once and kept in the state
    std::string node_long_name = "Telegram";
    std::string node_short_name = "TG";
    DownlinkMode downlink = DownlinkMode::kProtobuf;
    std::optional<mesh::NodeNum> gateway_id;
    uint32_t hop_limit = 3;
    size_t max_text_bytes = 200;
    int mesh_interval_s = 3;
    bool chat_to_mesh = true;
    // Unencrypted envelopes are ignored unless on (firmware gateways ignore them too while MQTT
    // encryption is on); even then their NODEINFO never sets or replaces a key.
    bool accept_decoded = false;
    bool chat_pacing = true;  // off: no rate limits of our own towards Telegram
    std::string text_prefix = "{name}: ";
    std::string probe_topic;  // default <first root>/tgmesh/probe
    std::string state_file = "/var/lib/mosquitto/tgmesh.json";
    std::string config_file;
    Language language = Language::kEn;
    // X25519 private key of the bridge node from node_private_key_file; nullopt: generated once
    // and kept in the state file. A secret: never logged.
    std::optional<Bytes> node_private_key;
    int sys_interval_s = 10;  // $SYS/broker/tgmesh/ every this many seconds; 0 = off
    bool control = true;      // $CONTROL/tgmesh/v1 answers (the broker's ACL decides who)
    int ack_timeout_s = 60;   // how long a DM from the chat waits for the destination's ACK
    std::vector<ChannelRoute> channel_map;  // empty: `channel` with every chat in chat_ids
    bool alert_new_nodes = false;
    int alert_silent_hours = 0;     // 0 = off
    int alert_battery_percent = 0;  // 0 = off
    // Messages a Telegram user (not an admin) may send to the mesh per 10 minutes; 0 = no limit.
    int user_rate = 10;
    std::vector<int64_t> blocked_users;        // their messages never reach the mesh
    std::vector<mesh::NodeNum> blocked_nodes;  // their texts never reach the chats
    // A signal ends the broker's idle wait when a downlink is queued (broker/broker_wake.h).
    // Read at start only: the handler is installed on the broker thread.
    bool wake_broker = false;

    bool telegram_enabled() const { return !bot_token.empty(); }
    // A chat in chat_ids, channel_map or dm_chat_ids: its members may use the bridge.
    bool is_bridged_chat(int64_t chat_id) const;
    // No chat is bridged yet (a token without chat_ids): /start answers with the chat's id.
    bool discovering() const { return chat_ids.empty() && channel_map.empty(); }
    // Where texts of the mesh go: channel_map, and `channel` to every chat in chat_ids that the
    // map does not give a channel.
    std::vector<ChannelRoute> routes() const;
    // The channel what is written in this chat (topic) goes to; nullopt: a forum topic that is
    // not bridged.
    std::optional<std::string> channel_for_chat(int64_t chat_id,
                                                std::optional<int64_t> thread_id) const;
    // Where alerts go: chat_ids, else the chats of `channel`'s routes.
    std::vector<ChannelRoute> home_routes() const;
    // Where DMs to the bridge node go: dm_chat_ids, else home_routes().
    std::vector<ChannelRoute> dm_routes() const;
    bool is_admin(int64_t user_id) const;
    // A private chat of an admin with the bot: the admin commands work there even when the
    // chat is not bridged.
    bool is_admin_private_chat(int64_t chat_id, int64_t user_id) const {
        return chat_id == user_id && is_admin(user_id);
    }
    const mesh::ChannelKey* bridged_key() const;
    const mesh::ChannelKey* key_of(std::string_view channel_name) const;
};

using Options = std::vector<std::pair<std::string, std::string>>;

struct ConfigResult {
    Result<Config> config;              // or "option <key>: <reason>"
    std::vector<std::string> warnings;  // unknown keys and the like
};

// Validates plugin_opt_* options; when config_file is set, reads it and lets its values
// override the plugin options. Reads bot_token_file. Never puts the token in a message.
ConfigResult load_config(const Options& plugin_options);

// Parses a config_file text: "key value" lines, '#' comments, "double quoted" values keep
// their spaces. Errors name the line.
Result<Options> parse_config_file(const std::string& text);

}  // namespace tgmesh::core
