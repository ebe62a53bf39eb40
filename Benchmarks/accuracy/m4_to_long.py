#!/usr/bin/env python3
"""Converts an M4 train file (one row per series, padded with empty cells) into the CLI's series,timestamp,value.

M4 has no real dates, so timestamps are synthetic: Hourly from 2000-01-01T00:00:00Z every hour, Weekly from
2000-01-03 (a Monday) every 7 days. Values are copied as the M4 text (no float round trip, no scientific notation).
"""
import argparse
import csv
import os
from datetime import datetime, timedelta

START = {"Hourly": (datetime(2000, 1, 1), timedelta(hours=1), "%Y-%m-%dT%H:%M:%SZ"),
         "Weekly": (datetime(2000, 1, 3), timedelta(days=7), "%Y-%m-%d")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--m4", required=True, help="folder with Hourly-train.csv etc.")
    ap.add_argument("--set", choices=START, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    start, step, fmt = START[a.set]
    longest = 0
    with open(os.path.join(a.m4, f"{a.set}-train.csv"), newline="") as f, open(a.out, "w") as out:
        rows = csv.reader(f)
        next(rows)
        out.write("series,timestamp,value\n")
        for row in rows:
            values = [v.strip() for v in row[1:] if v.strip() not in ("", "NA")]
            longest = max(longest, len(values))
            stamps = [(start + k * step).strftime(fmt) for k in range(len(values))]
            out.writelines(f"{row[0]},{t},{v}\n" for t, v in zip(stamps, values))
    print(f"{a.set}: wrote {a.out} (longest series {longest} points)")


if __name__ == "__main__":
    main()
