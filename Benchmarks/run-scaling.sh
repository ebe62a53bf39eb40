#!/usr/bin/env bash
# Scaling with the cores: PivotBench (the CSV load, then Q1–Q7 and Q2pivot, release) beside DuckDB
# (../shared/bench/bench_duckdb.py with as many threads as cores), each pinned with taskset to the first N cores,
# for N = 1, 2, 4, … up to nproc. Prints the median seconds per stage and core count, each side's speed-up over one
# core, and, from the largest two core counts measured, the serial share that speed-up implies (the Karp–Flatt
# metric, e = (N/S − 1)/(N − 1) for speed-up S on N cores: the part of the work that behaved as if it ran on one core,
# contention for memory included) and the speed-up on 16 cores that share allows (Amdahl: 1/(e + (1 − e)/16)).
# Our checksums (exact) must be equal at every core count; DuckDB's (binary floating point) must agree with ours to
# 1e-9, except in Q3 and Q4, where the two harnesses' checksums sum different cells.
# ROUNDS (3) repeats each engine's sweep over the core counts and takes the median per figure: on a shared virtual
# machine one sweep's figures move by 10% or more.
#   Benchmarks/run-scaling.sh [ROWS]     default 5000000 rows of ../shared/bench/gen_focus.py
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/bench}
PY=$("$PEERS/setup.sh")
ROWS=${1:-5000000}
DATA=${BENCH_DATA:-/tmp/finops-bench}
mkdir -p "$DATA"
FILE="$DATA/peers_focus_${ROWS}.csv"
[ -f "$FILE" ] || "$PY" "$PEERS/gen_focus.py" --rows "$ROWS" --out "$FILE" >&2
export FINOPS_BENCHMARKS=1
swift build -c release --product PivotBench >&2
BIN=$(swift build -c release --show-bin-path)
OUT="$DATA/scaling-$ROWS"
rm -rf "$OUT" && mkdir -p "$OUT"
CORES=$(nproc)
counts=""
for n in 1 2 4 8 16 32 64 128; do [ "$n" -le "$CORES" ] && counts="$counts $n"; done
[ "${counts##* }" = "$CORES" ] || counts="$counts $CORES"
ROUNDS=${ROUNDS:-3}
# Each engine's sweeps run together: a process started just after DuckDB has freed its gigabytes ran our short
# queries up to twice as slowly (memory the kernel is still reclaiming), which would be measuring DuckDB's wake.
for round in $(seq 1 "$ROUNDS"); do
    for n in $counts; do
        taskset -c "0-$((n - 1))" "$BIN/PivotBench" "$FILE" --runs 5 > "$OUT/finops-$n-$round.json"
    done
done
for round in $(seq 1 "$ROUNDS"); do
    for n in $counts; do
        DUCKDB_THREADS=$n PEER_SCRIPT="$(realpath "$PEERS/bench_duckdb.py")" taskset -c "0-$((n - 1))" \
            "$PY" Benchmarks/peers/duckdb_threads.py "$FILE" --runs 5 --json "$OUT/duckdb-$n-$round.json" 2>/dev/null
    done
done
"$PY" - "$OUT" "$ROWS" "$ROUNDS" $counts <<'PYEOF'
import json, statistics, sys
out, rows, rounds, counts = sys.argv[1], sys.argv[2], int(sys.argv[3]), [int(c) for c in sys.argv[4:]]
stages = ["load", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q2pivot"]
def load(engine, n):
    return [json.load(open(f"{out}/{engine}-{n}-{r}.json")) for r in range(1, rounds + 1)]
ours = {n: load("finops", n) for n in counts}
duck = {n: load("duckdb", n) for n in counts}
def seconds(results, stage):
    """The median over the rounds of each round's figure (the load, or a query's median of 3)."""
    return statistics.median(r["load_s"] if stage == "load" else r["queries"][stage]["median_s"] for r in results)
problems = []
def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a))
for stage in stages[1:]:
    exact = {r["queries"][stage]["checksum"] for n in counts for r in ours[n]}
    if len(exact) != 1:
        problems.append(f"{stage}: our checksums differ between core counts or rounds: {exact}")
    theirs = [float(r["queries"][stage]["checksum"]) for n in counts for r in duck[n]]
    if not all(close(theirs[0], t) for t in theirs):
        problems.append(f"{stage}: DuckDB's checksums differ between thread counts: {theirs}")
    # The two harnesses sum the same cells except in Q3 (DuckDB's also sums the ROLLUP's subtotal rows) and Q4
    # (counts, which PivotBench's checksum, a sum of amounts, leaves out).
    mine = float(ours[counts[0]][0]["queries"][stage]["checksum"])
    if stage not in ("Q3", "Q4") and not close(mine, theirs[0]):
        problems.append(f"{stage}: DuckDB's checksum {theirs[0]} against ours {mine}")
print(f"## {rows} rows, cores {', '.join(map(str, counts))} of {counts[-1]} (taskset), seconds: the median of {rounds} "
      "sweeps, each figure the median of 5 runs (the load: one per sweep)")
print()
print("| stage | " + " | ".join(f"ours {n} | DuckDB {n}" for n in counts) + " | speed-up ours / DuckDB |")
print("|---|" + "---|---|" * len(counts) + "---|")
for stage in stages:
    cells = []
    for n in counts:
        cells += [f"{seconds(ours[n], stage):.3f}", f"{seconds(duck[n], stage):.3f}"]
    first, last = counts[0], counts[-1]
    speedups = (seconds(ours[first], stage) / seconds(ours[last], stage),
                seconds(duck[first], stage) / seconds(duck[last], stage))
    print(f"| {stage} | " + " | ".join(cells) + f" | {speedups[0]:.2f}× / {speedups[1]:.2f}× |")
print()
if len(counts) >= 2:
    low, high = counts[-2], counts[-1]
    print(f"Serial share from {low} to {high} cores (Karp–Flatt) and the speed-up on 16 cores it allows (Amdahl):")
    print()
    print("| stage | ours: share | ours: 16 cores | DuckDB: share | DuckDB: 16 cores |")
    print("|---|---|---|---|---|")
    for stage in stages:
        row = []
        for result in (ours, duck):
            speedup = seconds(result[low], stage) / seconds(result[high], stage)
            ratio = high / low
            share = (ratio / speedup - 1) / (ratio - 1)
            bound = 1 / (share + (1 - share) / 16) if share > 0 else 16.0
            row += [f"{share:.3f}", f"{bound:.1f}×"]
        print(f"| {stage} | " + " | ".join(row) + " |")
print()
print("checksums: " + ("ours equal at every core count, and DuckDB's equal to ours" if not problems else "; ".join(problems)))
sys.exit(1 if problems else 0)
PYEOF
