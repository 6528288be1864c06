"""claim_independence computes the (quantity, source) product a block of quantities at a time:
every block size gives each claim the same share as the whole product."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from estimates.reconciliation import copying


@pytest.mark.parametrize("block", [1, 40, 200, 1 << 22])
def test_claim_independence_is_the_same_in_blocks(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    rng = np.random.default_rng(7)
    n_q, n_src, n = 30, 12, 200
    seg = np.sort(rng.integers(0, n_q, n))
    src = rng.integers(0, n_src, n)
    c = rng.uniform(size=(n_src, n_src)) * (rng.uniform(size=(n_src, n_src)) < 0.4)
    np.fill_diagonal(c, 0.0)
    lay = copying.claims_of(
        seg=seg.tolist(), src=src.tolist(), point=rng.normal(size=n).tolist(), n_sources=n_src
    )
    monkeypatch.setattr(copying, "_BLOCK_ENTRIES", block)
    got = copying.claim_independence(lay, sparse.csr_matrix(c))
    present = np.zeros((n_q, n_src))
    present[lay.seg, lay.src] = 1.0
    expected = 1.0 / (1.0 + (present @ c)[lay.seg, lay.src])
    assert np.allclose(got, expected, rtol=1e-12, atol=0.0)
    assert (got < 1.0).any() and (got == 1.0).any()  # some claims discounted, some not
