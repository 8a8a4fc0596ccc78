#!/bin/sh
# Style and static checks: clang-format (the repository's .clang-format) on every C++ file,
# clang-tidy (.clang-tidy) on the plugin sources. Usage: scripts/lint.sh [format|tidy] [build dir]
set -eu
cd "$(dirname "$0")/.."
what=${1:-all}
build=${2:-${TGMESH_BUILD_DIR:-build}}

if [ "$what" = all ] || [ "$what" = format ]; then
  find plugin include tests/unit tests/fakes fuzz bench -name '*.cpp' -o -name '*.h' | sort |
    xargs clang-format --dry-run --Werror
  echo "lint: clang-format clean"
fi
if [ "$what" = all ] || [ "$what" = tidy ]; then
  [ -f "$build/compile_commands.json" ] || { echo "lint: build first ($build)" >&2; exit 2; }
  # The compile commands are GCC's: clang does not know every GCC warning option in them.
  find plugin -name '*.cpp' | sort |
    xargs -P"$(nproc)" -n4 clang-tidy -p "$build" --quiet --warnings-as-errors='*' \
      --extra-arg=-Wno-unknown-warning-option 2>/dev/null
  echo "lint: clang-tidy clean"
fi
