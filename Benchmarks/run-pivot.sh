#!/usr/bin/env bash
# Pivot benchmark: PivotKit (release) beside DuckDB, polars and pandas running Q1–Q7 and Q2pivot on the same file,
# in one sitting, with the peer scripts of ../shared/bench.
#   Benchmarks/run-pivot.sh [ROWS ...]        default: 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/bench}
[ -x "$PEERS/run_peers.sh" ] || { echo "needs the peer scripts in $PEERS (set PEERS=…)" >&2; exit 2; }
PY=$("$PEERS/setup.sh")
DATA=${BENCH_DATA:-/tmp/finops-bench}
mkdir -p "$DATA"
export FINOPS_BENCHMARKS=1
swift build -c release --product PivotBench >&2
BIN=$(swift build -c release --show-bin-path)

for ROWS in "${@:-1000000}"; do
    FILE="$DATA/peers_focus_${ROWS}.csv"
    [ -f "$FILE" ] || "$PY" "$PEERS/gen_focus.py" --rows "$ROWS" --out "$FILE" >&2
    OUT="$DATA/pivot-results-$ROWS"
    rm -rf "$OUT" && mkdir -p "$OUT"
    /usr/bin/time -v -o "$OUT/finops.time" "$BIN/PivotBench" "$FILE" --runs 3 > "$OUT/finops.json"
    BENCH_OUT="$OUT" "$PEERS/run_peers.sh" "$FILE" "duckdb polars pandas" > /dev/null
    echo "## $ROWS rows ($(nproc) cores, median of 3 runs, seconds)"
    "$PY" - "$OUT" <<'PYEOF'
import json, glob, os, re, sys
out = sys.argv[1]
engines = {}
for path in sorted(glob.glob(os.path.join(out, "*.json"))):
    data = json.load(open(path))
    rss = None
    timing = path[:-5] + ".time"
    if os.path.exists(timing):
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(timing).read())
        rss = int(match.group(1)) / 1024 if match else None
    engines[data["engine"]] = (data, rss)
ours = engines.pop("finops-pivotkit")
queries = ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q2pivot"]
names = list(engines)
print("| query | PivotKit | " + " | ".join(names) + " | " + " | ".join(f"÷ {n}" for n in names) + " |")
print("|---|---|" + "---|" * (2 * len(names)))
for q in queries + ["load"]:
    def time(d):
        return d["load_s"] if q == "load" else d["queries"][q]["median_s"] if q in d["queries"] else None
    mine = time(ours[0])
    theirs = [time(engines[name][0]) for name in names]
    cells = [f"{t:.4f}" if t else "-" for t in theirs]
    ratios = [f"{mine / t:.2f}" if t else "-" for t in theirs]
    print(f"| {q} | {mine:.4f} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
print("| peak RSS MB | " + f"{ours[1]:.0f} | " + " | ".join(f"{engines[n][1]:.0f}" if engines[n][1] else "-" for n in names) + " |" + " |" * len(names))
PYEOF
done
