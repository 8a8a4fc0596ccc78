// Airtime is shared (part 11): user_rate per Telegram user, blocked_users and blocked_nodes,
// admins' /block and /unblock (kept in the state file), and what /status shows of them.
#include <algorithm>
#include <cstring>

#include "bridge_harness.h"
#include "tgmesh/core/chat/moderation.h"
#include "tgmesh/core/state/state.h"

namespace {

using namespace bridge_test;
using Call = Harness::ApiCall;

constexpr int64_t kBob = 222;
constexpr int64_t kEve = 333;
constexpr mesh::NodeNum kSpammer = 0x0badf00d;

size_t texts_in(const std::vector<Outgoing>& out) {
    return static_cast<size_t>(std::count_if(out.begin(), out.end(), [](const Outgoing& o) {
        return open_downlink(o).portnum == mesh::port::kTextMessage;
    }));
}

bool has_text(const std::vector<Call>& calls, const char* needle) {
    return std::any_of(calls.begin(), calls.end(), [&](const Call& c) {
        return std::strstr(c.text().c_str(), needle) != nullptr;
    });
}

Harness& started(Harness& h, Config c = base_config()) {
    h.start_ready(std::move(c));
    h.take_published();
    return h;
}

// `count` updates from one user, each a /send of its own: "[...]" for deliver_updates.
std::string sends_from(int64_t user, int64_t first_update, int count, const std::string& prefix) {
    std::string updates = "[";
    for (int i = 0; i < count; ++i)
        updates += (i ? "," : "") +
                   update(first_update + i, kChat, user, "/send " + prefix + std::to_string(i));
    return updates + "]";
}

void a_user_over_user_rate_is_refused_with_when_to_try_again(void**) {
    Config c = base_config();
    c.user_rate = 3;
    Harness h;
    started(h, c);
    h.deliver_updates(sends_from(kBob, 10, 5, "m"));
    assert_int_equal(texts_in(h.take_published()), 3);
    auto calls = h.flush_api();
    assert_true(has_text(calls, "At most 3 messages to the mesh per 10 minutes"));
    assert_true(has_text(calls, "Try again in 4 min"));  // a token every 200 s
    // Another user has an allowance of their own; the admin has no limit.
    h.deliver_updates("[" + update(20, kChat, kEve, "/send from eve") + "]");
    assert_int_equal(texts_in(h.take_published()), 1);
    h.deliver_updates(sends_from(kAdmin, 30, 6, "a"));
    assert_int_equal(texts_in(h.take_published()), 6);
    // The allowance comes back with time.
    h.clock.advance(Moderation::kRateWindow);
    h.deliver_updates("[" + update(40, kChat, kBob, "/send later") + "]");
    assert_int_equal(texts_in(h.take_published()), 1);
}

void user_rate_zero_is_no_limit(void**) {
    Config c = base_config();
    c.user_rate = 0;
    Harness h;
    started(h, c);
    h.deliver_updates(sends_from(kBob, 10, 20, "m"));
    assert_int_equal(texts_in(h.take_published()), 20);
}

void a_blocked_user_never_reaches_the_mesh(void**) {
    Config c = base_config();
    c.blocked_users = {kBob};
    Harness h;
    started(h, c);
    h.deliver_updates("[" + update(10, kChat, kBob, "/send hello") + "," +
                      update(11, kChat, kBob, "plain text") + "]");
    assert_int_equal(texts_in(h.take_published()), 0);
    assert_false(has_text(h.flush_api(), "Sent"));  // and no word about it in the chat
    assert_int_equal(h.bridge->stats().dropped(Drop::kBlocked), 2);
    // Browsing still works for them.
    h.deliver_updates("[" + update(12, kChat, kBob, "/help") + "]");
    assert_true(has_text(h.flush_api(), "Mesh bridge"));
}

void block_by_reply_and_by_id_and_unblock(void**) {
    Harness h;
    started(h);
    // The admin replies /block to Bob's message.
    MessageSpec block;
    block.id = 10;
    block.text = "/block";
    block.reply_to = 77;
    block.reply_to_user = kBob;
    h.deliver_updates("[" + message_update(block) + "]");
    assert_true(has_text(h.flush_api(), "<code>222</code>'s messages no longer reach the mesh"));
    h.deliver_updates("[" + update(11, kChat, kBob, "/send still here?") + "]");
    assert_int_equal(texts_in(h.take_published()), 0);
    // A node by id: its texts stop reaching the chat.
    h.deliver_updates("[" + update(12, kChat, kAdmin, "/block !0badf00d") + "]");
    assert_true(has_text(h.flush_api(), "no longer reach this chat"));
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              text_envelope(kSpammer, 500, "buy now", "!11111111"));
    assert_false(has_text(h.flush_api(), "buy now"));
    assert_int_equal(h.bridge->stats().dropped(Drop::kBlocked), 2);
    // /status counts them; the lists survive a restart.
    h.deliver_updates("[" + update(13, kChat, kAdmin, "/status") + "]");
    assert_true(has_text(h.flush_api(), "Blocked: 1 users, 1 nodes"));
    h.bridge->shutdown({});
    Harness again;
    again.store.text = h.store.text;
    started(again);
    again.deliver_updates("[" + update(14, kChat, kBob, "/send after restart") + "]");
    assert_int_equal(texts_in(again.take_published()), 0);
    // /unblock lifts both.
    again.deliver_updates("[" + update(15, kChat, kAdmin, "/unblock 222") + "," +
                          update(16, kChat, kAdmin, "/unblock !0badf00d") + "]");
    auto calls = again.flush_api();
    assert_true(has_text(calls, "reach the mesh again"));
    assert_true(has_text(calls, "reach the chat again"));
    again.deliver_updates("[" + update(17, kChat, kBob, "/send free again") + "]");
    assert_int_equal(texts_in(again.take_published()), 1);
}

void block_by_reply_to_a_bridged_mesh_text_blocks_its_node(void**) {
    Harness h;
    started(h);
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              text_envelope(kSpammer, 500, "first", "!11111111"));
    h.flush_api();  // posted as message 500
    MessageSpec block;
    block.id = 10;
    block.text = "/block";
    block.reply_to = 500;
    block.reply_to_bot = true;
    h.deliver_updates("[" + message_update(block) + "]");
    assert_true(has_text(h.flush_api(), "!0badf00d"));
    h.bridge->on_mqtt_message("msh/US/2/e/LongFast/!11111111",
                              text_envelope(kSpammer, 501, "second", "!11111111"));
    assert_false(has_text(h.flush_api(), "second"));
}

void block_is_for_admins_and_not_against_them_or_the_configuration(void**) {
    Config c = base_config();
    c.blocked_nodes = {kSpammer};
    Harness h;
    started(h, c);
    h.deliver_updates("[" + update(10, kChat, kBob, "/block 333") + "]");
    assert_true(has_text(h.flush_api(), "admins"));
    h.deliver_updates("[" + update(11, kChat, kAdmin, "/block 111") + "," +
                      update(12, kChat, kAdmin, "/unblock !0badf00d") + "," +
                      update(13, kChat, kAdmin, "/unblock 333") + "," +
                      update(14, kChat, kAdmin, "/block") + "]");
    auto calls = h.flush_api();
    assert_true(has_text(calls, "Admins cannot be blocked"));
    assert_true(has_text(calls, "blocked in the configuration"));
    assert_true(has_text(calls, "<code>333</code> is not blocked"));
    assert_true(has_text(calls, "Reply to the user"));
}

void moderation_bounds_its_lists_and_the_users_it_tracks(void**) {
    Config c = base_config();
    test::FakeClock clock;
    Moderation m(c, clock);
    for (int64_t user = 1; user <= static_cast<int64_t>(Moderation::kMaxBlocked); ++user)
        assert_int_equal(static_cast<int>(m.block_user(1000 + user)),
                         static_cast<int>(Moderation::Change::kDone));
    assert_int_equal(static_cast<int>(m.block_user(5)),
                     static_cast<int>(Moderation::Change::kFull));
    assert_true(m.changed());
    // A flood of user ids does not grow the rate table without bound.
    for (int64_t user = 1; user <= static_cast<int64_t>(Moderation::kUsersTracked) * 2; ++user) {
        assert_false(m.take(100000 + user).has_value());
        assert_true(m.tracked_users() <= Moderation::kUsersTracked);
    }
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_user_over_user_rate_is_refused_with_when_to_try_again),
        cmocka_unit_test(user_rate_zero_is_no_limit),
        cmocka_unit_test(a_blocked_user_never_reaches_the_mesh),
        cmocka_unit_test(block_by_reply_and_by_id_and_unblock),
        cmocka_unit_test(block_by_reply_to_a_bridged_mesh_text_blocks_its_node),
        cmocka_unit_test(block_is_for_admins_and_not_against_them_or_the_configuration),
        cmocka_unit_test(moderation_bounds_its_lists_and_the_users_it_tracks),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
