#!/bin/sh
# Configures and builds tgmesh into ${TGMESH_BUILD_DIR:-build}; extra arguments go to cmake.
# TGMESH_BUILD_TARGET builds one target only (run-bridge.sh: the plugin, mosquitto_tgmesh).
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${TGMESH_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
if [ -n "${TGMESH_BUILD_TARGET:-}" ]; then
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target "$TGMESH_BUILD_TARGET"
else
  cmake --build "$BUILD_DIR" -j"$(nproc)"
fi
