// Text handling: mesh chunking, HTML escaping, Telegram message splitting, UTF-8 helpers and
// strict base64.
#include <string>
#include <vector>

#include "test_support.h"
#include "tgmesh/mesh/text_chunker.h"
#include "tgmesh/telegram/html.h"
#include "tgmesh/telegram/message_split.h"
#include "tgmesh/util/base64.h"
#include "tgmesh/util/utf8.h"

using tgmesh::mesh::chunk_capacity;
using tgmesh::mesh::chunk_text;
using tgmesh::telegram::escape_html;
using tgmesh::telegram::split_message;
namespace utf8 = tgmesh::utf8;

namespace {

const std::string kZhe = "\xD0\x96";            // Ж, 2 bytes
const std::string kSmile = "\xF0\x9F\x98\x80";  // 😀, 4 bytes, 2 UTF-16 units
const std::string kFffd = "\xEF\xBF\xBD";       // U+FFFD

std::string repeat(const std::string& s, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

// Checks the "(i/n) " + prefix framing of every part and returns the pieces of text.
std::vector<std::string> pieces_of(const std::vector<std::string>& parts, const std::string& prefix,
                                   size_t max_bytes) {
    std::vector<std::string> pieces;
    const size_t n = parts.size();
    for (size_t i = 0; i < n; ++i) {
        const std::string& part = parts[i];
        const std::string marker = "(" + std::to_string(i + 1) + "/" + std::to_string(n) + ") ";
        if (part.size() > max_bytes)
            fail_msg("part %zu is %zu bytes > %zu", i, part.size(), max_bytes);
        if (!utf8::is_valid(part)) fail_msg("part %zu is not valid UTF-8", i);
        if (!starts_with(part, marker + prefix))
            fail_msg("part %zu lacks marker/prefix: %s", i, part.c_str());
        pieces.push_back(part.substr(marker.size() + prefix.size()));
    }
    return pieces;
}

// ---- chunk_text -------------------------------------------------------------------------

void text_that_fits_is_prefix_plus_text(void**) {
    auto parts = chunk_text("Ann: ", "hello mesh", 200);
    assert_int_equal(parts.size(), 1);
    assert_string_equal(parts[0].c_str(), "Ann: hello mesh");
    // Exactly at the limit is still one unnumbered part.
    parts = chunk_text("Ann: ", std::string(35, 'x'), 40);
    assert_int_equal(parts.size(), 1);
    assert_int_equal(parts[0].size(), 40);
}

void long_ascii_text_is_numbered_with_author_on_every_part(void**) {
    // 100 bytes: "start" then 19 four-letter words.
    std::string text = "start";
    for (int i = 0; i < 19; ++i) {
        text += " w";
        text += static_cast<char>('a' + i);
        text += static_cast<char>('0' + i % 10);
        text += 'z';
    }
    assert_int_equal(text.size(), 100);
    auto parts = chunk_text("Bob: ", text, 40);
    assert_true(parts.size() >= 3);
    assert_true(parts.size() <= 5);
    auto pieces = pieces_of(parts, "Bob: ", 40);
    std::string joined;
    for (const auto& piece : pieces) {
        assert_false(piece.empty());
        assert_true(piece.front() != ' ' && piece.back() != ' ');
        joined += (joined.empty() ? "" : " ") + piece;
    }
    assert_string_equal(joined.c_str(), text.c_str());  // cut between words only
}

// Splits `text` by 40-byte parts and checks the pieces put together give it back unchanged:
// a cut inside a multi-byte character would show up as invalid UTF-8 or lost bytes.
void assert_split_without_loss(const std::string& text) {
    auto parts = chunk_text("Bob: ", text, 40);
    assert_true(parts.size() >= 2);
    std::string joined;
    for (const auto& piece : pieces_of(parts, "Bob: ", 40))
        joined += piece;
    assert_string_equal(joined.c_str(), text.c_str());
}

void cyrillic_is_never_cut_inside_a_character(void**) {
    const std::string text = "a" + repeat(kZhe, 60);  // odd offset: 121 bytes
    assert_split_without_loss(text);
}

void emoji_are_never_cut_inside_a_character(void**) {
    const std::string text = "ab" + repeat(kSmile, 25);  // 102 bytes
    assert_split_without_loss(text);
}

void more_than_five_parts_is_refused(void**) {
    assert_true(chunk_text("Bob: ", std::string(300, 'x'), 40).empty());
    std::string words;
    for (int i = 0; i < 60; ++i)
        words += "word ";
    assert_true(chunk_text("Bob: ", words, 40).empty());
}

void chunk_capacity_is_the_longest_accepted_text(void**) {
    const size_t capacity = chunk_capacity("Bob: ", 40);
    assert_true(capacity > 35);
    auto parts = chunk_text("Bob: ", std::string(capacity, 'x'), 40);
    assert_false(parts.empty());
    assert_true(parts.size() <= 5);
    assert_true(chunk_text("Bob: ", std::string(capacity + 1, 'x'), 40).empty());
}

void prefix_too_long_for_any_part_is_refused(void**) {
    const std::string prefix(40, 'P');
    assert_true(chunk_text(prefix, "hi", 40).empty());
    assert_true(chunk_text(std::string(36, 'P'), "hello world", 40).empty());
    assert_int_equal(chunk_capacity(prefix, 40), 0);
}

// ---- escape_html ------------------------------------------------------------------------

void escape_html_escapes_markup_characters(void**) {
    assert_string_equal(escape_html("<b>&\"").c_str(), "&lt;b&gt;&amp;&quot;");
    assert_string_equal(escape_html("a < b && c > d").c_str(), "a &lt; b &amp;&amp; c &gt; d");
    assert_string_equal(escape_html("&amp;").c_str(), "&amp;amp;");
}

void escape_html_replaces_invalid_utf8_and_nul(void**) {
    assert_string_equal(escape_html("a\xff"
                                    "b")
                            .c_str(),
                        ("a" + kFffd + "b").c_str());
    const std::string with_nul("x\0y", 3);
    assert_string_equal(escape_html(with_nul).c_str(), ("x" + kFffd + "y").c_str());
    for (const std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF0\x9F\x98", "\xF4\x90\x80\x80"}) {
        std::string out = escape_html("<" + bad + ">");
        assert_true(utf8::is_valid(out));
        assert_true(out.find(kFffd) != std::string::npos);
        assert_true(starts_with(out, "&lt;"));
    }
}

void escape_html_keeps_emoji_rtl_and_zero_width(void**) {
    const std::string text =
        kSmile +
        " \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xE2\x80\xAE"
        "abc"
        "\xE2\x80\xAC" +
        " a\xE2\x80\x8B"
        "b " +
        "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
    assert_string_equal(escape_html(text).c_str(), text.c_str());
}

// ---- split_message ----------------------------------------------------------------------

void split_packs_lines_under_the_limit(void**) {
    auto messages = split_message({"aaaa", "bbbb", "cccc"}, 9);
    assert_int_equal(messages.size(), 2);
    assert_string_equal(messages[0].c_str(), "aaaa\nbbbb");
    assert_string_equal(messages[1].c_str(), "cccc");
    messages = split_message({"one", "two", "three"});
    assert_int_equal(messages.size(), 1);
    assert_string_equal(messages[0].c_str(), "one\ntwo\nthree");
}

void split_never_cuts_a_line_that_fits(void**) {
    auto messages = split_message({"<b>12345</b>", "<i>67890</i>"}, 15);
    assert_int_equal(messages.size(), 2);
    assert_string_equal(messages[0].c_str(), "<b>12345</b>");
    assert_string_equal(messages[1].c_str(), "<i>67890</i>");
}

void split_cuts_a_long_line_outside_entities(void**) {
    const std::string line = "ab&amp;cd&lt;ef&gt;gh&quot;ij&amp;&amp;kl";
    auto messages = split_message({"head", line, "tail"}, 7);
    assert_true(messages.size() >= 4);
    assert_string_equal(messages.front().c_str(), "head");
    assert_string_equal(messages.back().c_str(), "tail");
    std::string joined;
    for (size_t i = 1; i + 1 < messages.size(); ++i) {
        const std::string& m = messages[i];
        assert_true(utf8::utf16_length(m) <= 7);
        // Every '&' starts an entity that ends in the same piece.
        for (size_t k = m.find('&'); k != std::string::npos; k = m.find('&', k + 1)) {
            size_t semi = m.find(';', k);
            assert_true(semi != std::string::npos);
            assert_true(semi - k <= 5);
        }
        assert_true(m.back() != '&');
        joined += m;
    }
    assert_string_equal(joined.c_str(), line.c_str());
}

void split_cuts_a_long_line_outside_multibyte_characters(void**) {
    const std::string line = "x" + repeat(kZhe + kSmile, 20);
    auto messages = split_message({line}, 10);
    assert_true(messages.size() >= 2);
    std::string joined;
    for (const auto& m : messages) {
        assert_true(utf8::is_valid(m));
        assert_true(utf8::utf16_length(m) <= 10);
        joined += m;
    }
    assert_string_equal(joined.c_str(), line.c_str());
}

void split_counts_emoji_as_two_units(void**) {
    // 2 emoji = 4 units, newline 1, "ab" 2: 7 > 6.
    assert_int_equal(split_message({kSmile + kSmile, "ab"}, 6).size(), 2);
    // 4 + 1 + 1 = 6 fits.
    assert_int_equal(split_message({kSmile + kSmile, "a"}, 6).size(), 1);
    // A line of 3 emoji (6 units) exceeds 5 and is cut between emoji.
    auto messages = split_message({repeat(kSmile, 3)}, 5);
    assert_int_equal(messages.size(), 2);
    assert_string_equal(messages[0].c_str(), repeat(kSmile, 2).c_str());
    assert_string_equal(messages[1].c_str(), kSmile.c_str());
}

void split_respects_telegram_limit_by_default(void**) {
    auto messages = split_message({std::string(5000, 'a')});
    assert_int_equal(messages.size(), 2);
    assert_int_equal(messages[0].size(), 4096);
    assert_int_equal(messages[1].size(), 5000 - 4096);
}

// ---- utf8 -------------------------------------------------------------------------------

void utf8_is_valid_accepts_well_formed_text(void**) {
    assert_true(utf8::is_valid(""));
    assert_true(utf8::is_valid("plain ascii"));
    assert_true(utf8::is_valid(kZhe + kSmile +
                               "\xE2\x82\xAC"
                               "\xF4\x8F\xBF\xBF"));
}

void utf8_is_valid_rejects_malformed_text(void**) {
    assert_false(utf8::is_valid("\xff"));
    assert_false(utf8::is_valid("\x80"));
    assert_false(utf8::is_valid("\xC0\x80"));          // overlong NUL
    assert_false(utf8::is_valid("\xE0\x80\xAF"));      // overlong '/'
    assert_false(utf8::is_valid("\xED\xA0\x80"));      // surrogate
    assert_false(utf8::is_valid("\xF4\x90\x80\x80"));  // above U+10FFFF
    assert_false(utf8::is_valid("\xE2\x82"));          // truncated
    assert_false(utf8::is_valid("a\xD0"));             // truncated at the end
}

void utf8_char_length(void**) {
    const std::string s = "a" + kZhe + kSmile + "\xff";
    assert_int_equal(utf8::char_length(s, 0), 1);
    assert_int_equal(utf8::char_length(s, 1), 2);
    assert_int_equal(utf8::char_length(s, 3), 4);
    assert_int_equal(utf8::char_length(s, 7), 1);  // invalid byte
}

void utf8_prefix_at_boundary(void**) {
    const std::string s = "a" + kZhe + kSmile;  // boundaries at 0, 1, 3, 7
    assert_int_equal(utf8::prefix_at_boundary(s, 0), 0);
    assert_int_equal(utf8::prefix_at_boundary(s, 1), 1);
    assert_int_equal(utf8::prefix_at_boundary(s, 2), 1);
    assert_int_equal(utf8::prefix_at_boundary(s, 3), 3);
    assert_int_equal(utf8::prefix_at_boundary(s, 4), 3);
    assert_int_equal(utf8::prefix_at_boundary(s, 6), 3);
    assert_int_equal(utf8::prefix_at_boundary(s, 7), 7);
    assert_int_equal(utf8::prefix_at_boundary(s, 100), 7);
}

void utf8_utf16_length_counts_astral_characters_twice(void**) {
    assert_int_equal(utf8::utf16_length(""), 0);
    assert_int_equal(utf8::utf16_length("abc"), 3);
    assert_int_equal(utf8::utf16_length(kZhe), 1);
    assert_int_equal(utf8::utf16_length(kSmile), 2);
    assert_int_equal(utf8::utf16_length("a " + kZhe + " " + kSmile), 6);
}

void utf8_sanitize_keeps_valid_and_replaces_invalid(void**) {
    const std::string good = "ok " + kZhe + kSmile;
    assert_string_equal(utf8::sanitize(good).c_str(), good.c_str());
    assert_string_equal(utf8::sanitize("a\xff"
                                       "b")
                            .c_str(),
                        ("a" + kFffd + "b").c_str());
    assert_true(utf8::is_valid(utf8::sanitize("\xC0\x80\xED\xA0\x80\xF0\x9F")));
}

// ---- base64 -----------------------------------------------------------------------------

void base64_decodes_canonical_input(void**) {
    auto one = tgmesh::base64_decode("AQ==");
    assert_true(one.has_value());
    assert_true(*one == std::string("\x01", 1));
    auto abc = tgmesh::base64_decode("YWJj");
    assert_true(abc.has_value());
    assert_string_equal(abc->c_str(), "abc");
    auto four = tgmesh::base64_decode("AAECAw==");
    assert_true(four.has_value());
    assert_true(*four == test::hex("00010203"));
    auto key = tgmesh::base64_decode("1PG7OiApB1nwvP+rz05pAQ==");
    assert_true(key.has_value());
    assert_true(*key == test::hex("d4f1bb3a20290759f0bcffabcf4e6901"));
}

void base64_rejects_whitespace(void**) {
    assert_false(tgmesh::base64_decode(" AQ==").has_value());
    assert_false(tgmesh::base64_decode("AQ== ").has_value());
    assert_false(tgmesh::base64_decode("AQ\n==").has_value());
    assert_false(tgmesh::base64_decode("YW Jj").has_value());
}

void base64_rejects_bad_padding(void**) {
    assert_false(tgmesh::base64_decode("AQ=").has_value());
    assert_false(tgmesh::base64_decode("A===").has_value());
    assert_false(tgmesh::base64_decode("====").has_value());
    assert_false(tgmesh::base64_decode("AQ=A").has_value());
    assert_false(tgmesh::base64_decode("=AQA").has_value());
    assert_false(tgmesh::base64_decode("AQ==AQ==").has_value());
}

void base64_rejects_wrong_length_and_alphabet(void**) {
    assert_false(tgmesh::base64_decode("AQ").has_value());
    assert_false(tgmesh::base64_decode("YWJjZ").has_value());
    assert_false(tgmesh::base64_decode("###=").has_value());
    assert_false(tgmesh::base64_decode("YW-j").has_value());  // base64url alphabet
}

void base64_round_trip(void**) {
    std::string all;
    for (int i = 0; i < 256; ++i)
        all += static_cast<char>(i);
    for (size_t n : {0u, 1u, 2u, 3u, 16u, 32u, 256u}) {
        std::string bytes = all.substr(0, n);
        std::string encoded = tgmesh::base64_encode(bytes);
        assert_int_equal(encoded.size(), 4 * ((n + 2) / 3));
        if (n == 0) continue;
        auto decoded = tgmesh::base64_decode(encoded);
        assert_true(decoded.has_value());
        assert_true(*decoded == bytes);
    }
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_that_fits_is_prefix_plus_text),
        cmocka_unit_test(long_ascii_text_is_numbered_with_author_on_every_part),
        cmocka_unit_test(cyrillic_is_never_cut_inside_a_character),
        cmocka_unit_test(emoji_are_never_cut_inside_a_character),
        cmocka_unit_test(more_than_five_parts_is_refused),
        cmocka_unit_test(chunk_capacity_is_the_longest_accepted_text),
        cmocka_unit_test(prefix_too_long_for_any_part_is_refused),
        cmocka_unit_test(escape_html_escapes_markup_characters),
        cmocka_unit_test(escape_html_replaces_invalid_utf8_and_nul),
        cmocka_unit_test(escape_html_keeps_emoji_rtl_and_zero_width),
        cmocka_unit_test(split_packs_lines_under_the_limit),
        cmocka_unit_test(split_never_cuts_a_line_that_fits),
        cmocka_unit_test(split_cuts_a_long_line_outside_entities),
        cmocka_unit_test(split_cuts_a_long_line_outside_multibyte_characters),
        cmocka_unit_test(split_counts_emoji_as_two_units),
        cmocka_unit_test(split_respects_telegram_limit_by_default),
        cmocka_unit_test(utf8_is_valid_accepts_well_formed_text),
        cmocka_unit_test(utf8_is_valid_rejects_malformed_text),
        cmocka_unit_test(utf8_char_length),
        cmocka_unit_test(utf8_prefix_at_boundary),
        cmocka_unit_test(utf8_utf16_length_counts_astral_characters_twice),
        cmocka_unit_test(utf8_sanitize_keeps_valid_and_replaces_invalid),
        cmocka_unit_test(base64_decodes_canonical_input),
        cmocka_unit_test(base64_rejects_whitespace),
        cmocka_unit_test(base64_rejects_bad_padding),
        cmocka_unit_test(base64_rejects_wrong_length_and_alphabet),
        cmocka_unit_test(base64_round_trip),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
