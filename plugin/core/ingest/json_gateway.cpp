#include "tgmesh/core/ingest/json_gateway.h"

namespace tgmesh::core {

void JsonGateway::sent(mesh::NodeNum gateway, std::string_view text) {
    recent_.push_back({gateway, std::string(text), clock_.now_ms()});
    if (recent_.size() > kEchoMemory) recent_.pop_front();
}

bool JsonGateway::is_echo(mesh::NodeNum from, std::string_view text) {
    const Millis now = clock_.now_ms();
    while (!recent_.empty() && now - recent_.front().at > kEchoWindow)
        recent_.pop_front();
    for (auto it = recent_.begin(); it != recent_.end(); ++it) {
        if (it->gateway == from && it->text == text) {
            recent_.erase(it);
            return true;
        }
    }
    return false;
}

}  // namespace tgmesh::core
