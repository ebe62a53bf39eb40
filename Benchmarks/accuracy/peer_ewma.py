#!/usr/bin/env python3
"""Anomaly peer "EWMA 3-sigma": an exponentially weighted mean/variance control chart per series (no seasonality).

alpha 0.1, 14-point warm-up, flag when |x - mean| > 3 sd of the chart before x. The chart is updated with x clipped
to the 3-sd band, so one spike does not widen the limits for weeks (a level shift is still absorbed over time).
"""
import numpy as np

from acc_common import flagged, peer_main

ALPHA, K, WARMUP = 0.1, 3.0, 14


def detect(g, args):
    y = g["value"].to_numpy()
    if len(y) <= WARMUP:
        return None
    n = len(y)
    mean, sd = np.full(n, np.nan), np.full(n, np.nan)
    m, v = y[:WARMUP].mean(), y[:WARMUP].var()
    for t in range(WARMUP, n):
        s = np.sqrt(v)
        mean[t], sd[t] = m, s
        x = np.clip(y[t], m - K * s, m + K * s)
        d = x - m
        m += ALPHA * d
        v = (1 - ALPHA) * (v + ALPHA * d * d)
    dev = np.abs(y - mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = dev / sd
    return flagged(g, np.nan_to_num(score) > K, mean, mean - K * sd, mean + K * sd, score)


if __name__ == "__main__":
    print("EWMA 3-sigma (numpy)")
    peer_main(__doc__.split("\n")[0], detect)
