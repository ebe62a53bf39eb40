#!/usr/bin/env bash
# finops serve under load: ROWS rows of `finops sample` in an embedded store, a release `finops serve` on
# loopback, and wrk with CONNECTIONS concurrent clients (2 threads) for DURATION seconds on
#   1. the pivot explorer's page (HTML: form, bar chart and table of BillingCurrency × ServiceName, top 10 + Others);
#   2. the pivot API (POST /api/v1/pivot, JSON: ServiceName × month with sum and count, USD usage only);
# then a soak of SOAK seconds on both at once, sampling the server's resident memory every 10 s.
# Then both again with one connection (a single user's wait). Prints requests/s and latency percentiles (wrk
# --latency) per endpoint and the RSS samples. Before timing, each
# answer is checked once: the page holds the table, and the API's JSON equals `finops pivot --format json` of the
# same definition on the same store (a checksum of both).
#   Benchmarks/run-server-load.sh [ROWS]   ROWS default 1000000; CONNECTIONS=8 DURATION=30 SOAK=600
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
CONNECTIONS=${CONNECTIONS:-8}
DURATION=${DURATION:-30}
SOAK=${SOAK:-600}
WORK=${SERVER_BENCH_DIR:-/tmp/finops-server-bench}
PORT=${PORT:-18481}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
mkdir -p "$WORK"
swift build -c release --product finops >&2
FINOPS="$(swift build -c release --show-bin-path)/finops"
SAMPLE="$WORK/sample-$ROWS.csv"
STORE="$WORK/store-$ROWS"
[ -s "$SAMPLE" ] || "$FINOPS" sample --rows "$ROWS" --seed 7 --months 4 --last-month-days 18 --out "$SAMPLE"
[ -d "$STORE" ] || "$FINOPS" ingest --store "$STORE" "$SAMPLE" >/dev/null
TOKEN=bench-token-$RANDOM$RANDOM
DIGEST=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
FINOPS_TOKENS="viewer bench sha256:$DIGEST" "$FINOPS" serve --store "$STORE" --port "$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
echo "$(nproc) cores, $ROWS rows stored ($(du -sh "$STORE" | cut -f1)), $CONNECTIONS connections, ${DURATION} s per endpoint" >&2

PAGE="/pivot?rows=BillingCurrency%2CServiceName&measures=sum%28EffectiveCost%29&top=10&totals=grand&chart=bars"
BODY='{"rows":"ServiceName","columns":"month(ChargePeriodStart)","measures":"sum(EffectiveCost), count()","filter":"BillingCurrency = '"'"'USD'"'"' and ChargeCategory = '"'"'Usage'"'"'","totals":"grand"}'
AUTH="Authorization: Bearer $TOKEN"

# Checked once: the page has its table; the API's answer is the CLI's, byte for byte.
curl -fs -H "$AUTH" "http://127.0.0.1:$PORT$PAGE" | grep -q '<table id="pivot">' || { echo "the page has no table" >&2; exit 1; }
API_SUM=$(curl -fs -H "$AUTH" -X POST --data "$BODY" "http://127.0.0.1:$PORT/api/v1/pivot" | sha256sum | cut -d' ' -f1)
CLI_SUM=$("$FINOPS" pivot --store "$STORE" --rows ServiceName --columns "month(ChargePeriodStart)" \
    --measures "sum(EffectiveCost), count()" --where "BillingCurrency = 'USD' and ChargeCategory = 'Usage'" \
    --totals grand --format json | sha256sum | cut -d' ' -f1)
[ "$API_SUM" = "$CLI_SUM" ] || { echo "the API's pivot differs from finops pivot's ($API_SUM vs $CLI_SUM)" >&2; exit 1; }
echo "checksum of the API's pivot = finops pivot's: $API_SUM" >&2

cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$BODY]]
wrk.headers["Content-Type"] = "application/json"
LUA

cat >"$WORK/report.py" <<'PYEOF'
import re, sys
name, text = sys.argv[1], sys.stdin.read()
def milliseconds(value, unit):
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
latency = {p: milliseconds(v, u) for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s|m)", text, re.M)}
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"| {name} | {rate:.0f} | {latency['50']:.2f} | {latency['90']:.2f} | {latency['99']:.2f} | "
      f"{errors.group(1) if errors else 0} |")
PYEOF
report() { python3 "$WORK/report.py" "$1"; }  # NAME, then wrk's output on stdin: one table row

rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER/status"; }
echo "server RSS after start and the checks: $(rss) MiB" >&2
echo "| endpoint | requests/s | p50 ms | p90 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|---|"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "$AUTH" "http://127.0.0.1:$PORT$PAGE" |
    report "pivot page (HTML), $CONNECTIONS connections"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "$AUTH" -s "$WORK/post.lua" "http://127.0.0.1:$PORT/api/v1/pivot" |
    report "pivot API (JSON), $CONNECTIONS connections"
# One client at a time: what a single user waits for a page.
wrk -t1 -c1 -d"${DURATION}s" --latency -H "$AUTH" "http://127.0.0.1:$PORT$PAGE" | report "pivot page (HTML), 1 connection"
wrk -t1 -c1 -d"${DURATION}s" --latency -H "$AUTH" -s "$WORK/post.lua" "http://127.0.0.1:$PORT/api/v1/pivot" |
    report "pivot API (JSON), 1 connection"

if [ "$SOAK" -gt 0 ]; then
    echo
    echo "soak: ${SOAK} s of both endpoints at once ($CONNECTIONS connections each); server RSS every 10 s, MiB:"
    wrk -t1 -c"$CONNECTIONS" -d"${SOAK}s" -H "$AUTH" "http://127.0.0.1:$PORT$PAGE" >"$WORK/soak-page.txt" &
    A=$!
    wrk -t1 -c"$CONNECTIONS" -d"${SOAK}s" -H "$AUTH" -s "$WORK/post.lua" "http://127.0.0.1:$PORT/api/v1/pivot" >"$WORK/soak-api.txt" &
    B=$!
    samples=""
    for _ in $(seq 1 $((SOAK / 10))); do sleep 10; samples="$samples $(rss)"; done
    wait $A $B
    echo "$samples"
    python3 -c '
import sys
values = [int(v) for v in sys.argv[1:]]
half = len(values) // 2
print(f"first half max {max(values[:half] or values)} MiB, second half max {max(values[half:])} MiB, last {values[-1]} MiB")
' $samples
    grep -h "Requests/sec\|Non-2xx" "$WORK/soak-page.txt" "$WORK/soak-api.txt" | sed 's/^/  /'
fi
