#include "tgmesh/base/stats.h"

namespace tgmesh {

std::string Stats::drop_summary() const {
    std::string out;
    for (size_t i = 0; i < static_cast<size_t>(Drop::kCount); ++i) {
        if (drops[i] == 0) continue;
        if (!out.empty()) out += ", ";
        out += std::string(drop_name(static_cast<Drop>(i))) + " " + std::to_string(drops[i]);
    }
    return out;
}

}  // namespace tgmesh
