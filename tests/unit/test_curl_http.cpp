// The libcurl adapter the worker drives: perform() reports every transfer that has finished,
// including those that finish while a callback's own new request starts. A transfer left
// unreported has no socket for wait() to watch: in CI a Telegram answer waited out the worker's
// 10 s sleep that way. A URL whose scheme the adapter does not allow (only http and https)
// finishes inside the curl_multi_perform that starts it, which makes the race deterministic.
#include <chrono>
#include <functional>
#include <string>

#include "test_support.h"
#include "tgmesh/adapters/curl_http.h"

using tgmesh::HttpRequest;
using tgmesh::HttpResponse;
using tgmesh::adapters::CurlHttp;

namespace {

constexpr const char* kRefusedScheme = "ftp://127.0.0.1/refused";

// Posts a request whose callback counts its answer and posts the next one, `left` more times.
void post_chain(CurlHttp& http, int& answered, int left, std::string& last_error) {
    http.post({kRefusedScheme, "{}", 5000},
              [&http, &answered, left, &last_error](const HttpResponse& r) {
                  ++answered;
                  last_error = r.error;
                  if (left > 0) post_chain(http, answered, left - 1, last_error);
              });
}

void one_perform_reports_what_finishes_while_callbacks_post(void** /*state*/) {
    CurlHttp http;
    assert_true(http.ok());
    int answered = 0;
    std::string last_error;
    post_chain(http, answered, 4, last_error);
    http.perform();
    // Before the fix the second request finished in perform()'s second curl_multi_perform and
    // its CURLMSG_DONE stayed queued: answered was 1 here.
    assert_int_equal(answered, 5);
    assert_int_equal(static_cast<int>(http.active()), 0);
    assert_false(last_error.empty());  // each one really failed (scheme not allowed)
}

void an_endless_chain_yields_after_a_bounded_number_of_rounds(void** /*state*/) {
    CurlHttp http;
    int answered = 0;
    std::string last_error;
    post_chain(http, answered, 1'000'000, last_error);
    http.perform();
    assert_int_equal(answered, CurlHttp::kMaxPerformRounds);
    // What is left is due now: wait() must not sleep its timeout away.
    const auto start = std::chrono::steady_clock::now();
    http.wait(60'000);
    const auto waited = std::chrono::steady_clock::now() - start;
    assert_true(waited < std::chrono::seconds(30));
    http.perform();
    assert_int_equal(answered, 2 * CurlHttp::kMaxPerformRounds);
    http.cancel_all();
    assert_int_equal(static_cast<int>(http.active()), 0);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_perform_reports_what_finishes_while_callbacks_post),
        cmocka_unit_test(an_endless_chain_yields_after_a_bounded_number_of_rounds),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
