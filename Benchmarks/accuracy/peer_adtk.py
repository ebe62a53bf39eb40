#!/usr/bin/env python3
"""Anomaly peer "ADTK SeasonalAD": adtk's SeasonalAD(freq=7, c=3, trend=True) per series.

SeasonalAD removes a moving-average trend and the mean weekly profile, then flags |residual| above
Q3 + c*IQR of |residual|. adtk reports only flags; expected and bounds are rebuilt from the same decomposition.
"""
import warnings

import numpy as np
import pandas as pd
from adtk.detector import SeasonalAD
from adtk.transformer import ClassicSeasonalDecomposition

from acc_common import flagged, peer_main, versions

C = 3.0
warnings.filterwarnings("ignore", category=FutureWarning)  # adtk 0.6 vs pandas 2.x dtype notices


def detect(g, args):
    if len(g) < 28:
        return None
    s = pd.Series(g["value"].to_numpy(), index=pd.DatetimeIndex(g["ds"].to_numpy(), freq="D"))
    flags = SeasonalAD(freq=7, c=C, trend=True).fit_detect(s).eq(True).to_numpy()
    resid = ClassicSeasonalDecomposition(freq=7, trend=True).fit_transform(s).to_numpy()
    expected = s.to_numpy() - resid
    q1, q3 = np.nanpercentile(np.abs(resid), [25, 75])
    half = q3 + C * (q3 - q1)
    return flagged(g, flags, expected, expected - half, expected + half, np.abs(resid) / max(half, 1e-9))


if __name__ == "__main__":
    print(f"ADTK SeasonalAD: {versions('adtk')}")
    peer_main(__doc__.split("\n")[0], detect)
