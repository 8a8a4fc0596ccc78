#!/usr/bin/env bash
# tgmesh benchmarks (issue 6): one command that builds what it needs, runs every benchmark and
# prints one table.
#
#   bench/run.sh            # the full run: a few minutes on 2 cores
#   bench/run.sh --quick    # tiny sizes: a smoke run (under a minute)
#   bench/run.sh --only flood,memory     # a subset (flood, uplink, downlink_latency, memory,
#                                        # downlinks; codec = the C++ micro-benchmarks)
#   bench/run.sh --no-build # use what build-bench/ already has
#
# Builds a Release plugin in build-bench/ (with -DTGMESH_BENCH=ON, which adds the
# C++ benchmarks of bench/codec/ when they exist).
# Raw results: build-bench/bench-results.json (the codec benchmark's own output:
# build-bench/codec-bench.txt).  Needs mosquitto (/usr/sbin/mosquitto, or $MOSQUITTO),
# python3 with python3-cryptography, cmake and the plugin's build dependencies.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$PWD
BUILD=$REPO/build-bench
QUICK=0
BUILD_IT=1
ONLY=""
PASS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; PASS+=(--quick) ;;
        --no-build) BUILD_IT=0 ;;
        --only) ONLY=$2; shift ;;
        --only=*) ONLY=${1#--only=} ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
wants() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
T0=$(date +%s)

# Every temp dir of this run (brokers' work dirs, flood files, state files) lives under one
# directory that goes away however the benchmark ends.  The helper processes and brokers die
# with the benchmark (parent-death signal).
RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tgmesh-bench-run.XXXXXX")
export TMPDIR=$RUN_TMP
CHILD=""
trap 'rm -rf "$RUN_TMP"' EXIT
trap '[ -n "$CHILD" ] && kill -TERM "$CHILD" 2>/dev/null && wait "$CHILD"; exit 130' INT TERM
# Runs a command in the background and waits for it, so that a signal to this script reaches
# it (bash would otherwise run the trap only after the command ended).
run() { "$@" & CHILD=$!; local rc=0; wait "$CHILD" || rc=$?; CHILD=""; return $rc; }

# --- build ---------------------------------------------------------------------------------
if [ "$BUILD_IT" = 1 ]; then
    log "building the Release plugin in $BUILD"
    # Release with -O2, as Debian builds packages (CMake's Release default is -O3).
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
        -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DTGMESH_BENCH=ON -DTGMESH_TESTS=OFF >"$RUN_TMP/cmake.log" 2>&1 \
        || { cat "$RUN_TMP/cmake.log" >&2; exit 1; }
    JOBS=$(nproc)
    cmake --build "$BUILD" -j "$JOBS" --target mosquitto_tgmesh >/dev/null \
        || { log "the plugin does not build"; cmake --build "$BUILD" --target mosquitto_tgmesh; exit 1; }
    # Optional targets: the C++ benchmarks (bench/codec/).
    for target in codec_bench make_big_state; do
        if cmake --build "$BUILD" -j "$JOBS" --target "$target" >"$BUILD/build-$target.log" 2>&1; then
            rm -f "$BUILD/build-$target.log"
        else
            log "skipped: $target does not build here (see $BUILD/build-$target.log)"
            # No stale binary from an earlier build stands in for it.
            rm -f "$BUILD/$target.so" "$BUILD/bench/codec/$target"
        fi
    done
fi
[ -f "$BUILD/mosquitto_tgmesh.so" ] || { echo "no $BUILD/mosquitto_tgmesh.so: run without --no-build" >&2; exit 1; }

# --- item 4: codec micro-benchmarks (C++, bench/codec/) -------------------------------------
CODEC_TXT=$BUILD/codec-bench.txt
rm -f "$CODEC_TXT"
if wants codec; then
    if [ -x "$BUILD/bench/codec/codec_bench" ]; then
        log "codec_bench"
        ARGS=()
        [ "$QUICK" = 1 ] && ARGS+=(--quick)
        if ! run timeout 300 "$BUILD/bench/codec/codec_bench" "${ARGS[@]}" >"$CODEC_TXT" 2>"$CODEC_TXT.stderr"; then
            log "codec_bench failed:"; cat "$CODEC_TXT.stderr" >&2
            echo "METRIC name=codec_bench_failed unit=- median=- min=- max=- target=- met=no" >>"$CODEC_TXT"
        fi
        rm -f "$CODEC_TXT.stderr"
    else
        log "skipped: codec throughput (item 4): $BUILD/bench/codec/codec_bench not built"
        echo "SKIPPED codec_bench not built" >"$CODEC_TXT"
    fi
fi

# --- items 1, 2, 3, 5, 6: the broker with and without the plugin ---------------------------
PY_ONLY=""
if [ -n "$ONLY" ]; then
    PY_ONLY=$(printf '%s' "$ONLY" | tr ',' '\n' | grep -v '^codec$' | paste -sd, -) || true
fi
RC=0
if [ -z "$ONLY" ] || [ -n "$PY_ONLY" ]; then
    ARGS=(--build-dir "$BUILD" --json "$BUILD/bench-results.json" --codec-output "$CODEC_TXT" "${PASS[@]}")
    [ -n "$PY_ONLY" ] && ARGS+=(--only "$PY_ONLY")
    run python3 "$REPO/bench/broker_bench.py" "${ARGS[@]}" || RC=$?
else
    run python3 "$REPO/bench/broker_bench.py" --build-dir "$BUILD" --json "$BUILD/bench-results.json" \
        --codec-output "$CODEC_TXT" --only none "${PASS[@]}" || RC=$?
fi
log "done in $(( $(date +%s) - T0 )) s"
exit $RC
