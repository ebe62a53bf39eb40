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
export FINOPS_BENCHMARKS=1
swift build -c release --product PushDownBench >&2
BIN=$(swift build -c release --show-bin-path)
eval "$(.ci/postgres.sh start)"
trap '.ci/postgres.sh stop "$FINOPS_TEST_POSTGRES_DIR" >/dev/null 2>&1 || true' EXIT
"$BIN/PushDownBench" --url "$FINOPS_TEST_POSTGRES_URL" --load "$FILE" --runs 3 | "$PY" -c '
import json, sys
data = json.load(sys.stdin)
print(f"## {data[\"rows\"]:,} rows: load {data[\"load_s\"]:.1f} s; medians of {data[\"runs\"]} runs, seconds")
print("| query | push-down (PGStore + PivotKit) | hand-written SQL in psql | ratio |")
print("|---|---|---|---|")
for name in ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q2pivot"]:
    q = data["queries"][name]
    print(f"| {name} | {q[\"pushdown_s\"]:.3f} | {q[\"psql_s\"]:.3f} | {q[\"ratio\"]:.2f}× |")
'
