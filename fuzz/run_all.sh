#!/usr/bin/env bash
# Fuzz every target one after the other (one core), each for SECONDS_EACH seconds
# (default 1200), seeded from fuzz/corpus/<target>. The targets are built once, then
# their binaries run directly, so editing the sources during a long session does not
# rebuild anything. libFuzzer's new inputs go to /tmp/losscape-fuzz/corpus/<target> so
# the committed seeds stay small. Logs: /tmp/losscape-fuzz/<target>.log and
# /tmp/losscape-fuzz/summary.log; crashes: fuzz/artifacts/<target>/.
# Usage: fuzz/run_all.sh [target...]   (default: all five; NO_BUILD=1 runs the binaries
# already built)
set -u
cd "$(dirname "$0")"
SECONDS_EACH="${SECONDS_EACH:-1200}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(config csv idx weights npy)
logs=/tmp/losscape-fuzz
mkdir -p "$logs"
if [ -z "${NO_BUILD:-}" ]; then
    cargo +nightly fuzz build -O >"$logs/build.log" 2>&1 || {
        echo "build failed: see $logs/build.log"; exit 1; }
fi
bin_dir=target/x86_64-unknown-linux-gnu/release
for t in "${targets[@]}"; do
    mkdir -p "$logs/corpus/$t" "artifacts/$t"
    echo "$(date -u +%FT%TZ) start $t for ${SECONDS_EACH}s" >>"$logs/summary.log"
    "$bin_dir/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$SECONDS_EACH" \
        -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
        "$logs/corpus/$t" "corpus/$t" >"$logs/$t.log" 2>&1
    rc=$?
    echo "$(date -u +%FT%TZ) end $t rc=$rc $(grep -E '^Done' "$logs/$t.log" | tail -1)" \
        >>"$logs/summary.log"
done
