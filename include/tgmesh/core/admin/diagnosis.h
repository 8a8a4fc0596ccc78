#pragma once
// What stops the bridge working, in words: the findings of `diagnose` ($CONTROL) and /status.
// Each has a stable code (contract: no_uplinks, unknown_channel, telegram_unauthorized,
// chat_unreachable, privacy_mode, ignore_mqtt_region) and a text in the catalogue's language.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tgmesh/core/config/config.h"
#include "tgmesh/core/i18n/catalog.h"
#include "tgmesh/core/ingest/unknown_channels.h"
#include "tgmesh/telegram/outbox.h"
#include "tgmesh/util/clock.h"

namespace tgmesh::core {

struct DiagnosisInputs {
    Millis uptime = 0;
    std::optional<Millis> last_uplink_age;  // nullopt: none since start
    std::vector<UnknownChannel> unknown_channels;
    bool telegram_unauthorized = false;               // getMe / getUpdates answered 401 or 404
    std::optional<bool> can_read_all_group_messages;  // getMe's, once connected
    std::vector<telegram::ChatRefusal> unreachable_chats;
};

struct Finding {
    std::string code;
    std::string text;
    // Details for the control API, by code.
    std::optional<uint8_t> channel_hash;  // unknown_channel
    std::string channel;                  // unknown_channel: the name uplinks gave, if any
    uint64_t count = 0;                   // unknown_channel: uplinks in the window
    std::vector<std::string> gateways;    // unknown_channel
    std::optional<int64_t> chat_id;       // chat_unreachable
    std::string root;                     // ignore_mqtt_region
    std::string region;                   // ignore_mqtt_region
};

class Diagnosis {
  public:
    // No uplink for this long (or none this long after start) is a finding.
    static constexpr Millis kQuietUplinks = 10 * kMinute;
    // unknown_channel covers uplinks of the last hour.
    static constexpr Millis kUnknownChannelWindow = kHour;

    static std::vector<Finding> run(const Config& config, const DiagnosisInputs& in,
                                    const i18n::Catalog& cat);
};

// The region of a topic root that has a duty-cycle limit, e.g. "EU_868" in "msh/EU_868";
// empty if none. Firmware turns lora.ignore_mqtt on by default in these regions
// (src/modules/AdminModule.cpp:840-842 at v2.7.26: myRegion->dutyCycle < 100, regions from
// src/mesh/RadioInterface.cpp:56-150).
std::string duty_cycle_region(std::string_view root);

}  // namespace tgmesh::core
