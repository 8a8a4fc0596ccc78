#!/bin/sh
# Installs the Debian 12 packages tgmesh needs, if any are missing.
#   scripts/install-deps.sh run    what building the plugin and running the bridge need
#                                  (README command 1, scripts/run-bridge.sh)
#   scripts/install-deps.sh [all]  that plus what the test suite, the lint checks and the
#                                  Debian package need (README command 2, scripts/test.sh)
# Every header and library the build uses must come from a package named here, or from one
# of their Depends: tests/check_build_deps.py (CTest build.deps) fails otherwise.
set -eu
what=${1:-all}

# The plugin: compiler and CMake, the broker and its plugin headers (mosquitto_broker.h and
# mosquitto_plugin.h are in mosquitto-dev, but they include mosquitto.h, which only
# libmosquitto-dev has), libcurl, cJSON, OpenSSL, protobuf-c; ca-certificates, the CA bundle
# libcurl verifies api.telegram.org with (only a Recommends of libcurl4, which
# --no-install-recommends leaves out); mosquitto-clients for the mosquitto_sub / mosquitto_rr
# commands run-bridge.sh prints.
RUN="build-essential cmake pkg-config ca-certificates
  mosquitto mosquitto-clients mosquitto-dev libmosquitto-dev
  libcurl4-openssl-dev libcjson-dev libssl-dev
  libprotobuf-c-dev protobuf-c-compiler"
# The tests: CMocka, Python with python3-cryptography (integration harness), clang-format and
# clang-tidy (lint); dpkg-dev (dpkg-shlibdeps) and file for the Debian package (cpack -G DEB).
TEST="libcmocka-dev python3 python3-cryptography clang-format clang-tidy dpkg-dev file"

case $what in
  run) PACKAGES=$RUN ;;
  all) PACKAGES="$RUN $TEST" ;;
  --list-run) echo $RUN; exit 0 ;;
  --list) echo $RUN $TEST; exit 0 ;;
  *) echo "usage: $0 [run|all]" >&2; exit 2 ;;
esac

missing=""
for pkg in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

echo "tgmesh: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
