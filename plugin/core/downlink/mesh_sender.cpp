#include "tgmesh/core/downlink/mesh_sender.h"

#include <algorithm>

#include <cctype>

#include "tgmesh/mesh/text_chunker.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::core {

MeshSendResult MeshSender::send(const MeshSendRequest& request) {
    MeshSendResult result;
    std::string clean = utf8::sanitize(request.text);
    while (!clean.empty() && std::isspace(static_cast<unsigned char>(clean.back())))
        clean.pop_back();
    result.length = clean.size();
    if (clean.empty()) {
        result.refusal = SendRefusal::kEmpty;
        return result;
    }
    const bool direct = request.to != mesh::kBroadcast;
    const Node* node = direct ? d_.nodes.find(request.to) : nullptr;
    const Bytes peer_key = node ? node->public_key : Bytes();
    result.pki = direct && d_.encoder.can_pki(peer_key);
    if (direct && !result.pki && d_.sent_dms.refuses_legacy(request.to)) {
        result.refusal = SendRefusal::kNeedsKey;
        return result;
    }
    result.part_bytes = d_.encoder.max_text_bytes(result.pki);
    auto parts = mesh::chunk_text(request.prefix, clean, result.part_bytes);
    if (parts.empty()) {
        result.refusal = SendRefusal::kTooLong;
        result.capacity = mesh::chunk_capacity(request.prefix, result.part_bytes);
        return result;
    }
    result.parts = parts.size();
    result.ahead = d_.outbox.size();
    if (d_.outbox.free_slots() < parts.size()) {
        result.refusal = SendRefusal::kQueueFull;
        d_.drops.record(Drop::kMeshQueueFull, request.origin);
        return result;
    }
    for (const auto& part : parts) {
        TextRequest text;
        text.to = request.to;
        text.text = part;
        text.channel = request.channel;
        text.peer_public_key = peer_key;
        text.reply_id = request.reply_id;
        text.hop_limit = request.hop_limit;
        text.emoji = request.emoji;
        Downlink downlink = d_.encoder.text(text);
        if (downlink.packet_id != 0) result.packet_ids.push_back(downlink.packet_id);
        if (direct && downlink.packet_id != 0) {
            d_.sent_dms.remember(downlink.packet_id, {request.to, part, request.reply_id,
                                                      request.hop_limit, downlink.pki, false});
        }
        d_.outbox.push(std::move(downlink.message));
        ++d_.stats.downlinks;
    }
    return result;
}

std::optional<MeshSendResult> MeshSender::refuse_if_full(std::string_view origin) {
    if (d_.outbox.free_slots() > 0) return std::nullopt;
    MeshSendResult result;
    result.ahead = d_.outbox.size();
    result.refusal = SendRefusal::kQueueFull;
    d_.drops.record(Drop::kMeshQueueFull, origin);
    return result;
}

MeshSendResult MeshSender::queue_one(Downlink downlink) {
    MeshSendResult result;
    result.ahead = d_.outbox.size();
    result.parts = 1;
    if (downlink.packet_id != 0) result.packet_ids.push_back(downlink.packet_id);
    d_.outbox.push(std::move(downlink.message));
    ++d_.stats.downlinks;
    return result;
}

MeshSendResult MeshSender::send_traceroute(mesh::NodeNum to, std::string_view origin) {
    if (auto full = refuse_if_full(origin)) return *full;
    return queue_one(d_.encoder.traceroute(to));
}

MeshSendResult MeshSender::send_waypoint(const mesh::WaypointInfo& waypoint,
                                         std::string_view channel, std::string_view origin) {
    if (auto full = refuse_if_full(origin)) return *full;
    return queue_one(d_.encoder.waypoint(waypoint, channel));
}

void MeshSender::request_key(mesh::NodeNum node) {
    if (d_.config.downlink != DownlinkMode::kProtobuf) return;
    const int64_t now = d_.clock.unix_seconds();
    if (key_requests_.size() >= NodeRegistry::kDefaultCapacity) {
        std::erase_if(key_requests_,
                      [&](const auto& entry) { return now - entry.second >= kKeyRequestGapS; });
    }
    auto it = key_requests_.find(node);
    if (it != key_requests_.end() && now - it->second < kKeyRequestGapS) return;
    key_requests_[node] = now;
    changed_ = true;
    d_.outbox.push(d_.encoder.nodeinfo(node, true));
    ++d_.stats.downlinks;
}

void MeshSender::send_nodeinfo(mesh::NodeNum to) {
    d_.outbox.push(d_.encoder.nodeinfo(to));
    ++d_.stats.downlinks;
}

void MeshSender::greet_gateway(mesh::NodeNum gateway) {
    push_urgent(d_.encoder.nodeinfo_for_gateway(gateway), "a gateway's greeting");
}

void MeshSender::send_routing(mesh::NodeNum to, uint32_t request_id, uint32_t error_reason) {
    push_urgent(d_.encoder.routing(to, request_id, error_reason),
                "a ROUTING answer (a flood of packets asking for ACKs)");
}

void MeshSender::push_urgent(Outgoing message, std::string_view what) {
    if (d_.outbox.push_urgent(std::move(message))) {
        ++d_.stats.downlinks;
        return;
    }
    d_.drops.record(Drop::kMeshQueueFull, what);
}

std::optional<uint32_t> MeshSender::resend_after_unknown_key(mesh::NodeNum from,
                                                             uint32_t request_id) {
    auto part = d_.sent_dms.resend_of(from, request_id);
    if (!part) return std::nullopt;
    // As firmware answers such a NAK (src/mesh/ReliableRouter.cpp:134-139 at v2.7.26).
    d_.outbox.push(d_.encoder.nodeinfo(from));
    const Node* node = d_.nodes.find(from);
    TextRequest text;
    text.to = from;
    text.text = part->text;
    text.peer_public_key = node ? node->public_key : Bytes();
    text.reply_id = part->reply_id;
    text.hop_limit = part->hop_limit;
    Downlink again = d_.encoder.text(text);
    part->pki = again.pki;
    d_.sent_dms.remember(again.packet_id, *part);
    d_.outbox.push(std::move(again.message));
    d_.stats.downlinks += 2;
    changed_ = true;
    return again.packet_id;
}

}  // namespace tgmesh::core
