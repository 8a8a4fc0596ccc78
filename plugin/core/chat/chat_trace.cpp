// /trace: a traceroute from the bridge node to one node, answered with the route there and
// back (firmware's TraceRouteModule appends each node and the SNR it heard the request at,
// src/modules/TraceRouteModule.cpp:383-417 at v2.7.26), or with a timeout.
#include "tgmesh/core/chat/chat_commands.h"
#include "tgmesh/core/chat/format.h"
#include "tgmesh/telegram/html.h"

namespace tgmesh::core {

using telegram::escape_html;
using telegram::IncomingMessage;

void ChatCommands::trace(const IncomingMessage& m, std::string_view args) {
    if (d_.config.downlink != DownlinkMode::kProtobuf) {
        return reply(m, std::string(cat().trace_json_mode));
    }
    auto res = resolve_or_reply(m, args, cat().usage_trace);
    if (!res) return;
    const mesh::NodeNum node = *res->node;
    if (node == 0 || node == mesh::kBroadcast || node == d_.identity.node()) {
        return reply(m, i18n::fill(cat().not_a_node, {{"query", escape_html(res->query)}}));
    }
    const std::string name = format_node_ref(d_.nodes.find(node), node);
    if (traces_.busy(node) || traces_.full()) {
        return reply(m, i18n::fill(cat().trace_busy, {{"node", name}}));
    }
    if (!may_send(m)) return;
    const std::string origin = "/trace from chat " + std::to_string(m.chat_id);
    MeshSendResult sent = d_.sender.send_traceroute(node, origin);
    if (sent.refusal || sent.packet_ids.empty()) {
        return reply(m, i18n::fill(cat().queue_full, {{"n", std::to_string(sent.ahead)}}));
    }
    traces_.started(sent.packet_ids.front(), {node, m.chat_id, m.message_id, m.thread_id, language_,
                                              d_.clock.now_ms() + Traces::kTimeout});
    reply(m, i18n::fill(cat().trace_started, {{"node", name}}));
}

void ChatCommands::on_trace(const TraceAnswer& answer) {
    auto pending = traces_.answered(answer.from, answer.request_id);
    if (!pending) return;
    language_ = pending->language;
    IncomingMessage origin;
    origin.chat_id = pending->chat_id;
    origin.message_id = pending->message_id;
    origin.thread_id = pending->thread_id;
    reply(origin, format_trace(answer.route, escape_html(d_.config.node_long_name), answer.from,
                               d_.nodes, cat()));
}

void ChatCommands::run_due(Millis now) {
    for (const PendingTrace& trace : traces_.expire(now)) {
        language_ = trace.language;
        IncomingMessage origin;
        origin.chat_id = trace.chat_id;
        origin.message_id = trace.message_id;
        origin.thread_id = trace.thread_id;
        reply(origin, i18n::fill(cat().trace_timeout,
                                 {{"node", format_node_ref(d_.nodes.find(trace.dest), trace.dest)},
                                  {"s", std::to_string(Traces::kTimeout / kSecond)}}));
    }
}

}  // namespace tgmesh::core
