#!/usr/bin/env bash
# A failing disk under `finops ingest` into an embedded store. A store holds a baseline load of the source `billing`;
# a first ingest of a larger export, with Tests/FaultInjection/fault_injection.c preloaded, counts the write, fsync,
# rename, open and mkdir calls it makes under the store. Then, for every one of those calls in turn, a fresh copy of
# the baseline store is loaded again with that call failing (ENOSPC for writes, opens and mkdir, EIO for fsync and
# rename), and once more for every write with all later writes failing too (a disk that stays full). Each trial must
# exit 1 with an error naming a file of the store, leave either the baseline (`finops periods` equal, apart from load
# times) or, when the error says the change is visible but not durable, the whole new load; `finops verify` must
# pass, no staging file or unlisted period file may be left, and the same ingest without the fault must then succeed.
# Where this user may mount a tmpfs (root), a last trial fills a real 3 MiB disk. Prints one line per call kind.
#   Benchmarks/fault-inject.sh [ROWS]     ROWS of the larger export, default 200000
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-200000}
WORK=${FAULT_INJECT_DIR:-/tmp/finops-fault-inject}
rm -rf "$WORK"
mkdir -p "$WORK"
swift build -c release --product finops >&2
FINOPS="$(swift build -c release --show-bin-path)/finops"
COMPILER=$(command -v clang || command -v cc)
"$COMPILER" -shared -fPIC -O2 -o "$WORK/libfault.so" Tests/FaultInjection/fault_injection.c -ldl
"$FINOPS" sample --rows 2000 --seed 1 --out "$WORK/baseline.csv" >/dev/null
"$FINOPS" sample --rows "$ROWS" --seed 2 --out "$WORK/new.csv" >/dev/null
listing() { "$FINOPS" periods --store "$1" --format json | python3 -c '
import json, sys
print(json.dumps([{k: v for k, v in p.items() if k != "loadedAt"} for p in json.load(sys.stdin)], sort_keys=True))'; }
files() { find "$1/data" -name '*.fcol' | wc -l; }

TEMPLATE="$WORK/template"
"$FINOPS" ingest "$WORK/baseline.csv" --source billing --store "$TEMPLATE" >/dev/null
OLD=$(listing "$TEMPLATE")
cp -a "$TEMPLATE" "$WORK/counted"
FINOPS_FAULT_PATH="$WORK/counted" FINOPS_FAULT_COUNTS="$WORK/counts" LD_PRELOAD="$WORK/libfault.so" \
    "$FINOPS" ingest "$WORK/new.csv" --source billing --store "$WORK/counted" >/dev/null
NEW=$(listing "$WORK/counted")
NEW_FILES=$(files "$WORK/counted")
OLD_FILES=$(files "$TEMPLATE")
echo "an ingest of $ROWS rows makes, under the store: $(tr '\n' ' ' < "$WORK/counts")" >&2

# One trial: CALL AT STICKY. Prints the outcome: old, new or a failure with its reason.
trial() {
    local call=$1 at=$2 sticky=$3 store="$WORK/trial" status=0
    rm -rf "$store"; cp -a "$TEMPLATE" "$store"
    FINOPS_FAULT_PATH="$store" FINOPS_FAULT_CALL="$call" FINOPS_FAULT_AT="$at" FINOPS_FAULT_STICKY="$sticky" \
        LD_PRELOAD="$WORK/libfault.so" "$FINOPS" ingest "$WORK/new.csv" --source billing --store "$store" \
        >/dev/null 2>"$WORK/err" || status=$?
    local now; now=$(listing "$store")
    if [ "$status" -ne 1 ]; then echo "exit $status: $(cat "$WORK/err")"; return; fi
    if ! grep -q "$store" "$WORK/err"; then echo "the error names no file: $(cat "$WORK/err")"; return; fi
    if ! "$FINOPS" verify --store "$store" >/dev/null 2>&1; then echo "verify failed"; return; fi
    if [ -n "$(ls -A "$store/staging" 2>/dev/null)" ] || [ -e "$store/manifest.json.tmp" ]; then
        echo "staging left"; return
    fi
    local outcome
    if [ "$now" = "$OLD" ] && [ "$(files "$store")" -eq "$OLD_FILES" ]; then
        outcome=old
    elif [ "$now" = "$NEW" ] && grep -q "may not survive a power loss" "$WORK/err"; then
        outcome=new
    else
        echo "the store holds neither load whole"; return
    fi
    "$FINOPS" ingest "$WORK/new.csv" --source billing --store "$store" >/dev/null 2>&1 || { echo "retry failed"; return; }
    if [ "$(listing "$store")" != "$NEW" ] || [ "$(files "$store")" -ne "$NEW_FILES" ]; then
        echo "the retry left a wrong store"; return
    fi
    echo "$outcome"
}

total_failures=0
run_kind() {
    local call=$1 count=$2 sticky=$3 old=0 new=0 failed=0 at outcome
    for at in $(seq 1 "$count"); do
        outcome=$(trial "$call" "$at" "$sticky")
        case $outcome in
        old) old=$((old + 1)) ;;
        new) new=$((new + 1)) ;;
        *) failed=$((failed + 1)); echo "  $call #$at (sticky $sticky): $outcome" ;;
        esac
    done
    local label=$call
    [ "$sticky" = 1 ] && label="$call, and every later one"
    echo "$label: $count trials; baseline intact: $old; new load visible, reported not durable: $new; failures: $failed"
    total_failures=$((total_failures + failed))
}
while read -r call count; do
    run_kind "$call" "$count" 0
done < "$WORK/counts"
run_kind write "$(awk '$1 == "write" {print $2}' "$WORK/counts")" 1

# A real full disk, where mounting is allowed.
disk="$WORK/disk"
mkdir -p "$disk"
if mount -t tmpfs -o size=3m tmpfs "$disk" 2>/dev/null; then
    cp -a "$TEMPLATE" "$disk/store"
    free_before=$(df --output=avail -B1 "$disk" | tail -1)
    status=0
    "$FINOPS" ingest "$WORK/new.csv" --source billing --store "$disk/store" >/dev/null 2>"$WORK/err" || status=$?
    free_after=$(df --output=avail -B1 "$disk" | tail -1)
    if [ "$status" -eq 1 ] && grep -q "No space left on device" "$WORK/err" && [ "$(listing "$disk/store")" = "$OLD" ] \
        && "$FINOPS" verify --store "$disk/store" >/dev/null 2>&1 && [ "$free_after" = "$free_before" ]; then
        echo "3 MiB tmpfs: 1 trial; baseline intact, space freed: 1; failures: 0"
    else
        echo "3 MiB tmpfs: 1 trial; failures: 1 (exit $status, free $free_before then $free_after: $(cat "$WORK/err"))"
        total_failures=$((total_failures + 1))
    fi
    umount "$disk"
else
    echo "3 MiB tmpfs: not run (this user cannot mount one)"
fi
[ "$total_failures" -eq 0 ]
