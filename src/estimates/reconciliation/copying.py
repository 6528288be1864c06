"""Copy detection: pairs of sources that (almost) never differ where others do.

Sources that copy one another share figures, mistakes included, far more often than independent
sources can (Dong, Berti-Equille & Srivastava, "Integrating conflicting data: the role of source
dependence", PVLDB 2(1), VLDB 2009). From the figures alone, with no answer needed (so a wrong
first answer cannot make accurate sources look like copiers of one another):

1. :func:`copy_statistics` counts, per pair of sources, the contested quantities both state (some
   figures differ there) and those where their figures are identical;
2. :func:`independence` turns the counts into the probability ``c`` that a pair copies;
3. :func:`claim_independence` gives each claim the share of its vote it keeps on its quantity,
   ``1 / (1 + Σ c)`` over the other sources present there.

Every count is a sum over claims, so partial counts of disjoint claims add up (a partitioned
backend adds them on the way to the client). The learning methods ``plurality``, ``crh`` and
``catd`` divide each claim's vote by its independence, so that a group of copies present on a
quantity weighs there about as one source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from estimates.reconciliation._segments import sort_segments, stable_order
from estimates.reconciliation.stages.arrays import FloatArray, IntArray

if TYPE_CHECKING:
    from scipy import sparse

__all__ = [
    "Claims",
    "Copying",
    "claim_independence",
    "claim_points",
    "claims_of",
    "copy_discount",
    "copy_statistics",
    "independence",
]

# the evidence model of independence(): how often copiers and independent sources agree on
# contested quantities, and the prior odds of copying
_COPY_AGREE: Final = 0.999
_INDEPENDENT_AGREE: Final = 0.9
_COPY_LOG_PRIOR: Final = float(np.log(0.1))
_AGREE_LOG_LR: Final = float(np.log(_COPY_AGREE / _INDEPENDENT_AGREE))
_DIFFER_LOG_LR: Final = float(np.log((1 - _COPY_AGREE) / (1 - _INDEPENDENT_AGREE)))


def claim_points(lo: FloatArray, hi: FloatArray) -> FloatArray:
    """Each claim's figure for comparing with others: a point is itself, a closed range its
    middle, a one-sided claim its finite end (an infinite end where it has none).

    >>> claim_points(np.array([5.0, 2.0, 3.0, -np.inf]), np.array([5.0, 4.0, np.inf, np.inf]))
    array([ 5.,  3.,  3., inf])
    """
    both = np.isfinite(lo) & np.isfinite(hi)
    with np.errstate(invalid="ignore"):  # the middle of an unbounded claim is not used
        # halves added, not the sum halved: figures near 1.8e308 must not overflow
        middle = lo / 2 + hi / 2
    out: FloatArray = np.where(both, middle, np.where(np.isfinite(lo), lo, hi))
    return out


class Claims(Protocol):
    """What copy detection reads of the claims, grouped by quantity: ``seg`` (each claim's
    quantity), ``src`` (its source), ``point`` (its figure), ``starts`` (each quantity's first
    claim), ``n_sources`` and ``point_order`` (the claims sorted by quantity, then figure)."""

    @property
    def seg(self) -> IntArray: ...
    @property
    def src(self) -> IntArray: ...
    @property
    def point(self) -> FloatArray: ...
    @property
    def starts(self) -> IntArray: ...
    @property
    def n_sources(self) -> int: ...
    @property
    def point_order(self) -> IntArray: ...


class _Claims(NamedTuple):
    seg: IntArray
    src: IntArray
    point: FloatArray
    starts: IntArray
    n_sources: int
    point_order: IntArray


def claims_of(
    seg: npt.ArrayLike,
    src: npt.ArrayLike,
    point: npt.ArrayLike,
    n_sources: int,
    n_quantities: int | None = None,
) -> Claims:
    """The :class:`Claims` of plain arrays (``seg`` sorted: claims grouped by quantity)."""
    s = np.asarray(seg, dtype=np.intp)
    p = np.asarray(point, dtype=np.float64)
    n_seg = (int(s.max()) + 1 if s.size else 0) if n_quantities is None else n_quantities
    counts = np.bincount(s, minlength=n_seg)
    starts = (np.cumsum(counts) - counts).astype(np.intp)
    order = sort_segments(p, s, stable=True)
    return _Claims(s, np.asarray(src, dtype=np.intp), p, starts, int(n_sources), order)


class Copying(NamedTuple):
    """Per pair of sources (sparse, ``n_sources`` square): ``shared`` counts the contested
    quantities both state (quantities on which some figures differ) and ``same`` those where their
    figures are identical. Sums over claims: partial counts of disjoint quantities add up."""

    shared: object
    same: object


def _figure_ids(lay: Claims) -> IntArray:
    """A number per claim for its (quantity, exact figure), from the sort the layout holds."""
    order = lay.point_order
    p, q = lay.point[order], lay.seg[order]
    same = (p[1:] == p[:-1]) | (np.isnan(p[1:]) & np.isnan(p[:-1]))
    new = np.r_[True, ~same | (q[1:] != q[:-1])] if order.size else np.zeros(0, bool)
    ids = np.empty(order.size, dtype=np.intp)
    ids[order] = np.cumsum(new) - 1
    return ids


def copy_statistics(lay: Claims) -> Copying:
    """Count, per pair of sources, the contested quantities they share and agree on exactly.

    Computed once, from the figures alone: it needs no answer, so a wrong first answer cannot
    make accurate sources look like copiers of one another.
    """
    from scipy import sparse

    n_src, n_seg = lay.n_sources, lay.starts.size
    seg = lay.seg
    fig = _figure_ids(lay)
    order = lay.point_order
    new_fig = np.r_[True, fig[order][1:] != fig[order][:-1]] if order.size else np.zeros(0, bool)
    figures = np.bincount(seg[order][new_fig], minlength=n_seg)
    rows = np.flatnonzero(figures[seg] > 1)

    def incidence(col: IntArray, n_col: int) -> sparse.csr_matrix:
        m = sparse.csr_matrix(
            (np.ones(rows.size), (lay.src[rows], col[rows])), shape=(n_src, max(n_col, 1))
        )
        m.sum_duplicates()
        m.data = np.minimum(m.data, 1.0)
        return m

    per_q = incidence(seg, n_seg)
    per_fig = incidence(fig, int(fig.max(initial=-1)) + 1)
    return Copying(shared=(per_q @ per_q.T).tocsr(), same=(per_fig @ per_fig.T).tocsr())


def independence(copy: Copying) -> tuple[FloatArray, object]:
    """Each source's independence (the share of its vote it keeps) and the pair matrix ``c``.

    ``c`` is the probability that a pair copies, from the contested quantities it shares: two
    sources that copy agree on nearly all of them (here 999 in 1,000), two independent good
    sources on fewer (here 9 in 10; each difference is strong evidence against copying), and a
    pair copies with prior odds 1 to 10; ``c`` is the part of that probability above the prior,
    rescaled to [0, 1]. These three numbers are this library's choice. A pair
    that never differs is a copy after some 30 shared contested quantities, one that differs on
    more than about 2 % of them is not. A source keeps ``1 / (1 + Σ c)`` of its vote, so a group
    of ``k`` sources copying one another weighs as one.

    >>> from scipy import sparse
    >>> shared = sparse.csr_matrix(np.array([[0, 60, 60], [60, 0, 60], [60, 60, 0]]))
    >>> same = sparse.csr_matrix(np.array([[0, 60, 40], [60, 0, 40], [40, 40, 0]]))
    >>> keep, c = independence(Copying(shared, same))
    >>> keep.round(2).tolist()
    [0.51, 0.51, 1.0]
    """
    from scipy import sparse

    # a pair that never agrees has c = 0 (its log-odds are at most the prior), so the pairs
    # read are those that agree somewhere, a few of those that share (agreeing is sharing)
    same = sparse.coo_matrix(copy.same)
    off = (same.row != same.col) & (same.data != 0)
    row, col, agree = same.row[off], same.col[off], same.data[off].astype(np.float64)
    shared = sparse.csr_matrix(copy.shared)
    n = _entries(shared, row, col)
    # the steps below, in place (millions of pairs of sources can meet): differ = max(n -
    # agree, 0); log_odds = prior + agree * AGREE + differ * DIFFER; posterior = 1 / (1 +
    # exp(-clip(log_odds))); c = max(posterior - prior, 0) / (1 - prior)
    differ = np.maximum(np.subtract(n, agree, out=n), 0.0, out=n)
    c = np.multiply(agree, _AGREE_LOG_LR, out=agree)
    c += _COPY_LOG_PRIOR
    c += np.multiply(differ, _DIFFER_LOG_LR, out=differ)
    del n, differ
    np.negative(np.clip(c, -700, 700, out=c), out=c)
    c = np.divide(1.0, np.add(np.exp(c, out=c), 1.0, out=c), out=c)
    # only evidence beyond the prior discounts: sources that merely meet cost nothing
    prior = 1.0 / (1.0 + np.exp(-_COPY_LOG_PRIOR))
    c -= prior
    c = np.divide(np.maximum(c, 0.0, out=c), 1.0 - prior, out=c)
    kept = c != 0.0  # what eliminate_zeros would drop, dropped first
    pairs = sparse.csr_matrix((c[kept], (row[kept], col[kept])), shape=shared.shape)
    return 1.0 / (1.0 + np.asarray(pairs.sum(axis=1)).ravel()), pairs


def claim_independence(lay: Claims, pairs: object) -> FloatArray:
    """Per claim, the share of its vote it keeps: ``1 / (1 + Σ c)`` over the other sources that
    state its quantity, ``c`` the pair matrix of :func:`independence`.

    Only the copy partners present count: three copiers on one quantity weigh together about as
    one there, and a member of the group alone on a quantity keeps its whole vote, since no copy
    of it repeats it there.

    >>> from scipy import sparse
    >>> claims = claims_of(seg=[0, 0, 0, 1, 1], src=[0, 1, 2, 0, 2], point=[1.0, 1.0, 2.0, 5.0, 6.0],
    ...                    n_sources=3)
    >>> c = sparse.csr_matrix(np.array([[0, 1.0, 0], [1.0, 0, 0], [0, 0, 0]]))  # 0 and 1 copy
    >>> claim_independence(claims, c).tolist()
    [0.5, 0.5, 1.0, 1.0, 1.0]
    """
    from scipy import sparse

    present = sparse.csr_matrix(
        (np.ones(lay.seg.size), (lay.seg, lay.src)), shape=(lay.starts.size, lay.n_sources)
    )
    present.sum_duplicates()
    present.data = np.minimum(present.data, 1.0)
    c = sparse.csr_matrix(pairs, copy=True)
    c.sum_duplicates()  # (sorted rows, one entry a pair)
    if lay.seg.size == 0 or c.nnz == 0:
        return np.ones(lay.seg.size)
    if lay.n_sources**2 <= _LINKED_CELLS:
        # per (quantity, source) entry of ``present``, then per claim
        kept: FloatArray = 1.0 / (1.0 + _partners_present(present, c))
        return kept[_entry_of(present, lay.seg, lay.src)]
    # (quantity, source): the sum of c between the source and every source on the quantity, a
    # block of quantities at a time (each row of the product is computed on its own, so the
    # sums are the same): the whole product can hold tens of millions of entries
    bound = np.cumsum(np.bincount(lay.seg, np.diff(c.indptr)[lay.src], present.shape[0]))
    order = np.argsort(lay.seg, kind="stable")
    seg = lay.seg[order]
    got = np.zeros(lay.seg.size)
    start = 0
    while start < present.shape[0]:
        base = bound[start - 1] if start else 0
        stop = max(int(np.searchsorted(bound, base + _BLOCK_ENTRIES, "right")), start + 1)
        block = (present[start:stop] @ c).tocsr()
        rows = order[np.searchsorted(seg, start) : np.searchsorted(seg, stop)]
        got[rows] = np.asarray(block[lay.seg[rows] - start, lay.src[rows]]).ravel()
        start = stop
    return 1.0 / (1.0 + got)


def _entry_of(present: sparse.csr_matrix, seg: IntArray, src: IntArray) -> IntArray:
    """The entry of ``present`` (sorted rows) at each (``seg``, ``src``)."""
    n_col = present.shape[1]
    rows = np.repeat(np.arange(present.shape[0], dtype=np.int64), np.diff(present.indptr))
    key = rows * n_col + present.indices
    return np.asarray(np.searchsorted(key, seg.astype(np.int64) * n_col + src), dtype=np.intp)


def _partners_present(present: sparse.csr_matrix, c: sparse.csr_matrix) -> FloatArray:
    """Per entry (quantity q, source s) of ``present`` (sorted rows): ``Σ c[s', s]`` over the
    sources ``s'`` of ``q`` in their order, the sums of the product ``present @ c`` at the
    entries of ``present``, added in the same order (so to the last bit), without the rest
    of the product. The sources of a quantity are read a place at a time (the d-th source of
    every quantity that has one), each pair looked up in a table of the pairs ``c`` links.
    """
    n_src = c.shape[0]
    c_key = np.repeat(np.arange(n_src, dtype=np.int64), np.diff(c.indptr)) * n_src + c.indices
    linked = np.zeros(n_src * n_src, dtype=bool)
    linked[c_key] = True
    counts = np.diff(present.indptr)
    row = np.repeat(np.arange(present.shape[0]), counts)  # each entry's quantity
    size = counts[row]  # and how many sources state it
    # the entries of the largest quantities first: those with a d-th source are a prefix
    by_size = stable_order(size.max(initial=0) - size)
    first, target = present.indptr[row][by_size], present.indices[by_size].astype(np.int64)
    with_place = size.size - np.cumsum(np.bincount(size))  # entries with more than d sources
    got = np.zeros(size.size)
    for d in range(int(size.max(initial=0))):
        k = int(with_place[d])
        key = present.indices[first[:k] + d].astype(np.int64) * n_src + target[:k]
        hit = np.flatnonzero(linked[key])
        got[hit] += c.data[np.searchsorted(c_key, key[hit])]
    out = np.empty(size.size)
    out[by_size] = got
    return out


def copy_discount(
    lo: FloatArray,
    hi: FloatArray,
    seg: IntArray,
    src: IntArray,
    n_seg: int,
    n_src: int,
    *,
    claims: Claims | None = None,
) -> FloatArray:
    """Per claim, the share of its vote it keeps once the copies present on its quantity are
    found, the three steps of the module in turn: 1 for a source no other repeats there.
    ``claims``: the same claims already sorted by their points, where the caller holds them (a
    :class:`~estimates.reconciliation._layout.Layout` does), so that they are not sorted again.

    Sources 0 and 1 state the same figure on 40 quantities where source 2 states another:

    >>> seg, src = np.repeat(np.arange(40), 3), np.tile([0, 1, 2], 40)
    >>> figure = np.tile([5.0, 5.0, 7.0], 40)
    >>> copy_discount(figure, figure, seg, src, 40, 3)[:3].round(2).tolist()
    [0.54, 0.54, 1.0]
    """
    if claims is None:
        claims = claims_of(seg, src, claim_points(lo, hi), n_src, n_seg)
    _, pairs = independence(copy_statistics(claims))
    return claim_independence(claims, pairs)


# entries of the (quantity, source) product held at a time by claim_independence, at most
_BLOCK_ENTRIES: Final = 1 << 22
# cells of the dense rows through which _entries reads a sparse matrix, at most
_DENSE_CELLS: Final = 1 << 22
# claim_independence looks pairs of sources up in a table of n_sources² cells up to this many
# (8,192 sources), and computes the product of the presence and the pairs beyond
_LINKED_CELLS: Final = 1 << 26


def _entries(m: sparse.csr_matrix, row: IntArray, col: IntArray) -> FloatArray:
    """``m[row, col]`` as floats (0 where ``m`` has no entry, duplicates summed), read through
    dense rows: a block of rows at a time is written into a dense array, read at the cells
    asked for, and cleared again, so that the work is one pass over ``m`` and the cells, with
    no search in a row (a row of a product is not sorted).

    >>> from scipy import sparse
    >>> m = sparse.csr_matrix(np.array([[0.0, 2.0], [3.0, 0.0]]))
    >>> _entries(m, np.array([1, 0, 0]), np.array([0, 0, 1])).tolist()
    [3.0, 0.0, 2.0]
    """
    n_row, n_col = m.shape
    out = np.zeros(row.size)
    if row.size == 0 or m.nnz == 0:
        return out
    order = np.argsort(row, kind="stable")
    per_block = max(_DENSE_CELLS // max(n_col, 1), 1)
    edges = np.arange(0, n_row + per_block, per_block)
    asked = np.searchsorted(row[order], edges)
    dense = np.zeros(min(per_block, n_row) * n_col)
    indptr, indices, data = m.indptr, m.indices, m.data
    for b in range(edges.size - 1):
        if asked[b] == asked[b + 1]:
            continue
        first, last = int(edges[b]), int(min(edges[b + 1], n_row))
        lo, hi = int(indptr[first]), int(indptr[last])
        rows = np.repeat(np.arange(last - first), np.diff(indptr[first : last + 1]))
        cells = rows * n_col + indices[lo:hi]
        np.add.at(dense, cells, data[lo:hi])
        sel = order[asked[b] : asked[b + 1]]
        out[sel] = dense[(row[sel] - first) * n_col + col[sel]]
        dense[cells] = 0.0
    return out
