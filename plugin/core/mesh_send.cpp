#include "tgmesh/core/mesh_send.h"

#include <cctype>

#include "tgmesh/mesh/text_chunker.h"
#include "tgmesh/util/utf8.h"

namespace tgmesh::core {

MeshSendResult queue_mesh_text(const MeshSendContext& ctx, const MeshSendRequest& request) {
    using Status = MeshSendResult::Status;
    MeshSendResult result;
    std::string clean = utf8::sanitize(request.text);
    while (!clean.empty() && std::isspace(static_cast<unsigned char>(clean.back())))
        clean.pop_back();
    result.length = clean.size();
    if (clean.empty()) {
        result.status = Status::kEmpty;
        return result;
    }
    const bool direct = request.to != mesh::kBroadcast;
    const Node* node = direct ? ctx.nodes.find(request.to) : nullptr;
    const Bytes peer_key = node ? node->public_key : Bytes();
    result.pki = direct && ctx.downlinks.can_pki(peer_key);
    if (direct && !result.pki && ctx.sent_dms.refuses_legacy(request.to)) {
        result.status = Status::kNeedsKey;
        return result;
    }
    result.part_bytes = ctx.downlinks.max_text_bytes(result.pki);
    auto parts = mesh::chunk_text(request.prefix, clean, result.part_bytes);
    if (parts.empty()) {
        result.status = Status::kTooLong;
        result.capacity = mesh::chunk_capacity(request.prefix, result.part_bytes);
        return result;
    }
    result.parts = parts.size();
    result.ahead = ctx.outbox.size();
    if (ctx.outbox.free_slots() < parts.size()) {
        result.status = Status::kQueueFull;
        ctx.stats.drop(Drop::kMeshQueueFull);
        ctx.drops.note(Drop::kMeshQueueFull, std::string(request.origin));
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
        Downlink downlink = ctx.downlinks.text(text);
        if (downlink.packet_id != 0) result.packet_ids.push_back(downlink.packet_id);
        if (direct && downlink.packet_id != 0) {
            ctx.sent_dms.remember(downlink.packet_id, {request.to, part, request.reply_id,
                                                       request.hop_limit, downlink.pki, false});
        }
        ctx.outbox.push(std::move(downlink.message));
        ++ctx.stats.downlinks;
    }
    return result;
}

}  // namespace tgmesh::core
