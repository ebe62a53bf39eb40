#!/usr/bin/env python3
"""Anomaly peer "STL+MAD (statsmodels)": robust STL (period 7) per series, robust z of the residual via the MAD.

Flags |z| > 3.5 (the usual modified-z cut-off) whose |actual - expected| is also at least max($1, 5% of the series'
median): the minimum impact keeps flat or tiny series, where the MAD is near zero, from flagging cents.
Windows: seasonal 13, trend 29 days. statsmodels' defaults (7 and 11) follow the noise so closely that the residual
MAD is about half the true noise, which would inflate every z-score (measured on a pure-noise weekly series).
"""
import numpy as np
from statsmodels.tsa.seasonal import STL

from acc_common import flagged, peer_main, versions

THRESHOLD = 3.5


def detect(g, args):
    y = g["value"].to_numpy()
    if len(y) < 21:
        return None
    fit = STL(y, period=7, seasonal=13, trend=29, robust=True).fit()
    expected = fit.trend + fit.seasonal
    r = y - expected
    med = np.median(r)
    sigma = max(1.4826 * np.median(np.abs(r - med)), 1e-9)
    z = (r - med) / sigma
    min_impact = max(1.0, 0.05 * np.median(y))
    half = THRESHOLD * sigma
    return flagged(g, (np.abs(z) > THRESHOLD) & (np.abs(r) >= min_impact),
                   expected, expected + med - half, expected + med + half, np.abs(z))


if __name__ == "__main__":
    print(f"STL+MAD (statsmodels): {versions('statsmodels')}")
    peer_main(__doc__.split("\n")[0], detect)
