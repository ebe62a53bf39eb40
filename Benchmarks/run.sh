#!/usr/bin/env bash
# Ingest benchmark: FinOpsCore (release) beside DuckDB on the same generated FOCUS 1.2 file, in one sitting.
#   Benchmarks/run.sh [ROWS ...]        default: 1000000
# Needs python3 with duckdb: BENCH_PYTHON, else ../shared/bench/setup.sh's venv, else a venv made here.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS_LIST=("${@:-1000000}")
DATA=${BENCH_DATA:-/tmp/finops-bench}
mkdir -p "$DATA"

if [ -z "${BENCH_PYTHON:-}" ]; then
    if [ -x ../shared/bench/setup.sh ]; then
        BENCH_PYTHON=$(../shared/bench/setup.sh)
    else
        [ -x "$DATA/venv/bin/python" ] || { python3 -m venv "$DATA/venv" && "$DATA/venv/bin/pip" install -q duckdb; }
        BENCH_PYTHON="$DATA/venv/bin/python"
    fi
fi

export FINOPS_BENCHMARKS=1
swift build -c release --product IngestBench >&2
swift build -c release --product finops >&2
BIN=$(swift build -c release --show-bin-path)

for ROWS in "${ROWS_LIST[@]}"; do
    FILE="$DATA/focus_sample_${ROWS}.csv"
    [ -f "$FILE" ] || "$BIN/finops" sample --rows "$ROWS" --seed 42 --out "$FILE"
    RUNS=3
    [ "$ROWS" -ge 5000000 ] && RUNS=1
    echo "## $ROWS rows, $(du -h "$FILE" | cut -f1) ($(nproc) cores, runs: $RUNS, median)"
    OURS=$("$BIN/IngestBench" "$FILE" --runs "$RUNS")
    PEERS=$("$BENCH_PYTHON" Benchmarks/peers/duckdb_load.py "$FILE" --runs "$RUNS")
    "$BENCH_PYTHON" - "$OURS" "$PEERS" <<'PYEOF'
import json, sys
ours = json.loads(sys.argv[1])
peers = [json.loads(line) for line in sys.argv[2].splitlines() if line.strip()]
print("| engine | load s | rows/s | ratio to FinOpsCore ingest | memory bytes/row | disk bytes/row |")
print("|---|---|---|---|---|---|")
t = ours["ingest_s"]
print(f"| FinOpsCore ingest (parse+validate+store, fsync) | {t:.2f} | {ours['rows']/t:,.0f} | 1.00 | "
      f"{ours['table_bytes_per_row']:.0f} (table), {ours['read_back_rss_delta_mb']*1048576/ours['rows']:.0f} (RSS) | "
      f"{ours['store_bytes_per_row']:.0f} |")
print(f"| FinOpsCore parse only | {ours['parse_s']:.2f} | {ours['rows']/ours['parse_s']:,.0f} | "
      f"{ours['parse_s']/t:.2f} | | |")
print(f"| FinOpsCore read back from store | {ours['read_back_s']:.2f} | {ours['rows']/ours['read_back_s']:,.0f} | "
      f"{ours['read_back_s']/t:.2f} | | |")
for p in peers:
    disk = f"{p['disk_bytes_per_row']:.0f}" if p["disk_bytes_per_row"] else ""
    print(f"| {p['engine']} ({p['threads']} threads) | {p['load_s']:.2f} | {p['rows']/p['load_s']:,.0f} | "
          f"{p['load_s']/t:.2f} | {p['rss_growth_bytes_per_row']:.0f} (RSS) | {disk} |")
print(f"\nFinOpsCore peak RSS {ours['peak_rss_mb']:.0f} MB.")
PYEOF
done
