#!/usr/bin/env python3
"""M4 Hourly/Weekly accuracy: sMAPE and MASE exactly as M4's "Benchmarks and Evaluation.R", plus 95% coverage.

  sMAPE = mean over all series and horizons of 200|y - f| / (|y| + |f|)
  MASE  = mean of |y - f| / s, s = mean |x_t - x_{t-m}| over the series' own train part, m = M4's frequency
          (24 for Hourly, 1 for Weekly); horizons 48 and 13.
Scores --forecasts (our CLI's forecast CSV, continuing m4_to_long.py's timestamps) and same-run peers: Naive,
sNaive (Weekly: the same as Naive, frequency 1, which is also M4's Naive2 there) and statsforecast's AutoETS,
Theta and DynamicOptimizedTheta with season_length = frequency, and Prophet with --prophet. Checks our sNaive (or
Naive) against M4's published figures, which validates the data and the metric code.
"""
import argparse
import os
import time
from multiprocessing import Pool

import numpy as np
import pandas as pd

from acc_common import new_prophet, versions

SETS = {"Hourly": (24, 48, "h"), "Weekly": (1, 13, "7D")}
PUBLISHED = {"Hourly": [("sNaive", 13.912, 1.193), ("Theta", 18.138, 2.455), ("best entry", 8.913, 0.801)],
             "Weekly": [("Naive2", 9.161, 2.777), ("Damped", 8.866, 2.404), ("best entry", 6.582, 2.107)]}
CHECK = {"Hourly": ("sNaive", 13.912, 1.193), "Weekly": ("Naive", 9.161, 2.777)}  # Weekly Naive == Naive2


def load(m4, name, part):
    df = pd.read_csv(os.path.join(m4, f"{name}-{part}.csv"), index_col=0)
    return {k: row.dropna().to_numpy(float) for k, row in df.iterrows()}


def scores(train, test, fc, freq, lo=None, hi=None):
    sm, ms, cov = [], [], []
    for k, y in test.items():
        f, x = fc[k], train[k]
        sm.append(200 * np.abs(y - f) / (np.abs(y) + np.abs(f)))
        ms.append(np.abs(y - f) / np.mean(np.abs(x[freq:] - x[:-freq])))
        if lo is not None:
            cov.append((lo[k] <= y) & (y <= hi[k]))
    return np.mean(sm), np.mean(ms), (np.mean(cov) if cov else float("nan"))


def statsforecast_peers(train, freq, h):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, DynamicOptimizedTheta, Theta
    df = pd.concat([pd.DataFrame({"unique_id": k, "ds": np.arange(len(x)), "y": x}) for k, x in train.items()])
    for name, model in [("AutoETS", AutoETS(season_length=freq)), ("Theta", Theta(season_length=freq)),
                        ("DynamicOptimizedTheta", DynamicOptimizedTheta(season_length=freq))]:
        t0 = time.perf_counter()
        out = StatsForecast(models=[model], freq=1, n_jobs=2).forecast(df=df, h=h, level=[95])
        col = [c for c in out.columns if c not in ("unique_id", "ds") and "-lo-" not in c and "-hi-" not in c][0]
        g = {k: v for k, v in out.groupby("unique_id")}
        yield (f"{name} (statsforecast)", {k: v[col].to_numpy() for k, v in g.items()},
               {k: v[f"{col}-lo-95"].to_numpy() for k, v in g.items()},
               {k: v[f"{col}-hi-95"].to_numpy() for k, v in g.items()}, time.perf_counter() - t0)


def prophet_one(item):
    k, x, h, step = item
    start = pd.Timestamp("2000-01-01" if step == "h" else "2000-01-03")
    m = new_prophet(interval_width=0.95)
    m.fit(pd.DataFrame({"ds": pd.date_range(start, periods=len(x), freq=step), "y": x}), seed=0)
    np.random.seed(0)
    p = m.predict(m.make_future_dataframe(periods=h, freq=step, include_history=False))
    return k, p["yhat"].to_numpy(), p["yhat_lower"].to_numpy(), p["yhat_upper"].to_numpy()


def read_ours(path, h):
    df = pd.read_csv(path, dtype={"series": str, "timestamp": str})
    df = df.assign(t=pd.to_datetime(df["timestamp"], utc=True)).sort_values(["series", "t"])
    g = {k: v.head(h) for k, v in df.groupby("series")}
    has_pi = {"lower", "upper"} <= set(df.columns)
    return ({k: v["forecast"].to_numpy(float) for k, v in g.items()},
            {k: v["lower"].to_numpy(float) for k, v in g.items()} if has_pi else None,
            {k: v["upper"].to_numpy(float) for k, v in g.items()} if has_pi else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--m4", required=True)
    ap.add_argument("--set", choices=SETS, required=True)
    ap.add_argument("--forecasts", help="our CLI's forecast CSV (series,timestamp,forecast[,lower,upper])")
    ap.add_argument("--forecasts-name", default="finops")
    ap.add_argument("--forecasts-seconds", default="")
    ap.add_argument("--prophet", action="store_true")
    ap.add_argument("--no-statsforecast", action="store_true")
    a = ap.parse_args()
    freq, h, step = SETS[a.set]
    train, test = load(a.m4, a.set, "train"), load(a.m4, a.set, "test")
    print(f"M4 {a.set}: {len(train)} series, horizon {h}, MASE frequency {freq}; "
          f"{versions('statsforecast', 'prophet')}")
    rows = []

    def row(name, fc, lo=None, hi=None, secs=""):
        missing = set(test) - set(fc)
        if missing or any(len(fc[k]) != h for k in test):
            rows.append(f"| {name} | incomplete: {len(missing)} series missing or short | | | {secs} |")
            return None
        s, m, c = scores(train, test, fc, freq, lo, hi)
        rows.append(f"| {name} | {s:.3f} | {m:.3f} | {'' if np.isnan(c) else f'{c:.1%}'} | "
                    f"{secs if isinstance(secs, str) else f'{secs:.1f}'} |")
        return s, m

    if a.forecasts:
        row(a.forecasts_name, *read_ours(a.forecasts, h), secs=a.forecasts_seconds)
    naive = {k: np.repeat(x[-1], h) for k, x in train.items()}
    snaive = {k: np.resize(x[-freq:], h) for k, x in train.items()}  # last season repeated
    got = {"Naive": row("Naive", naive, secs="")}
    if freq > 1:
        got["sNaive"] = row("sNaive", snaive, secs="")
    if not a.no_statsforecast:
        for name, fc, lo, hi, secs in statsforecast_peers(train, freq, h):
            row(name, fc, lo, hi, secs)
    if a.prophet:
        t0 = time.perf_counter()
        with Pool(2) as pool:
            res = pool.map(prophet_one, [(k, x, h, step) for k, x in train.items()], chunksize=4)
        row("Prophet (95%)", *[{r[0]: r[i] for r in res} for i in (1, 2, 3)], secs=time.perf_counter() - t0)
    name, s0, m0 = CHECK[a.set]
    s, m = got[name]
    ok = abs(s - s0) <= 0.001 and abs(m - m0) <= 0.001
    print(f"sanity check: our {name} {s:.3f}/{m:.3f} vs published {s0}/{m0}: {'MATCHES' if ok else 'DIFFERS'}")
    print("| method | sMAPE | MASE | 95% coverage | seconds |\n|---|---|---|---|---|")
    print("\n".join(rows))
    for n, s, m in PUBLISHED[a.set]:
        print(f"| {n}, published (M4 Evaluation and Ranks.xlsx) | {s:.3f} | {m:.3f} | | |")


if __name__ == "__main__":
    main()
