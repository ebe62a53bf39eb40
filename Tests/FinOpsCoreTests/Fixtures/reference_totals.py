#!/usr/bin/env python3
"""Independent reference for the FOCUS sample's totals: Python's csv module and exact `decimal` arithmetic.

Writes, per (BillingPeriodStart, BillingPeriodEnd, BillingCurrency), the row count and the exact sums of
BilledCost, EffectiveCost, ListCost and ContractedCost (NULL counts as nothing). Nothing here shares code with
the Swift reader. Run: python3 reference_totals.py ../../../Examples/data/focus_sample.csv > focus_sample_totals.json
"""
import csv
import json
import sys
from decimal import Decimal, getcontext

getcontext().prec = 60
COSTS = ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"]
totals = {}
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    for row in csv.DictReader(f):
        key = (row["BillingPeriodStart"], row["BillingPeriodEnd"], row["BillingCurrency"])
        entry = totals.setdefault(key, {"rows": 0, **{c: Decimal(0) for c in COSTS}})
        entry["rows"] += 1
        for c in COSTS:
            if row[c] not in ("", "NULL"):
                entry[c] += Decimal(row[c])


def text(d):
    s = format(d.normalize(), "f")
    return s


out = [
    {"billingPeriodStart": k[0], "billingPeriodEnd": k[1], "currency": k[2], "rows": v["rows"],
     **{c: text(v[c]) for c in COSTS}}
    for k, v in sorted(totals.items())
]
json.dump(out, sys.stdout, indent=2)
print()
