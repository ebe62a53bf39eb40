#!/usr/bin/env bash
# Accuracy benchmark: the finops CLI's anomaly detector and forecaster beside peers, on seeded synthetic daily cost
# series (labelled) and on M4 Hourly/Weekly when the M4 files are at $M4_DIR (default /tmp/m4).
#   FINOPS_BIN=.build/release/finops Benchmarks/accuracy/run-accuracy.sh [--quick]
# --quick: 40 series, realistic noise only, no Prophet on M4. Python: $ACC_PYTHON, else a venv at $ACC_VENV
# (default /tmp/accvenv, made on first use). Data and logs go to $ACC_DATA (default /tmp/finops-accuracy).
# Tables go to stdout, progress and the components' own output to stderr and $ACC_DATA/log.txt.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1  # keep __pycache__ out of the repository
HERE=$(cd "$(dirname "$0")" && pwd)
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
: "${FINOPS_BIN:?set FINOPS_BIN to the finops binary}"
DATA=${ACC_DATA:-/tmp/finops-accuracy}
M4=${M4_DIR:-/tmp/m4}
VENV=${ACC_VENV:-/tmp/accvenv}
mkdir -p "$DATA"
LOG=$DATA/log.txt
: > "$LOG"

if [ -z "${ACC_PYTHON:-}" ]; then
    if [ ! -x "$VENV/bin/python" ]; then  # the versions this benchmark was written against
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q prophet==1.5.0 statsforecast==2.1.1 adtk==0.6.2 statsmodels==0.15.0 \
            pandas==2.3.3 numpy==2.4.6 >&2
    fi
    ACC_PYTHON=$VENV/bin/python
fi
PY=$ACC_PYTHON

if [ $QUICK = 1 ]; then N=40; NOISES=(realistic); else N=200; NOISES=(realistic low high); fi
SEED=42

log() { echo "== $*" >&2; }
# Runs a command with its output in the log; prints its elapsed_s= figure (peers) or its wall time (our CLI).
timed() {
    local t0 out rc=0
    t0=$(date +%s.%N)
    out=$("$@" 2>>"$LOG") || rc=$?
    echo "$out" >>"$LOG"
    [ $rc = 0 ] || { echo "FAILED"; return 0; }
    if grep -q '^elapsed_s=' <<<"$out"; then sed -n 's/^elapsed_s=\([0-9.]*\).*/\1/p' <<<"$out" | head -1
    else awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; fi
}
cli_anomalies() { "$FINOPS_BIN" anomalies --series "$1" --format csv >"$2"; }

ANOM="| noise | method | precision | recall | F1 | money recall | flags | seconds |
|---|---|---|---|---|---|---|---|"
FC="| noise | method | month-end MAPE | 80% coverage of the total | seconds |
|---|---|---|---|---|"
for NOISE in "${NOISES[@]}"; do
    D=$DATA/synthetic-$NOISE-$N
    log "generate $NOISE ($N series)"
    "$PY" "$HERE/generate_series.py" --out "$D" --series "$N" --seed $SEED --noise "$NOISE" >&2
    methods=("finops" "STL+MAD (statsmodels)" "EWMA 3-sigma" "ADTK SeasonalAD" "Prophet 80%" "Prophet 95%")
    files=(finops stl_mad ewma adtk prophet80 prophet95)
    secs=()
    log "anomalies: finops";  secs+=("$(timed cli_anomalies "$D/series.csv" "$D/flags_finops.csv")")
    for p in stl_mad ewma adtk; do
        log "anomalies: $p"; secs+=("$(timed "$PY" "$HERE/peer_$p.py" --series "$D/series.csv" --out "$D/flags_$p.csv")")
    done
    for w in 80 95; do
        log "anomalies: prophet $w%"
        secs+=("$(timed "$PY" "$HERE/peer_prophet.py" --series "$D/series.csv" --out "$D/flags_prophet$w.csv" \
            --interval-width 0.$w)")
    done
    for i in "${!files[@]}"; do
        if [ "${secs[$i]}" = FAILED ]; then ANOM+=$'\n'"| $NOISE | ${methods[$i]} | failed (see $LOG) | | | | | |"; continue; fi
        ANOM+=$'\n'$("$PY" "$HERE/score_anomalies.py" --labels "$D/labels.csv" --flags "$D/flags_${files[$i]}.csv" \
            --series "$D/series.csv" --markdown "$NOISE | ${methods[$i]}" --seconds "${secs[$i]}")
    done
    log "forecasts ($NOISE)"
    if [ "$(timed "$PY" "$HERE/peer_forecast.py" --train "$D/forecast_train.csv" --out "$D/forecast")" = FAILED ]; then
        FC+=$'\n'"| $NOISE | failed (see $LOG) | | | |"
    else
        FC+=$'\n'$("$PY" "$HERE/score_forecast.py" --truth "$D/forecast_truth.csv" --forecasts "$D/forecast" \
            --label "$NOISE | ")
    fi
done

M4OUT=""
if [ -f "$M4/Hourly-train.csv" ] && [ -f "$M4/Weekly-test.csv" ]; then
    for SET in Hourly Weekly; do
        # MASE uses M4's frequencies (24 and 1); our forecaster is told the yearly season of weekly data (52 weeks).
        if [ $SET = Hourly ]; then SEASON=24; FREQ=24; H=48; else SEASON=52; FREQ=1; H=13; fi
        log "M4 $SET"
        "$PY" "$HERE/m4_to_long.py" --m4 "$M4" --set $SET --out "$DATA/m4_$SET.csv" >&2
        s=$(timed sh -c '"$0" forecast --series "$1" --season "$2" --horizon "$3" --interval 0.95 --format csv >"$4"' \
            "$FINOPS_BIN" "$DATA/m4_$SET.csv" $SEASON $H "$DATA/m4_${SET}_finops.csv")
        ours=(--forecasts "$DATA/m4_${SET}_finops.csv" --forecasts-seconds "$s")
        [ "$s" = FAILED ] && ours=()
        extra=()
        [ $QUICK = 0 ] && extra=(--prophet)
        M4OUT+=$'\n'"### M4 $SET (horizon $H, MASE frequency $FREQ; finops called with --season $SEASON)"$'\n'
        M4OUT+=$("$PY" "$HERE/m4_eval.py" --m4 "$M4" --set $SET "${ours[@]}" "${extra[@]}" 2>>"$LOG")
        [ "$s" = FAILED ] && M4OUT+=$'\n'"(finops forecast failed, see $LOG)"
    done
else
    M4OUT=$'\n'"(M4 skipped: no $M4/Hourly-train.csv; see README.md)"
fi

cat <<END
# Accuracy benchmark ($(date -u +%Y-%m-%d), $(nproc) cores$([ $QUICK = 1 ] && echo ', --quick'))
Every figure is from one run (seed $SEED); seconds are wall time of the finops process, and for the Python peers
their work after imports (reading the input to writing the output, statsforecast's first-call JIT included).
Peers: $("$PY" -c "import sys; sys.path.insert(0, '$HERE'); import acc_common as c; print(c.versions('prophet', 'statsforecast', 'adtk', 'statsmodels', 'pandas', 'numpy'))")

## Anomalies ($N synthetic daily series per noise level; precision over counted flags, recall over anomalies)
$ANOM

## Month-end forecasts (cut at day 15 of the last full month; total = month to date + forecast)
$FC

## M4
$M4OUT
END
