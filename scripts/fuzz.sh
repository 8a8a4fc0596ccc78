#!/bin/sh
# Fuzzing (fuzz/README.md): configures build-fuzz/ with clang (-DTGMESH_FUZZ=ON: libFuzzer,
# ASan, UBSan), builds the harnesses and runs them.
#   scripts/fuzz.sh [seconds] [harness...]  the CTest 'fuzz' tests: each harness replays its
#                                           fuzz/regressions/ and fuzzes for `seconds` (60)
#                                           on a copy of its seed corpus. What CI runs.
#   scripts/fuzz.sh --long [harness...]     the long run: 10 million executions or one hour
#                                           per harness, whichever comes first, under nice;
#                                           logs and final stats in build-fuzz/fuzz-long/
# Environment: TGMESH_FUZZ_JOBS harnesses at a time (default: nproc, --long: 1);
# TGMESH_FUZZ_BUILD_DIR (build-fuzz); --long only: TGMESH_FUZZ_RUNS (10000000),
# TGMESH_FUZZ_LONG_SECONDS (3600).
set -eu
cd "$(dirname "$0")/.."
BUILD=${TGMESH_FUZZ_BUILD_DIR:-build-fuzz}
ALL="fuzz_envelope fuzz_json_uplink fuzz_telegram fuzz_config fuzz_state fuzz_text fuzz_pki fuzz_control"

runs=${TGMESH_FUZZ_RUNS:-10000000}
max_seconds=${TGMESH_FUZZ_LONG_SECONDS:-3600}
out=$BUILD/fuzz-long

# One harness of the long run (also invoked by the --long mode below, one per xargs slot).
long_run() {
  name=$1
  work=$out/$name
  mkdir -p "$work/corpus" "$work/artifacts"
  rm -f "$work/FAILED"
  # The corpus is kept between long runs; the first one starts from the seeds.
  [ -n "$(ls -A "$work/corpus")" ] || cp fuzz/corpus/"$name"/* "$work/corpus/"
  set -- -runs="$runs" -max_total_time="$max_seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/"
  [ -f fuzz/dicts/"$name".dict ] && set -- "$@" -dict=fuzz/dicts/"$name".dict
  set -- "$@" "$work/corpus"
  [ -d fuzz/regressions/"$name" ] && set -- "$@" fuzz/regressions/"$name"
  start=$(date +%s)
  rc=0
  nice -n 10 "$BUILD/fuzz/$name" "$@" >"$out/$name.log" 2>&1 || rc=$?
  elapsed=$(($(date +%s) - start))
  last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$out/$name.log" | tail -1 |
    sed 's/^#[0-9]*[[:space:]]*[A-Z]*[[:space:]]*//')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$name.log")
  artifacts=$(find "$work/artifacts" -type f | wc -l)
  files=$(find "$work/corpus" -type f | wc -l)
  line="$name exit=$rc executions=${execs:-?} seconds=$elapsed exec/s=${rate:-?} crashes=$artifacts corpus_files=$files | $last"
  echo "$line" | tee -a "$out/summary.txt"
  if [ "$rc" -ne 0 ] || [ "$artifacts" -ne 0 ]; then touch "$work/FAILED"; fi
}

if [ "${1:-}" = --long-one ]; then
  long_run "$2"
  exit 0
fi

long=0
seconds=60
if [ "${1:-}" = --long ]; then
  long=1
  shift
elif [ -n "${1:-}" ] && [ "$1" -eq "$1" ] 2>/dev/null; then
  seconds=$1
  shift
fi
harnesses=${*:-$ALL}

# clang and its libFuzzer runtime (Debian 12: clang 14); llvm for llvm-symbolizer, so that a
# crash's stack names functions and lines.
missing=""
for pkg in clang libclang-rt-14-dev llvm; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "fuzz: installing$missing" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DTGMESH_FUZZ=ON -DTGMESH_FUZZ_SECONDS="$seconds" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)"

if [ "$long" -eq 0 ]; then
  regex=$(echo "$harnesses" | tr -s ' ' '\n' | sed 's/^/fuzz\\./' | paste -sd'|' -)
  exec ctest --test-dir "$BUILD" -L fuzz --output-on-failure -j"${TGMESH_FUZZ_JOBS:-$(nproc)}" \
    -R "^($regex)\$"
fi

# --- the long run ---------------------------------------------------------------------------
jobs=${TGMESH_FUZZ_JOBS:-1}
mkdir -p "$out"
echo "fuzz: long run ($runs executions or $max_seconds s per harness, $jobs at a time); logs in $out"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) runs=$runs max_total_time=$max_seconds" >>"$out/summary.txt"
echo "$harnesses" | tr -s ' ' '\n' | xargs -P "$jobs" -n 1 scripts/fuzz.sh --long-one
status=0
for name in $harnesses; do
  if [ -e "$out/$name/FAILED" ]; then
    echo "fuzz: $name failed; see $out/$name.log and $out/$name/artifacts (fuzz/README.md)" >&2
    status=1
  fi
done
exit $status
