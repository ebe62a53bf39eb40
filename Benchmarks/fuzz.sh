#!/usr/bin/env bash
# libFuzzer on one target of Fuzz/ (a package of its own, built with -sanitize=fuzzer,address), seeded from the
# test fixtures and examples, with a dictionary of the syntax.
#   Benchmarks/fuzz.sh TARGET SECONDS [JOBS]     TARGET: FuzzCSV FuzzFlow FuzzTemplate FuzzPivotSyntax FuzzDecimal
#                                                        FuzzAnalysisFiles FuzzAPIBodies, or "all"; JOBS parallel
#                                                        processes (1)
# Prints, per target, the executions, the corpus size and any crash (the input is kept under .fuzz/TARGET/).
# FUZZ_SEED fixes libFuzzer's random seed (the CI smoke sets it, so a run is repeatable). FUZZ_CONFIG=release builds
# the targets optimized (overflow and bounds checks stay on, as in every release build): 3-10 times the executions
# a second of the debug build, for the long runs. FUZZ_RUNS=N stops each target after N executions (SECONDS still
# bounds it). FUZZ_ARGS adds libFuzzer flags (Benchmarks/fuzz-campaign.sh runs long campaigns of several runs).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:?target}
SECONDS_PER=${2:?seconds}
JOBS=${3:-1}
CONFIG=${FUZZ_CONFIG:-debug}
ROOT=$(pwd)
WORK="$ROOT/.fuzz"
SCRATCH="$ROOT/.build-fuzz"
[ "$CONFIG" = release ] && SCRATCH="$ROOT/.build-fuzz-release"
# FUZZ_BIN=DIR runs targets built earlier (a copy of this script's build) without building, so a long run is not
# rebuilt from sources edited meanwhile.
if [ -n "${FUZZ_BIN:-}" ]; then
    BIN=$FUZZ_BIN
else
    swift build --package-path Fuzz --scratch-path "$SCRATCH" -c "$CONFIG" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld >&2
    BIN=$(swift build --package-path Fuzz --scratch-path "$SCRATCH" -c "$CONFIG" --show-bin-path)
fi
targets=$TARGET
[ "$TARGET" = all ] && targets="FuzzCSV FuzzFlow FuzzTemplate FuzzPivotSyntax FuzzDecimal FuzzAnalysisFiles FuzzAPIBodies"
seed() {
    local dir=$1; shift
    mkdir -p "$dir"
    for file in "$@"; do [ -f "$file" ] && cp "$file" "$dir/$(basename "$file" | tr -c 'A-Za-z0-9._\n' _)"; done
    return 0
}
status=0
for t in $targets; do
    corpus="$WORK/$t/corpus"; mkdir -p "$corpus" "$WORK/$t/artifacts"
    case $t in
        FuzzCSV) seed "$corpus" Examples/data/focus_sample.csv $(find Tests -name '*.csv' -size -64k | head -40) ;;
        FuzzFlow) seed "$corpus" Examples/flows/*.yml Examples/*/*.yml ;;
        FuzzTemplate) printf '%s' '{{ inputs.day | date("yyyy-MM") }} {% for r in inputs.regions %}{{ r }}{% endfor %}' > "$corpus/seed1" ;;
        FuzzPivotSyntax) printf '%s' "ServiceName = 'x' AND BilledCost > 1.5 OR tag(team) IN ('a','b')" > "$corpus/seed1"
                         printf '%s' 'sum(BilledCost),count(),p90(EffectiveCost),pct_change(sum(ListCost))' > "$corpus/seed2" ;;
        FuzzDecimal) printf '%s' '-12345.678901234567890123e-3' > "$corpus/seed1" ;;
        FuzzAnalysisFiles) seed "$corpus" Examples/allocation/*.yml Examples/budgets/*.yml ;;
        FuzzAPIBodies) printf '%s' '{"rows":"BillingCurrency, ServiceName","columns":"month(ChargePeriodStart)","measures":"sum(EffectiveCost), count()","filter":"ChargeCategory = '"'"'Usage'"'"'","top":"3:sum(EffectiveCost)","totals":"all","limit":5}' > "$corpus/seed1"
                       printf '%s' '{"id":"a","namespace":"n","flowId":"f","state":"SUCCESS","startDate":"2026-01-01T00:00:00.000000Z","endDate":"2026-01-01T00:00:01.500000Z","startedBy":"x","inputs":{"who":"y"},"taskRuns":[{"id":"r","taskId":"t","value":null,"state":"SUCCESS","attempts":1,"parentTaskRunId":null,"attemptStates":[{"state":"SUCCESS","startDate":"2026-01-01T00:00:00.000000Z","endDate":"2026-01-01T00:00:01.000000Z"}],"startDate":"2026-01-01T00:00:00.000000Z","endDate":"2026-01-01T00:00:01.000000Z","outputs":{"n":1.25}}],"outputs":{},"problems":[],"trigger":null,"logs":[{"timestamp":"2026-01-01T00:00:00.500000Z","level":"INFO","taskId":"t","taskRunId":"r","message":"m"}]}' > "$corpus/seed2" ;;
    esac
    dict=""
    [ -f "Fuzz/dictionaries/$t.dict" ] && dict=yes
    log="$WORK/$t/last.log"
    # One process runs in place; with JOBS > 1 libFuzzer starts workers that write fuzz-N.log into the current
    # folder (a folder of their own here), and their executions add up.
    parallel=""
    workers="$WORK/$t/workers"
    rm -rf "$workers"; mkdir -p "$workers"
    [ "$JOBS" -gt 1 ] && parallel="-jobs=$JOBS -workers=$JOBS"
    set +e
    # Leaks are checked after each input that allocated more than it freed (libFuzzer's -detect_leaks); the check
    # at exit is off, since a harness keeps its fixtures (a parsed table, a template context) for the process's life.
    # FUZZ_ASAN_OPTIONS adds AddressSanitizer options. FUZZ_TIMEOUT (seconds, 1 by default) counts wall time: a long run beside other work may raise it and rely on
    # the slowest input it reports.
    (cd "$workers" && ASAN_OPTIONS=leak_check_at_exit=0${FUZZ_ASAN_OPTIONS:+:$FUZZ_ASAN_OPTIONS} "$BIN/$t" "$corpus" ${dict:+"-dict=$ROOT/Fuzz/dictionaries/$t.dict"} \
        -max_total_time="$SECONDS_PER" -timeout="${FUZZ_TIMEOUT:-1}" -rss_limit_mb=4096 -max_len=65536 $parallel \
        -artifact_prefix="$WORK/$t/artifacts/" -print_final_stats=1 \
        ${FUZZ_SEED:+-seed=$FUZZ_SEED} ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} ${FUZZ_ARGS:-}) > "$log" 2>&1
    code=$?
    set -e
    shopt -s nullglob
    logs=("$workers"/fuzz-*.log)
    [ ${#logs[@]} -eq 0 ] && logs=("$log")
    runs=$(awk '/stat::number_of_executed_units/ {s+=$2} END {print s+0}' "${logs[@]}")
    slowest=$(awk '/stat::slowest_unit_time_sec/ {if ($2 > m) m = $2} END {print m+0}' "${logs[@]}")
    shopt -u nullglob
    crashes=$(ls "$WORK/$t/artifacts" | wc -l)
    echo "$t: $runs executions in ${SECONDS_PER}s at most, corpus $(ls "$corpus" | wc -l) inputs, slowest input ${slowest} s, exit $code, artifacts $crashes"
    [ "$code" -ne 0 ] && { tail -30 "$log" >&2; status=1; }
done
exit $status
