"""A seeded generator of long-tail truth-discovery data with known truths.

Each quantity has a true integer figure. Sources: a few precise ones (right 95 % of the time),
many sloppy ones (right 60 %, else off by a few units), a copy group that relays one sloppy feed
(identical figures, identical mistakes), hundreds of one-claim sources, vandals (figures off by
orders of magnitude), and unit slips (a figure ×1,000) or swapped digits among the sloppy ones.

>>> claims, truth = long_tail(n_quantities=50, seed=1)
>>> sorted(claims.columns), len(truth)
(['item', 'source', 'value'], 50)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["long_tail"]


def _swap(x: int) -> int:
    s = str(x)
    return int(s[1] + s[0] + s[2:]) if len(s) > 1 and s[0] != s[1] else x + 1


def long_tail(n_quantities: int = 2_000, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Claims (item, source, value) and the true value per item."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1_000, 100_000, n_quantities)
    rows: list[tuple[str, str, float]] = []

    def say(i: int, src: str, value: float) -> None:
        rows.append((f"q{i:05d}", src, float(value)))

    def sloppy(t: int) -> float:
        u = rng.random()
        if u < 0.6:
            return t
        if u < 0.9:
            return t + int(rng.integers(-5, 6))
        if u < 0.95:
            return t * 1000
        return _swap(t)

    feed = [sloppy(int(t)) for t in truth]
    for i, t in enumerate(truth):
        t = int(t)
        for k in range(3):
            if rng.random() < 0.5:
                say(i, f"precise{k}", t if rng.random() < 0.95 else t + int(rng.integers(1, 9)))
        for k in range(8):
            if rng.random() < 0.6:
                say(i, f"sloppy{k}", sloppy(t))
        if rng.random() < 0.8:
            for k in range(5):
                say(i, f"copier{k}", feed[i])
        for _ in range(int(rng.poisson(1.0))):
            say(i, f"once{len(rows)}", sloppy(t))
        if rng.random() < 0.2:
            say(i, f"vandal{int(rng.integers(0, 3))}", t * 10.0 ** int(rng.integers(2, 6)))
    claims = pd.DataFrame(rows, columns=["item", "source", "value"])
    return claims, pd.Series(truth.astype(float), index=[f"q{i:05d}" for i in range(n_quantities)])
