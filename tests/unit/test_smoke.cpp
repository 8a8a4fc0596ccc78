#include "test_support.h"

static void compiles(void**) { assert_true(true); }

int main() {
    const struct CMUnitTest tests[] = {cmocka_unit_test(compiles)};
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
