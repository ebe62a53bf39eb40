#!/usr/bin/env bash
# Stored benchmark: `finops pivot --store DIR` beside DuckDB on a database file, both built from the same
# `finops sample` file; every query a fresh process on each side, results compared cell by cell; with
# FINOPS_BENCH_PG, the PostgreSQL store's push-down of the same queries too. One sitting, medians of 3.
#   Benchmarks/run-stored.sh ROWS                 e.g. 10000000
# FINOPS_BIN=PATH uses that binary instead of building the release one. BENCH_DATA: the cache (/tmp/finops-bench).
# FINOPS_BENCH_PG=postgres://… : a database of its own (the file is ingested there as source "bench").
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:?usage: Benchmarks/run-stored.sh ROWS}
PEERS=${PEERS:-../shared/bench}
PY=$("$PEERS/setup.sh")
PEER=Benchmarks/peers/duckdb_stored.py
DATA=${BENCH_DATA:-/tmp/finops-bench}
mkdir -p "$DATA"
if [ -n "${FINOPS_BIN:-}" ]; then
    FINOPS=$FINOPS_BIN
else
    swift build -c release --product finops >&2
    FINOPS=$(swift build -c release --show-bin-path)/finops
fi
FILE="$DATA/sample_${ROWS}.csv"
[ -f "$FILE" ] || { "$FINOPS" sample --rows "$ROWS" --months 3 --out "$FILE.tmp" >&2 && mv "$FILE.tmp" "$FILE"; }
RES="$DATA/stored-$ROWS"
STORE="$RES/store"
DB="$RES/duckdb.db"
rm -rf "$RES" && mkdir -p "$RES/out"
TIMES="$RES/times.tsv"   # TAG SIDE SECONDS PEAK_RSS_KB, one line per timed process
CHECKS="$RES/checks.tsv" # QUERY SIDE VERDICT
: >"$TIMES" && : >"$CHECKS"
FAILED=0

# measure TAG SIDE OUT CMD…: one fresh process under /usr/bin/time -v, stdout to OUT; appends to $TIMES.
measure() {
    local tag=$1 side=$2 out=$3 start end
    shift 3
    start=$(date +%s.%N)
    if ! /usr/bin/time -v -o "$RES/time.txt" "$@" >"$out" 2>"$RES/stderr.txt"; then
        echo "FAILED ($tag, $side): $*" >&2
        grep -v "^Command exited" "$RES/stderr.txt" >&2 || true
        return 1
    fi
    end=$(date +%s.%N)
    echo "$tag $side $(awk "BEGIN { print $end - $start }") $(awk '/Maximum resident/ { print $NF }' "$RES/time.txt")" >>"$TIMES"
}

# compare QUERY SIDE EXPECTED ACTUAL: the same multiset of rows, decimals compared as text without trailing zeros.
compare() {
    local verdict
    if verdict=$("$PY" - "$3" "$4" <<'PYEOF'
import csv, hashlib, re, sys
def rows(path):
    number = re.compile(r"^-?\d+\.\d*$")
    def norm(cell):
        if number.match(cell):
            cell = cell.rstrip("0").rstrip(".")
            cell = "0" if cell == "-0" else cell
        return cell
    with open(path, newline="") as f:
        lines = list(csv.reader(f))
    return lines[0], sorted(tuple(norm(c) for c in line) for line in lines[1:])
(h1, r1), (h2, r2) = rows(sys.argv[1]), rows(sys.argv[2])
digest = lambda r: hashlib.sha256(repr(r).encode()).hexdigest()[:12]
if h1 == h2 and r1 == r2:
    print(f"checksums equal ({len(r1)} rows, {digest(r1)})")
    sys.exit(0)
print(f"checksums DIFFER: {len(r1)} rows {digest(r1)} vs {len(r2)} rows {digest(r2)}")
if h1 != h2:
    print(f"  headers: {h1} vs {h2}")
only1, only2 = sorted(set(r1) - set(r2)), sorted(set(r2) - set(r1))
for row in only1[:5]: print(f"  only in {sys.argv[1]}: {','.join(row)}")
for row in only2[:5]: print(f"  only in {sys.argv[2]}: {','.join(row)}")
sys.exit(1)
PYEOF
    ); then
        echo "$1 $2 equal" >>"$CHECKS"
        echo "$1: $2 $verdict" >&2
    else
        echo "$1 $2 DIFFER" >>"$CHECKS"
        echo "$1: $2 $verdict" >&2
        FAILED=1
    fi
}

# The queries: A–C, then Q1–Q7 and Q2pivot of the pivot benchmark with BillingCurrency first wherever money is
# summed (Q1 is then A). The sample covers January–March 2024, so Q6's February 2024 and its regions exist.
QUERIES="A B C Q1 Q2 Q3 Q4 Q5 Q6 Q7 Q2pivot"
query_args() {
    case $1 in
    A | Q1) Q=(--rows BillingCurrency,ServiceName --measures "sum(EffectiveCost)") ;;
    B) Q=(--rows BillingCurrency,SubAccountId --columns "month(ChargePeriodStart)"
        --measures "sum(EffectiveCost),count()" --where "ChargeCategory = 'Usage'") ;;
    C) Q=(--rows BillingCurrency --measures "count_distinct(ResourceId)") ;;
    Q2) Q=(--rows "BillingCurrency,BillingAccountId,ServiceName,month(ChargePeriodStart)"
        --measures "sum(EffectiveCost),count()") ;;
    Q3) Q=(--rows BillingCurrency,ProviderName,ServiceCategory,ServiceName --measures "sum(EffectiveCost)"
        --totals all) ;;
    Q4) Q=(--rows RegionId --measures "count_distinct(ResourceId)") ;;
    Q5) Q=(--rows BillingCurrency,BillingAccountId,ServiceName --measures "sum(EffectiveCost)"
        --top "10:sum(EffectiveCost)") ;;
    Q6) Q=(--rows "BillingCurrency,day(ChargePeriodStart)" --measures "sum(EffectiveCost)"
        --where "ChargeCategory = 'Usage' and RegionId in ('us-east-1', 'eu-west-1', 'eastus', 'westeurope', 'us-central1') and ChargePeriodStart >= '2024-02-01T00:00:00Z' and ChargePeriodStart < '2024-03-01T00:00:00Z'") ;;
    Q7) Q=(--rows "BillingCurrency,tag(team)" --measures "sum(EffectiveCost)") ;;
    Q2pivot) Q=(--rows BillingCurrency,BillingAccountId,ServiceName --columns "month(ChargePeriodStart)"
        --measures "sum(EffectiveCost)" --totals grand) ;;
    esac
}

# Building: the store and the DuckDB file (every decimal DECIMAL(38,18), checkpointed), each timed as a process.
echo "ingesting $FILE" >&2
measure ingest finops "$RES/ingest.txt" "$FINOPS" ingest "$FILE" --store "$STORE" --source bench
measure ingest duckdb "$RES/load.txt" "$PY" "$PEER" load "$FILE" "$DB"
STORE_BYTES=$(du -sb "$STORE" | cut -f1)
DB_BYTES=$(stat -c %s "$DB")

# Queries: a warm-up of each side (its output is the one compared), then 3 interleaved timed runs.
for q in $QUERIES; do
    query_args "$q"
    echo "$q: finops pivot --store DIR $(for a in "${Q[@]}"; do [[ $a == *[\ \(\'\;]* ]] && printf '"%s" ' "$a" || printf '%s ' "$a"; done)--format csv" >&2
    if measure warmup finops "$RES/out/$q.finops.csv" "$FINOPS" pivot --store "$STORE" "${Q[@]}" --format csv &&
        measure warmup duckdb "$RES/out/$q.duckdb.csv" "$PY" "$PEER" query "$DB" "$q"; then
        for _ in 1 2 3; do
            measure "$q" finops "$RES/out/$q.finops.csv" "$FINOPS" pivot --store "$STORE" "${Q[@]}" --format csv
            measure "$q" duckdb "$RES/out/$q.duckdb.csv" "$PY" "$PEER" query "$DB" "$q"
        done
        compare "$q" duckdb "$RES/out/$q.finops.csv" "$RES/out/$q.duckdb.csv"
    else
        echo "$q duckdb FAILED" >>"$CHECKS"
        FAILED=1
    fi
done

# Reading every row back: the CLI has no command that decodes every column of every row and prints nothing, so
# this times `finops verify` (reads each period file back whole and checks its size, checksums, rows and totals).
measure warmup finops /dev/null "$FINOPS" verify --store "$STORE"
for _ in 1 2 3; do measure readback finops "$RES/verify.txt" "$FINOPS" verify --store "$STORE"; done

# PostgreSQL push-down: the same file ingested into the store at the URL, the same queries, results compared with
# the embedded store's.
if [ -n "${FINOPS_BENCH_PG:-}" ]; then
    echo "ingesting into PostgreSQL" >&2
    measure ingest pg "$RES/ingest-pg.txt" "$FINOPS" ingest "$FILE" --store "$FINOPS_BENCH_PG" --source bench
    for q in $QUERIES; do
        query_args "$q"
        if measure warmup pg "$RES/out/$q.pg.csv" "$FINOPS" pivot --store "$FINOPS_BENCH_PG" "${Q[@]}" --format csv; then
            for _ in 1 2 3; do
                measure "$q" pg "$RES/out/$q.pg.csv" "$FINOPS" pivot --store "$FINOPS_BENCH_PG" "${Q[@]}" --format csv
            done
            compare "$q" pg "$RES/out/$q.finops.csv" "$RES/out/$q.pg.csv"
        else
            echo "$q pg FAILED" >>"$CHECKS"
            FAILED=1
        fi
    done
fi

COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
git --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null | grep -q . && COMMIT="$COMMIT+changes"
VERSIONS="finops $COMMIT ($FINOPS)"
VERSIONS="$VERSIONS, DuckDB $("$PY" -c 'import duckdb; print(duckdb.__version__)'), $("$PY" --version)"
[ -n "${FINOPS_BENCH_PG:-}" ] && VERSIONS="$VERSIONS, PostgreSQL $(psql "$FINOPS_BENCH_PG" -X -A -t -c 'SHOW server_version' 2>/dev/null || echo '?')"
"$PY" - "$TIMES" "$CHECKS" "$ROWS" "$STORE_BYTES" "$DB_BYTES" "$QUERIES" "$(nproc)" "$VERSIONS" <<'PYEOF'
import collections, datetime, statistics, sys
times, checks, rows, store_bytes, db_bytes, queries, cores, versions = sys.argv[1:]
rows, runs = int(rows), collections.defaultdict(list)
for line in open(times):
    tag, side, seconds, rss = line.split()
    runs[tag, side].append((float(seconds), int(rss) / 1024))
verdicts = collections.defaultdict(dict)
for line in open(checks):
    q, side, verdict = line.split()
    verdicts[q][side] = verdict
def median(tag, side):
    r = runs.get((tag, side))
    return (statistics.median(s for s, _ in r), max(m for _, m in r)) if r else (None, None)
def sec(s):
    return f"{s:.3f}" if s is not None else "-"
pg = any(side == "pg" for _, side in runs)
print(f"## {rows:,} rows of `finops sample`: {cores} cores, {datetime.date.today()}, one sitting")
print("Every query is a fresh process on each side (cold process, warm page cache: one unrecorded warm-up of each")
print("side first); median of 3 interleaved runs, wall seconds; peak RSS is the largest of the 3.")
print("DuckDB: a Python process that opens the file read-only, runs the SQL, fetches every row and prints CSV.")
print()
print("| query | finops (s) | DuckDB (s) | ratio | peak RSS finops / DuckDB (MB) | PostgreSQL push-down (s) | results |")
print("|---|---|---|---|---|---|---|")
for q in queries.split():
    (f, fm), (d, dm), (p, _) = median(q, "finops"), median(q, "duckdb"), median(q, "pg")
    ratio = f"{f / d:.2f}" if f and d else "-"
    rss = f"{fm:.0f} / {dm:.0f}" if fm and dm else "-"
    verdict = ", ".join(f"{side} {v}" for side, v in verdicts[q].items()) or "-"
    print(f"| {q} | {sec(f)} | {sec(d)} | {ratio} | {rss} | {sec(p) if pg else 'not run'} | {verdict} |")
print()
print("ratio = finops ÷ DuckDB (below 1: finops faster); results: each side's rows against the embedded store's.")
(fi, fim), (di, dim), (pi, _) = median("ingest", "finops"), median("ingest", "duckdb"), median("ingest", "pg")
print(f"- ingest: `finops ingest` {sec(fi)} s ({fim:.0f} MB peak) vs DuckDB load + CHECKPOINT {sec(di)} s "
      f"({dim:.0f} MB peak)" + (f"; `finops ingest --store postgres://…` {sec(pi)} s" if pi else "") + " (one run each)")
print(f"- disk: store {int(store_bytes) / rows:.1f} bytes/row (du -sb), DuckDB file {int(db_bytes) / rows:.1f} bytes/row")
r, rm = median("readback", "finops")
print(f"- read-back: `finops verify --store` {sec(r)} s ({rm:.0f} MB peak): reads every period file back and checks it "
      "against the manifest (the CLI has no command that decodes every row of every column)")
print(f"- versions: {versions}")
PYEOF
exit $FAILED
