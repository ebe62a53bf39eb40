#!/usr/bin/env bash
# Speed of the finops CLI's anomaly detector and forecaster on 1,000 synthetic daily series of two years
# (generate_series.py, realistic noise): the whole command (reading the CSV, analysing, printing CSV), median of
# three runs, on the machine's cores.
#   FINOPS_BIN=.build/release/finops Benchmarks/accuracy/run-speed.sh [SERIES]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${FINOPS_BIN:?set FINOPS_BIN to the finops binary}"
N=${1:-1000}
PY=${ACC_PYTHON:-${ACC_VENV:-/tmp/accvenv}/bin/python}
DATA=${ACC_DATA:-/tmp/finops-accuracy}/speed-$N
"$PY" "$HERE/generate_series.py" --out "$DATA" --series "$N" --seed 1 --noise realistic >/dev/null
rows=$(($(wc -l <"$DATA/series.csv") - 1))
median3() {
    local times=()
    for _ in 1 2 3; do
        local t0; t0=$(date +%s.%N)
        "$@" >/dev/null
        times+=("$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}
echo "| command ($N series, $rows values, $(nproc) cores) | seconds (median of 3) |"
echo "|---|---|"
echo "| finops anomalies --series | $(median3 "$FINOPS_BIN" anomalies --series "$DATA/series.csv" --format csv) |"
echo "| finops forecast --series --horizon 30 --fit-window 140 | $(median3 "$FINOPS_BIN" forecast --series "$DATA/series.csv" --horizon 30 --fit-window 140 --format csv) |"
echo "| finops forecast --series --horizon 30 (whole history) | $(median3 "$FINOPS_BIN" forecast --series "$DATA/series.csv" --horizon 30 --format csv) |"
