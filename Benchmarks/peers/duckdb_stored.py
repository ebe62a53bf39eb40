#!/usr/bin/env python3
"""DuckDB on a database file: the peer of `finops pivot --store DIR` in Benchmarks/run-stored.sh.

  duckdb_stored.py load CSV DBFILE     the `finops sample` file into DBFILE (every FOCUS decimal as DECIMAL(38,18),
                                       timestamps as TIMESTAMPTZ, the rest VARCHAR), checkpointed
  duckdb_stored.py query DBFILE NAME   one query in this process: opens DBFILE read-only, runs the SQL, fetches
                                       every row and prints CSV shaped like `finops pivot --format csv` (header,
                                       "(null)", "(untagged)", "(total)" and "Others" labels, long form)
  duckdb_stored.py names               the query names
Money is summed as DECIMAL(38,18) (exact, like finops), so both sides' results can be compared digit for digit.
"""
import csv
import sys

import duckdb

DECIMALS = [
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "ContractedUnitPrice",
    "PricingQuantity", "ConsumedQuantity", "CommitmentDiscountQuantity", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice",
]
TIMESTAMPS = ["BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"]
REGIONS = "'us-east-1', 'eu-west-1', 'eastus', 'westeurope', 'us-central1'"


def label(column):
    """A dimension's text as finops prints it: null as (null)."""
    return f"coalesce({column}, '(null)')"


def total(column, text=None):
    """A dimension of a GROUPING SETS / ROLLUP query: (total) where it is summed over."""
    return f"CASE WHEN grouping({column}) = 1 THEN '(total)' ELSE {text or label(column)} END"


# finops never adds amounts of different currencies: a total over BillingCurrency shows no amount when the rows
# hold several (the sample holds two).
ONE_CURRENCY = "(SELECT count(DISTINCT BillingCurrency) FROM t) = 1"


def amount(expression):
    """A money measure, null in the cells that total over several currencies."""
    return f"CASE WHEN grouping(BillingCurrency) = 0 OR {ONE_CURRENCY} THEN {expression} END"


MONTH = "strftime(date_trunc('month', ChargePeriodStart), '%Y-%m')"
DAY = "strftime(date_trunc('day', ChargePeriodStart), '%Y-%m-%d')"

# name -> (finops CSV header, SQL). Q1–Q7 and Q2pivot are the pivot benchmark's shapes with BillingCurrency
# first wherever money is summed (finops never adds currencies).
QUERIES = {
    "A": (
        "BillingCurrency,ServiceName,sum(EffectiveCost)",
        f"SELECT {label('BillingCurrency')}, {label('ServiceName')}, sum(EffectiveCost) FROM t GROUP BY 1, 2",
    ),
    "B": (
        "BillingCurrency,SubAccountId,month(ChargePeriodStart),sum(EffectiveCost),count()",
        f"SELECT {label('BillingCurrency')}, {label('SubAccountId')}, {MONTH}, sum(EffectiveCost), count(*) FROM t "
        "WHERE ChargeCategory = 'Usage' GROUP BY 1, 2, 3",
    ),
    "C": (
        "BillingCurrency,count_distinct(ResourceId)",
        f"SELECT {label('BillingCurrency')}, count(DISTINCT ResourceId) FROM t GROUP BY 1",
    ),
    "Q2": (
        "BillingCurrency,BillingAccountId,ServiceName,month(ChargePeriodStart),sum(EffectiveCost),count()",
        f"SELECT {label('BillingCurrency')}, {label('BillingAccountId')}, {label('ServiceName')}, {MONTH}, "
        "sum(EffectiveCost), count(*) FROM t GROUP BY 1, 2, 3, 4",
    ),
    "Q3": (
        "BillingCurrency,ProviderName,ServiceCategory,ServiceName,sum(EffectiveCost)",
        f"SELECT {total('BillingCurrency')}, {total('ProviderName')}, {total('ServiceCategory')}, "
        f"{total('ServiceName')}, {amount('sum(EffectiveCost)')} FROM t "
        "GROUP BY ROLLUP (BillingCurrency, ProviderName, ServiceCategory, ServiceName)",
    ),
    "Q4": (
        "RegionId,count_distinct(ResourceId)",
        f"SELECT {label('RegionId')}, count(DISTINCT ResourceId) FROM t GROUP BY 1",
    ),
    # finops ranks members by the measure, larger first, ties by name (null last), and folds the rest per parent.
    "Q5": (
        "BillingCurrency,BillingAccountId,ServiceName,sum(EffectiveCost)",
        "WITH g AS (SELECT BillingCurrency c, BillingAccountId a, ServiceName s, sum(EffectiveCost) v "
        "FROM t GROUP BY 1, 2, 3), "
        "r AS (SELECT *, row_number() OVER (PARTITION BY c, a ORDER BY v DESC NULLS LAST, s ASC NULLS LAST) n FROM g) "
        "SELECT coalesce(c, '(null)'), coalesce(a, '(null)'), "
        "CASE WHEN n <= 10 THEN coalesce(s, '(null)') ELSE 'Others' END, sum(v) FROM r GROUP BY 1, 2, 3",
    ),
    "Q6": (
        "BillingCurrency,day(ChargePeriodStart),sum(EffectiveCost)",
        f"SELECT {label('BillingCurrency')}, {DAY}, sum(EffectiveCost) FROM t "
        f"WHERE ChargeCategory = 'Usage' AND RegionId IN ({REGIONS}) "
        "AND ChargePeriodStart >= TIMESTAMPTZ '2024-02-01 00:00:00+00' "
        "AND ChargePeriodStart < TIMESTAMPTZ '2024-03-01 00:00:00+00' GROUP BY 1, 2",
    ),
    "Q7": (
        "BillingCurrency,tag(team),sum(EffectiveCost)",
        f"SELECT {label('BillingCurrency')}, coalesce(json_extract_string(Tags, '$.team'), '(untagged)'), "
        "sum(EffectiveCost) FROM t GROUP BY 1, 2",
    ),
    # --totals grand on a crosstab: every cell, each row's total over the months, each month's total over the
    # rows, and the grand total.
    "Q2pivot": (
        "BillingCurrency,BillingAccountId,ServiceName,month(ChargePeriodStart),sum(EffectiveCost)",
        f"SELECT {total('BillingCurrency')}, {total('BillingAccountId')}, {total('ServiceName')}, "
        f"CASE WHEN grouping(date_trunc('month', ChargePeriodStart)) = 1 THEN '(total)' ELSE {MONTH} END, "
        f"{amount('sum(EffectiveCost)')} FROM t GROUP BY GROUPING SETS ("
        "(BillingCurrency, BillingAccountId, ServiceName, date_trunc('month', ChargePeriodStart)), "
        "(BillingCurrency, BillingAccountId, ServiceName), (date_trunc('month', ChargePeriodStart)), ())",
    ),
}
QUERIES["Q1"] = QUERIES["A"]  # Q1 with BillingCurrency added is A


def load(path, db):
    header = open(path, encoding="utf-8-sig").readline().strip().split(",")
    types = {c: "DECIMAL(38,18)" if c in DECIMALS else "TIMESTAMPTZ" if c in TIMESTAMPS else "VARCHAR" for c in header}
    spec = ", ".join(f"'{k}': '{v}'" for k, v in types.items())
    con = duckdb.connect(db)
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', header = true, delim = ',', quote = '\"', "
        f"escape = '\"', types = {{{spec}}})"
    )
    con.execute("CHECKPOINT")
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    print(f"loaded {rows} rows into {db}")


def text(value):
    """Plain digits for decimals (str() of a Decimal may use an exponent)."""
    if value is None:
        return ""
    if isinstance(value, (int, str)):
        return str(value)
    return format(value, "f")


def query(db, name):
    header, sql = QUERIES[name]
    con = duckdb.connect(db, read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(sql).fetchall()
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(header.split(","))
    for row in rows:
        out.writerow([text(v) for v in row])
    con.close()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "load":
        load(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "query":
        query(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 2 and sys.argv[1] == "names":
        print(" ".join(QUERIES))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
