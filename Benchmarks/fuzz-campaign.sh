#!/usr/bin/env bash
# A fuzzing campaign toward a number of executions per target (issue 14's goal: 10 million) on one build, made of
# as many runs of Benchmarks/fuzz.sh as it takes. A run stopped early (SIGINT, when the machine is needed for other
# work) counts what it executed, and the next call goes on from the same corpus; runs of another build do not count.
#   Benchmarks/fuzz-campaign.sh build               builds the release targets and keeps a copy in .fuzz/bin, so
#                                                   that editing the sources during the campaign changes nothing
#   Benchmarks/fuzz-campaign.sh run TARGET...       runs each target in turn until its executions reach the goal
#   Benchmarks/fuzz-campaign.sh report [TARGET...]  prints the table, per target: the build (the first 12 digits of
#                                                   the binary's SHA-256), its runs, executions, corpus, slowest input
#                                                   and what libFuzzer found (crashes, leaks, hangs, inputs over 1 s)
# GOAL (10000000): executions per target. FUZZ_TIMEOUT (10): seconds of wall time after which an input is a hang;
# beside other work 1 s of wall time is not 1 s of the fuzzer's, so every input over 1 s is also kept as a
# slow-unit artifact (libFuzzer's -report_slow_units=1), for timing alone with `report`'s command.
set -euo pipefail
cd "$(dirname "$0")/.."
GOAL=${GOAL:-10000000}
ALL="FuzzCSV FuzzFlow FuzzTemplate FuzzPivotSyntax FuzzDecimal FuzzAnalysisFiles FuzzAPIBodies"
BIN="$(pwd)/.fuzz/bin"

build_hash() { sha256sum "$BIN/$1" | cut -c1-12; }

# The executions of the target's runs of the current build, summed from each run's final statistics.
executed() {
    local logs=(.fuzz/"$1"/runs/"$(build_hash "$1")"-*.log)
    [ -e "${logs[0]}" ] || { echo 0; return; }
    awk '/stat::number_of_executed_units/ {s += $2} END {print s + 0}' "${logs[@]}"
}

case ${1:-} in
build)
    swift build --package-path Fuzz --scratch-path .build-fuzz-release -c release \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld >&2
    built=$(swift build --package-path Fuzz --scratch-path .build-fuzz-release -c release --show-bin-path)
    mkdir -p "$BIN"
    for t in $ALL; do
        cp "$built/$t" "$BIN/$t.new" && mv "$BIN/$t.new" "$BIN/$t"
        echo "$t $(build_hash "$t")"
    done
    ;;
run)
    shift
    # Under `nice`, lower this session's autogroup too: Linux shares the processor between sessions first, so a
    # niced campaign started with `setsid` would otherwise take as much as the work beside it.
    if [ "$(nice)" -gt 0 ] && [ -w /proc/self/autogroup ]; then echo "$(nice)" > /proc/self/autogroup || true; fi
    for t in "$@"; do
        [ -x "$BIN/$t" ] || { echo "no $BIN/$t: run '$0 build' first" >&2; exit 2; }
        mkdir -p ".fuzz/$t/runs"
        done_so_far=$(executed "$t")
        if [ "$done_so_far" -ge "$GOAL" ]; then
            echo "$t: $done_so_far executions on build $(build_hash "$t") already" >&2
            continue
        fi
        started=$(date -u +%Y%m%dT%H%M%SZ)
        # A run stopped with SIGINT still prints its statistics, which count.
        # One frame of each allocation's stack instead of 30 (unwinding and storing them was 40% of a template run):
        # inputs run about 1.4 times as fast, crashes keep their stacks, and leaks are still found (with 0 frames
        # LeakSanitizer reports none); run a leak's saved input alone for the allocation's whole stack.
        FUZZ_ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS-malloc_context_size=1} \
            FUZZ_BIN=$BIN FUZZ_RUNS=$((GOAL - done_so_far)) FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10} \
            FUZZ_ARGS=-report_slow_units=1 Benchmarks/fuzz.sh "$t" 86400 || true
        cp ".fuzz/$t/last.log" ".fuzz/$t/runs/$(build_hash "$t")-$started.log"
        echo "$t: $(executed "$t") of $GOAL executions on build $(build_hash "$t")" >&2
    done
    ;;
report)
    shift
    targets=${*:-$ALL}
    echo "| target | build | runs | executions | corpus | slowest input (s) | crashes, leaks, hangs | inputs over 1 s |"
    echo "|---|---|---|---|---|---|---|---|"
    for t in $targets; do
        [ -x "$BIN/$t" ] || continue
        hash=$(build_hash "$t")
        logs=(.fuzz/"$t"/runs/"$hash"-*.log)
        [ -e "${logs[0]}" ] || { echo "| $t | $hash | 0 | 0 | | | | |"; continue; }
        slowest=$(awk '/stat::slowest_unit_time_sec/ {if ($2 > m) m = $2} END {print m + 0}' "${logs[@]}")
        found=$(cat "${logs[@]}" | grep -cE 'Test unit written to .*/(crash|leak|timeout|oom)-' || true)
        slow=$(cat "${logs[@]}" | grep -oE 'Test unit written to .*/slow-unit-[0-9a-f]+' | sed 's/.* //' | sort -u || true)
        printf '| %s | %s | %d | %s | %d | %s | %d | %d |\n' "$t" "$hash" "${#logs[@]}" \
            "$(executed "$t" | sed -E ':a;s/([0-9])([0-9]{3})($|,)/\1,\2\3/;ta')" \
            "$(ls ".fuzz/$t/corpus" | wc -l)" "$slowest" "$found" "$(printf '%s' "$slow" | grep -c . || true)"
        for unit in $slow; do
            echo "  $t: time alone with: $BIN/$t -runs=1 $unit" >&2
        done
    done
    ;;
*)
    echo "usage: $0 build | run TARGET... | report [TARGET...]" >&2
    exit 2
    ;;
esac
