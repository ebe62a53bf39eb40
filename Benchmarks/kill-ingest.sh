#!/usr/bin/env bash
# Crash safety of the embedded store under SIGKILL, TRIALS times: a store holds a baseline load of the source
# `billing`; each trial starts `finops ingest` of a larger export into the same source and kills it with SIGKILL at a
# random moment of its run (uniform over the time a whole ingest takes, measured first). After each kill the store
# must hold either the baseline or the new load — each whole: `finops periods` equal to one of the two recorded
# listings (row counts, exact totals, checksums) — and `finops verify` must pass (every period file read back and
# checked). A trial that left the new load puts the baseline back before the next. Prints one line per outcome.
#   Benchmarks/kill-ingest.sh [TRIALS] [ROWS]     TRIALS default 100, ROWS of the larger export default 300000
set -euo pipefail
cd "$(dirname "$0")/.."
TRIALS=${1:-100}
ROWS=${2:-300000}
WORK=${KILL_INGEST_DIR:-/tmp/finops-kill-ingest}
rm -rf "$WORK"
mkdir -p "$WORK"
swift build -c release --product finops >&2
FINOPS="$(swift build -c release --show-bin-path)/finops"
"$FINOPS" sample --rows 2000 --seed 1 --out "$WORK/baseline.csv" >/dev/null
"$FINOPS" sample --rows "$ROWS" --seed 2 --out "$WORK/big.csv" >/dev/null
STORE="$WORK/store"
listing() { "$FINOPS" periods --store "$STORE" --format json | python3 -c '
import json, sys
print(json.dumps([{k: v for k, v in p.items() if k != "loadedAt"} for p in json.load(sys.stdin)], sort_keys=True))'; }

"$FINOPS" ingest "$WORK/big.csv" --source billing --store "$STORE" >/dev/null
NEW=$(listing)
started=$(date +%s.%N)
"$FINOPS" ingest "$WORK/big.csv" --source billing --store "$STORE" >/dev/null
WHOLE=$(python3 -c "import time; print(time.time() - $started)")
"$FINOPS" ingest "$WORK/baseline.csv" --source billing --store "$STORE" >/dev/null
OLD=$(listing)
echo "a whole ingest of $ROWS rows takes ${WHOLE%.*}.$(echo "${WHOLE#*.}" | cut -c1-2) s; $TRIALS trials, kills uniform over 0..that" >&2

old=0; new=0; failed=0
for trial in $(seq 1 "$TRIALS"); do
    delay=$(python3 -c "import random; print(random.uniform(0, $WHOLE))")
    "$FINOPS" ingest "$WORK/big.csv" --source billing --store "$STORE" >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    now=$(listing)
    if ! "$FINOPS" verify --store "$STORE" >/dev/null 2>"$WORK/verify.err"; then
        failed=$((failed + 1)); echo "trial $trial (kill after ${delay} s): verify failed: $(cat "$WORK/verify.err")"
    elif [ "$now" = "$OLD" ]; then
        old=$((old + 1))
    elif [ "$now" = "$NEW" ]; then
        new=$((new + 1))
        "$FINOPS" ingest "$WORK/baseline.csv" --source billing --store "$STORE" >/dev/null
    else
        failed=$((failed + 1)); echo "trial $trial (kill after ${delay} s): the store holds neither load: $now"
    fi
done
echo "trials: $TRIALS; baseline intact: $old; new load whole (the kill came after its commit): $new; failures: $failed"
[ "$failed" -eq 0 ]
