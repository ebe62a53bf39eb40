#!/usr/bin/env bash
# Pivot push-down: Q1–Q7 and Q2pivot compiled by PivotKit and run on PostgreSQL through PGStore, beside the same
# questions as hand-written SQL run by psql, on the peers' generated FOCUS-like file, in one sitting.
#   Benchmarks/run-pushdown.sh [ROWS]        default: 1000000
# Starts its own throwaway PostgreSQL server (.ci/postgres.sh) and stops it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/bench}
ROWS=${1:-1000000}
PY=$("$PEERS/setup.sh")
DATA=${BENCH_DATA:-/tmp/finops-bench}
mkdir -p "$DATA"
FILE="$DATA/peers_focus_${ROWS}.csv"
[ -f "$FILE" ] || "$PY" "$PEERS/gen_focus.py" --rows "$ROWS" --out "$FILE" >&2
# A store splits rows by billing period: the peers' file has none, so each row gets its charge month's.
STORED="$DATA/peers_focus_${ROWS}_periods.csv"
[ -f "$STORED" ] || awk 'NR == 1 { print "BillingPeriodStart,BillingPeriodEnd,BillingCurrency," $0; next }
    { y = substr($0, 1, 4) + 0; m = substr($0, 6, 2) + 0; ny = m == 12 ? y + 1 : y; nm = m == 12 ? 1 : m + 1
      printf "%04d-%02d-01T00:00:00Z,%04d-%02d-01T00:00:00Z,USD,%s\n", y, m, ny, nm, $0 }' "$FILE" > "$STORED"
export FINOPS_BENCHMARKS=1
swift build -c release --product PushDownBench >&2
BIN=$(swift build -c release --show-bin-path)
eval "$(.ci/postgres.sh start)"
trap '.ci/postgres.sh stop "$FINOPS_TEST_POSTGRES_DIR" >/dev/null 2>&1 || true' EXIT
"$BIN/PushDownBench" --url "$FINOPS_TEST_POSTGRES_URL" --load "$STORED" --runs 3 > "$DATA/pushdown-$ROWS.json"
# The physical limit of loading: psql \copy of the same rows (exported as COPY text) into the same, emptied table.
COPYFILE="$DATA/pushdown-$ROWS.copy"
psql "$FINOPS_TEST_POSTGRES_URL" -X -q -c "\copy (SELECT * FROM finops.cost_rows) TO '$COPYFILE'"
psql "$FINOPS_TEST_POSTGRES_URL" -X -q -c "TRUNCATE finops.cost_rows"
COPY_START=$(date +%s.%N)
psql "$FINOPS_TEST_POSTGRES_URL" -X -q -c "\copy finops.cost_rows FROM '$COPYFILE'"
COPY_END=$(date +%s.%N)
rm -f "$COPYFILE"
echo "$COPY_END - $COPY_START" | bc > "$DATA/pushdown-$ROWS.psqlcopy"
"$PY" - "$DATA/pushdown-$ROWS.json" <<'PYEOF'
import json, sys
data = json.load(open(sys.argv[1]))
rows, load, runs = data["rows"], data["load_s"], data["runs"]
copy = float(open(sys.argv[1].replace(".json", ".psqlcopy")).read())
print(f"## {rows:,} rows: PostgresCostStore.replace from the CSV {load:.1f} s; psql \\copy of the same rows {copy:.1f} s ({load / copy:.2f}×)")
print(f"Pivots: medians of {runs} runs, seconds")
print("| query | push-down (PGStore + PivotKit) | hand-written SQL in psql | ratio |")
print("|---|---|---|---|")
for name in ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q2pivot"]:
    q = data["queries"][name]
    ours, theirs, ratio = q["pushdown_s"], q["psql_s"], q["ratio"]
    print(f"| {name} | {ours:.3f} | {theirs:.3f} | {ratio:.2f}× |")
PYEOF
