#!/usr/bin/env python3
"""DuckDB's answers to pivot queries on the FOCUS sample, for PivotKit's differential tests.

Each case pairs a pivot in finops' textual syntax with the SQL that answers it in DuckDB (costs read as
DECIMAL(38,18), so sums are exact). Run from the package root with a python that has duckdb:
    python Tests/PivotKitTests/Fixtures/duckdb_fixtures.py > Tests/PivotKitTests/Fixtures/duckdb_fixtures.json
Members are text ("(total)" for a rolled-up level, "(null)" for NULL); measures are text with every digit.
"""
import json
from decimal import ROUND_HALF_EVEN, Decimal, getcontext

getcontext().prec = 80

import duckdb

SAMPLE = "Examples/data/focus_sample.csv"
DECIMALS = ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ConsumedQuantity", "PricingQuantity"]
types = ", ".join(f"'{c}': 'DECIMAL(38,18)'" for c in DECIMALS)
con = duckdb.connect()
con.execute("SET TimeZone='UTC'")
con.execute(f"""CREATE TABLE t AS SELECT * FROM read_csv('{SAMPLE}', header=true, nullstr='NULL',
    types={{{types}, 'BillingAccountId': 'VARCHAR', 'SubAccountId': 'VARCHAR', 'Id': 'VARCHAR'}})""")
# Empty strings count as null in FOCUS ingest, as they do in finops.
for (name,) in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 't' AND data_type = 'VARCHAR'").fetchall():
    con.execute(f'UPDATE t SET "{name}" = NULL WHERE "{name}" = \'\'')

CASES = [
    {
        "name": "sum and count by service",
        "pivot": {"rows": "ServiceName", "measures": "sum(BilledCost),count()"},
        "sql": "SELECT ServiceName, sum(BilledCost), count(*) FROM t GROUP BY ALL",
    },
    {
        "name": "rollup of provider and category",
        "pivot": {"rows": "ProviderName,ServiceCategory", "measures": "sum(ListCost),sum(EffectiveCost)", "totals": "all"},
        "sql": "SELECT ProviderName, ServiceCategory, sum(ListCost), sum(EffectiveCost) FROM t GROUP BY ROLLUP (ProviderName, ServiceCategory)",
    },
    {
        "name": "distinct resources by region",
        "pivot": {"rows": "RegionId", "measures": "count_distinct(ResourceId)"},
        "sql": "SELECT RegionId, count(DISTINCT ResourceId) FROM t GROUP BY ALL",
    },
    {
        "name": "usage by day with a filter",
        "pivot": {"rows": "day(ChargePeriodStart)", "measures": "sum(EffectiveCost),max(BilledCost)",
                  "where": "ChargeCategory = 'Usage' and ChargePeriodStart >= '2024-09-10' and ChargePeriodStart < '2024-09-20'"},
        "sql": """SELECT strftime(date_trunc('day', ChargePeriodStart), '%Y-%m-%d'), sum(EffectiveCost), max(BilledCost) FROM t
                  WHERE ChargeCategory = 'Usage' AND ChargePeriodStart >= TIMESTAMP '2024-09-10' AND ChargePeriodStart < TIMESTAMP '2024-09-20'
                  GROUP BY ALL""",
    },
    {
        "name": "by tag with untagged rows",
        "pivot": {"rows": "tag(environment)", "measures": "sum(BilledCost),count()"},
        "sql": "SELECT coalesce(json_extract_string(Tags, '$.environment'), '(untagged)'), sum(BilledCost), count(*) FROM t GROUP BY ALL",
    },
    {
        "name": "lists, patterns, ranges, min, max, avg",
        "pivot": {"rows": "ProviderName,ChargeCategory", "measures": "min(ListCost),max(ListCost),avg(BilledCost),count()",
                  "where": "(ServiceName like 'Amazon%' or RegionId in ('eastus', 'us-sanjose-1')) and BilledCost between 0 and 5 and not PricingCategory is null"},
        # DuckDB's avg of a DECIMAL goes through DOUBLE: the exact sum and count are divided below instead.
        "average": 4,
        "sql": """SELECT ProviderName, ChargeCategory, min(ListCost), max(ListCost), sum(BilledCost), count(BilledCost), count(*) FROM t
                  WHERE (ServiceName LIKE 'Amazon%' OR RegionId IN ('eastus', 'us-sanjose-1')) AND BilledCost BETWEEN 0 AND 5
                    AND NOT PricingCategory IS NULL
                  GROUP BY ALL""",
    },
    {
        "name": "top 3 services per provider with Others",
        "pivot": {"rows": "ProviderName,ServiceName", "measures": "sum(ListCost)", "top": 3},
        "sql": """WITH s AS (SELECT ProviderName, ServiceName, sum(ListCost) AS c FROM t GROUP BY ALL),
                  r AS (SELECT *, row_number() OVER (PARTITION BY ProviderName ORDER BY c DESC, ServiceName) AS n FROM s)
                  SELECT ProviderName, CASE WHEN n <= 3 THEN ServiceName ELSE 'Others' END, sum(c) FROM r GROUP BY ALL""",
    },
    {
        "name": "not in with nulls (three-valued logic)",
        "pivot": {"rows": "CommitmentDiscountStatus", "measures": "count()", "where": "ChargeClass is null and not RegionId in ('us-west-2')"},
        "sql": """SELECT CommitmentDiscountStatus, count(*) FROM t WHERE ChargeClass IS NULL AND NOT RegionId IN ('us-west-2') GROUP BY ALL""",
    },
]


def text(value):
    if value is None:
        return "(null)"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != 0 else "0"
    return str(value)


def average(row, index):
    total, count = row[index], row[index + 1]
    value = (Decimal(total) / Decimal(count)).quantize(Decimal("1e-18"), rounding=ROUND_HALF_EVEN)
    return row[:index] + (value,) + row[index + 2:]


out = []
for case in CASES:
    rows = con.execute(case["sql"]).fetchall()
    if "average" in case:
        rows = [average(row, case["average"]) for row in rows]
    members = len(case["pivot"]["rows"].split(","))
    expected = []
    for row in rows:
        keys = [text(v) for v in row[:members]]
        if "totals" in case["pivot"]:
            # ROLLUP marks rolled-up levels with NULL; the sample has no NULL provider or category.
            keys = ["(total)" if v == "(null)" else v for v in keys]
        expected.append(keys + [text(v) for v in row[members:]])
    expected.sort()
    out.append({**case, "expected": expected})
json.dump(out, __import__("sys").stdout, indent=1)
print()
