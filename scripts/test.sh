#!/bin/sh
# README command 2: installs what is missing, builds, and runs the whole test suite:
#   build/       unit (CMocka), integration (real mosquitto + fake Bot API), binary and lint checks
#   build-asan/  unit and integration again with the plugin under ASan+UBSan in the real broker
#   build-fuzz/  the libFuzzer harnesses, one minute each
# Extra arguments go to every ctest run (e.g. -R integration.test_probe).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

TGMESH_BUILD_DIR=build scripts/build.sh -DTGMESH_TESTS=ON
ctest --test-dir build --output-on-failure -j"$jobs" "$@"

TGMESH_BUILD_DIR=build-asan scripts/build.sh -DTGMESH_TESTS=ON -DTGMESH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|integration' "$@"

# build-fuzz/  every libFuzzer harness (clang, ASan+UBSan) replays its regressions, then fuzzes
#              for a minute from its seed corpus (fuzz/README.md).
scripts/fuzz.sh 60
