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
    monkeypatch.setattr(copying, "_LINKED_CELLS", 0)  # (the product, not the table of pairs)
    got = copying.claim_independence(lay, sparse.csr_matrix(c))
    present = np.zeros((n_q, n_src))
    present[lay.seg, lay.src] = 1.0
    expected = 1.0 / (1.0 + (present @ c)[lay.seg, lay.src])
    assert np.allclose(got, expected, rtol=1e-12, atol=0.0)
    assert (got < 1.0).any() and (got == 1.0).any()  # some claims discounted, some not


def _pairs_over_every_shared_pair(copy: copying.Copying) -> sparse.csr_matrix:
    """The pair matrix c computed over every pair that shares a contested quantity."""
    shared = sparse.coo_matrix(copy.shared)
    off = shared.row != shared.col
    row, col, n = shared.row[off], shared.col[off], shared.data[off].astype(float)
    agree = np.asarray(sparse.csr_matrix(copy.same)[row, col]).ravel().astype(float)
    log_odds = (
        copying._COPY_LOG_PRIOR
        + agree * copying._AGREE_LOG_LR
        + np.maximum(n - agree, 0.0) * copying._DIFFER_LOG_LR
    )
    posterior = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))
    prior = 1.0 / (1.0 + np.exp(-copying._COPY_LOG_PRIOR))
    c = np.maximum(posterior - prior, 0.0) / (1.0 - prior)
    kept = c != 0.0
    return sparse.csr_matrix((c[kept], (row[kept], col[kept])), shape=shared.shape)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("dense_cells", [1, 7, 1 << 22])
def test_independence_reads_only_the_pairs_that_agree(
    monkeypatch: pytest.MonkeyPatch, seed: int, dense_cells: int
) -> None:
    # a pair that never agrees gets c = 0, so independence reads the pairs that agree and
    # looks up what they share: the pair matrix is the one over every sharing pair, entry for
    # entry (its shares, 1 / (1 + sum c), included), whatever block of rows is read at a time
    rng = np.random.default_rng(seed)
    n_q, n_src = 80, 12
    present = rng.uniform(size=(n_q, n_src)) < 0.5
    figures = rng.integers(0, 3, size=(n_q, n_src)).astype(float)
    figures[:, 1] = figures[:, 0]  # sources 0 and 1 copy one another, 2 and 3 mostly
    figures[:, 3] = np.where(rng.uniform(size=n_q) < 0.9, figures[:, 2], figures[:, 3])
    seg, src = np.nonzero(present)
    point = figures[seg, src]
    lay = copying.claims_of(seg=seg, src=src, point=point, n_sources=n_src)
    copy = copying.copy_statistics(lay)
    monkeypatch.setattr(copying, "_DENSE_CELLS", dense_cells)
    keep, pairs = copying.independence(copy)
    expected = _pairs_over_every_shared_pair(copy)
    np.testing.assert_array_equal(pairs.indptr, expected.indptr)
    np.testing.assert_array_equal(pairs.indices, expected.indices)
    np.testing.assert_array_equal(pairs.data, expected.data)
    np.testing.assert_array_equal(keep, 1.0 / (1.0 + np.asarray(expected.sum(axis=1)).ravel()))
    assert pairs[0, 1] > 0  # (the copiers are found)


def test_the_copy_discount_reads_the_layouts_sort_as_its_own() -> None:
    # the learning methods hand their layout to copy_discount instead of sorting the claims
    # by point again: the same claims, the same order, the same shares
    from estimates.reconciliation._layout import layout
    from estimates.reconciliation._learning import claim_ends
    from estimates.reconciliation._segments import segment_ids
    from tests.unit.truth_cases import copiers_and_honest

    ev, _ = copiers_and_honest()
    starts = np.asarray(ev.starts, dtype=np.intp)
    seg = segment_ids(starts, ev.n_rows)
    src = np.asarray(ev.source, dtype=np.intp)
    lo, hi, _ = claim_ends(ev, seg)
    args = (lo, hi, seg, src, starts.size, len(ev.source_names))
    alone = copying.copy_discount(*args)
    np.testing.assert_array_equal(copying.copy_discount(*args, claims=layout(ev, 0.0)), alone)
    assert (alone < 0.5).any()


@pytest.mark.parametrize("seed", range(5))
def test_the_table_of_pairs_adds_as_the_product_does(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    # up to 8,192 sources the pairs of sources on each quantity are looked up in a table
    # instead of computing the product: the same sums, added in the same order, to the last
    # bit (a source stating a quantity twice counts once, any c, copies of themselves included)
    rng = np.random.default_rng(seed)
    n_q, n_src, n = 50, 20, 900
    seg = np.sort(rng.integers(0, n_q, n))
    src = rng.integers(0, n_src, n)
    c = rng.uniform(size=(n_src, n_src)) ** 9 * (rng.uniform(size=(n_src, n_src)) < 0.5)
    lay = copying.claims_of(seg=seg, src=src, point=rng.normal(size=n), n_sources=n_src)
    table = copying.claim_independence(lay, sparse.csr_matrix(c))
    monkeypatch.setattr(copying, "_LINKED_CELLS", 0)
    product = copying.claim_independence(lay, sparse.csr_matrix(c))
    np.testing.assert_array_equal(table, product)
    assert len(np.unique(table)) > n // 4  # (sums of many sizes: an order would show)
