#!/bin/sh
# README command 2: installs what is missing, builds, and runs the whole test suite
# (CMocka unit tests and the integration tests against the real mosquitto).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir "${TGMESH_BUILD_DIR:-build}" --output-on-failure -j"$(nproc)" "$@"
