#!/usr/bin/env bash
# Flow engine overhead: FlowEngine (release) on W1–W4 beside the peers of ../shared/bench/flows (asyncio and graphlib
# floors, luigi, dagster, prefect), in one sitting, each case in RUNS separate processes (median).
#   Benchmarks/run-flows.sh [ENGINES]      ENGINES default: "asyncio graphlib luigi dagster prefect"
# Env: RUNS (default 3); N_<case>_<W> as in run_peers.sh to shorten slow peers (e.g. N_dagster_W4=1000).
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/bench/flows}
[ -x "$PEERS/run_peers.sh" ] || { echo "needs the peer scripts in $PEERS (set PEERS=…)" >&2; exit 2; }
ENGINES=${1:-"asyncio graphlib luigi dagster prefect"}
RUNS=${RUNS:-3}
OUT=${FLOW_BENCH_OUT:-/tmp/flowbench/results-finops-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
export FINOPS_BENCHMARKS=1
swift build -c release --product FlowBench >&2
BIN=$(swift build -c release --show-bin-path)
"$BIN/FlowBench" --workload S --n 100 > "$OUT/suite.S.100.json"
echo "100-case test suite: $(cat "$OUT/suite.S.100.json")" >&2
for case in "W1 10000" "W2 1000" "W3 1000" "W4 10000"; do
    read -r workload n <<< "$case"
    for rep in $(seq 1 "$RUNS"); do
        /usr/bin/time -v -o "$OUT/finops.$workload.$n.$rep.time" "$BIN/FlowBench" --workload "$workload" --n "$n" \
            > "$OUT/finops.$workload.$n.$rep.out"
    done
done
FLOW_BENCH_OUT="$OUT" FLOW_BENCH_RUNS="$RUNS" "$PEERS/run_peers.sh" "$ENGINES" > /dev/null
PY=$("$PEERS/setup.sh")
"$PY" - "$OUT" <<'PYEOF'
import glob, json, os, re, statistics, sys
out = sys.argv[1]
rows = {}
for path in glob.glob(os.path.join(out, "*.out")):
    name = os.path.basename(path).split(".")
    case, workload = name[0], name[1]
    try:
        data = json.loads(open(path).read().strip().splitlines()[-1])
    except Exception:
        continue
    timing = open(path[:-4] + ".time").read() if os.path.exists(path[:-4] + ".time") else ""
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", timing)
    data["peak_rss_mb"] = int(match.group(1)) / 1024 if match else None
    rows.setdefault((case, workload, data["n"]), []).append(data)
def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
ours = {w: rows[k] for k in rows if k[0] == "finops" for w in [k[1]]}
print("| engine | workload | n | runs | seconds | µs/task | executions/s | peak RSS MB | µs/task ÷ FlowEngine |")
print("|---|---|---|---|---|---|---|---|---|")
for (case, workload, n) in sorted(rows, key=lambda k: (k[1], k[0] != "finops", k[0], k[2])):
    runs = rows[(case, workload, n)]
    per_task = median([r["per_task_us"] for r in runs])
    base = median([r["per_task_us"] for r in ours.get(workload, [])])
    eps = median([r.get("executions_per_s") for r in runs])
    ratio = f"{per_task / base:,.1f}×" if base and per_task else "–"
    print(f"| {case} | {workload} | {n:,} | {len(runs)} | {median([r['seconds'] for r in runs]):.4f} | {per_task:,.1f} | "
          f"{'–' if eps is None else f'{eps:,.0f}'} | {median([r['peak_rss_mb'] for r in runs]) or 0:.0f} | {ratio} |")
PYEOF
