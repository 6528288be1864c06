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
