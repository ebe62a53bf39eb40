#!/usr/bin/env bash
# The cost of orchestration: a 12-task review flow (Benchmarks/flows/review_12.yml: ingest, pivot, anomalies,
# forecast, budgets, allocation, tag coverage, commitments, reconciliation, report, metrics, a log line) over ROWS
# rows of `finops sample` (four months, the last one cut at day 18), each run a fresh `finops run` process on a new
# embedded store (release build). Prints, per run and as medians, the process's wall time, the execution's time on
# the engine's clock, the sum of the task runs' own times, and the engine's overhead: execution minus the tasks
# (scheduling, expressions, recording) and its share.
#   Benchmarks/run-review-flow.sh [ROWS]      ROWS default 1000000; RUNS (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
RUNS=${RUNS:-3}
WORK=${REVIEW_BENCH_DIR:-/tmp/finops-review-bench}
mkdir -p "$WORK"
swift build -c release --product finops >&2
FINOPS="$(swift build -c release --show-bin-path)/finops"
SAMPLE="$WORK/sample-$ROWS.csv"
[ -s "$SAMPLE" ] || "$FINOPS" sample --rows "$ROWS" --seed 7 --months 4 --last-month-days 18 --out "$SAMPLE"
echo "$(nproc) cores, $(du -h "$SAMPLE" | cut -f1) export of $ROWS rows, $RUNS runs" >&2
python3 - "$FINOPS" "$SAMPLE" "$WORK" "$RUNS" <<'PYEOF'
import json, shutil, statistics, subprocess, sys, time
finops, sample, work, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
results = []
for run in range(runs):
    store, output = f"{work}/store-{run}", f"{work}/output-{run}"
    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(output, ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run(
        [finops, "run", "Benchmarks/flows/review_12.yml", "--store", store, "--output", output,
         "--input", f"export={sample}", "--format", "json"],
        capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"run {run} failed: {done.stderr[-2000:]}")
    execution = json.loads(done.stdout)
    tasks = {r["taskId"]: float(r["durationMs"]) / 1000 for r in execution["taskRuns"]}
    if len(tasks) != 12 or any(r["state"] not in ("SUCCESS", "WARNING") for r in execution["taskRuns"]):
        sys.exit(f"run {run}: expected 12 successful task runs, got {[(r['taskId'], r['state']) for r in execution['taskRuns']]}")
    rows = next(r for r in execution["taskRuns"] if r["taskId"] == "ingest")["outputs"]["rows"]
    assert rows == int(sys.argv[2].split("-")[-1].split(".")[0]), f"ingested {rows} rows"
    total = float(execution["durationMs"]) / 1000
    results.append(dict(wall=wall, execution=total, tasks=sum(tasks.values()), per_task=tasks))
    shutil.rmtree(store, ignore_errors=True)
med = lambda key: statistics.median(r[key] for r in results)
print("| run | process wall s | execution s | Σ task runs s | engine overhead ms | overhead share |")
print("|---|---|---|---|---|---|")
for i, r in enumerate(results + [dict(wall=med("wall"), execution=med("execution"), tasks=med("tasks"))]):
    label = "median" if i == len(results) else str(i + 1)
    overhead = r["execution"] - r["tasks"]
    print(f"| {label} | {r['wall']:.3f} | {r['execution']:.3f} | {r['tasks']:.3f} | {overhead * 1000:.2f} | "
          f"{overhead / r['execution'] * 100:.3f}% |")
print()
print("| task | median s |")
print("|---|---|")
for task in results[0]["per_task"]:
    print(f"| {task} | {statistics.median(r['per_task'][task] for r in results):.3f} |")
print(f"\nprocess start, flow parsing and store open/close (wall − execution), median: "
      f"{(med('wall') - med('execution')) * 1000:.1f} ms")
PYEOF
