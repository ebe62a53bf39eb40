#!/usr/bin/env python3
"""Anomaly peer "Prophet": the usual Prophet recipe, fit on the whole series, flag points outside its interval.

Default Prophet (weekly seasonality, yearly when the series spans 2 years), --interval-width 0.8 or 0.95. In-sample:
the model has seen the anomalies it is asked about, as in the common tutorial recipe. Seeds: Stan optimiser seed 0,
numpy seed 0 before the interval sampling, so reruns give the same flags.
"""
import numpy as np
import pandas as pd

from acc_common import flagged, new_prophet, peer_main, versions


def detect(g, args):
    if len(g) < 14:
        return None
    df = pd.DataFrame({"ds": g["ds"].to_numpy(), "y": g["value"].to_numpy()})
    m = new_prophet(interval_width=args.interval_width)
    m.fit(df, seed=0)
    np.random.seed(0)
    p = m.predict(df[["ds"]])
    y, lo, hi, e = df["y"].to_numpy(), p["yhat_lower"].to_numpy(), p["yhat_upper"].to_numpy(), p["yhat"].to_numpy()
    score = np.abs(y - e) / np.maximum((hi - lo) / 2, 1e-9)  # 1 = on the interval's edge
    return flagged(g, (y < lo) | (y > hi), e, lo, hi, score)


if __name__ == "__main__":
    print(f"Prophet: {versions('prophet')}")
    peer_main(__doc__.split("\n")[0], detect, default_workers=2,
              extra_args=[("--interval-width", dict(type=float, default=0.8))])
