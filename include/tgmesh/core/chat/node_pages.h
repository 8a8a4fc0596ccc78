#pragma once
// /nodes [filter]: the nodes heard, most recent first, optionally those whose names or id
// contain the filter, a page at a time with ◀ ▶ buttons. A view remembers its filter for an
// hour (callback_data "v:<view>:<page>" stays short whatever the filter).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::core {

class NodePages {
  public:
    // Its buttons' callback data: "v:<view>:<page>".
    static constexpr std::string_view kCallbackPrefix = "v:";
    static constexpr size_t kNodesPerPage = 15;
    static constexpr Millis kLifetime = kHour;
    static constexpr size_t kMaxViews = 200;

    struct Page {
        std::string html;
        std::string reply_markup;  // empty when everything fits one page
    };

    uint32_t open(std::string filter, Millis now);
    // A press on a page button: the view's page, or nullopt when the view has expired.
    struct Press {
        uint32_t view = 0;
        size_t page = 0;
    };
    std::optional<Press> press(const std::string& data, Millis now);
    Page render(uint32_t view, size_t page, const NodeRegistry& nodes, int64_t now_unix,
                const i18n::Catalog& cat) const;

  private:
    struct View {
        std::string filter;
        Millis expires = 0;
    };
    std::map<uint32_t, View> views_;
    uint32_t next_id_ = 0;
};

}  // namespace tgmesh::core
