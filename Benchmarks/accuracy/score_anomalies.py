#!/usr/bin/env python3
"""Scores a flags CSV (the CLI's anomalies format) against labels.csv from generate_series.py.

Matching: a flag is a true positive when it lies within +-1 day of a day of a labelled spike/drop of the same series
(one day of slack: detectors that lag a day are still useful). A multi-day anomaly is one anomaly: detected if any
flag matches it. Flags on a level shift's first day or the day after are left out of precision altogether.
  precision    = true-positive flags / counted flags
  recall       = detected anomalies / anomalies
  money_recall = sum |impact| of detected anomalies / sum |impact| of all anomalies
Only series in --series (first --series-limit of them, by name) are scored, so a peer run on a subset is fair.
"""
import argparse

import pandas as pd

from acc_common import label_events


def score(labels, flags, names):
    labels, flags = labels[labels.series.isin(names)], flags[flags.series.isin(names)]
    day = pd.Timedelta(days=1)
    shifts = labels[labels.kind == "level_shift"]
    ignored = {(s, d + k * day) for s, d in zip(shifts.series, pd.to_datetime(shifts.timestamp)) for k in (0, 1)}
    ev = label_events(labels[labels.kind != "level_shift"])
    near = {}  # (series, day) -> events whose days lie within one day
    for s, d, e in zip(ev.series, ev.day, ev.event):
        for k in (-1, 0, 1):
            near.setdefault((s, d + k * day), set()).add(e)

    fdays = pd.to_datetime(flags.timestamp, utc=True).dt.tz_localize(None).dt.normalize()
    keys = [k for k in zip(flags.series, fdays) if k not in ignored]
    hits = [near.get(k, set()) for k in keys]
    tp = sum(1 for h in hits if h)
    detected = set().union(*hits) if hits else set()
    impact = ev.groupby("event")["impact"].sum().abs()
    n = len(impact)
    p = tp / len(keys) if keys else float("nan")
    r = len(detected) / n if n else float("nan")
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    money = impact[list(detected)].sum() / impact.sum() if n else float("nan")
    return dict(precision=p, recall=r, f1=f1, money_recall=money, flags=len(keys), tp_flags=tp,
                detected=len(detected), anomalies=n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", required=True)
    ap.add_argument("--flags", required=True)
    ap.add_argument("--series", help="series.csv: the series to score (default: those in labels)")
    ap.add_argument("--series-limit", type=int)
    ap.add_argument("--markdown", metavar="METHOD", help="print a markdown table row for METHOD instead")
    ap.add_argument("--seconds", default="")
    a = ap.parse_args()
    labels = pd.read_csv(a.labels, dtype={"series": str, "timestamp": str})
    flags = pd.read_csv(a.flags, dtype={"series": str, "timestamp": str})
    names = pd.read_csv(a.series, usecols=["series"], dtype=str)["series"] if a.series else labels.series
    names = sorted(set(names))[:a.series_limit] if a.series_limit else sorted(set(names))
    m = score(labels, flags, names)
    if a.markdown:
        secs = f"{float(a.seconds):.1f}" if a.seconds.replace(".", "", 1).isdigit() else a.seconds
        print(f"| {a.markdown} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['money_recall']:.3f} "
              f"| {m['flags']} | {secs} |")
    else:
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in m.items()))


if __name__ == "__main__":
    main()
