// make_big_state <path> [--nodes N] [--links N] [--chat-id ID] [--seed S] [--cjson-arena]
//
// Writes a tgmesh state file for the memory benchmark (issue 6, item 5): by default 10,000
// known nodes (long and short names, hardware, role, X25519 public key, position, battery,
// one to five gateway receptions each, heard over the last week) and 2,000 message-map
// entries (chat message <-> mesh packet). The document is built with the library's own types
// and serializer (NodeRegistry, MessageMap, serialize_state) and written with the plugin's
// FileStore, then read back with FileStore::load + parse_state and checked: the counts must
// come back exactly, so a broker started with plugin_opt_state_file <path> knows them all.
//
// The file holds no node_id and no private key: configure node_id (or let the plugin generate
// one); everything else in it is independent of the broker's configuration. Message links use
// --chat-id (default -1001), which should be one of the broker's bridged chats.
//
// A second line, "# memory ...", tells what the loaded state costs a process: the heap the
// nodes and links occupy, the RSS peak while parse_state runs (text + cJSON tree + objects)
// and the peak of one serialize_state (the plugin saves every 30 s when something changed).
// --cjson-arena repeats that with cJSON allocating from blocks freed as a whole (see below).
#include <cjson/cJSON.h>
#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tgmesh/adapters/file_store.h"
#include "tgmesh/core/chat/message_map.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/core/state/state.h"
#include "tgmesh/mesh/node_id.h"

namespace {

using namespace tgmesh;

const char* const kPlaces[] = {"Ridge",   "Harbor", "Valley",  "Summit", "Bridge",   "Forest",
                               "Airport", "Depot",  "Station", "Tower",  "Lakeside", "Campus",
                               "Гора",    "Берег",  "Долина",  "Вышка"};
const char* const kKinds[] = {"Base", "Mobile", "Relay", "Solar", "Home", "Car", "Hike", "Roof"};

int usage() {
    std::fprintf(stderr,
                 "usage: make_big_state <path> [--nodes N] [--links N] [--chat-id ID] [--seed S] "
                 "[--cjson-arena]\n");
    return 2;
}

// Resident and peak resident memory of this process, in bytes (/proc/self/status).
struct Rss {
    size_t now = 0;
    size_t peak = 0;
};
Rss rss() {
    Rss r;
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.starts_with("VmRSS:")) r.now = std::strtoull(line.c_str() + 6, nullptr, 10) << 10;
        if (line.starts_with("VmHWM:")) r.peak = std::strtoull(line.c_str() + 6, nullptr, 10) << 10;
    }
    return r;
}
// Starts a new peak: writing 5 to clear_refs resets VmHWM to the current RSS.
void reset_peak() {
    std::ofstream("/proc/self/clear_refs") << "5";
}
// Bytes malloc hands out right now.
size_t heap_in_use() {
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}
double mib(size_t after, size_t before) {
    return (static_cast<double>(after) - static_cast<double>(before)) / 1048576.0;
}

// --cjson-arena (an experiment for the plugin's memory): cJSON's allocations during the load
// and the save come from big mmap'ed blocks that are unmapped as a whole afterwards, so the
// document tree's tens of thousands of small blocks never fragment the malloc heap.
struct CjsonArena {
    static constexpr size_t kBlock = size_t{4} << 20;
    std::vector<std::pair<char*, size_t>> blocks;
    size_t used = kBlock;  // in the last block
    bool active = false;

    void* alloc(size_t size) {
        size = (size + 15) & ~size_t{15};
        if (blocks.empty() || used + size > blocks.back().second) {
            const size_t length = std::max(kBlock, size);
            void* p =
                mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) return nullptr;
            blocks.emplace_back(static_cast<char*>(p), length);
            used = 0;
        }
        void* out = blocks.back().first + used;
        used += size;
        return out;
    }
    bool owns(void* p) const {
        for (const auto& [base, length] : blocks)
            if (static_cast<char*>(p) >= base && static_cast<char*>(p) < base + length) return true;
        return false;
    }
    void release() {
        for (const auto& [base, length] : blocks)
            munmap(base, length);
        blocks.clear();
        used = kBlock;
    }
};
CjsonArena g_arena;

void* arena_malloc(size_t size) {
    return g_arena.active ? g_arena.alloc(size) : std::malloc(size);
}
void arena_free(void* p) {
    if (p != nullptr && !g_arena.owns(p)) std::free(p);
}

// The state document: nodes and message links built with the library's own types.
std::string build_document(size_t node_count, size_t link_count, int64_t chat_id, uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto uniform = [&](uint64_t n) { return static_cast<uint32_t>(rng() % n); };
    const int64_t now = static_cast<int64_t>(std::time(nullptr));

    std::vector<std::string> gateways;
    for (uint32_t g = 0; g < 40; ++g)
        gateways.push_back(mesh::format_node_id(0xda5e0000u + g * 0x111));

    // Distinct node numbers, none reserved (0-3), broadcast or the usual bridge ids.
    std::set<mesh::NodeNum> taken;
    std::vector<mesh::NodeNum> nums;
    while (nums.size() < node_count) {
        const auto num = static_cast<mesh::NodeNum>(rng());
        if (num < 4 || num == mesh::kBroadcast || (num >> 24) == 0x7b) continue;
        if (taken.insert(num).second) nums.push_back(num);
    }

    core::NodeRegistry nodes;
    for (size_t i = 0; i < nums.size(); ++i) {
        const mesh::NodeNum num = nums[i];
        // Heard a few times over the last week through 1-5 gateways; newest last.
        const int64_t last = now - uniform(7 * 86400);
        const uint32_t hearings = 1 + uniform(5);
        for (uint32_t h = hearings; h-- > 0;) {
            core::Reception r;
            r.gateway = gateways[uniform(gateways.size())];
            r.hops = static_cast<int>(uniform(4));
            r.snr = -15.0f + static_cast<float>(uniform(250)) / 10.0f;
            r.rssi = -125 + static_cast<int32_t>(uniform(90));
            r.time = last - static_cast<int64_t>(h) * uniform(86400);
            nodes.heard(num, r);
        }
        mesh::UserInfo user;
        user.id = mesh::format_node_id(num);
        user.long_name = std::string(kKinds[uniform(std::size(kKinds))]) + " " +
                         kPlaces[uniform(std::size(kPlaces))] + " " + std::to_string(i);
        char short_name[5];
        std::snprintf(short_name, sizeof short_name, "%04x", num & 0xffff);
        user.short_name = short_name;
        user.hw_model = uniform(100);
        user.role = uniform(12);
        user.public_key.resize(32);
        for (auto& c : user.public_key)
            c = static_cast<char>(rng());
        nodes.apply_user(num, user, core::KeySource::kEncrypted);
        if (uniform(10) < 9) {
            mesh::PositionInfo pos;
            pos.latitude_i = 450000000 + static_cast<int32_t>(uniform(100000000));
            pos.longitude_i = -50000000 + static_cast<int32_t>(uniform(300000000));
            pos.altitude = static_cast<int32_t>(uniform(3000));
            pos.time = static_cast<uint32_t>(last - uniform(3600));
            pos.precision_bits = uniform(2) ? 32u : 13u;
            nodes.apply_position(num, pos, last);
        }
        if (uniform(10) < 7) {
            mesh::DeviceMetricsInfo metrics;
            metrics.battery_level = 5 + uniform(97);
            metrics.voltage = 3.3f + static_cast<float>(uniform(90)) / 100.0f;
            nodes.apply_metrics(num, metrics, last);
        }
    }

    core::MessageMap messages;
    for (size_t i = 0; i < link_count; ++i) {
        core::MeshRef ref;
        ref.node = nums[uniform(nums.size())];
        ref.packet_id = static_cast<uint32_t>(rng()) | 1u;
        ref.direct = uniform(10) == 0;
        messages.remember(chat_id, 100000 + static_cast<int64_t>(i), ref);
    }

    core::PersistentState state;
    state.message_links = messages.links();
    return core::serialize_state(state, nodes);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') return usage();
    const std::string path = argv[1];
    size_t node_count = 10000;
    size_t link_count = 2000;
    int64_t chat_id = -1001;
    uint64_t seed = 20260601;
    bool cjson_arena = false;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--cjson-arena") {
            cjson_arena = true;
            continue;
        }
        if (i + 1 >= argc) return usage();
        if (a == "--nodes") {
            node_count = std::strtoull(argv[++i], nullptr, 10);
        } else if (a == "--links") {
            link_count = std::strtoull(argv[++i], nullptr, 10);
        } else if (a == "--chat-id") {
            chat_id = std::strtoll(argv[++i], nullptr, 10);
        } else if (a == "--seed") {
            seed = std::strtoull(argv[++i], nullptr, 10);
        } else {
            return usage();
        }
    }
    if (node_count > core::NodeRegistry::kDefaultCapacity ||
        link_count > core::MessageMap::kCapacity) {
        std::fprintf(stderr, "at most %zu nodes and %zu links: the plugin keeps no more\n",
                     core::NodeRegistry::kDefaultCapacity, core::MessageMap::kCapacity);
        return 2;
    }

    const std::string text = build_document(node_count, link_count, chat_id, seed);
    adapters::FileStore store(path);
    if (Status saved = store.save(text); !saved) {
        std::fprintf(stderr, "cannot write %s: %s\n", path.c_str(), saved.error().c_str());
        return 1;
    }
    const size_t file_bytes = text.size();
    if (cjson_arena) {
        cJSON_Hooks hooks{arena_malloc, arena_free};
        cJSON_InitHooks(&hooks);
    }

    // Read it back the way the plugin does at start-up (Bridge::load_state), measuring what the
    // plugin's memory pays for it: the peak while parsing and what stays.
    malloc_trim(0);
    const size_t heap_before = heap_in_use();
    const Rss rss_before = rss();
    reset_peak();
    core::PersistentState back;
    core::NodeRegistry back_nodes;
    core::MessageMap back_messages;
    {
        StateStore::Loaded loaded = store.load();
        if (!loaded.text) {
            std::fprintf(stderr, "cannot read %s back: %s\n", path.c_str(), loaded.error.c_str());
            return 1;
        }
        g_arena.active = cjson_arena;
        const Status parsed = core::parse_state(*loaded.text, back, back_nodes);
        g_arena.active = false;
        if (!parsed) {
            std::fprintf(stderr, "%s does not parse as a state: %s\n", path.c_str(),
                         parsed.error().c_str());
            return 1;
        }
        back_messages.restore(back.message_links);
    }
    g_arena.release();
    const Rss rss_loaded = rss();
    const size_t heap_loaded = heap_in_use();
    // The worker returns freed heap after loading (and after each save) with malloc_trim.
    malloc_trim(0);
    const Rss rss_loaded_trimmed = rss();
    // ... and what the periodic save (every 30 s when something changed) costs on top.
    reset_peak();
    size_t saved_bytes = 0;
    {
        back.message_links = back_messages.links();
        g_arena.active = cjson_arena;
        saved_bytes = core::serialize_state(back, back_nodes).size();
        g_arena.active = false;
    }
    g_arena.release();
    const Rss rss_saved = rss();
    malloc_trim(0);
    const Rss rss_trimmed = rss();

    size_t with_key = 0, with_position = 0, with_battery = 0, receptions = 0;
    for (const core::Node* n : back_nodes.by_last_heard()) {
        with_key += n->public_key.size() == 32;
        with_position += n->position.has_value();
        with_battery += n->battery_level.has_value();
        receptions += n->receptions.size();
    }
    const bool ok = back_nodes.size() == node_count && back.message_links.size() == link_count &&
                    back_messages.size() == link_count && with_key == node_count &&
                    saved_bytes == file_bytes;
    std::printf(
        "%s: %zu bytes; loaded back: %zu nodes (%zu with key, %zu with position, %zu with "
        "battery, %zu receptions), %zu message links (chat %" PRId64 "): %s\n",
        path.c_str(), file_bytes, back_nodes.size(), with_key, with_position, with_battery,
        receptions, back_messages.size(), chat_id, ok ? "OK" : "MISMATCH");
    std::printf(
        "# memory of the loaded state: heap in use +%.1f MiB (nodes and links); RSS +%.1f "
        "MiB after load (peak +%.1f MiB while loading), +%.1f MiB after malloc_trim(0); "
        "a save from there: peak +%.1f MiB, RSS +%.1f MiB after it, +%.1f MiB after "
        "malloc_trim(0)\n",
        mib(heap_loaded, heap_before), mib(rss_loaded.now, rss_before.now),
        mib(rss_loaded.peak, rss_before.now), mib(rss_loaded_trimmed.now, rss_before.now),
        mib(rss_saved.peak, rss_before.now), mib(rss_saved.now, rss_before.now),
        mib(rss_trimmed.now, rss_before.now));
    return ok ? 0 : 1;
}
