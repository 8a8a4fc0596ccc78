#pragma once
// Every text a chat member reads, one catalogue per language (catalog_en.cpp, catalog_ru.cpp).
// Placeholders are {name} and are filled by fill(); values are HTML-escaped by the caller.
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "tgmesh/core/config/config.h"

namespace tgmesh::core::i18n {

struct Catalog {
    std::string_view help;  // {channel}
    std::string_view help_admin;
    std::string_view start_group;     // privacy-mode hint
    std::string_view sent_broadcast;  // {channel}
    std::string_view sent_dm;         // {node}
    std::string_view sent_parts;      // {n}
    std::string_view queued_behind;   // {n}
    std::string_view dm_legacy_note;
    std::string_view usage_send;
    std::string_view usage_send_to_node;
    std::string_view too_long;    // {len} {max} {parts} {part_bytes}
    std::string_view queue_full;  // {n}
    std::string_view empty_text;
    std::string_view node_not_found;  // {query}
    std::string_view node_ambiguous;  // {query} {list}
    std::string_view admins_only;
    std::string_view probe_published;  // {topic} {ms}
    std::string_view probe_failed;     // {topic}
    std::string_view nodes_header;     // {n}
    std::string_view nodes_empty;
    std::string_view nodes_more;  // {n}
    std::string_view dm_marker;
    std::string_view hops_direct;
    std::string_view hops_one;
    std::string_view hops_count;   // {n}
    std::string_view via;          // {gateway}
    std::string_view seconds_ago;  // {n}
    std::string_view minutes_ago;  // {n}
    std::string_view hours_ago;    // {n}
    std::string_view days_ago;     // {n}
    std::string_view unknown_command;
    std::string_view sent_dm_pki;     // {node}
    std::string_view dm_key_unknown;  // {node}: sent with the channel key, key requested
    std::string_view dm_reply_hint;   // {node}
    std::string_view pki_marker;
    std::string_view delivered;
    std::string_view not_delivered;      // {reason}
    std::string_view legacy_dm_refused;  // the reason when a channel-key DM got NO_CHANNEL
    std::string_view dm_needs_key;       // {node}
    std::string_view no_ack;             // {s}
    std::string_view routing_error;      // {code}: a Routing.Error without a name here
    std::string_view reaction_from;      // {emoji} {node}
    std::string_view topic_not_bridged;
    // /send_nearby
    std::string_view usage_send_nearby;
    std::string_view sent_nearby;   // {channel}
    std::string_view nearby_heard;  // {list}
    std::string_view nearby_none;
    // /write
    std::string_view write_choose;
    std::string_view write_prompt;       // {node}
    std::string_view write_placeholder;  // {node}
    std::string_view write_to;           // {node}
    std::string_view write_cancelled;
    std::string_view button_cancel;
    std::string_view button_prev;
    std::string_view button_next;
    std::string_view page;              // {page} {pages}
    std::string_view callback_foreign;  // {name}
    std::string_view callback_expired;
    // /node and /nodes
    std::string_view usage_node;
    std::string_view nodes_matching;   // {filter} {n}
    std::string_view node_hardware;    // {hw}
    std::string_view node_role;        // {role}
    std::string_view node_last_heard;  // {age}
    std::string_view node_battery;     // {percent}
    std::string_view node_powered;
    std::string_view node_voltage;   // {volts}
    std::string_view node_position;  // {age}
    std::string_view node_no_position;
    std::string_view node_key_known;
    std::string_view node_key_unknown;
    std::string_view node_heard_via;
    std::string_view node_key_mismatches;  // {n} {id}
    // /forget_key
    std::string_view usage_forget_key;
    std::string_view key_forgotten;  // {node}
    std::string_view key_none;       // {node}
    std::string_view not_a_node;     // {query}: !00000000, !ffffffff or the bridge's own id
    std::string_view cmd_forget_key;
    // /status
    std::string_view status_title;     // {uptime}
    std::string_view status_gateways;  // {n}
    std::string_view status_gateway;   // {gateway} {nodes} {age}
    std::string_view status_queues;    // {mesh} {chat}
    std::string_view status_counters;  // {uplinks} {decoded} {duplicates} {undecryptable} ...
    std::string_view status_drops;     // {list}
    std::string_view status_findings;  // {list}: the findings of `diagnose`, one per line
    // Chats that are not bridged: /start (discovery) and an admin's private chat
    std::string_view not_bridged_chat;     // {chat}
    std::string_view not_bridged_private;  // {user}
    std::string_view admin_chat_only;
    // Findings (diagnosis.cpp): plain text, escaped by whoever shows them
    std::string_view finding_no_uplinks;               // {minutes}: none since start
    std::string_view finding_no_uplinks_since;         // {minutes}
    std::string_view finding_unknown_channel;          // {count} {channel} {hash} {gateways}
    std::string_view finding_unknown_channel_default;  // {channel}
    std::string_view finding_unknown_channel_named;    // {channel}
    std::string_view finding_telegram_unauthorized;
    std::string_view finding_chat_unreachable;  // {chat} {reason}
    std::string_view finding_privacy_mode;
    std::string_view finding_ignore_mqtt_region;  // {root} {region}
    // alerts
    std::string_view alert_new_node;  // {node}
    std::string_view alert_silent;    // {node} {hours}
    std::string_view alert_battery;   // {node} {percent}
    // setMyCommands descriptions
    std::string_view cmd_help;
    std::string_view cmd_send;
    std::string_view cmd_send_to_node;
    std::string_view cmd_send_nearby;
    std::string_view cmd_write;
    std::string_view cmd_nodes;
    std::string_view cmd_node;
    std::string_view cmd_probe;
    std::string_view cmd_status;
    // /trace
    std::string_view cmd_trace;
    std::string_view usage_trace;
    std::string_view trace_started;    // {node}
    std::string_view trace_busy;       // {node}
    std::string_view trace_json_mode;  // traceroute needs the protobuf downlink
    std::string_view trace_result;     // {node} {there} {back}
    std::string_view trace_back_unknown;
    std::string_view trace_timeout;  // {node} {s}
    // places
    std::string_view waypoint_sent;  // {channel}
    std::string_view waypoint_from;  // {node}: the address line of a mesh waypoint's venue
    std::string_view waypoint_unnamed;
    // moderation
    std::string_view rate_limited;  // {n} {minutes}
    std::string_view cmd_block;
    std::string_view cmd_unblock;
    std::string_view usage_block;
    std::string_view blocked_user;     // {user}
    std::string_view blocked_node;     // {node}
    std::string_view unblocked_user;   // {user}
    std::string_view unblocked_node;   // {node}
    std::string_view block_in_config;  // {what}: listed in the configuration
    std::string_view not_blocked;      // {what}
    std::string_view block_admin;      // admins cannot be blocked
    std::string_view block_full;       // {n}
    std::string_view status_blocked;   // {users} {nodes}
    // /node, more
    std::string_view node_environment;  // {list} {age}
    std::string_view node_airtime;      // {channel} {tx} {age}
    std::string_view node_neighbors;    // {list} {age}
    // Routing.Error values in words (mesh.proto Routing.Error).
    std::span<const std::pair<uint32_t, std::string_view>> routing_errors;
};

// The words for a Routing.Error code.
std::string routing_error_text(const Catalog& cat, uint32_t code);

const Catalog& catalog(Language language);
// The language to answer someone in: theirs (Telegram's language_code) with `language auto`,
// else the configured one. kAuto never comes back.
Language language_for(Language configured, std::string_view language_code);

// Replaces each {key} in `text` with its value.
std::string fill(std::string_view text,
                 std::initializer_list<std::pair<std::string_view, std::string>> values);

}  // namespace tgmesh::core::i18n
