#!/bin/sh
# Configures and builds tgmesh into ${TGMESH_BUILD_DIR:-build}; extra arguments go to cmake.
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${TGMESH_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
