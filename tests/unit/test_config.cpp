// tgmesh::core::load_config and parse_config_file: defaults, validation of every option (each
// error names its option), quoting, precedence and the optional config_file.
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "test_support.h"
#include "tgmesh/core/config/config.h"
#include "tgmesh/mesh/channel_key.h"

using tgmesh::Bytes;
namespace mesh = tgmesh::mesh;
using tgmesh::core::Config;
using tgmesh::core::ConfigResult;
using tgmesh::core::DownlinkMode;
using tgmesh::core::Language;
using tgmesh::core::load_config;
using tgmesh::core::Options;
using tgmesh::core::parse_config_file;

namespace {

const char* kToken = "123456789:AAHsecretTokenText_-x";
const char* kTokenSecret = "AAHsecretTokenText_-x";

// A file under /tmp that is removed when the test ends.
class TempFile {
  public:
    explicit TempFile(const std::string& content) {
        char name[] = "/tmp/tgmesh-test-XXXXXX";
        int fd = mkstemp(name);
        if (fd < 0) fail_msg("mkstemp failed");
        path_ = name;
        size_t written = 0;
        while (written < content.size()) {
            ssize_t n = ::write(fd, content.data() + written, content.size() - written);
            if (n <= 0) fail_msg("write to %s failed", name);
            written += static_cast<size_t>(n);
        }
        ::close(fd);
    }
    ~TempFile() { ::unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

bool contains(const std::string& s, const std::string& needle) {
    return s.find(needle) != std::string::npos;
}

// Loads `options`; fails the test unless it succeeds.
Config load_ok(const Options& options) {
    ConfigResult r = load_config(options);
    if (!r.config) fail_msg("expected a config, got error: %s", r.config.error().c_str());
    return *r.config;
}

// Fails the test unless `r` is a refusal with "option <key>: ...".
std::string check_error(const ConfigResult& r, const std::string& key) {
    if (r.config) fail_msg("expected an error naming %s, got a config", key.c_str());
    if (!starts_with(r.config.error(), "option " + key + ":")) {
        fail_msg("expected an error starting with 'option %s:', got: %s", key.c_str(),
                 r.config.error().c_str());
    }
    return r.config.error();
}

// Loads `options`; fails the test unless it is refused with "option <key>: ...".
std::string load_error(const Options& options, const std::string& key) {
    return check_error(load_config(options), key);
}

// ---- defaults ---------------------------------------------------------------------------

void defaults_without_options(void**) {
    Config c = load_ok({});
    assert_int_equal(c.topic_roots.size(), 1);
    assert_string_equal(c.topic_roots[0].c_str(), "msh/US");
    assert_string_equal(c.channel.c_str(), "LongFast");
    assert_int_equal(c.hop_limit, 3);
    assert_int_equal(c.max_text_bytes, 200);
    assert_int_equal(c.mesh_interval_s, 3);
    assert_true(c.chat_to_mesh);
    assert_string_equal(c.text_prefix.c_str(), "{name}: ");
    assert_string_equal(c.probe_topic.c_str(), "msh/US/tgmesh/probe");
    assert_true(c.language == Language::kEn);
    assert_true(c.downlink == DownlinkMode::kProtobuf);
    assert_string_equal(c.api_url.c_str(), "https://api.telegram.org");
    assert_string_equal(c.node_long_name.c_str(), "Telegram");
    assert_string_equal(c.node_short_name.c_str(), "TG");
    assert_false(c.node_id.has_value());
    assert_false(c.gateway_id.has_value());
    assert_false(c.telegram_enabled());
}

void default_channel_key_is_expanded_longfast_key_with_hash_8(void**) {
    Config c = load_ok({});
    const tgmesh::mesh::ChannelKey* key = c.bridged_key();
    assert_non_null(key);
    assert_string_equal(key->name.c_str(), "LongFast");
    assert_true(key->key == test::hex("d4f1bb3a20290759f0bcffabcf4e6901"));
    assert_int_equal(key->hash, 8);
}

void probe_topic_defaults_to_first_root(void**) {
    Config c = load_ok({{"topic_root", "msh/EU_868,msh/US"}});
    assert_string_equal(c.probe_topic.c_str(), "msh/EU_868/tgmesh/probe");
}

// ---- values that are refused, each naming its option --------------------------------------

void unknown_downlink_mode_is_refused(void**) {
    load_error({{"downlink", "mqtt"}}, "downlink");
}

void malformed_node_ids_are_refused(void**) {
    load_error({{"node_id", "!xyz"}}, "node_id");
    load_error({{"node_id", "7b000001"}}, "node_id");
    load_error({{"node_id", "!00000000"}}, "node_id");
    load_error({{"node_id", "!ffffffff"}}, "node_id");
    load_error({{"node_id", "!7b0000011"}}, "node_id");
}

void valid_node_id_is_parsed(void**) {
    Config c = load_ok({{"node_id", "!7B000001"}});
    assert_true(c.node_id.has_value());
    assert_int_equal(*c.node_id, 0x7b000001u);
}

void non_integer_chat_ids_are_refused(void**) {
    load_error({{"chat_ids", "abc"}}, "chat_ids");
    load_error({{"chat_ids", "1.5"}}, "chat_ids");
    load_error({{"chat_ids", "12,x"}}, "chat_ids");
}

void negative_admin_ids_are_refused(void**) {
    load_error({{"admin_ids", "-5"}}, "admin_ids");
    load_error({{"admin_ids", "5, -6"}}, "admin_ids");
}

void invalid_base64_key_is_refused(void**) {
    load_error({{"channel_keys", "LongFast=###"}}, "channel_keys");
    load_error({{"channel_keys", "LongFast=AQ="}}, "channel_keys");
}

// PSKs as firmware reads them (src/mesh/Channels.cpp:208-250 at v2.7.26, Channels::getKey) and
// as the Meshtastic CLI writes them (base64:, 0x, none, default, simpleN).
void psk_forms_are_read_as_firmware_and_the_cli_read_them(void**) {
    auto key_of = [](const std::string& value) {
        Config c = load_ok({{"channel_keys", "LongFast=" + value}});
        return c.channel_keys.at(0).key;
    };
    const Bytes def = mesh::default_channel_key();
    assert_true(key_of("AQ==") == def);
    assert_true(key_of("base64:AQ==") == def);
    assert_true(key_of("default") == def);
    assert_true(key_of("simple0") == def);
    assert_true(key_of("0x01") == def);
    Bytes plus10 = def;
    plus10.back() = static_cast<char>(static_cast<unsigned char>(plus10.back()) + 10);
    assert_true(key_of("simple10") == plus10);
    assert_true(key_of("Cw==") == plus10);  // the 1-byte PSK 11
    assert_true(key_of("none").empty());
    assert_true(key_of("AA==").empty());
    assert_true(key_of("").empty());
    // 2-15 bytes are zero-padded to 16, 17-31 to 32.
    Bytes three("\x00\x00\x00", 3);
    three.resize(16, '\0');
    assert_true(key_of("AAAA") == three);
    assert_true(key_of("0x0102") == Bytes("\x01\x02" + std::string(14, '\0')));
    assert_int_equal(key_of("AAAAAAAAAAAAAAAAAAAAAAAAAAA=").size(), 32);  // 20 bytes
    assert_true(key_of("0x" + std::string(64, 'a')) == Bytes(32, '\xaa'));
}

void key_of_wrong_form_or_length_is_refused(void**) {
    std::string err = load_error({{"channel_keys", "LongFast=simple11"}}, "channel_keys");
    assert_true(contains(err, "simple0 to simple10"));
    load_error({{"channel_keys", "LongFast=0x"}}, "channel_keys");
    load_error({{"channel_keys", "LongFast=0x123"}}, "channel_keys");
    load_error({{"channel_keys", "LongFast=simple"}}, "channel_keys");
    load_error({{"channel_keys", "LongFast=simple1x"}}, "channel_keys");
    err = load_error({{"channel_keys", "LongFast=0x" + std::string(66, 'a')}}, "channel_keys");
    assert_true(contains(err, "33 bytes"));
}

void channel_keys_entry_without_equals_is_refused(void**) {
    load_error({{"channel_keys", "LongFast"}}, "channel_keys");
    load_error({{"channel_keys", "LongFast=AQ==,Other"}}, "channel_keys");
}

void duplicate_channel_in_channel_keys_is_refused(void**) {
    load_error({{"channel_keys", "LongFast=AQ==,LongFast=Ag=="}}, "channel_keys");
}

void hop_limit_out_of_range_or_not_a_number_is_refused(void**) {
    load_error({{"hop_limit", "0"}}, "hop_limit");
    load_error({{"hop_limit", "8"}}, "hop_limit");
    load_error({{"hop_limit", "x"}}, "hop_limit");
    assert_int_equal(load_ok({{"hop_limit", "7"}}).hop_limit, 7);
    assert_int_equal(load_ok({{"hop_limit", "1"}}).hop_limit, 1);
}

void max_text_bytes_out_of_range_is_refused(void**) {
    load_error({{"max_text_bytes", "0"}}, "max_text_bytes");
    load_error({{"max_text_bytes", "229"}}, "max_text_bytes");
    assert_int_equal(load_ok({{"max_text_bytes", "228"}}).max_text_bytes, 228);
}

void negative_mesh_interval_is_refused(void**) {
    load_error({{"mesh_interval", "-1"}}, "mesh_interval");
    assert_int_equal(load_ok({{"mesh_interval", "0"}}).mesh_interval_s, 0);
}

void chat_to_mesh_must_be_on_or_off(void**) {
    load_error({{"chat_to_mesh", "maybe"}}, "chat_to_mesh");
    assert_false(load_ok({{"chat_to_mesh", "off"}}).chat_to_mesh);
    assert_true(load_ok({{"chat_to_mesh", "on"}}).chat_to_mesh);
}

void topic_root_with_wildcards_or_empty_levels_is_refused(void**) {
    load_error({{"topic_root", "msh/#"}}, "topic_root");
    load_error({{"topic_root", "msh/+/x"}}, "topic_root");
    load_error({{"topic_root", "msh/US/"}}, "topic_root");
    load_error({{"topic_root", "msh//US"}}, "topic_root");
    load_error({{"topic_root", "msh/US,"}}, "topic_root");
}

void channel_without_key_names_channel_keys(void**) {
    load_error({{"channel", "Private"}}, "channel_keys");
    load_error({{"channel", "Private"}, {"channel_keys", "LongFast=AQ=="}}, "channel_keys");
}

void unreadable_bot_token_file_is_refused(void**) {
    load_error({{"bot_token_file", "/nonexistent-tgmesh-dir/token"}, {"chat_ids", "-100"}},
               "bot_token_file");
}

void malformed_bot_token_is_refused_without_echoing_it(void**) {
    const std::string bad = "123456789-AAHsecretTokenText";
    std::string err = load_error({{"bot_token", bad}, {"chat_ids", "-100"}}, "bot_token");
    assert_false(contains(err, bad));
    assert_false(contains(err, "AAHsecretTokenText"));
}

void malformed_token_in_token_file_is_not_echoed(void**) {
    ConfigResult r;
    {
        TempFile file("123456789 AAHsecretTokenText\n");
        r = load_config({{"bot_token_file", file.path()}, {"chat_ids", "-100"}});
    }
    std::string err = check_error(r, "bot_token_file");
    assert_false(contains(err, "AAHsecretTokenText"));
}

// Contract v3 "The first hour": with a token and no chat_ids the broker starts, and /start
// tells a chat its id.
void token_without_chat_ids_starts_in_discovery(void**) {
    Config c = load_ok({{"bot_token", kToken}});
    assert_true(c.telegram_enabled());
    assert_true(c.discovering());
    assert_int_equal(c.routes().size(), 0);
    assert_false(c.is_bridged_chat(-100));
}

void dm_chat_ids_receive_dms_and_count_as_bridged(void**) {
    Config c = load_ok({{"bot_token", kToken}, {"chat_ids", "-1,-2"}});
    assert_int_equal(c.dm_routes().size(), 2);  // default: the chats of chat_ids
    c = load_ok({{"bot_token", kToken}, {"chat_ids", "-1,-2"}, {"dm_chat_ids", "7, -3"}});
    auto dm = c.dm_routes();
    assert_int_equal(dm.size(), 2);
    assert_true(dm[0].chat_id == 7);
    assert_true(dm[1].chat_id == -3);
    assert_true(c.is_bridged_chat(7));
    assert_true(c.is_bridged_chat(-3));
    // A DM chat gets no channel texts and writes to no channel.
    assert_int_equal(c.routes().size(), 2);
    assert_false(c.channel_for_chat(7, std::nullopt).has_value());
    load_error({{"dm_chat_ids", "x"}}, "dm_chat_ids");
}

void admin_private_chat_is_the_admins_own(void**) {
    Config c = load_ok({{"admin_ids", "111"}});
    assert_true(c.is_admin_private_chat(111, 111));
    assert_false(c.is_admin_private_chat(-111, 111));  // a group
    assert_false(c.is_admin_private_chat(222, 222));   // not an admin
}

void json_downlink_without_gateway_id_names_gateway_id(void**) {
    load_error({{"downlink", "json"}}, "gateway_id");
    Config c = load_ok({{"downlink", "json"}, {"gateway_id", "!a1b2c3d4"}});
    assert_true(c.downlink == DownlinkMode::kJson);
    assert_int_equal(*c.gateway_id, 0xa1b2c3d4u);
}

void api_url_plain_http_to_remote_host_is_refused(void**) {
    load_error({{"api_url", "http://api.telegram.org"}}, "api_url");
    load_error({{"api_url", "http://10.0.0.5:8081"}}, "api_url");
    load_error({{"api_url", "ftp://api.telegram.org"}}, "api_url");
}

// A host name that merely starts with "127." is not a loopback address.
void api_url_plain_http_to_host_named_127_something_is_refused(void**) {
    load_error({{"api_url", "http://127.example.com"}}, "api_url");
}

// With user info, the host is after '@': this URL would send the token to evil.example.
void api_url_plain_http_with_userinfo_before_remote_host_is_refused(void**) {
    load_error({{"api_url", "http://127.0.0.1@evil.example/"}}, "api_url");
}

void api_url_plain_http_to_loopback_is_accepted(void**) {
    Config c = load_ok({{"api_url", "http://127.0.0.1:8080"}});
    assert_string_equal(c.api_url.c_str(), "http://127.0.0.1:8080");
    assert_string_equal(load_ok({{"api_url", "http://localhost:8081/"}}).api_url.c_str(),
                        "http://localhost:8081");
    assert_string_equal(load_ok({{"api_url", "https://tg.example.org"}}).api_url.c_str(),
                        "https://tg.example.org");
}

void state_file_in_missing_directory_is_refused(void**) {
    load_error({{"state_file", "/nonexistent-tgmesh-dir/sub/tgmesh.json"}}, "state_file");
    assert_string_equal(load_ok({{"state_file", "/tmp/tgmesh-state.json"}}).state_file.c_str(),
                        "/tmp/tgmesh-state.json");
}

void unsupported_language_is_refused(void**) {
    load_error({{"language", "de"}}, "language");
    assert_true(load_ok({{"language", "ru"}}).language == Language::kRu);
}

void node_short_name_longer_than_4_bytes_is_refused(void**) {
    load_error({{"node_short_name", "ABCDE"}}, "node_short_name");
    assert_string_equal(load_ok({{"node_short_name", "ABCD"}}).node_short_name.c_str(), "ABCD");
}

void node_long_name_longer_than_39_bytes_is_refused(void**) {
    load_error({{"node_long_name", std::string(40, 'x')}}, "node_long_name");
    assert_int_equal(load_ok({{"node_long_name", std::string(39, 'x')}}).node_long_name.size(), 39);
}

// ---- keys, quoting, precedence ------------------------------------------------------------

void unknown_key_gives_config_and_warning_naming_it(void**) {
    ConfigResult r = load_config({{"colour", "blue"}});
    assert_true(r.config.is_ok());
    assert_true(r.config.error().empty());
    assert_int_equal(r.warnings.size(), 1);
    assert_true(contains(r.warnings[0], "colour"));
}

void keys_are_case_insensitive(void**) {
    Config c = load_ok({{"HOP_LIMIT", "5"}, {"Channel", "LongFast"}, {"Max_Text_Bytes", "100"}});
    assert_int_equal(c.hop_limit, 5);
    assert_int_equal(c.max_text_bytes, 100);
    load_error({{"Hop_Limit", "9"}}, "hop_limit");
}

void quoted_value_keeps_its_spaces(void**) {
    Config c = load_ok({{"text_prefix", "\"{name} \xC2\xBB \""}});
    assert_string_equal(c.text_prefix.c_str(), "{name} \xC2\xBB ");
}

void unquoted_value_is_trimmed(void**) {
    Config c = load_ok({{"text_prefix", "  {name}>  "}, {"hop_limit", " 4 "}});
    assert_string_equal(c.text_prefix.c_str(), "{name}>");
    assert_int_equal(c.hop_limit, 4);
}

void bot_token_file_wins_over_bot_token(void**) {
    ConfigResult first;
    ConfigResult second;
    {
        TempFile file("987654321:FromTheFile\n");
        first = load_config({{"bot_token", "123456789:FromTheOption"},
                             {"bot_token_file", file.path()},
                             {"chat_ids", "-100"}});
        second = load_config({{"bot_token_file", file.path()},
                              {"bot_token", "123456789:FromTheOption"},
                              {"chat_ids", "-100"}});
    }
    assert_true(first.config.is_ok());
    assert_string_equal(first.config->bot_token.c_str(), "987654321:FromTheFile");
    assert_true(first.config->telegram_enabled());
    // Same result whichever comes first.
    assert_true(second.config.is_ok());
    assert_string_equal(second.config->bot_token.c_str(), "987654321:FromTheFile");
}

void chat_id_list_with_spaces_and_duplicates(void**) {
    Config c = load_ok({{"bot_token", kToken}, {"chat_ids", "-1001, -1002 ,-1001,42"}});
    assert_int_equal(c.chat_ids.size(), 3);
    assert_true(c.chat_ids[0] == -1001);
    assert_true(c.chat_ids[1] == -1002);
    assert_true(c.chat_ids[2] == 42);
    assert_true(c.is_bridged_chat(-1002));
    assert_false(c.is_bridged_chat(-1003));
}

void large_chat_ids_are_exact(void**) {
    Config c = load_ok({{"bot_token", kToken}, {"chat_ids", "-1001234567890123"}});
    assert_int_equal(c.chat_ids.size(), 1);
    assert_true(c.chat_ids[0] == -1001234567890123LL);
}

void admin_ids_are_parsed(void**) {
    Config c = load_ok({{"admin_ids", "111, 222"}});
    assert_true(c.is_admin(111));
    assert_true(c.is_admin(222));
    assert_false(c.is_admin(333));
}

void several_topic_roots(void**) {
    Config c = load_ok({{"topic_root", "msh/US, msh/EU_868 ,msh/US/CA"}});
    assert_int_equal(c.topic_roots.size(), 3);
    assert_string_equal(c.topic_roots[0].c_str(), "msh/US");
    assert_string_equal(c.topic_roots[1].c_str(), "msh/EU_868");
    assert_string_equal(c.topic_roots[2].c_str(), "msh/US/CA");
}

// ---- PSK expansion ----------------------------------------------------------------------

void one_byte_psk_2_gives_default_key_ending_02(void**) {
    Config c = load_ok({{"channel_keys", "LongFast=Ag=="}});
    const auto* key = c.bridged_key();
    assert_non_null(key);
    assert_true(key->key == test::hex("d4f1bb3a20290759f0bcffabcf4e6902"));
}

void empty_psk_means_no_encryption(void**) {
    Config c = load_ok({{"channel", "Open"}, {"channel_keys", "LongFast=AQ==, Open="}});
    const auto* key = c.bridged_key();
    assert_non_null(key);
    assert_string_equal(key->name.c_str(), "Open");
    assert_true(key->key.empty());
    assert_int_equal(c.channel_keys.size(), 2);
}

void sixteen_byte_psk_is_kept_as_given(void**) {
    Config c = load_ok({{"channel", "Team"}, {"channel_keys", "Team=AAECAwQFBgcICQoLDA0ODw=="}});
    assert_true(c.bridged_key()->key == test::hex("000102030405060708090a0b0c0d0e0f"));
}

// ---- channel_map and alerts ---------------------------------------------------------------

const char* kOpsKey = "Ops=AQ==";

void channel_map_routes_channels_to_chats_and_topics(void**) {
    Config c = load_ok({{"bot_token", kToken},
                        {"channel_keys", std::string("LongFast=AQ==,") + kOpsKey},
                        {"channel_map", "LongFast=-1001234567890, Ops=-1009876543210:42"}});
    auto routes = c.routes();
    assert_int_equal(routes.size(), 2);
    assert_string_equal(routes[1].channel.c_str(), "Ops");
    assert_int_equal(routes[1].chat_id, -1009876543210);
    assert_int_equal(*routes[1].thread_id, 42);
    assert_false(routes[0].thread_id.has_value());
    // What is written in a chat (topic) goes to its channel; other topics of a mapped forum
    // chat are not bridged.
    assert_string_equal(c.channel_for_chat(-1001234567890, std::nullopt)->c_str(), "LongFast");
    assert_string_equal(c.channel_for_chat(-1009876543210, 42)->c_str(), "Ops");
    assert_false(c.channel_for_chat(-1009876543210, 7).has_value());
    assert_false(c.channel_for_chat(-1009876543210, std::nullopt).has_value());
    assert_true(c.is_bridged_chat(-1009876543210));
    assert_false(c.is_bridged_chat(-1));
    // chat_ids is optional with a map; DMs and alerts go to the chat of `channel`.
    assert_int_equal(c.home_routes().size(), 1);
    assert_int_equal(c.home_routes()[0].chat_id, -1001234567890);
}

void channel_map_without_a_key_or_malformed_is_refused(void**) {
    std::string e = load_error({{"channel_map", "LongFast=-100,Ops=-200"}}, "channel_map");
    assert_true(contains(e, "Ops") && contains(e, "channel_keys"));
    load_error({{"channel_map", "LongFast"}}, "channel_map");
    load_error({{"channel_map", "LongFast=abc"}}, "channel_map");
    load_error({{"channel_map", "LongFast=-100:0"}}, "channel_map");
    load_error({{"channel_map", "LongFast=-100:x"}}, "channel_map");
    load_error({{"channel_map", "Long/Fast=-100"}}, "channel_map");
    load_error({{"channel_keys", kOpsKey}, {"channel_map", "LongFast=-100,Ops=-100"}},
               "channel_map");
}

void chat_ids_next_to_a_channel_map_keep_the_channel_both_ways(void**) {
    Config c = load_ok({{"bot_token", kToken},
                        {"chat_ids", "-1001,-3003"},
                        {"channel_keys", std::string("LongFast=AQ==,") + kOpsKey},
                        {"channel_map", "Ops=-2002:42,Ops=-3003"}});
    auto routes = c.routes();
    assert_int_equal(routes.size(), 3);  // -2002:42 and -3003 on Ops, -1001 on LongFast
    assert_int_equal(routes[2].chat_id, -1001);
    assert_string_equal(routes[2].channel.c_str(), "LongFast");
    assert_string_equal(c.channel_for_chat(-1001, std::nullopt)->c_str(), "LongFast");
    assert_string_equal(c.channel_for_chat(-3003, std::nullopt)->c_str(), "Ops");
}

void without_channel_map_every_chat_gets_the_channel(void**) {
    Config c = load_ok({{"bot_token", kToken}, {"chat_ids", "-1,-2"}});
    auto routes = c.routes();
    assert_int_equal(routes.size(), 2);
    assert_string_equal(routes[1].channel.c_str(), "LongFast");
    assert_string_equal(c.channel_for_chat(-2, 5)->c_str(), "LongFast");
    // A token with neither chat_ids nor channel_map bridges nothing yet: discovery.
    assert_true(load_ok({{"bot_token", kToken}}).discovering());
    assert_false(c.discovering());
}

void chat_pacing_is_on_by_default_and_a_boolean(void**) {
    assert_true(load_ok({}).chat_pacing);
    assert_false(load_ok({{"chat_pacing", "off"}}).chat_pacing);
    load_error({{"chat_pacing", "fast"}}, "chat_pacing");
}

void alerts_are_off_by_default_and_checked(void**) {
    Config c = load_ok({});
    assert_false(c.alert_new_nodes);
    assert_int_equal(c.alert_silent_hours, 0);
    assert_int_equal(c.alert_battery_percent, 0);
    c = load_ok({{"alert_new_nodes", "yes"},
                 {"alert_silent_hours", "24"},
                 {"alert_battery_percent", "20"}});
    assert_true(c.alert_new_nodes);
    assert_int_equal(c.alert_silent_hours, 24);
    assert_int_equal(c.alert_battery_percent, 20);
    load_error({{"alert_new_nodes", "maybe"}}, "alert_new_nodes");
    load_error({{"alert_silent_hours", "-1"}}, "alert_silent_hours");
    load_error({{"alert_silent_hours", "721"}}, "alert_silent_hours");
    load_error({{"alert_battery_percent", "101"}}, "alert_battery_percent");
    load_error({{"alert_battery_percent", "ten"}}, "alert_battery_percent");
}

// ---- config_file ------------------------------------------------------------------------

void config_file_values_override_plugin_options(void**) {
    ConfigResult r;
    std::string path;
    {
        TempFile file(
            "# tgmesh settings\n"
            "hop_limit 6\n"
            "\n"
            "   # indented comment\n"
            "text_prefix \"[{name}] \"\n"
            "Language ru\n");
        path = file.path();
        r = load_config({{"config_file", path}, {"hop_limit", "2"}, {"max_text_bytes", "150"}});
    }
    assert_true(r.config.is_ok());
    const Config& c = *r.config;
    assert_int_equal(c.hop_limit, 6);
    assert_int_equal(c.max_text_bytes, 150);  // not in the file: the plugin option stays
    assert_string_equal(c.text_prefix.c_str(), "[{name}] ");
    assert_true(c.language == Language::kRu);
    assert_string_equal(c.config_file.c_str(), path.c_str());
}

void config_file_line_without_value_names_config_file_and_line(void**) {
    ConfigResult r;
    {
        TempFile file("hop_limit 4\n# comment\nchat_to_mesh\n");
        r = load_config({{"config_file", file.path()}});
    }
    std::string err = check_error(r, "config_file");
    assert_true(contains(err, "line 3"));
}

void config_file_invalid_value_names_the_option(void**) {
    ConfigResult r;
    {
        TempFile file("hop_limit 9\n");
        r = load_config({{"config_file", file.path()}});
    }
    check_error(r, "hop_limit");
}

void unreadable_config_file_is_refused(void**) {
    load_error({{"config_file", "/nonexistent-tgmesh-dir/tgmesh.conf"}}, "config_file");
}

// A line that is only the token (a key forgotten) must not put the token in the log.
void config_file_error_does_not_echo_a_token_line(void**) {
    ConfigResult r;
    {
        TempFile file(std::string(kToken) + "\n");
        r = load_config({{"config_file", file.path()}});
    }
    std::string err = check_error(r, "config_file");
    assert_true(contains(err, "line 1"));
    assert_false(contains(err, kTokenSecret));
}

void config_file_inside_config_file_is_ignored_with_a_warning(void**) {
    ConfigResult r;
    {
        TempFile file("config_file /etc/other.conf\nhop_limit 2\n");
        r = load_config({{"config_file", file.path()}});
    }
    assert_true(r.config.is_ok());
    assert_int_equal(r.config->hop_limit, 2);
    bool warned = false;
    for (const auto& w : r.warnings)
        warned = warned || contains(w, "config_file");
    assert_true(warned);
}

void parse_config_file_reads_keys_values_and_comments(void**) {
    auto r = parse_config_file(
        "# comment\r\n"
        "chat_ids -1001, -1002\r\n"
        "\ttext_prefix   \"{name} \xC2\xBB \"  \r\n"
        "\n"
        "hop_limit\t5\n");
    assert_true(r.is_ok());
    assert_int_equal(r->size(), 3);
    assert_string_equal((*r)[0].first.c_str(), "chat_ids");
    assert_string_equal((*r)[0].second.c_str(), "-1001, -1002");
    assert_string_equal((*r)[1].first.c_str(), "text_prefix");
    assert_string_equal((*r)[1].second.c_str(), "\"{name} \xC2\xBB \"");
    assert_string_equal((*r)[2].first.c_str(), "hop_limit");
    assert_string_equal((*r)[2].second.c_str(), "5");
}

void parse_config_file_line_without_value_names_line_number(void**) {
    auto r = parse_config_file("hop_limit 3\n\n# x\nlanguage\n");
    assert_false(r.is_ok());
    assert_true(contains(r.error(), "line 4"));
}

void parse_config_file_unterminated_quote_is_an_error(void**) {
    auto r = parse_config_file("hop_limit 3\ntext_prefix \"abc\n");
    assert_false(r.is_ok());
    assert_true(contains(r.error(), "line 2"));
}

}  // namespace

void node_private_key_file_in_base64_or_hex(void**) {
    const std::string hex(64, 'a');
    TempFile hex_file(hex + "\n");
    Config c = load_ok({{"node_private_key_file", hex_file.path()}});
    assert_true(c.node_private_key.has_value());
    assert_int_equal(c.node_private_key->size(), 32);
    assert_int_equal(static_cast<unsigned char>((*c.node_private_key)[0]), 0xaa);
    TempFile b64_file("oAMwYz5jUi+KTYHsbZ0eZhf2yP/TpMaYIpU31E5SInc=\n");
    c = load_ok({{"node_private_key_file", b64_file.path()}});
    assert_int_equal(static_cast<unsigned char>((*c.node_private_key)[0]), 0xa0);
}

void bad_node_private_key_file_is_refused_without_echoing_it(void**) {
    TempFile short_key("AAECAwQFBgcICQoLDA0ODw==\n");  // 16 bytes
    std::string err =
        load_error({{"node_private_key_file", short_key.path()}}, "node_private_key_file");
    assert_false(contains(err, "AAECAwQFBgcICQoLDA0ODw"));
    load_error({{"node_private_key_file", "/nonexistent/key"}}, "node_private_key_file");
}

void ack_timeout_range(void**) {
    assert_int_equal(load_ok({}).ack_timeout_s, 60);
    assert_int_equal(load_ok({{"ack_timeout", "120"}}).ack_timeout_s, 120);
    load_error({{"ack_timeout", "4"}}, "ack_timeout");
    load_error({{"ack_timeout", "3601"}}, "ack_timeout");
    load_error({{"ack_timeout", "soon"}}, "ack_timeout");
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_without_options),
        cmocka_unit_test(node_private_key_file_in_base64_or_hex),
        cmocka_unit_test(bad_node_private_key_file_is_refused_without_echoing_it),
        cmocka_unit_test(ack_timeout_range),
        cmocka_unit_test(default_channel_key_is_expanded_longfast_key_with_hash_8),
        cmocka_unit_test(probe_topic_defaults_to_first_root),
        cmocka_unit_test(unknown_downlink_mode_is_refused),
        cmocka_unit_test(malformed_node_ids_are_refused),
        cmocka_unit_test(valid_node_id_is_parsed),
        cmocka_unit_test(non_integer_chat_ids_are_refused),
        cmocka_unit_test(negative_admin_ids_are_refused),
        cmocka_unit_test(invalid_base64_key_is_refused),
        cmocka_unit_test(psk_forms_are_read_as_firmware_and_the_cli_read_them),
        cmocka_unit_test(key_of_wrong_form_or_length_is_refused),
        cmocka_unit_test(channel_keys_entry_without_equals_is_refused),
        cmocka_unit_test(duplicate_channel_in_channel_keys_is_refused),
        cmocka_unit_test(hop_limit_out_of_range_or_not_a_number_is_refused),
        cmocka_unit_test(max_text_bytes_out_of_range_is_refused),
        cmocka_unit_test(negative_mesh_interval_is_refused),
        cmocka_unit_test(chat_to_mesh_must_be_on_or_off),
        cmocka_unit_test(topic_root_with_wildcards_or_empty_levels_is_refused),
        cmocka_unit_test(channel_without_key_names_channel_keys),
        cmocka_unit_test(unreadable_bot_token_file_is_refused),
        cmocka_unit_test(malformed_bot_token_is_refused_without_echoing_it),
        cmocka_unit_test(malformed_token_in_token_file_is_not_echoed),
        cmocka_unit_test(token_without_chat_ids_starts_in_discovery),
        cmocka_unit_test(dm_chat_ids_receive_dms_and_count_as_bridged),
        cmocka_unit_test(admin_private_chat_is_the_admins_own),
        cmocka_unit_test(json_downlink_without_gateway_id_names_gateway_id),
        cmocka_unit_test(api_url_plain_http_to_remote_host_is_refused),
        cmocka_unit_test(api_url_plain_http_to_host_named_127_something_is_refused),
        cmocka_unit_test(api_url_plain_http_with_userinfo_before_remote_host_is_refused),
        cmocka_unit_test(api_url_plain_http_to_loopback_is_accepted),
        cmocka_unit_test(state_file_in_missing_directory_is_refused),
        cmocka_unit_test(unsupported_language_is_refused),
        cmocka_unit_test(node_short_name_longer_than_4_bytes_is_refused),
        cmocka_unit_test(node_long_name_longer_than_39_bytes_is_refused),
        cmocka_unit_test(unknown_key_gives_config_and_warning_naming_it),
        cmocka_unit_test(keys_are_case_insensitive),
        cmocka_unit_test(quoted_value_keeps_its_spaces),
        cmocka_unit_test(unquoted_value_is_trimmed),
        cmocka_unit_test(bot_token_file_wins_over_bot_token),
        cmocka_unit_test(chat_id_list_with_spaces_and_duplicates),
        cmocka_unit_test(large_chat_ids_are_exact),
        cmocka_unit_test(admin_ids_are_parsed),
        cmocka_unit_test(several_topic_roots),
        cmocka_unit_test(one_byte_psk_2_gives_default_key_ending_02),
        cmocka_unit_test(empty_psk_means_no_encryption),
        cmocka_unit_test(sixteen_byte_psk_is_kept_as_given),
        cmocka_unit_test(config_file_values_override_plugin_options),
        cmocka_unit_test(config_file_line_without_value_names_config_file_and_line),
        cmocka_unit_test(config_file_invalid_value_names_the_option),
        cmocka_unit_test(unreadable_config_file_is_refused),
        cmocka_unit_test(config_file_error_does_not_echo_a_token_line),
        cmocka_unit_test(config_file_inside_config_file_is_ignored_with_a_warning),
        cmocka_unit_test(channel_map_routes_channels_to_chats_and_topics),
        cmocka_unit_test(channel_map_without_a_key_or_malformed_is_refused),
        cmocka_unit_test(chat_ids_next_to_a_channel_map_keep_the_channel_both_ways),
        cmocka_unit_test(without_channel_map_every_chat_gets_the_channel),
        cmocka_unit_test(chat_pacing_is_on_by_default_and_a_boolean),
        cmocka_unit_test(alerts_are_off_by_default_and_checked),
        cmocka_unit_test(parse_config_file_reads_keys_values_and_comments),
        cmocka_unit_test(parse_config_file_line_without_value_names_line_number),
        cmocka_unit_test(parse_config_file_unterminated_quote_is_an_error),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
