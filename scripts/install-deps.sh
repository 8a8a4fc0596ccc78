#!/bin/sh
# Installs the Debian 12 packages tgmesh needs to build, run and test, if any are missing.
set -eu

# dpkg-dev (dpkg-shlibdeps) and file: the Depends of the Debian package (cpack -G DEB).
PACKAGES="build-essential cmake pkg-config dpkg-dev file
  mosquitto mosquitto-clients mosquitto-dev
  libcurl4-openssl-dev libcjson-dev libssl-dev
  libprotobuf-c-dev protobuf-c-compiler libcmocka-dev
  python3 python3-cryptography clang-format clang-tidy"

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
