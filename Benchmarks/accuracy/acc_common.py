"""Helpers shared by the accuracy scripts: one reader for the long series format, one writer for flags, versions."""
import importlib.metadata
import time

import pandas as pd

FLAG_COLUMNS = ["series", "timestamp", "actual", "expected", "lower", "upper", "impact", "score"]


def read_series(path, series_limit=None):
    """Reads series,timestamp,value; keeps the timestamp text so flags echo it exactly as the CLI must."""
    df = pd.read_csv(path, dtype={"series": str, "timestamp": str, "value": float})
    df["ds"] = pd.to_datetime(df["timestamp"], utc=True).dt.tz_localize(None)
    if series_limit:
        keep = sorted(df["series"].unique())[:series_limit]  # sorted names: the same subset in every script
        df = df[df["series"].isin(keep)]
    return df.sort_values(["series", "ds"]).reset_index(drop=True)


def write_flags(frames, path):
    """Writes flagged rows only, in the CLI's anomalies column order."""
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=FLAG_COLUMNS)
    out[FLAG_COLUMNS].to_csv(path, index=False, float_format="%.4f")


def versions(*packages):
    return ", ".join(f"{p} {importlib.metadata.version(p)}" for p in packages)


class Timer:
    """Times the work after imports (reading input to writing output) and prints it in one greppable form."""

    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        print(f"elapsed_s={self.seconds:.2f}", flush=True)


def label_events(labels):
    """Groups labelled days into events: consecutive days of one series and one kind are one anomaly."""
    lab = labels.assign(day=pd.to_datetime(labels["timestamp"])).sort_values(["series", "day"])
    new = (lab["series"] != lab["series"].shift()) | (lab["kind"] != lab["kind"].shift()) \
        | (lab["day"] - lab["day"].shift() != pd.Timedelta(days=1))
    return lab.assign(event=new.cumsum())


def peer_main(description, detect, extra_args=(), default_workers=1):
    """Common driver of the anomaly peers: reads series.csv, runs detect(group, args) per series, writes flags.

    detect returns a frame with the FLAG_COLUMNS for its flagged points only (or None). Series are independent, so
    slow peers use a process pool (at most 2 workers: the benchmark machine has 2 cores)."""
    import argparse
    from functools import partial
    from multiprocessing import Pool

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--series", required=True, help="series.csv (series,timestamp,value)")
    ap.add_argument("--out", required=True, help="flags CSV to write")
    ap.add_argument("--series-limit", type=int, help="only the first N series by name")
    ap.add_argument("--workers", type=int, default=default_workers)
    for flag, kw in extra_args:
        ap.add_argument(flag, **kw)
    args = ap.parse_args()
    with Timer():
        df = read_series(args.series, args.series_limit)
        groups = [g for _, g in df.groupby("series", sort=True)]
        fn = partial(detect, args=args)
        if args.workers > 1:
            with Pool(min(args.workers, 2)) as pool:
                found = pool.map(fn, groups, chunksize=1)
        else:
            found = [fn(g) for g in groups]
        write_flags([f for f in found if f is not None and len(f)], args.out)
    return args


def flagged(g, mask, expected, lower, upper, score):
    """Rows of g where mask holds, with the CLI's flag columns; impact = actual - expected."""
    import numpy as np
    m = np.asarray(mask, bool)
    y = g["value"].to_numpy()[m]
    e = np.asarray(expected, float)[m]
    return pd.DataFrame({"series": g["series"].to_numpy()[m], "timestamp": g["timestamp"].to_numpy()[m],
                         "actual": y, "expected": e, "lower": np.asarray(lower, float)[m],
                         "upper": np.asarray(upper, float)[m], "impact": y - e,
                         "score": np.asarray(score, float)[m]})


def new_prophet(**kw):
    """Prophet with its per-fit logging silenced (it would drown the benchmark's output)."""
    import logging
    for name in ("prophet", "prophet.plot", "cmdstanpy"):
        logging.getLogger(name).disabled = True
    from prophet import Prophet
    return Prophet(**kw)
