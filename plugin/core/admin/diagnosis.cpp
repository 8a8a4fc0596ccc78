#include "tgmesh/core/admin/diagnosis.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "tgmesh/mesh/channel_key.h"

namespace tgmesh::core {

namespace {

// RadioInterface.cpp regions table (v2.7.26) with duty_cycle < 100.
constexpr std::array<std::string_view, 5> kDutyCycleRegions = {"EU_433", "EU_868", "TH", "UA_433",
                                                               "UA_868"};

// The channel names of the modem presets (Channels::getName() with an empty name): a hash that
// matches one of them with the default key is most likely that channel.
constexpr std::array<std::string_view, 10> kPresetNames = {
    "LongFast",   "LongSlow",   "LongModerate", "LongTurbo", "VLongSlow",
    "MediumFast", "MediumSlow", "ShortFast",    "ShortSlow", "ShortTurbo"};

std::string hash_text(uint8_t hash) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", hash);
    return buf;
}

std::string preset_with_default_key(uint8_t hash) {
    for (std::string_view name : kPresetNames) {
        if (mesh::channel_hash(name, mesh::default_channel_key()) == hash) return std::string(name);
    }
    return {};
}

std::string minutes(Millis ms) {
    return std::to_string(ms / kMinute);
}

Finding unknown_channel(const UnknownChannel& u, const i18n::Catalog& cat) {
    Finding f;
    f.code = "unknown_channel";
    f.channel_hash = u.hash;
    f.channel = u.name;
    f.count = u.count;
    f.gateways = u.gateways;
    std::string gateways;
    for (const auto& g : u.gateways)
        gateways += (gateways.empty() ? "" : ", ") + g;
    std::string name = u.name.empty() ? preset_with_default_key(u.hash) : u.name;
    std::string hint;
    if (!name.empty()) {
        const bool preset_default = mesh::channel_hash(name, mesh::default_channel_key()) == u.hash;
        hint = i18n::fill(preset_default ? cat.finding_unknown_channel_default
                                         : cat.finding_unknown_channel_named,
                          {{"channel", name}});
    }
    f.text = i18n::fill(cat.finding_unknown_channel,
                        {{"hash", hash_text(u.hash)},
                         {"channel", name.empty() ? std::string("?") : name},
                         {"count", std::to_string(u.count)},
                         {"gateways", gateways.empty() ? std::string("?") : gateways}}) +
             hint;
    return f;
}

}  // namespace

std::string duty_cycle_region(std::string_view root) {
    size_t start = 0;
    while (start <= root.size()) {
        size_t slash = root.find('/', start);
        if (slash == std::string_view::npos) slash = root.size();
        std::string_view level = root.substr(start, slash - start);
        for (std::string_view region : kDutyCycleRegions) {
            if (level == region) return std::string(region);
        }
        start = slash + 1;
    }
    return {};
}

std::vector<Finding> Diagnosis::run(const Config& config, const DiagnosisInputs& in,
                                    const i18n::Catalog& cat) {
    std::vector<Finding> out;
    const bool quiet =
        in.last_uplink_age ? *in.last_uplink_age >= kQuietUplinks : in.uptime >= kQuietUplinks;
    if (quiet) {
        Finding f;
        f.code = "no_uplinks";
        f.text = in.last_uplink_age
                     ? i18n::fill(cat.finding_no_uplinks_since,
                                  {{"minutes", minutes(*in.last_uplink_age)}})
                     : i18n::fill(cat.finding_no_uplinks, {{"minutes", minutes(in.uptime)}});
        out.push_back(std::move(f));
    }
    for (const auto& u : in.unknown_channels)
        out.push_back(unknown_channel(u, cat));
    if (config.telegram_enabled() && in.telegram_unauthorized) {
        Finding f;
        f.code = "telegram_unauthorized";
        f.text = std::string(cat.finding_telegram_unauthorized);
        out.push_back(std::move(f));
    }
    for (const auto& refusal : in.unreachable_chats) {
        Finding f;
        f.code = "chat_unreachable";
        f.chat_id = refusal.chat_id;
        f.text = i18n::fill(
            cat.finding_chat_unreachable,
            {{"chat", std::to_string(refusal.chat_id)}, {"reason", refusal.description}});
        out.push_back(std::move(f));
    }
    if (config.telegram_enabled() && config.chat_to_mesh &&
        in.can_read_all_group_messages == false) {
        const auto routes = config.routes();
        const bool group = std::any_of(routes.begin(), routes.end(),
                                       [](const ChannelRoute& r) { return r.chat_id < 0; });
        if (group) {
            Finding f;
            f.code = "privacy_mode";
            f.text = std::string(cat.finding_privacy_mode);
            out.push_back(std::move(f));
        }
    }
    for (const auto& root : config.topic_roots) {
        std::string region = duty_cycle_region(root);
        if (region.empty()) continue;
        Finding f;
        f.code = "ignore_mqtt_region";
        f.root = root;
        f.region = region;
        f.text = i18n::fill(cat.finding_ignore_mqtt_region, {{"root", root}, {"region", region}});
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace tgmesh::core
