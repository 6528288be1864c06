"""Generated ratings: many raters, continuous truths, figures rounded to tens, fives or units.

No source has the truth's exact figure; raters who round alike agree by chance. This is the kind
of data where agreement is no evidence, and a method that answers with agreed figures must not
do worse than the plain median. Scored by the mean absolute error.

>>> claims, truth = ratings(seed=1)
>>> sorted(claims.columns), len(truth)
(['item', 'source', 'value'], 300)
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def ratings(
    n_items: int = 300, n_raters: int = 30, *, seed: int = 0
) -> tuple[pd.DataFrame, pd.Series]:
    """Each rater rates about 60 % of the items: truth + a bias of its own (sd 5) + noise (sd 5
    to 20), clipped to 0-100 and rounded to 10 (four raters in ten), to 5 (three) or to 1."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0, 100, n_items)
    bias = rng.normal(0, 5, n_raters)
    sd = rng.uniform(5, 20, n_raters)
    unit = rng.choice([10.0, 5.0, 1.0], n_raters, p=[0.4, 0.3, 0.3])
    items, sources, values = [], [], []
    for r in range(n_raters):
        rated = np.flatnonzero(rng.random(n_items) < 0.6)
        x = np.clip(truth[rated] + bias[r] + rng.normal(0, sd[r], rated.size), 0, 100)
        values.append(np.round(x / unit[r]) * unit[r])
        items.append(rated)
        sources.append(np.full(rated.size, r))
    item = np.concatenate(items)
    names = np.array([f"item {i:03d}" for i in range(n_items)], dtype=object)
    claims = pd.DataFrame(
        {
            "item": names[item],
            "source": np.array([f"rater {r:02d}" for r in np.concatenate(sources)], dtype=object),
            "value": np.concatenate(values),
        }
    )
    return claims, pd.Series(truth, index=names)
