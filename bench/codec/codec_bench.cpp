// Codec and broker-thread micro-benchmarks on one core (issue 6, item 4).
//
// (a) decode_decrypt_dedup: envelopes per second through core::MeshIngest, the object the
//     worker drives (Worker -> Bridge::on_mqtt_message -> MeshIngest::ingest): topic match,
//     protobuf decode, own-packet check, node registry update, dedup on (from, id), then for
//     first sightings only AES-CTR with the default LongFast key, payload decode and the chat
//     text. A realistic uplink mix: 80 % unique ~40-byte texts, 10 % positions, 10 % telemetry,
//     every packet heard by 3 gateways (2 of 3 envelopes are duplicates), the copies interleaved
//     as they arrive from different gateways; 120k packets, more than Dedup's capacity.
//     Also: the same without duplicates, the whole Bridge::on_mqtt_message (Telegram off), and
//     each step alone (step_*, ns, no target) to show where the time goes.
// (b) broker_*: ns per MESSAGE event through plugin_entry.cpp's on_message (TickWatchdog and
//     Handoff::offer_uplink with roots msh/US and msh/EU_868): topics that
//     do not match (target < 100 ns), and an uplink topic, whose message is copied into the
//     real broker::Handoff - drained between batches, and with a worker thread ingesting on
//     the other CPU (the realistic cost: wake-ups and cross-thread cache and malloc traffic).
//
// Every metric is measured --reps times (default 7); one line per metric:
//   METRIC name=<name> unit=<per_s|ns> median=<v> min=<v> max=<v> target=<v|-> met=<yes|no|->
//   reps=<n>
// then a table. Exit status 1 if a run did not do what it claims (counts are checked).
//
// Options: --reps N, --quick (small data set, 3 reps: a smoke run of about two seconds),
//          --cpu N (pin to CPU N, default 0; a worker thread goes to the next CPU), --no-pin,
//          --only GROUP (ingest, ingest_unique, bridge, steps, broker: to profile one part),
//          --pace-ns N (the threaded metric's message interval; default 7000 ns, about the
//          rate at which mosquitto on this 2-core machine routes a QoS 0 flood).
#include <curl/curl.h>
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "payload_writers.h"  // tests/unit
#include "tgmesh/adapters/curl_http.h"
#include "tgmesh/adapters/steady_clock.h"
#include "tgmesh/base/drop_reporter.h"
#include "tgmesh/base/stats.h"
#include "tgmesh/broker/handoff.h"
#include "tgmesh/broker/tick_watchdog.h"
#include "tgmesh/broker/worker.h"
#include "tgmesh/core/bridge.h"
#include "tgmesh/core/config/config.h"
#include "tgmesh/core/identity/node_identity.h"
#include "tgmesh/core/ingest/dedup.h"
#include "tgmesh/core/ingest/json_gateway.h"
#include "tgmesh/core/ingest/mesh_ingest.h"
#include "tgmesh/core/ingest/node_registry.h"
#include "tgmesh/mesh/channel_key.h"
#include "tgmesh/mesh/keyring.h"
#include "tgmesh/mesh/packet.h"
#include "tgmesh/mesh/portnum.h"
#include "tgmesh/mesh/topic.h"

namespace {

using namespace tgmesh;
using BenchClock = std::chrono::steady_clock;

double seconds_since(BenchClock::time_point t0) {
    return std::chrono::duration<double>(BenchClock::now() - t0).count();
}

// Keeps results alive so the compiler cannot drop the work.
volatile uint64_t g_sink = 0;

struct Options {
    int reps = 7;
    bool quick = false;
    bool pin = true;
    int cpu = 0;
    std::string only;     // run only the groups whose name contains this
    long pace_ns = 7000;  // broker_match_uplink_copy_threaded: one message every pace_ns
};

bool pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0;
}

// --- results ---------------------------------------------------------------------------------

struct Metric {
    std::string name;
    std::string unit;  // "per_s" (higher is better) or "ns" (lower is better)
    std::vector<double> samples;
    std::optional<double> target;
    std::string note;

    double median() const {
        std::vector<double> s = samples;
        std::sort(s.begin(), s.end());
        const size_t n = s.size();
        return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
    double min() const { return *std::min_element(samples.begin(), samples.end()); }
    double max() const { return *std::max_element(samples.begin(), samples.end()); }
    const char* met() const {
        if (!target) return "-";
        const bool ok = unit == "per_s" ? median() >= *target : median() < *target;
        return ok ? "yes" : "no";
    }
};

std::string fmt(double v, const std::string& unit) {
    char buf[64];
    if (unit == "per_s") {
        std::snprintf(buf, sizeof buf, "%.0f", v);
    } else {
        std::snprintf(buf, sizeof buf, "%.1f", v);
    }
    return buf;
}

void print_metric_line(const Metric& m) {
    std::printf("METRIC name=%s unit=%s median=%s min=%s max=%s target=%s met=%s reps=%zu\n",
                m.name.c_str(), m.unit.c_str(), fmt(m.median(), m.unit).c_str(),
                fmt(m.min(), m.unit).c_str(), fmt(m.max(), m.unit).c_str(),
                m.target ? fmt(*m.target, m.unit).c_str() : "-", m.met(), m.samples.size());
    std::fflush(stdout);
}

void print_table(const std::vector<Metric>& metrics) {
    std::printf("\n%-36s %-6s %12s %12s %12s %10s %4s  %s\n", "metric", "unit", "median", "min",
                "max", "target", "met", "what");
    for (const auto& m : metrics) {
        std::string target = m.target ? (m.unit == "per_s" ? ">= " : "< ") + fmt(*m.target, m.unit)
                                      : std::string("-");
        std::printf("%-36s %-6s %12s %12s %12s %10s %4s  %s\n", m.name.c_str(), m.unit.c_str(),
                    fmt(m.median(), m.unit).c_str(), fmt(m.min(), m.unit).c_str(),
                    fmt(m.max(), m.unit).c_str(), target.c_str(), m.met(), m.note.c_str());
    }
}

// --- fakes for the ports MeshIngest needs --------------------------------------------------------

class NullLogger : public Logger {
  public:
    void log(LogLevel, std::string line) override {
        ++lines;
        last = std::move(line);
    }
    uint64_t lines = 0;
    std::string last;
};

class NullPublisher : public Publisher {
  public:
    void publish(Outgoing) override { ++count; }
    uint64_t count = 0;
};

class NullHttp : public HttpClient {
  public:
    void post(HttpRequest, std::function<void(HttpResponse)>) override { ++count; }
    void cancel_all() override {}
    uint64_t count = 0;
};

class EmptyStore : public StateStore {
  public:
    Loaded load() override { return {}; }
    Status save(const std::string&) override { return Status::ok(); }
    std::string move_aside() override { return "/dev/null"; }
};

// --- the uplink data set -----------------------------------------------------------------------

constexpr mesh::NodeNum kBridgeNode = 0x7b000001;
const std::vector<std::string> kRoots = {"msh/US", "msh/EU_868"};

struct Uplink {
    std::string topic;
    Bytes payload;
};

struct Header {  // what the sub-step timings need of a decoded envelope
    mesh::NodeNum from;
    uint32_t id;
    core::Reception reception;
};

struct Dataset {
    std::vector<Uplink> mixed;        // every copy, as the gateways deliver them
    std::vector<Uplink> unique_only;  // the first copy of each packet
    size_t unique = 0;
    size_t texts = 0;
};

const char* const kPhrases[] = {
    "Heading to the trailhead now, ETA",  "Anyone copy? Testing the new antenna",
    "Weather turning, coming back down",  "Reached the summit, signal is great",
    "Repeater on the ridge is up again",  "Good morning mesh, checking in from",
    "Battery low, switching off until",   "Meet at the north parking lot at",
    "Roads closed after the bridge, use", "Thanks for the relay, got it loud",
    "Power is out on our street since",   "Camp set up by the lake, all good",
    "Radio check from the fire station",  "Lost sight of the group near km",
    "Solar node back online after storm", "Net tonight on LongFast, starts at",
};

Dataset make_dataset(size_t unique, uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto uniform = [&](uint64_t n) { return static_cast<uint32_t>(rng() % n); };
    const mesh::ChannelKey key = mesh::make_channel_key("LongFast", mesh::default_channel_key());

    constexpr size_t kSenders = 400;
    constexpr size_t kGateways = 9;
    std::vector<mesh::NodeNum> senders;
    for (size_t i = 0; i < kSenders; ++i)
        senders.push_back(0x10000000u + static_cast<uint32_t>(i) * 0x01010101u % 0x0fffffffu + 7);
    std::vector<std::string> gateways, gateway_topics;
    for (size_t g = 0; g < kGateways; ++g) {
        gateways.push_back(mesh::format_node_id(0xda5e0000u + static_cast<uint32_t>(g) * 0x111));
        gateway_topics.push_back(mesh::envelope_topic(kRoots[g % 2], "LongFast", gateways[g]));
    }

    struct Copy {
        double at;
        size_t packet;
        Uplink uplink;
    };
    std::vector<Copy> copies;
    copies.reserve(unique * 3);
    Dataset ds;
    ds.unique = unique;
    ds.unique_only.reserve(unique);
    for (size_t i = 0; i < unique; ++i) {
        mesh::Packet header;
        header.from = senders[uniform(kSenders)];
        header.to = mesh::kBroadcast;
        header.id = static_cast<uint32_t>(rng()) | 1u;
        header.hop_start = 3;
        mesh::Data data;
        data.bitfield = mesh::kBitfieldOkToMqtt;
        const uint32_t kind = uniform(10);
        if (kind < 8) {
            data.portnum = mesh::port::kTextMessage;
            data.payload = std::string(kPhrases[uniform(std::size(kPhrases))]) + " " +
                           std::to_string(uniform(60));
            ++ds.texts;
        } else if (kind == 8) {
            data.portnum = mesh::port::kPosition;
            data.payload = position_payload(473000000 + static_cast<int32_t>(uniform(1000000)),
                                            85000000 + static_cast<int32_t>(uniform(1000000)), 32,
                                            static_cast<int32_t>(400 + uniform(1500)));
        } else {
            data.portnum = mesh::port::kTelemetry;
            data.payload = battery_payload(20 + uniform(81), 3.5f + uniform(70) / 100.0f);
        }
        // Three distinct gateways hear it, at slightly different times and hop counts.
        uint32_t g0 = uniform(kGateways), g1 = uniform(kGateways - 1), g2 = uniform(kGateways - 2);
        if (g1 >= g0) ++g1;
        for (uint32_t taken : {std::min(g0, g1), std::max(g0, g1)})
            if (g2 >= taken) ++g2;
        const uint32_t gw[3] = {g0, g1, g2};
        for (int c = 0; c < 3; ++c) {
            header.hop_limit = 3 - static_cast<uint32_t>(uniform(3));
            header.rx_snr = -10.0f + static_cast<float>(uniform(200)) / 10.0f;
            header.rx_rssi = -120 + static_cast<int32_t>(uniform(80));
            header.rx_time = 1795000000u + static_cast<uint32_t>(i / 50);
            Uplink u{gateway_topics[gw[c]],
                     mesh::seal_envelope(key, header, data, gateways[gw[c]])};
            if (c == 0) ds.unique_only.push_back(u);
            const double at = static_cast<double>(i) + (c == 0 ? 0.0 : uniform(3000) / 1000.0);
            copies.push_back({at, i, std::move(u)});
        }
    }
    std::stable_sort(copies.begin(), copies.end(),
                     [](const Copy& a, const Copy& b) { return a.at < b.at; });
    ds.mixed.reserve(copies.size());
    for (auto& c : copies)
        ds.mixed.push_back(std::move(c.uplink));
    return ds;
}

// --- (a) ingest ------------------------------------------------------------------------------

core::Config bench_config() {
    core::Options opts = {{"topic_root", "msh/US,msh/EU_868"},
                          {"node_id", mesh::format_node_id(kBridgeNode)},
                          {"state_file", "/tmp/tgmesh-codec-bench-unused.json"}};
    auto r = core::load_config(opts);
    if (!r.config) {
        std::fprintf(stderr, "config: %s\n", r.config.error().c_str());
        std::exit(2);
    }
    return *r.config;
}

// What Bridge owns around its MeshIngest, fresh for every repetition (empty dedup and registry).
struct IngestRig {
    IngestRig(const core::Config& config, const mesh::Keyring& keys,
              const core::NodeIdentity& identity)
        : json_gateway(clock),
          drops(log, clock, stats),
          ingest(config, keys, identity, json_gateway, nodes, dedup, stats, drops, clock) {}
    adapters::SteadyClock clock;  // the worker's clock
    NullLogger log;
    core::NodeRegistry nodes;
    core::Dedup dedup;
    core::JsonGateway json_gateway;
    Stats stats;
    DropReporter drops;
    core::MeshIngest ingest;
};

uint64_t run_ingest(core::MeshIngest& ingest, const std::vector<Uplink>& uplinks) {
    uint64_t sink = 0;
    for (const Uplink& u : uplinks) {
        core::IngestResult r = ingest.ingest(u.topic, u.payload);
        if (r.text) sink += r.text->text.size();
        sink += r.heard.has_value();
    }
    return sink;
}

// Checks that the run did what it claims (every packet decrypted once, the rest duplicates).
void check_ingest(const IngestRig& rig, const Dataset& ds, bool mixed) {
    const auto& s = rig.stats;
    const uint64_t expected_dups = mixed ? ds.unique * 2 : 0;
    const uint64_t dups = s.dropped(Drop::kDuplicate);
    const uint64_t undecryptable = s.dropped(Drop::kUndecryptable);
    const uint64_t malformed = s.dropped(Drop::kMalformedEnvelope);
    if (s.decoded != ds.unique || dups != expected_dups || undecryptable || malformed) {
        std::fprintf(stderr,
                     "ingest check failed: decoded %" PRIu64 " (want %zu), duplicates %" PRIu64
                     " (want %" PRIu64 "), undecryptable %" PRIu64 ", malformed %" PRIu64 "\n",
                     s.decoded, ds.unique, dups, expected_dups, undecryptable, malformed);
        std::exit(1);
    }
}

Metric bench_ingest(const Options& o, const core::Config& config, const mesh::Keyring& keys,
                    const core::NodeIdentity& identity, const Dataset& ds, bool mixed) {
    const auto& uplinks = mixed ? ds.mixed : ds.unique_only;
    Metric m{mixed ? "decode_decrypt_dedup" : "decode_decrypt_unique_only", "per_s", {}, {}, ""};
    if (mixed) {
        m.target = 500000;
        m.note = "MeshIngest::ingest, envelopes/s, 3 gateways per packet (1/3 decrypted)";
    } else {
        m.note = "MeshIngest::ingest, envelopes/s, no duplicates (every one decrypted)";
    }
    for (int rep = 0; rep < o.reps; ++rep) {
        auto rig = std::make_unique<IngestRig>(config, keys, identity);
        const auto t0 = BenchClock::now();
        g_sink = g_sink + run_ingest(rig->ingest, uplinks);
        const double s = seconds_since(t0);
        check_ingest(*rig, ds, mixed);
        m.samples.push_back(static_cast<double>(uplinks.size()) / s);
    }
    return m;
}

// Bridge::on_mqtt_message with the Telegram side off: MeshIngest plus handle_mesh_result.
Metric bench_bridge(const Options& o, const Dataset& ds) {
    Metric m{"worker_bridge_path",
             "per_s",
             {},
             {},
             "Bridge::on_mqtt_message (Telegram off), envelopes/s, same mix"};
    for (int rep = 0; rep < o.reps; ++rep) {
        adapters::SteadyClock clock;
        NullPublisher publisher;
        NullHttp http;
        EmptyStore store;
        EmptyStore identity;
        NullLogger log;
        core::Bridge bridge(bench_config(), core::Services{clock, publisher, http, store, identity,
                                                           log, [] { return 0x1234u; }});
        bridge.start();
        const auto t0 = BenchClock::now();
        for (const Uplink& u : ds.mixed)
            bridge.on_mqtt_message(u.topic, u.payload);
        const double s = seconds_since(t0);
        if (bridge.stats().decoded != ds.unique) {
            std::fprintf(stderr, "bridge check failed: decoded %" PRIu64 "\n",
                         bridge.stats().decoded);
            std::exit(1);
        }
        m.samples.push_back(static_cast<double>(ds.mixed.size()) / s);
    }
    return m;
}

// Where the ingest time goes: each step alone, ns per envelope (per decrypted packet for open).
std::vector<Metric> bench_substeps(const Options& o, const mesh::Keyring& keys, const Dataset& ds) {
    std::vector<Header> headers;
    headers.reserve(ds.mixed.size());
    for (const Uplink& u : ds.mixed) {
        auto env = mesh::decode_envelope(u.payload);
        headers.push_back({env->packet.from, env->packet.id,
                           core::Reception{env->gateway_id, env->packet.hops_away(),
                                           env->packet.rx_snr, env->packet.rx_rssi, 1795000000}});
    }
    std::vector<mesh::Packet> packets;
    packets.reserve(ds.unique_only.size());
    for (const Uplink& u : ds.unique_only)
        packets.push_back(mesh::decode_envelope(u.payload)->packet);
    const double n = static_cast<double>(ds.mixed.size());
    const double nu = static_cast<double>(packets.size());

    Metric topic{"step_match_mesh_topic", "ns", {}, {}, "match_mesh_topic, per envelope"};
    Metric decode{"step_decode_envelope", "ns", {}, {}, "mesh::decode_envelope, per envelope"};
    Metric own{
        "step_own_gateway_check", "ns", {}, {}, "format_node_id(own) == gateway_id, per envelope"};
    Metric heard{"step_registry_heard", "ns", {}, {}, "NodeRegistry find+heard, per envelope"};
    Metric dedup{"step_dedup", "ns", {}, {}, "Dedup::first_sighting, per envelope"};
    Metric open{"step_keyring_open",
                "ns",
                {},
                {},
                "Keyring::open (AES-CTR + Data decode), per decrypted packet"};
    Metric seq{
        "step_decode_dedup_open", "ns", {}, {}, "bare decode->dedup->open sequence, per envelope"};
    adapters::SteadyClock clock;
    for (int rep = 0; rep < o.reps; ++rep) {
        uint64_t sink = 0;
        auto t0 = BenchClock::now();
        for (const Uplink& u : ds.mixed) {
            auto match = mesh::match_mesh_topic(u.topic, kRoots);
            sink += match ? match->channel.size() : 0;
        }
        topic.samples.push_back(seconds_since(t0) * 1e9 / n);

        t0 = BenchClock::now();
        for (const Uplink& u : ds.mixed) {
            auto env = mesh::decode_envelope(u.payload);
            sink += env ? env->packet.id : 0;
        }
        decode.samples.push_back(seconds_since(t0) * 1e9 / n);

        t0 = BenchClock::now();
        for (const Header& h : headers)
            sink += h.reception.gateway == mesh::format_node_id(kBridgeNode);
        own.samples.push_back(seconds_since(t0) * 1e9 / n);

        {
            core::NodeRegistry nodes;
            t0 = BenchClock::now();
            for (const Header& h : headers) {
                sink += nodes.find(h.from) == nullptr;
                nodes.heard(h.from, h.reception);
            }
            heard.samples.push_back(seconds_since(t0) * 1e9 / n);
        }
        {
            core::Dedup d;
            t0 = BenchClock::now();
            for (const Header& h : headers)
                sink += d.first_sighting(h.from, h.id, clock.now_ms());
            dedup.samples.push_back(seconds_since(t0) * 1e9 / n);
        }

        t0 = BenchClock::now();
        for (const mesh::Packet& p : packets) {
            auto opened = keys.open(p);
            sink += opened ? opened->data.payload.size() : 0;
        }
        open.samples.push_back(seconds_since(t0) * 1e9 / nu);

        {
            core::Dedup d;
            t0 = BenchClock::now();
            for (const Uplink& u : ds.mixed) {
                auto env = mesh::decode_envelope(u.payload);
                if (!env || !d.first_sighting(env->packet.from, env->packet.id, clock.now_ms()))
                    continue;
                auto opened = keys.open(env->packet);
                sink += opened ? opened->data.portnum : 0;
            }
            seq.samples.push_back(seconds_since(t0) * 1e9 / n);
        }
        g_sink = g_sink + sink;
    }
    return {topic, decode, own, heard, dedup, open, seq};
}

// --- (b) the broker thread's MESSAGE callback ---------------------------------------------------

// The fields of plugin_entry.cpp's Plugin that on_message reads.
struct BenchPlugin {
    std::vector<std::string> roots;
    broker::Handoff handoff;
    broker::TickWatchdog watchdog;
    uint64_t log_lines = 0;
};

// on_message of plugin/broker/plugin_entry.cpp (not linkable: anonymous namespace in the plugin
// module), with log_line, a broker call, replaced by a counter; the work is in TickWatchdog and
// Handoff::offer_uplink, which both share.
__attribute__((noinline)) int on_message(int, void* event_data, void* userdata) {
    try {
        auto& p = *static_cast<BenchPlugin*>(userdata);
        const auto* ed = static_cast<const mosquitto_evt_message*>(event_data);
        if (p.watchdog.overdue()) ++p.log_lines;
        if (ed->topic != nullptr) {
            p.handoff.offer_uplink(ed->topic, ed->payload, ed->payloadlen, p.roots);
        }
    } catch (...) {
    }
    return MOSQ_ERR_SUCCESS;
}

// The broker calls plugin callbacks through a pointer.
using Callback = int (*)(int, void*, void*);
Callback volatile g_callback = on_message;

mosquitto_evt_message make_event(const char* topic, const Bytes* payload) {
    mosquitto_evt_message ev;
    std::memset(&ev, 0, sizeof ev);
    ev.topic = const_cast<char*>(topic);
    if (payload) {
        ev.payload = const_cast<char*>(payload->data());
        ev.payloadlen = static_cast<uint32_t>(payload->size());
    }
    ev.qos = 0;
    return ev;
}

Metric bench_nomatch(const Options& o, const std::string& name, const char* topic, bool tick_seen,
                     std::optional<double> target, const std::string& note) {
    BenchPlugin p;
    p.roots = kRoots;
    p.watchdog.start();
    if (tick_seen) p.watchdog.tick_seen();
    mosquitto_evt_message ev = make_event(topic, nullptr);
    const long iterations = o.quick ? 300000 : 3000000;
    Metric m{name, "ns", {}, target, note};
    for (int rep = 0; rep < o.reps; ++rep) {
        int rc = 0;
        const auto t0 = BenchClock::now();
        for (long i = 0; i < iterations; ++i)
            rc |= g_callback(MOSQ_EVT_MESSAGE, &ev, &p);
        m.samples.push_back(seconds_since(t0) * 1e9 / static_cast<double>(iterations));
        g_sink = g_sink + static_cast<uint64_t>(rc);
    }
    if (p.handoff.worker_has_input()) {
        std::fprintf(stderr, "%s: a non-matching topic was handed over\n", topic);
        std::exit(1);
    }
    return m;
}

// Matching uplinks: match + copy into the Handoff. The queue is drained (untimed) every batch,
// as the worker would, so it never fills up and the full path is measured each time.
Metric bench_match_copy(const Options& o, const Dataset& ds) {
    BenchPlugin p;
    p.roots = kRoots;
    p.watchdog.tick_seen();
    const size_t distinct = std::min<size_t>(1024, ds.mixed.size());
    std::vector<mosquitto_evt_message> events;
    for (size_t i = 0; i < distinct; ++i)
        events.push_back(make_event(ds.mixed[i].topic.c_str(), &ds.mixed[i].payload));
    constexpr size_t kBatch = 1000;
    const size_t batches = o.quick ? 50 : 500;
    broker::Handoff::WorkerInput in;
    Metric m{"broker_match_uplink_copy",
             "ns",
             {},
             {},
             "on_message, uplink topic: match + copy into Handoff (drained per 1000)"};
    size_t e = 0;
    for (int rep = 0; rep < o.reps; ++rep) {
        double total = 0;
        size_t pushed = 0;
        for (size_t b = 0; b < batches; ++b) {
            const auto t0 = BenchClock::now();
            for (size_t i = 0; i < kBatch; ++i) {
                g_callback(MOSQ_EVT_MESSAGE, &events[e], &p);
                if (++e == distinct) e = 0;
            }
            total += seconds_since(t0);
            p.handoff.take_for_worker(in);
            pushed += in.uplinks.size();
            if (in.uplinks_dropped) {
                std::fprintf(stderr, "match_copy: uplinks dropped\n");
                std::exit(1);
            }
            in.uplinks.clear();
        }
        if (pushed != batches * kBatch) {
            std::fprintf(stderr, "match_copy: %zu handed over, want %zu\n", pushed,
                         batches * kBatch);
            std::exit(1);
        }
        m.samples.push_back(total * 1e9 / static_cast<double>(batches * kBatch));
    }
    return m;
}

// The same with the worker side running: a thread pinned to another CPU, woken through
// CurlHttp::wakeup (the plugin's waker), takes the queue with take_for_worker and ingests it
// with MeshIngest, looping like Worker::run (after a round with uplinks it polls again after
// kUplinkBatch; otherwise it sleeps in curl's poll until the broker thread wakes it). So the
// mutex, the wake-ups and the cross-thread cache traffic and frees are paid as in the broker.
// Messages arrive paced (one every `pace_ns`, a busy broker), each call is timed on its own and the
// cost of the two clock reads around it is subtracted.
Metric bench_match_copy_threaded(const Options& o, const core::Config& config,
                                 const mesh::Keyring& keys, const core::NodeIdentity& identity,
                                 const Dataset& ds, int worker_cpu, long pace_ns) {
    BenchPlugin p;
    p.roots = kRoots;
    p.watchdog.tick_seen();
    adapters::CurlHttp http;
    p.handoff.set_waker([&http] { http.wakeup(); });
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> taken{0}, dropped{0}, sleeps{0};
    IngestRig rig(config, keys, identity);
    std::thread worker([&] {
        if (worker_cpu >= 0) pin_to(worker_cpu);
        broker::Handoff::WorkerInput in;
        uint64_t sink = 0;
        while (!stop.load()) {
            p.handoff.take_for_worker(in);
            for (const broker::Uplink& u : in.uplinks)
                sink += rig.ingest.ingest(u.topic, u.payload).heard.has_value();
            taken += in.uplinks.size();
            dropped += in.uplinks_dropped;
            // The end of Worker::run's loop (keep in sync): after uplinks, collect more for
            // kUplinkBatch without wake-ups; else sleep until woken.
            if (!in.uplinks.empty()) {
                http.wait(broker::Worker::kUplinkBatch);
                continue;
            }
            p.handoff.set_worker_asleep(true);
            if (!p.handoff.worker_has_input()) {
                ++sleeps;
                http.wait(50);
            }
            p.handoff.set_worker_asleep(false);
        }
        g_sink = g_sink + sink;
    });
    std::vector<mosquitto_evt_message> events;
    for (const Uplink& u : ds.mixed)
        events.push_back(make_event(u.topic.c_str(), &u.payload));
    // About 0.2 s per loop (0.02 s with --quick).
    const size_t count = std::max<size_t>(
        1000, static_cast<size_t>((o.quick ? 20'000'000L : 200'000'000L) / pace_ns));
    const auto pace = std::chrono::nanoseconds(pace_ns);
    size_t e = 0;
    // The same loop with or without the call: the clock reads and the pacing alone.
    auto timed_loop = [&](bool call) {
        BenchClock::duration sum{};
        for (size_t i = 0; i < count; ++i) {
            const auto t0 = BenchClock::now();
            if (call) g_callback(MOSQ_EVT_MESSAGE, &events[e], &p);
            const auto t1 = BenchClock::now();
            sum += t1 - t0;
            if (call && ++e == events.size()) e = 0;
            while (BenchClock::now() - t0 < pace) {
            }
        }
        return std::chrono::duration<double, std::nano>(sum).count() / static_cast<double>(count);
    };
    Metric m{"broker_match_uplink_copy_threaded",
             "ns",
             {},
             {},
             "same with the worker ingesting on another CPU, 1 message per " +
                 std::to_string(pace_ns) + " ns"};
    const uint64_t taken_before = taken.load();
    const uint64_t sleeps_before = sleeps.load();
    bool overflowed = false;
    for (int rep = 0; rep < o.reps; ++rep) {
        const double overhead = timed_loop(false);
        const uint64_t dropped_before = dropped.load();
        const double with_call = timed_loop(true);
        m.samples.push_back(with_call - overhead);
        while (p.handoff.worker_has_input())
            std::this_thread::yield();
        overflowed = overflowed || dropped.load() != dropped_before;
    }
    stop = true;
    http.wakeup();
    worker.join();
    // Every handed-over uplink reached the worker intact.
    const auto& st = rig.stats;
    if (st.uplinks != taken.load() || st.dropped(Drop::kMalformedEnvelope) != 0 ||
        st.dropped(Drop::kUndecryptable) != 0 || st.decoded == 0) {
        std::fprintf(stderr,
                     "threaded handoff check failed: %" PRIu64 " ingested of %" PRIu64
                     " taken, %" PRIu64 " malformed, %" PRIu64 " undecryptable\n",
                     st.uplinks, taken.load(), st.dropped(Drop::kMalformedEnvelope),
                     st.dropped(Drop::kUndecryptable));
        std::exit(1);
    }
    char buf[128];
    std::snprintf(buf, sizeof buf, " (worker slept %.0f times per 1000 uplinks%s)",
                  1000.0 * static_cast<double>(sleeps.load() - sleeps_before) /
                      static_cast<double>(std::max<uint64_t>(1, taken.load() - taken_before)),
                  overflowed ? "; QUEUE OVERFLOWED" : "");
    m.note += buf;
    return m;
}

bool usage_only_if_bad(const Options& o) {
    static const char* const groups[] = {"ingest", "ingest_unique", "bridge", "steps", "broker"};
    if (o.only.empty()) return false;
    for (const char* g : groups)
        if (std::string(g).find(o.only) != std::string::npos) return false;
    return true;
}

void usage() {
    std::fprintf(stderr, "usage: codec_bench [--reps N] [--quick] [--cpu N] [--no-pin]\n");
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    bool reps_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--reps" && i + 1 < argc) {
            o.reps = std::max(1, std::atoi(argv[++i]));
            reps_given = true;
        } else if (a == "--quick") {
            o.quick = true;
        } else if (a == "--cpu" && i + 1 < argc) {
            o.cpu = std::atoi(argv[++i]);
        } else if (a == "--no-pin") {
            o.pin = false;
        } else if (a == "--only" && i + 1 < argc) {
            o.only = argv[++i];
        } else if (a == "--pace-ns" && i + 1 < argc) {
            o.pace_ns = std::max(100L, std::atol(argv[++i]));
        } else {
            usage();
        }
    }
    if (o.quick && !reps_given) o.reps = 3;
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    bool pinned = false;
    if (o.pin) pinned = pin_to(o.cpu);
    const int worker_cpu = pinned && cpus > 1 ? (o.cpu + 1) % static_cast<int>(cpus) : -1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (usage_only_if_bad(o)) usage();

    const auto started = BenchClock::now();
    const size_t unique = o.quick ? 20000 : 120000;
    Dataset ds = make_dataset(unique, 20260601);
    size_t bytes = 0;
    for (const auto& u : ds.mixed)
        bytes += u.payload.size();
    std::printf(
        "# codec_bench: %zu envelopes (%zu packets x 3 gateways, %zu texts), mean envelope "
        "%.0f bytes; %d reps; %s; data set built in %.1f s\n",
        ds.mixed.size(), ds.unique, ds.texts,
        static_cast<double>(bytes) / static_cast<double>(ds.mixed.size()), o.reps,
        pinned ? ("pinned to CPU " + std::to_string(o.cpu)).c_str() : "not pinned",
        seconds_since(started));

    const core::Config config = bench_config();
    const mesh::Keyring keys(config.channel_keys);
    adapters::SteadyClock clock;
    core::NodeIdentity identity;
    identity.set(kBridgeNode, 1, mesh::KeyPair{});

    std::vector<Metric> metrics;
    auto add = [&](Metric m) {
        print_metric_line(m);
        metrics.push_back(std::move(m));
    };
    // Warm-up: page in the data set and the code.
    {
        IngestRig rig(config, keys, identity);
        g_sink = g_sink + run_ingest(rig.ingest, ds.unique_only);
    }
    auto want = [&](const char* group) {
        return o.only.empty() || std::string(group).find(o.only) != std::string::npos;
    };
    if (want("ingest")) add(bench_ingest(o, config, keys, identity, ds, true));
    if (want("ingest_unique")) add(bench_ingest(o, config, keys, identity, ds, false));
    if (want("bridge")) add(bench_bridge(o, ds));
    if (want("steps"))
        for (auto& m : bench_substeps(o, keys, ds))
            add(std::move(m));
    if (!want("broker")) {
        print_table(metrics);
        return 0;
    }

    add(bench_nomatch(o, "broker_nomatch_sensors", "sensors/house/temp", true, 100,
                      "on_message, \"sensors/house/temp\""));
    add(bench_nomatch(o, "broker_nomatch_sys", "$SYS/broker/load/messages/received/1min", true, 100,
                      "on_message, \"$SYS/broker/load/messages/received/1min\""));
    add(bench_nomatch(o, "broker_nomatch_msh_other", "msh/EU_868/2/stat/!da5e0111", true, 100,
                      "on_message, \"msh/EU_868/2/stat/!da5e0111\" (root matches)"));
    add(bench_nomatch(o, "broker_nomatch_before_first_tick", "sensors/house/temp", false, {},
                      "on_message before the first tick (watchdog reads the clock)"));
    add(bench_match_copy(o, ds));
    add(bench_match_copy_threaded(o, config, keys, identity, ds, worker_cpu, o.pace_ns));

    print_table(metrics);
    std::printf("\n# total %.1f s\n", seconds_since(started));
    curl_global_cleanup();
    return 0;
}
