#!/bin/sh
# The plugin as the broker loads it: only the three entry points exported, no libmosquitto,
# bound at load (-z now) and never unloaded (-z nodelete), only broker functions from the
# documented plugin API (src/linker.syms of 2.0.x) left undefined.
set -eu
so="$1"
fail() { echo "check_plugin_binary: $*" >&2; exit 1; }

exports=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ')
[ "$exports" = "mosquitto_plugin_cleanup mosquitto_plugin_init mosquitto_plugin_version " ] ||
  fail "exports must be the three plugin entry points, got: $exports"

readelf -d "$so" | grep -q 'NEEDED.*libmosquitto' && fail "must not link libmosquitto"
readelf -d "$so" | grep -q 'FLAGS_1.*NOW' || fail "not linked with -z now"
readelf -d "$so" | grep -q 'FLAGS_1.*NODELETE' || fail "not linked with -z nodelete"

allowed="mosquitto_broker_publish mosquitto_callback_register mosquitto_callback_unregister
mosquitto_client_id mosquitto_client_username mosquitto_free mosquitto_log_printf mosquitto_malloc mosquitto_pub_topic_check
mosquitto_validate_utf8"
for sym in $(nm -D --undefined-only "$so" | awk '{print $2}' | grep '^mosquitto_' || true); do
  echo "$allowed" | tr " " "\n" | grep -qx "$sym" || fail "uses broker function $sym outside the allowed list"
done
echo "check_plugin_binary: ok"
