#!/usr/bin/env python3
"""Month-end cost forecasts from forecast_train.csv by our CLI and peers, as month-end totals with 80% intervals.

Every method forecasts the days left in the cut month; total = month-to-date actual + sum of daily forecasts.
Interval of the total: summing daily 80% bounds is not an 80% interval of the sum (it treats all days' errors as
perfectly correlated, so it is wider: conservative). It is the only bound every method offers, so each method gets
it, labelled "sum of daily 80%". Prophet can also sample whole future paths; its row "Prophet (sampled paths)"
takes the 10th/90th percentiles of the summed paths, the proper interval. If our CLI later prints the optional
columns cum_lower,cum_upper (80% bounds of the cumulative forecast from the first step to that row), its last row
gives "finops (cumulative interval)". Writes OUT/totals.csv (method,series,total,lower,upper,interval) and
OUT/timings.csv (method,seconds: work after imports; the CLI's wall time includes its process start).
"""
import argparse
import os
import subprocess
import time
from multiprocessing import Pool

import numpy as np
import pandas as pd

from acc_common import new_prophet, read_series, versions

SUMMED = "sum of daily 80%"


def horizons(df):
    """Days from each series' last day to the end of that month, and its month-to-date actual."""
    last = df.groupby("series")["ds"].max()
    month_start = last.dt.to_period("M").dt.start_time
    h = (last.dt.to_period("M").dt.end_time.dt.normalize() - last).dt.days
    mtd = df[df["ds"] >= df["series"].map(month_start)].groupby("series")["value"].sum()
    return h, mtd


def totals(daily, mtd, method, interval=SUMMED):
    """daily: series, forecast, lower, upper rows for the remaining days -> one total row per series."""
    s = daily.groupby("series")[["forecast", "lower", "upper"]].sum()
    s = s.reindex(mtd.index, fill_value=0.0).add(mtd, axis=0)  # a series already at month end forecasts nothing
    return pd.DataFrame({"method": method, "series": s.index, "total": s["forecast"], "lower": s["lower"],
                         "upper": s["upper"], "interval": interval})


def run_finops(path, h, mtd, tmp):
    out, parts, t0 = [], [], time.perf_counter()
    df = pd.read_csv(path, dtype={"series": str, "timestamp": str})
    for hh in sorted(set(h[h > 0])):  # one CLI call per distinct horizon (one in practice: same cut for all)
        f = os.path.join(tmp, f"finops_h{hh}.csv")
        df[df.series.isin(h[h == hh].index)].to_csv(f, index=False)
        res = subprocess.run([os.environ["FINOPS_BIN"], "forecast", "--series", f, "--season", "7", "--horizon",
                              str(hh), "--interval", "0.8", "--format", "csv"], check=True, capture_output=True,
                             text=True)
        parts.append(pd.read_csv(pd.io.common.StringIO(res.stdout), dtype={"series": str}))
    secs = time.perf_counter() - t0
    daily = pd.concat(parts, ignore_index=True)
    out.append(totals(daily, mtd, "finops"))
    if {"cum_lower", "cum_upper"} <= set(daily.columns):
        last = daily.groupby("series").tail(1).set_index("series")
        t = out[0].set_index("series")
        t["lower"], t["upper"] = mtd + last["cum_lower"], mtd + last["cum_upper"]
        out.append(t.reset_index().assign(method="finops (cumulative interval)", interval="80% of the sum"))
    return out, secs


def run_statsforecast(df, h, mtd):
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS, SeasonalNaive
    sf_df = df.rename(columns={"series": "unique_id", "value": "y"})[["unique_id", "ds", "y"]]
    out, secs = [], {}
    for name, model in [("AutoETS(7)", AutoETS(season_length=7)), ("MSTL(7)", MSTL(season_length=7)),
                        ("SeasonalNaive(7)", SeasonalNaive(season_length=7))]:
        t0 = time.perf_counter()
        fc = StatsForecast(models=[model], freq="D", n_jobs=2).forecast(df=sf_df, h=int(h.max()), level=[80])
        col = [c for c in fc.columns if c not in ("unique_id", "ds") and "-lo-" not in c and "-hi-" not in c][0]
        fc = fc.rename(columns={"unique_id": "series", col: "forecast", f"{col}-lo-80": "lower",
                                f"{col}-hi-80": "upper"})
        end = fc["series"].map(df.groupby("series")["ds"].max() + pd.to_timedelta(h, unit="D"))
        out.append(totals(fc[fc["ds"] <= end], mtd, name))  # drop steps past a shorter series' month end
        secs[name] = time.perf_counter() - t0
    return out, secs


def prophet_one(item):
    name, g, hh = item
    m = new_prophet(interval_width=0.8)
    m.fit(pd.DataFrame({"ds": g["ds"], "y": g["value"]}), seed=0)
    future = m.make_future_dataframe(periods=hh, include_history=False)
    np.random.seed(0)
    p = m.predict(future)
    paths = m.predictive_samples(future)["yhat"].sum(axis=0)  # one summed future path per sample
    return (name, p["yhat"].sum(), p["yhat_lower"].sum(), p["yhat_upper"].sum(), *np.percentile(paths, [10, 90]))


def run_prophet(df, h, mtd):
    t0 = time.perf_counter()
    items = [(n, g, int(h[n])) for n, g in df.groupby("series") if h[n] > 0]
    with Pool(2) as pool:
        rows = pool.map(prophet_one, items, chunksize=1)
    r = pd.DataFrame(rows, columns=["series", "f", "lo", "hi", "plo", "phi"]).set_index("series")
    r = r.reindex(mtd.index, fill_value=0.0).add(mtd, axis=0)
    secs = time.perf_counter() - t0
    base = dict(method="Prophet", series=r.index, total=r["f"])
    return [pd.DataFrame({**base, "lower": r["lo"], "upper": r["hi"], "interval": SUMMED}),
            pd.DataFrame({**base, "method": "Prophet (sampled paths)", "lower": r["plo"], "upper": r["phi"],
                          "interval": "80% of the sum"})], secs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", required=True, help="forecast_train.csv")
    ap.add_argument("--out", required=True, help="folder for totals.csv and timings.csv")
    ap.add_argument("--methods", default="finops,statsforecast,prophet")
    ap.add_argument("--series-limit", type=int)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    methods = a.methods.split(",")
    print(versions(*[p for m, p in [("statsforecast", "statsforecast"), ("prophet", "prophet")] if m in methods]))
    df = read_series(a.train, a.series_limit)
    h, mtd = horizons(df)
    frames, timing = [], {}
    if "finops" in methods:
        part = df[["series", "timestamp", "value"]]
        src = os.path.join(a.out, "finops_input.csv")
        part.to_csv(src, index=False, float_format="%.2f")
        f, timing["finops"] = run_finops(src, h, mtd, a.out)
        frames += f
    if "statsforecast" in methods:
        f, secs = run_statsforecast(df, h, mtd)
        frames += f
        timing.update(secs)
    if "prophet" in methods:
        f, timing["Prophet"] = run_prophet(df, h, mtd)
        frames += f
    pd.concat(frames, ignore_index=True).to_csv(os.path.join(a.out, "totals.csv"), index=False, float_format="%.4f")
    pd.Series(timing, name="seconds").rename_axis("method").to_csv(os.path.join(a.out, "timings.csv"))
    for k, v in timing.items():
        print(f"elapsed_s={v:.2f} {k}")


if __name__ == "__main__":
    main()
