#!/usr/bin/env python3
"""Scores month-end totals from peer_forecast.py against forecast_truth.csv: one markdown row per method.

MAPE = mean over series of |forecast total - actual total| / actual total; coverage = share of series whose actual
total lies inside the method's 80% interval of the total (see peer_forecast.py for how each interval is made).
"""
import argparse
import os

import pandas as pd


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--forecasts", required=True, help="peer_forecast.py's output folder")
    ap.add_argument("--label", default="", help="prefix for the method column, e.g. the noise level")
    a = ap.parse_args()
    truth = pd.read_csv(a.truth, dtype={"series": str}).set_index("series")["month_end_total_actual"]
    tot = pd.read_csv(os.path.join(a.forecasts, "totals.csv"), dtype={"series": str})
    secs = pd.read_csv(os.path.join(a.forecasts, "timings.csv")).set_index("method")["seconds"]
    for method, g in tot.groupby("method", sort=False):
        actual = g["series"].map(truth)
        mape = ((g["total"] - actual).abs() / actual).mean()
        cover = ((g["lower"] <= actual) & (actual <= g["upper"])).mean() if g["lower"].notna().all() else float("nan")
        s = secs.get(method, secs.get(method.split(" (")[0], float("nan")))
        print(f"| {a.label}{method} | {mape:.2%} | {cover:.1%} ({g['interval'].iloc[0]}) | {s:.1f} |")


if __name__ == "__main__":
    main()
