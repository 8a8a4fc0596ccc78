#include "tgmesh/core/i18n/catalog.h"

namespace tgmesh::core::i18n {

namespace {
constexpr std::pair<uint32_t, std::string_view> kRoutingErrors[] = {
    {1, "no route to the node"},
    {2, "refused by a relay"},
    {3, "timed out"},
    {4, "no interface"},
    {5, "no answer after retries"},
    {6, "the node has no matching channel"},
    {7, "too large"},
    {8, "no response"},
    {9, "duty-cycle limit reached"},
    {32, "bad request"},
    {33, "not authorized"},
    {34, "encryption failed"},
    {35, "the node does not know the bridge's key yet"},
    {36, "bad admin session key"},
    {37, "admin key not authorized"},
    {38, "rate limit exceeded"},
    {39, "no public key for the node"},
};
}  // namespace

extern const Catalog kEnglish;
const Catalog kEnglish = {
    .help =
        "<b>Mesh bridge</b> · channel <b>{channel}</b>\n"
        "/send <i>text</i> — broadcast on the mesh channel\n"
        "  <code>/send Meet at the hut at 6</code>\n"
        "/send_to_node <i>!id|name text</i> — direct message to one node\n"
        "  <code>/send_to_node !a1b2c3d4 are you there?</code>\n"
        "/write — pick a node from a list, then type the message\n"
        "/send_nearby <i>text</i> — only nodes in direct range of the gateways hear it\n"
        "  <code>/send_nearby anyone near the hut?</code>\n"
        "/nodes [<i>filter</i>] — nodes heard recently\n"
        "  <code>/nodes base</code>\n"
        "/node <i>!id|name</i> — everything known about one node, with its position\n"
        "  <code>/node Base Camp</code>\n"
        "/trace <i>!id|name</i> — the route to a node and back, with signal strength\n"
        "  <code>/trace Base Camp</code>\n"
        "Reply to a message from the mesh to answer it there (privately if it was a DM); "
        "react to it and the reaction goes there too.\n"
        "Share a location and the mesh gets it as a waypoint for an hour.\n"
        "Plain messages in this chat go to the mesh channel when chat-to-mesh is on.",
    .help_admin =
        "\n<b>Admins</b>\n"
        "/status — uptime, gateways, queues and counters\n"
        "/probe — check that the bridge publishes to the broker\n"
        "/forget_key <i>!id|name</i> — forget a node's pinned public key\n"
        "/block, /unblock — reply to a user's message (or give a !id) to stop or let again "
        "their messages cross",
    .start_group =
        "In groups I only see plain messages when privacy mode is off (BotFather → "
        "/setprivacy → Disable, then remove and re-add me) or when I am an admin. "
        "Commands always work.",
    .sent_broadcast = "📡 Sent to {channel}",
    .sent_dm = "📨 Sent to {node}",
    .sent_parts = " in {n} parts",
    .queued_behind = " (queued behind {n})",
    .dm_legacy_note =
        "\nNote: sent with the channel key; nodes on firmware 2.7.14 or newer refuse such DMs.",
    .usage_send = "Usage: <code>/send your text</code>",
    .usage_send_to_node =
        "Usage: <code>/send_to_node !a1b2c3d4 your text</code> (or a node's short or long name)",
    .too_long =
        "✋ Too long for the mesh: {len} bytes. At most {max} bytes fit ({parts} parts of "
        "{part_bytes} bytes).",
    .queue_full = "✋ The mesh queue is full ({n} waiting). Try again in a minute.",
    .empty_text = "✋ Nothing to send.",
    .node_not_found =
        "No known node matches “{query}”. /nodes lists known nodes; an id like "
        "<code>!a1b2c3d4</code> always works.",
    .node_ambiguous = "“{query}” matches several nodes: {list}. Use the !id.",
    .admins_only = "✋ Only bridge admins may use this command.",
    .probe_published = "✅ Probe published on <code>{topic}</code> {ms} ms after the command.",
    .probe_failed = "❌ The broker refused the probe on <code>{topic}</code>.",
    .nodes_header = "<b>Nodes heard</b> ({n}):",
    .nodes_empty = "No nodes heard yet.",
    .nodes_more = "…and {n} more.",
    .dm_marker = "✉️ DM",
    .hops_direct = "direct",
    .hops_one = "1 hop",
    .hops_count = "{n} hops",
    .via = "via {gateway}",
    .seconds_ago = "{n} s ago",
    .minutes_ago = "{n} min ago",
    .hours_ago = "{n} h ago",
    .days_ago = "{n} d ago",
    .unknown_command = "Unknown command. /help lists what I can do.",
    .sent_dm_pki = "🔐 Sent to {node}, end-to-end encrypted",
    .dm_key_unknown =
        "\nSent with the channel key: {node}'s public key is not known yet, and firmware 2.7.14 "
        "or newer refuses such DMs. I asked the node for its key, so the next DM can be "
        "encrypted.",
    .dm_reply_hint = "Reply to this message to answer {node}.",
    .pki_marker = "🔐",
    .delivered = "✅ delivered",
    .not_delivered = "❌ not delivered: {reason}",
    .legacy_dm_refused =
        "the node accepts only end-to-end encrypted DMs (firmware 2.7.14 or newer) and its key is "
        "not known yet",
    .dm_needs_key =
        "✋ {node} accepts only end-to-end encrypted DMs, and its public key is not known yet. I "
        "asked the node for it: try again when /node shows 🔐.",
    .no_ack = "⌛ no acknowledgement within {s} s",
    .routing_error = "error {code}",
    .reaction_from = "{emoji} from {node}",
    .topic_not_bridged = "✋ This topic is not bridged with a mesh channel.",
    .usage_send_nearby = "Usage: <code>/send_nearby your text</code>",
    .sent_nearby = "📡 Sent to the nodes in direct range of the gateways ({channel})",
    .nearby_heard = "\nHeard directly in the last hour: {list}",
    .nearby_none = "\nNo node was heard directly in the last hour.",
    .write_choose = "Choose a node to write to:",
    .write_prompt = "Your message to {node}:",
    .write_placeholder = "message to {node}",
    .write_to = "✍️ Writing to {node}…",
    .write_cancelled = "Cancelled.",
    .button_cancel = "✖ Cancel",
    .button_prev = "◀",
    .button_next = "▶",
    .page = "page {page}/{pages}",
    .callback_foreign = "This menu is {name}'s.",
    .callback_expired = "This menu has expired; send the command again.",
    .usage_node = "Usage: <code>/node !a1b2c3d4</code> (or a node's short or long name)",
    .nodes_matching = "<b>Nodes matching “{filter}”</b> ({n}):",
    .node_hardware = "Hardware: {hw}",
    .node_role = "Role: {role}",
    .node_last_heard = "Last heard: {age}",
    .node_battery = "Battery: {percent}%",
    .node_powered = "Battery: external power",
    .node_voltage = "Voltage: {volts} V",
    .node_position = "Position: {age}",
    .node_no_position = "Position: unknown",
    .node_key_known = "🔐 Public key known: DMs are end-to-end encrypted",
    .node_key_unknown = "Public key not known yet",
    .node_heard_via = "Heard via:",
    .node_key_mismatches =
        "⚠️ "
        "{n} NODEINFO with another key refused: the first key stays pinned, as on the nodes. "
        "If the node really has a new key: <code>/forget_key {id}</code>",
    .usage_forget_key =
        "Usage: <code>/forget_key !a1b2c3d4</code> (or a node's name): forgets the node's "
        "pinned public key; its next NODEINFO sets it again",
    .key_forgotten =
        "🔓 Forgot the public key of {node}: its next NODEINFO sets it; DMs use the channel key "
        "until then.",
    .key_none = "{node} has no public key to forget.",
    .not_a_node =
        "✋ {query} is not a node you can write to (the broadcast address, 0 or the "
        "bridge itself).",
    .cmd_forget_key = "Forget a node's pinned public key",
    .status_title = "<b>Bridge status</b> · up {uptime}",
    .status_gateways = "Gateways in the last 15 min: {n}",
    .status_gateway = "• {gateway} · nodes: {nodes} · last {age}",
    .status_queues = "Queues: mesh {mesh}, chat {chat}",
    .status_counters =
        "Uplinks {uplinks} · decoded {decoded} · duplicates {duplicates} · undecryptable "
        "{undecryptable}\nTo Telegram {to_telegram} · sent {sent} · downlinks {downlinks}\n"
        "Telegram errors {errors} · 429s {too_many}",
    .status_drops = "Drops: {list}",
    .status_findings = "⚠️ <b>Problems</b>\n{list}",
    .not_bridged_chat =
        "This chat is not bridged with the mesh. Its id is <code>{chat}</code>: to bridge it, "
        "add it to the bridge's <code>chat_ids</code> (<code>plugin_opt_chat_ids {chat}</code>) "
        "and restart or reload mosquitto.",
    .not_bridged_private =
        "\nYour Telegram user id is <code>{user}</code>: put it in <code>admin_ids</code> to "
        "use /status and /probe here.",
    .admin_chat_only =
        "This private chat is not bridged with the mesh: only the admin commands work here "
        "(/status, /probe, /forget_key).",
    .finding_no_uplinks =
        "No uplink from any gateway in the {minutes} min since start: check that the gateways' "
        "MQTT root is in topic_root, that uplink is enabled on their channel, and that they "
        "reach this broker.",
    .finding_no_uplinks_since =
        "No uplink from any gateway for {minutes} min: are the gateways still connected?",
    .finding_unknown_channel =
        "{count} uplinks in the last hour on channel {channel} (hash {hash}, via {gateways}) "
        "that no key in channel_keys opens.",
    .finding_unknown_channel_default =
        " It looks like {channel} with the default key: add {channel}=AQ== to channel_keys to "
        "read it.",
    .finding_unknown_channel_named =
        " Add {channel}=<its PSK in base64> to channel_keys to read it, or check the key you "
        "gave it.",
    .finding_telegram_unauthorized =
        "The Bot API refuses the bot token (401/404): check bot_token / bot_token_file and "
        "api_url.",
    .finding_chat_unreachable =
        "Telegram refuses messages to chat {chat} ({reason}): add the bot to that chat again, "
        "or correct chat_ids.",
    .finding_privacy_mode =
        "The bot cannot read plain messages in groups (privacy mode) while chat_to_mesh is on, "
        "so only commands reach the mesh: BotFather → /setprivacy → Disable, then remove and "
        "re-add the bot, or make it a group admin.",
    .finding_ignore_mqtt_region =
        "Root {root} is in region {region}, which has a duty-cycle limit: firmware turns LoRa "
        "\"Ignore MQTT\" on by default there, and a node with it on drops everything the bridge "
        "sends. Turn it off on the gateways and on the nodes that should hear the chat.",
    .alert_new_node = "🆕 New node: {node}",
    .alert_silent = "🔇 {node} has been silent for {hours} h (it was heard most days)",
    .alert_battery = "🪫 {node}: battery at {percent}%",
    .cmd_help = "Commands with examples",
    .cmd_send = "Broadcast a message on the mesh channel",
    .cmd_send_to_node = "Direct message to one node (!id or name)",
    .cmd_send_nearby = "Message for nodes in direct range of the gateways",
    .cmd_write = "Pick a node from a list and write to it",
    .cmd_nodes = "Nodes heard recently (optional filter)",
    .cmd_node = "Details and position of one node",
    .cmd_probe = "Check that the bridge publishes to the broker",
    .cmd_status = "Uptime, gateways, queues and counters",
    .cmd_trace = "Route to a node and back (traceroute)",
    .usage_trace = "Usage: <code>/trace !a1b2c3d4</code> or <code>/trace name</code>",
    .trace_started = "🛰 Tracing the route to {node}…",
    .trace_busy = "A trace to {node} is already under way.",
    .trace_json_mode =
        "Traceroute needs the protobuf downlink (the bridge is a node of its own there).",
    .trace_result = "🛰 Route to {node}\n→ {there}\n← {back}",
    .trace_back_unknown = "(the way back was not reported)",
    .trace_timeout =
        "🛰 No answer from {node} within {s} s: out of range, or it ignores traceroutes.",
    .waypoint_sent = "📍 Sent to {channel} as a waypoint: nodes show it on their map for an hour",
    .waypoint_from = "Waypoint from {node}",
    .waypoint_unnamed = "Waypoint",
    .rate_limited =
        "⏳ At most {n} messages to the mesh per 10 minutes: airtime is shared. "
        "Try again in {minutes} min.",
    .cmd_block = "Stop a user's or a node's messages crossing",
    .cmd_unblock = "Let a blocked user or node cross again",
    .usage_block =
        "Reply to the user's (or the mesh node's) message with <code>/block</code>, or give "
        "<code>/block !a1b2c3d4</code> or a Telegram user id.",
    .blocked_user = "🚫 {user}'s messages no longer reach the mesh.",
    .blocked_node = "🚫 Texts of {node} no longer reach this chat.",
    .unblocked_user = "✅ {user}'s messages reach the mesh again.",
    .unblocked_node = "✅ Texts of {node} reach the chat again.",
    .block_in_config =
        "{what} is blocked in the configuration (blocked_users / blocked_nodes): change it "
        "there.",
    .not_blocked = "{what} is not blocked.",
    .block_admin = "Admins cannot be blocked.",
    .block_full = "The block list is full ({n}).",
    .status_blocked = "Blocked: {users} users, {nodes} nodes",
    .node_environment = "Environment: {list} ({age})",
    .node_airtime = "Airtime: channel {channel}%, transmitting {tx}% ({age})",
    .node_neighbors = "Neighbours ({age}): {list}",
    .routing_errors = kRoutingErrors,
};

}  // namespace tgmesh::core::i18n
