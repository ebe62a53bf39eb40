#!/usr/bin/env python3
"""Seeded synthetic daily cost series with labelled anomalies, for scoring anomaly detectors and month-end forecasts.

Each series: a level ($5..$50k/day, log-uniform) with a linear trend, a weekday/weekend pattern, multiplicative noise,
0-2 permanent level shifts, sometimes a monthly recurring charge, sometimes a late start (rows simply begin later),
and Poisson(2) injected spikes/drops of 1-3 days. Only spikes and drops are anomalies; a level shift's first day is
labelled 'level_shift' so the scorer can ignore flags there (a shift is a change a detector may or may not report,
neither right nor wrong); recurring charges are ordinary costs and are not labelled (flagging them is a false alarm).

Outputs in --out: series.csv, labels.csv (one row per anomalous day; impact = value minus the value without the
injection), forecast_train.csv (every series cut at day 15 of the last full month) and forecast_truth.csv (that
month's actual to-date and full totals). No anomaly or shift is placed after the cut inside that month, so the
month-end truth holds only what a forecaster could be expected to predict (trend, weekly pattern, noise, and a
recurring charge when one falls after the 15th).
"""
import argparse
import os

import numpy as np
import pandas as pd

from acc_common import label_events

NOISE = {"low": 0.02, "realistic": 0.08, "high": 0.20}
WARMUP, TAIL, GAP = 56, 7, 3  # days: no anomaly before start+WARMUP or in the last TAIL days; GAP keeps events apart


def generate_one(i, args, dates, cut, month_end):
    rng = np.random.default_rng([args.seed, i])  # per-series stream: series i is the same whatever --series is
    n = len(dates)
    t = np.arange(n)
    start = int(rng.integers(90, 400)) if rng.random() < 0.15 else 0
    base = float(np.exp(rng.uniform(np.log(5), np.log(50_000))))
    level = base * (1 + rng.uniform(-0.3, 0.8) * t / (n - 1))
    weekend_dip = rng.uniform(0, 0.6)
    week = np.where(dates.dayofweek >= 5, 1 - weekend_dip, 1.0) * (1 + rng.uniform(-0.05, 0.05, 7))[dates.dayofweek]
    expected = level * week  # "the level" that anomaly sizes are relative to
    noisy = expected * np.maximum(0, 1 + NOISE[args.noise] * rng.standard_normal(n))

    # Forbidden windows: after the forecast cut within its month (keeps month-end truth clean), and events' days.
    busy = np.zeros(n, bool)
    busy[cut + 1:month_end + 1] = True
    busy[:start + WARMUP] = True
    busy[n - TAIL:] = True
    labels = []

    def free(d, length):
        return not busy[max(0, d - GAP):d + length + GAP].any()

    for _ in range(rng.choice([0, 1, 2], p=[0.5, 0.35, 0.15])):
        for _try in range(50):
            d = int(rng.integers(start + WARMUP, n - TAIL))
            if free(d, 1):
                m = 1 + rng.choice([-1, 1]) * rng.uniform(0.2, 0.6)
                before = noisy[d]
                noisy[d:] *= m
                expected[d:] *= m
                busy[d - GAP:d + 1 + GAP] = True
                labels.append((d, "level_shift", noisy[d] - before))
                break

    recurring = np.zeros(n)
    if rng.random() < 0.3:
        day = rng.choice([1, 15, 20, 28])
        recurring[(dates.day == day) & (t >= start)] = round(base * rng.uniform(3, 10), 2)
        for d in np.flatnonzero(recurring):
            busy[max(0, d - 1):d + 2] = True  # an anomaly on a charge day would be ambiguous to score

    for _ in range(rng.poisson(2)):
        for _try in range(50):
            length = int(rng.choice([1, 2, 3], p=[0.6, 0.25, 0.15]))
            d = int(rng.integers(start + WARMUP, n - TAIL - length))
            if free(d, length):
                spike = rng.random() < 0.6
                size = rng.uniform(0.3, 3.0) if spike else rng.uniform(0.3, 0.95)  # a drop can't go below zero
                for k in range(d, d + length):
                    before = noisy[k]
                    noisy[k] = max(0.0, noisy[k] + (1 if spike else -1) * size * expected[k])
                    labels.append((k, "spike" if spike else "drop", noisy[k] - before))
                busy[d - GAP:d + length + GAP] = True
                break

    values = np.round(np.maximum(0, noisy + recurring), 2)
    name = f"s{i:04d}"
    series = pd.DataFrame({"series": name, "timestamp": dates.strftime("%Y-%m-%d"), "value": values})[start:]
    lab = pd.DataFrame([(name, dates[d].strftime("%Y-%m-%d"), k, round(v, 2)) for d, k, v in sorted(labels)],
                       columns=["series", "timestamp", "kind", "impact"])
    return series, lab


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--series", type=int, default=200)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--noise", choices=NOISE, default="realistic")
    ap.add_argument("--days", type=int, default=730)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    dates = pd.date_range("2024-01-01", periods=args.days, freq="D")
    # Last calendar month wholly inside the data; the forecast cut is its 15th.
    last_full = dates[-1].to_period("M") - (0 if dates[-1].is_month_end else 1)
    month_start, month_end = last_full.start_time, last_full.end_time.normalize()
    cut_date = month_start + pd.Timedelta(days=14)
    cut, end = dates.get_loc(cut_date), dates.get_loc(month_end)

    parts = [generate_one(i, args, dates, cut, end) for i in range(args.series)]
    series = pd.concat([p[0] for p in parts], ignore_index=True)
    labels = pd.concat([p[1] for p in parts if len(p[1])], ignore_index=True)
    fmt = {"float_format": "%.2f", "index": False}
    series.to_csv(os.path.join(args.out, "series.csv"), **fmt)
    labels.to_csv(os.path.join(args.out, "labels.csv"), **fmt)

    ts = pd.to_datetime(series["timestamp"])
    series[ts <= cut_date].to_csv(os.path.join(args.out, "forecast_train.csv"), **fmt)
    in_month = (ts >= month_start) & (ts <= month_end)
    truth = pd.DataFrame({
        "month_to_date_actual": series[in_month & (ts <= cut_date)].groupby("series")["value"].sum(),
        "month_end_total_actual": series[in_month].groupby("series")["value"].sum()}).reset_index()
    truth.to_csv(os.path.join(args.out, "forecast_truth.csv"), **fmt)

    events = label_events(labels[labels.kind != "level_shift"])
    print(f"{args.series} series, {len(series)} rows, noise {args.noise} (sd {NOISE[args.noise]:.0%}), seed {args.seed}; "
          f"{events.event.nunique()} anomalies on {len(events)} days, {(labels.kind == 'level_shift').sum()} level shifts; "
          f"forecast cut {cut_date.date()}, month end {month_end.date()}")


if __name__ == "__main__":
    main()
