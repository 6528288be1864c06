"""Generated claims with known truths, shared by the tests of the learning methods."""

from __future__ import annotations

import numpy as np

from estimates.reconciliation.methods import Evidence


def copiers_and_honest(n_q: int = 60, seed: int = 0) -> tuple[Evidence, np.ndarray]:
    """Five copiers of one feed that is wrong a third of the time, and four honest sources."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(300, 1300, n_q).astype(float)
    q, s, v = [], [], []
    for i, t in enumerate(truth):
        feed = t + (rng.integers(5, 30) if i % 3 == 0 else 0)
        for k in range(5):
            q.append(f"q{i:03d}")
            s.append(f"copier{k}")
            v.append(feed)
        for k in range(4):
            q.append(f"q{i:03d}")
            s.append(f"honest{k}")
            v.append(t if rng.random() < 0.9 else t + rng.integers(-40, 40))
    return Evidence.from_rows(quantity=q, source=s, best=v), truth


def rounded_ratings(n_q: int = 120, n_src: int = 16, seed: int = 0) -> tuple[Evidence, np.ndarray]:
    """Raters of mixed noise (sd 4 to 15) who round to tens, fives or units: figures spread
    smoothly, and two raters agree on a figure by chance."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(10, 90, n_q)
    sd = rng.uniform(4, 15, n_src)
    unit = rng.choice([10.0, 5.0, 1.0], n_src)
    q, s, v = [], [], []
    for i, t in enumerate(truth):
        for k in range(n_src):
            q.append(f"q{i:03d}")
            s.append(f"rater{k:02d}")
            v.append(float(np.round((t + rng.normal(0, sd[k])) / unit[k]) * unit[k]))
    return Evidence.from_rows(quantity=q, source=s, best=v), truth
