#!/usr/bin/env python3
"""DuckDB loading the same FOCUS CSV that IngestBench ingests: the peer of the ingest benchmark.

Three variants, each in a fresh connection, median of --runs:
  memory-double   CREATE TABLE AS read_csv(...) in memory, DuckDB's inferred types (costs as DOUBLE: inexact)
  memory-decimal  the same with every FOCUS decimal column as DECIMAL(38,18) (exact, like FinOpsCore)
  file-decimal    DECIMAL(38,18) into an on-disk database, checkpointed (comparable to the embedded store)
Prints one JSON object per variant: seconds, rows, RSS growth and (file) bytes on disk per row.
"""
import argparse
import json
import os
import statistics
import tempfile
import time

import duckdb

DECIMALS = [
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "ContractedUnitPrice",
    "PricingQuantity", "ConsumedQuantity", "CommitmentDiscountQuantity", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice",
]


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load(path, variant):
    header = open(path, encoding="utf-8-sig").readline().strip().split(",")
    types = {c: "VARCHAR" for c in ("BillingAccountId", "SubAccountId")}
    if variant != "memory-double":
        types.update({c: "DECIMAL(38,18)" for c in DECIMALS if c in header})
    spec = ", ".join(f"'{k}': '{v}'" for k, v in types.items())
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.duckdb") if variant == "file-decimal" else ":memory:"
        con = duckdb.connect(db)
        before = rss_mb()
        start = time.perf_counter()
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', header=true, types={{{spec}}})")
        if variant == "file-decimal":
            con.execute("CHECKPOINT")
        elapsed = time.perf_counter() - start
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
        grown = rss_mb() - before
        disk = os.path.getsize(db) if variant == "file-decimal" else 0
        con.close()
    return elapsed, rows, grown, disk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--variants", default="memory-double,memory-decimal,file-decimal")
    args = ap.parse_args()
    for variant in args.variants.split(","):
        results = [load(args.csv, variant) for _ in range(args.runs)]
        rows = results[0][1]
        print(json.dumps({
            "engine": f"duckdb {duckdb.__version__} {variant}",
            "threads": duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0],
            "rows": rows,
            "load_s": statistics.median(r[0] for r in results),
            "rss_growth_bytes_per_row": statistics.median(r[2] for r in results) * 1048576 / max(rows, 1),
            "disk_bytes_per_row": results[-1][3] / max(rows, 1),
        }), flush=True)


if __name__ == "__main__":
    main()
