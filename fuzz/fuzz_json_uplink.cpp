// Legacy JSON uplinks: mesh::parse_json_uplink on the input, then the input as an uplink on
// msh/US/2/json/LongFast/!11111111 to a Bridge in protobuf mode and to one in json mode.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "tgmesh/mesh/json_uplink.h"
#include "tgmesh/util/json.h"

using namespace tgmesh;

namespace {

constexpr const char* kTopic = "msh/US/2/json/LongFast/!11111111";

void direct(std::string_view payload) {
    auto up = mesh::parse_json_uplink(payload);
    if (!up) return;
    // Floats are finite (a number beyond float range is dropped, not turned into infinity).
    fuzz::check(!up->snr || std::isfinite(*up->snr));
    fuzz::check(!up->device_metrics || !up->device_metrics->voltage ||
                std::isfinite(*up->device_metrics->voltage));
    if (up->text) {
        // What json mode would send back must be JSON whose payload is the text (cJSON keeps
        // strings up to their first NUL).
        std::string sendtext =
            mesh::build_json_sendtext(up->from, up->to, up->channel_index, *up->text, 3);
        auto doc = json::parse(sendtext);
        fuzz::check(doc != nullptr);
        auto text = json::get_string(doc.get(), "payload");
        fuzz::check(text.has_value() && *text == up->text->substr(0, up->text->find('\0')));
        fuzz::check(json::get_int(doc.get(), "from") == static_cast<int64_t>(up->from));
    }
}

void through_bridge(const core::Config& config, std::string_view payload) {
    fuzz::Rig rig(config);
    rig.bridge->start();
    rig.connect_telegram();
    rig.bridge->on_mqtt_message(kTopic, payload);
    rig.bridge->on_mqtt_message("msh/US/2/json/LongFast/!22222222", payload);
    rig.pump(3);
    rig.bridge->shutdown({});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view payload = fuzz::as_view(data, size);
    direct(payload);
    through_bridge(fuzz::protobuf_config(), payload);
    through_bridge(fuzz::json_config(), payload);
    return 0;
}
