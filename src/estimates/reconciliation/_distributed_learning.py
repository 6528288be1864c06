"""Methods that learn each source's reliability across quantities (crh, catd, plurality), on Dask.

The claims are shuffled by quantity first (as for every method), so each partition holds whole
quantities. Then, as the in-memory methods do, each iteration alternates a step per quantity
and a step per source, except that the two steps run in different places:

- **per quantity, on the partitions**: the in-memory stage functions, on the partition's
  evidence (the pipeline's own evidence, read by :func:`estimates.reconciliation._core.run`),
  with the source weights of the previous iteration. Each partition hands back, per source it
  holds, its sums over its claims (CRH/CATD: the sum of the claims' losses; plurality: the
  claims scored and their hits) and which connected groups of sources and quantities still
  moved;
- **per source, on the client**: those small tables are added up (a source's sum over all
  claims is the sum of its partitions' sums), the in-memory weight step runs on them, and the
  new weights go back to every partition (one array per source).

No step gathers the claims: what travels is one row per source and partition per iteration,
added up two by two on the workers, so that the client receives one row per source.
Before the first iteration the same kind of reduction gives each source's claim count and most
frequent grade, the connected groups (each partition's own groups, as pairs of a group and a
source, joined on the client: :func:`_components`) and, for plurality, the copy statistics
(per pair of sources, counts over quantities, which add up across partitions). Iterations stop
by the in-memory rule: a group is frozen once none of its truths moved, and the loop ends when
every group is frozen or after the method's iteration limit.

The last step runs the pipeline once more on each partition with the learned weights, so that
roles, conflicts, notes and running totals are the in-memory ones. What a partition holds and
how the partitions' reports add up is :mod:`estimates.reconciliation._distributed_parts`; this
module holds the iteration and each method's steps.

Numbers are those of the in-memory run up to the order in which per-source sums are added
(a relative 1e-16 on the weights), which moves no answer beyond 1e-9 relative.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.reconciliation import _core
from estimates.reconciliation._distributed_parts import (
    _add_reports,
    _components,
    _frozen_after,
    _grade_counts,
    _index,
    _local_components,
    _most_frequent,
    _Part,
    _prepare,
    _present,
    _Reduce,
    _report,
    _run,
    _seg,
    _source_names,
)
from estimates.reconciliation.methods import Combined, Evidence
from estimates.reconciliation.stages.arrays import FloatArray, IntArray

__all__ = ["LEARNED", "reconcile_learned"]


#: The methods this module distributes.
LEARNED: tuple[str, ...] = ("catd", "crh", "plurality")


# -- scheduling ----------------------------------------------------------------------------------


def _is_client(scheduler: Any) -> bool:
    return hasattr(scheduler, "persist") and hasattr(scheduler, "submit")


def _persist(dask: Any, objs: Sequence[Any], scheduler: Any) -> list[Any]:
    """Keep the partitions' state where it was computed (on the workers of a cluster)."""
    if not objs:
        return []
    if _is_client(scheduler):
        return list(scheduler.persist(list(objs)))
    return list(dask.persist(*objs, scheduler=scheduler))


def _compute(dask: Any, objs: Sequence[Any], scheduler: Any) -> list[Any]:
    if not objs:
        return []
    return list(dask.compute(*objs, scheduler=scheduler))


def _summed(dask: Any, states: Sequence[Any]) -> Any:
    """One iteration's reports added up on the workers, two by two (a tree): the client
    receives one sum per source, however many partitions there are."""
    level = [dask.delayed(_report)(s) for s in states]
    while len(level) > 1:
        pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
        level = [dask.delayed(_add_reports)(*p) if len(p) == 2 else p[0] for p in pairs]
    return level[0]


# -- the driver ----------------------------------------------------------------------------------


def reconcile_learned(
    parts: Sequence[Any],
    gate: Any,
    settings: _core.Settings,
    *,
    table: Callable[[Any, str, Any], pd.DataFrame],
    meta: pd.DataFrame,
    scheduler: Any,
) -> Any:
    """The table of a learning method over the shuffled partitions (a Dask DataFrame).

    The learning runs now (each iteration needs the sums of the one before); the table built
    from it is lazy.
    """
    from estimates.reconciliation._partitions import dask_core, dask_frames

    dask, dd = dask_core(), dask_frames()
    spec: _Spec = (
        _PluralitySpec(settings) if settings.method == "plurality" else _TruthSpec(settings)
    )
    delayed = dask.delayed
    states = _persist(
        dask, [delayed(_prepare, pure=True)(p, gate, settings) for p in parts], scheduler
    )
    found = _compute(dask, [delayed(_source_names)(s) for s in states], scheduler)
    names = np.unique(np.concatenate([np.zeros(0, object), *found]).astype(object))
    names = np.asarray(names, dtype=object)
    if names.size:
        names_d = delayed(names, pure=True)
        states = _persist(
            dask, [delayed(_index)(s, names_d, spec.on_parts.setup) for s in states], scheduler
        )
        spec.start(_compute(dask, [delayed(_report)(s) for s in states], scheduler), names.size)
        first = spec.prime()
        if first is not None:
            shared = delayed(first, pure=True)
            states = _persist(
                dask, [delayed(spec.on_parts.step)(s, shared) for s in states], scheduler
            )
            spec.primed(_compute(dask, [_summed(dask, states)], scheduler))
        for _ in spec.rounds():
            shared = delayed(spec.next(), pure=True)
            states = _persist(
                dask, [delayed(spec.on_parts.step)(s, shared) for s in states], scheduler
            )
            if spec.learn(_compute(dask, [_summed(dask, states)], scheduler)):
                break
    final = delayed(spec.final(), pure=True)
    pieces = [
        delayed(_final_table)(s, final, spec.on_parts.combine, settings, table) for s in states
    ]
    if not pieces:
        return dd.from_pandas(meta, npartitions=1)
    return dd.from_delayed(pieces, meta=meta, verify_meta=False)


def _final_table(
    part: _Part,
    shared: Any,
    combine: Callable[[_Part, Any], Combined],
    settings: _core.Settings,
    table: Callable[[Any, str, Any], pd.DataFrame],
) -> pd.DataFrame:
    """The pipeline on the partition once more, combining with the learned weights."""

    def learned(ev: Evidence, options: Any) -> Combined:
        del options
        if part.ev is None or len(ev.starts) != len(part.ev.starts):
            raise AssertionError("the pipeline read the partition's evidence differently")
        return combine(part, shared)

    return table(_run(part.frame, settings, learned), settings.method, None)


class _Spec:
    """What a learning method does on the client (``start``, ``prime``/``primed``, ``next``,
    ``learn``, ``final``); ``on_parts`` does the rest on the partitions (``setup``, ``step``,
    ``combine``), and is all that is sent to them."""

    on_parts: Any

    def start(self, firsts: Sequence[Any], n_src: int) -> None:
        raise NotImplementedError

    def prime(self) -> Any:
        return None

    def primed(self, reports: Sequence[Any]) -> None:
        return None

    def rounds(self) -> range:
        raise NotImplementedError

    def next(self) -> Any:
        raise NotImplementedError

    def learn(self, reports: Sequence[Any]) -> bool:
        raise NotImplementedError

    def final(self) -> Any:
        raise NotImplementedError


# -- CRH and CATD ----------------------------------------------------------------------------------


@dataclasses.dataclass
class _TruthWork:
    """The arrays of :func:`estimates.reconciliation.truth._discover` for one partition."""

    lo: FloatArray
    hi: FloatArray
    seg: IntArray
    starts: IntArray
    stated: npt.NDArray[np.bool_]
    prior_w: FloatArray
    ends: Any
    known: npt.NDArray[np.bool_]
    scale: FloatArray
    valid_row: npt.NDArray[np.bool_]
    truth: FloatArray
    row_w: FloatArray
    med: FloatArray  # the unweighted median, where the first truth step starts
    step: Any  # the truth step (truth._Step)
    copies: Any = None  # the partition's claims for the copy discount, until it is applied


class _TruthOnParts:
    """CRH and CATD on the partitions: the per-quantity steps of
    :mod:`estimates.reconciliation.truth` (small to send: its settings only)."""

    def __init__(self, cfg: Any, method: str) -> None:
        self.cfg = cfg
        self.method = method
        # the per-claim loss the weight step sums: |e| for CRH with absolute loss, else e²
        self.squared = not (method == "crh" and cfg.loss == "absolute")

    def setup(self, part: _Part) -> _TruthWork:
        from estimates.reconciliation._learning import (
            _Endpoints,
            _grade_codes,
            _without_grade,
            claim_ends,
        )
        from estimates.reconciliation.truth import _clusters, _scale, _Step

        ev = part.ev
        assert ev is not None
        n = int(np.asarray(ev.best).size)
        starts = np.asarray(ev.starts, dtype=np.intp)
        src = np.asarray(ev.source, dtype=np.intp)
        seg = _seg(ev, n)
        lo, hi, stated = claim_ends(ev, seg)
        grade = _grade_codes(ev.reliability)
        prior_w = _without_grade(np.asarray(ev.weight, dtype=np.float64), grade)
        ends = _Endpoints(lo, hi, seg, src)
        unit_w = np.ones(n)
        med = ends.quantile(unit_w, 0.5)
        known = np.isfinite(med)
        med = np.nan_to_num(med)
        scale = _scale(ends, unit_w, med)
        step = _Step(ends, lo, hi, seg, starts, self.cfg, _clusters(ev, self.cfg), np.ones(n))
        truth = step.answer(prior_w, med)
        copies = None
        if self.cfg.discount_copies:
            from estimates.reconciliation.copying import claim_points, claims_of

            copies = claims_of(seg, src, claim_points(lo, hi), len(ev.source_names), starts.size)
        work = _TruthWork(
            lo, hi, seg, starts, stated, prior_w, ends, known, scale, known[seg], truth, prior_w,
            med, step, copies,
        )  # fmt: skip
        here = _present(part)
        claims = np.bincount(src, minlength=len(ev.source_names))
        part.report = (
            (part.glob[here], claims[here].astype(np.float64)),
            (part.glob[here], _grade_counts(ev, src)[here]),
            _local_components(part),
            _pair_report(step.clusters, part.glob, here),
            self._losses(part, work),
            *_copy_reports(copies, part.glob),
        )
        return work

    def _losses(self, part: _Part, w: _TruthWork) -> tuple[IntArray, FloatArray]:
        from estimates.reconciliation.truth import _errors

        err = _errors(w.truth, w.lo, w.hi, w.seg, w.scale, w.valid_row, self.cfg.error_cap)
        per_claim = err**2 if self.squared else err
        assert part.ev is not None
        here = _present(part)
        sums = np.bincount(part.ev.source, weights=per_claim, minlength=len(part.ev.source_names))
        return part.glob[here], np.asarray(sums[here], dtype=np.float64)

    def step(
        self,
        part: _Part,
        shared: tuple[FloatArray, npt.NDArray[np.bool_], IntArray, Any, Any],
    ) -> _Part:
        if part.ev is None:
            return part
        src_w, frozen, comp_src, pairs, flags = shared
        w = part.work
        assert isinstance(w, _TruthWork)
        gsrc = part.glob[np.asarray(part.ev.source, np.intp)]
        # the first step: the copy discount joins the prior weights, the groups' clustering
        # is the whole group's, and the first truth is taken again under them, as in memory
        if pairs is not None and w.copies is not None:
            from estimates.reconciliation.copying import claim_independence

            keep = claim_independence(w.copies, _local_pairs(pairs, part.glob))
            w = dataclasses.replace(
                w, prior_w=w.prior_w * keep, truth=w.med, step=w.step.keeping(keep), copies=None
            )
        if flags is not None:
            step = w.step.clustered_as(flags[comp_src[gsrc[w.starts]]])
            w = dataclasses.replace(w, truth=w.med, step=step)
        row_w = w.prior_w * src_w[gsrc]
        new = w.step.answer(row_w, w.truth)
        comp_seg = comp_src[gsrc[w.starts]]
        new = np.where(frozen[comp_seg], w.truth, new)
        moved = np.where(w.known, np.abs(new - w.truth) / w.scale, 0.0)
        work = dataclasses.replace(w, truth=new, row_w=row_w)
        out = dataclasses.replace(part, work=work)
        out.report = (np.unique(comp_seg[moved > self.cfg.tol]), self._losses(out, work))
        return out

    def combine(self, part: _Part, shared: Any) -> Combined:
        """The last block of :func:`estimates.reconciliation.truth._discover`, for the
        partition's quantities (the sources table is the client's, not the partitions')."""
        from estimates.reconciliation._evidence import closed_at

        del shared
        w = part.work
        ev = part.ev
        assert isinstance(w, _TruthWork) and ev is not None
        cov = self.cfg.coverage
        raw_mid, low, high = w.ends.quantiles(
            w.row_w, [0.5, (1.0 - cov) / 2, (1.0 + cov) / 2], raw=True
        )
        central = w.known & np.isfinite(raw_mid)
        best_out = np.where(central, w.truth, np.nan)
        low = np.where(central, np.minimum(low, best_out), low)
        high = np.where(central, np.maximum(high, best_out), high)
        low = np.where(w.known, low, -np.inf)
        high = np.where(w.known, high, np.inf)
        notes = np.full(w.starts.size, None, dtype=object)
        notes[~w.known] = "no claim states a bound: nothing to reconcile"
        notes[w.known & ~np.isfinite(raw_mid)] = (
            "the claims only bound it from one side: no central value"
        )
        left = w.stated | np.asarray(ev.closed_left, bool)
        right = w.stated | np.asarray(ev.closed_right, bool)
        return Combined(
            low=low,
            best=best_out,
            high=high,
            closed_left=closed_at(low, w.lo, left, w.seg, w.starts, every=False),
            closed_right=closed_at(high, w.hi, right, w.seg, w.starts, every=False),
            note=tuple(notes.tolist()),
        )


class _TruthSpec(_Spec):
    """CRH and CATD on the client: the per-source weight step of
    :mod:`estimates.reconciliation.truth` (:func:`~estimates.reconciliation.truth._source_weights`)
    on the losses added up."""

    def __init__(self, settings: _core.Settings) -> None:
        from estimates.reconciliation.truth import _Settings

        self.method = settings.method
        self.cfg = _Settings(settings.options, self.method)
        self.on_parts: Any = _TruthOnParts(self.cfg, self.method)
        self.squared = self.on_parts.squared

    def start(self, firsts: Sequence[Any], n_src: int) -> None:
        from estimates.reconciliation._learning import _GRADES
        from estimates.reconciliation.truth import _GRADE_ERROR

        add = _Reduce(n_src)
        live = [f for f in firsts if f is not None]
        self.claims = add.add([f[0] for f in live]).astype(np.int64)
        self.grade_error = np.array([_GRADE_ERROR[g] for g in _GRADES] + [1.0])[
            _most_frequent(add.add([f[1] for f in live], width=6))
        ]
        self.comp_src, self.n_comp = _components([f[2] for f in live], n_src)
        self.flags = _clustered(add, [f[3] for f in live], self.comp_src, self.n_comp)
        self.losses = add.add([f[4] for f in live])
        self.add = add
        self.n_src = n_src
        self.src_w = np.ones(n_src)
        self.frozen = np.zeros(self.n_comp, dtype=bool)
        self.pairs = _copy_pairs(live, 5, n_src) if self.cfg.discount_copies else None

    def prime(self) -> Any:
        """The copy pairs and the groups' clustering, for the first truth step under them (as
        in memory)."""
        if self.pairs is None and self.flags is None:
            return None
        return np.ones(self.n_src), self.frozen, self.comp_src, self.pairs, self.flags

    def primed(self, reports: Sequence[Any]) -> None:
        self.losses = self.add.add([r[1] for r in reports if r is not None])

    def rounds(self) -> range:
        return range(1, self.cfg.max_iter + 1)

    def next(self) -> tuple[FloatArray, npt.NDArray[np.bool_], IntArray, None, None]:
        """This iteration's source weights, from the losses added up (the in-memory step)."""
        from estimates.reconciliation.truth import _source_weights

        # each source's summed loss stands as one pseudo-claim of that source (its square
        # root where the step squares errors), so the step's sums over claims are those sums
        pseudo = np.sqrt(self.losses) if self.squared else self.losses
        n = self.n_src
        new_w = _source_weights(
            pseudo, np.arange(n, dtype=np.intp), n, self.claims, self.claims > 0,
            self.grade_error, self.cfg, self.method, self.comp_src, self.n_comp,
        )  # fmt: skip
        self.src_w = np.where(self.frozen[self.comp_src], self.src_w, new_w)
        return self.src_w, self.frozen, self.comp_src, None, None

    def learn(self, reports: Sequence[Any]) -> bool:
        """Add up one iteration's reports; whether the iterations stop."""
        self.frozen = _frozen_after(reports, self.frozen)
        self.losses = self.add.add([r[1] for r in reports if r is not None])
        return bool(self.frozen.all())

    def final(self) -> None:
        return None


# -- plurality -------------------------------------------------------------------------------------


@dataclasses.dataclass
class _PluralityWork:
    lay: Any
    truths: Any = None
    stats: Any = None
    keep: Any = None  # per claim, once the client has sent the copy pairs


def _copy_reports(claims: Any, glob: IntArray) -> tuple[Any, ...]:
    """A partition's copy counts per pair of sources (global numbers), as two sparse triples."""
    if claims is None:
        return ()
    from scipy import sparse

    from estimates.reconciliation.copying import copy_statistics

    copy = copy_statistics(claims)
    out = []
    for m in (copy.shared, copy.same):
        c = sparse.coo_matrix(m)
        out.append((glob[c.row], glob[c.col], np.asarray(c.data, dtype=np.float64)))
    return tuple(out)


def _pair_report(lay: Any, glob: IntArray, here: IntArray) -> tuple[IntArray, FloatArray] | None:
    """A partition's per-source counts of identical figures and figures one rounding step
    apart (:func:`estimates.reconciliation._layout.pair_counts`), or None without them."""
    if lay is None or lay.pair_counts is None:
        return None
    return glob[here], np.asarray(lay.pair_counts[here], dtype=np.float64)


def _clustered(
    add: _Reduce, reports: Sequence[Any], comp_src: IntArray, n_comp: int
) -> npt.NDArray[np.bool_] | None:
    """Per connected group of the whole ledger, whether it is clustered, from the partitions'
    pair counts added up (:func:`estimates.reconciliation._layout.clustered`); None where the
    partitions reported none (a tolerance given, or the papers' steps)."""
    from estimates.reconciliation._layout import clustered

    if all(r is None for r in reports):
        return None
    counts = add.add(reports, width=2)
    return clustered(counts[:, 0], counts[:, 1], comp_src, n_comp)


def _copy_pairs(firsts: Sequence[Any], k: int, n_src: int) -> Any:
    """The pair matrix ``c`` of the copy counts the partitions reported at ``k`` and ``k + 1``."""
    from scipy import sparse

    from estimates.reconciliation.copying import Copying, independence

    def matrix(j: int) -> Any:
        rows = np.concatenate([np.zeros(0, np.intp), *(f[j][0] for f in firsts)])
        cols = np.concatenate([np.zeros(0, np.intp), *(f[j][1] for f in firsts)])
        data = np.concatenate([np.zeros(0), *(f[j][2] for f in firsts)])
        return sparse.coo_matrix((data, (rows, cols)), shape=(n_src, n_src)).tocsr()

    return independence(Copying(shared=matrix(k), same=matrix(k + 1)))[1]


def _local_pairs(pairs: Any, glob: IntArray) -> Any:
    """The client's source-pair matrix restricted to a partition's sources, in its numbering."""
    from scipy import sparse

    g = np.maximum(glob, 0)  # (a source with no evidence row here is never read)
    local = sparse.csr_matrix(pairs)[g][:, g].tocsr()
    absent = sparse.diags((glob >= 0).astype(np.float64))
    return (absent @ local @ absent).tocsr()


class _PluralityOnParts:
    """Plurality on the partitions (small to send: its settings only)."""

    def __init__(self, cfg: Any) -> None:
        self.cfg = cfg

    def setup(self, part: _Part) -> _PluralityWork:
        from estimates.reconciliation._layout import layout

        ev = part.ev
        assert ev is not None
        lay = layout(ev, self.cfg.tolerance)
        here = _present(part)
        g = part.glob
        part.report = (
            (g[here], _grade_counts(ev, np.asarray(ev.source, np.intp))[here]),
            _local_components(part),
            _pair_report(lay, g, here),
            *_copy_reports(lay, g),
        )
        return _PluralityWork(lay)

    def step(self, part: _Part, shared: Any) -> _Part:
        from estimates.reconciliation.plurality import (
            claim_independence,
            source_statistics,
            truths,
        )

        if part.ev is None:
            return part
        vote, pairs, comp_src, flags = shared
        w = part.work
        assert isinstance(w, _PluralityWork)
        g = np.maximum(part.glob, 0)  # (a source with no evidence row here is never read)
        keep = w.keep
        if keep is None:
            # the first step: the copy discount, and each group's clustering judged whole
            keep = claim_independence(w.lay, _local_pairs(pairs, part.glob))
            if flags is not None:
                lay = w.lay.clustered_as(flags[comp_src[g[w.lay.src[w.lay.starts]]]])
                w = dataclasses.replace(w, lay=lay)
        vote_l = vote[g]
        t = truths(w.lay, vote_l, keep)
        stats = source_statistics(w.lay, t, keep)
        here = _present(part)
        sums = (part.glob[here], np.stack([stats.scored[here], stats.hits[here]], axis=1))
        moved: IntArray = np.zeros(0, dtype=np.intp)
        if w.truths is not None:
            comp_seg = comp_src[g[w.lay.src[w.lay.starts]]]
            moved = np.unique(comp_seg[t.truth != w.truths.truth])
        out = dataclasses.replace(part, work=_PluralityWork(w.lay, t, stats, keep))
        out.report = (moved, sums)
        return out

    def combine(self, part: _Part, shared: Any) -> Combined:
        from scipy import sparse

        from estimates.reconciliation.plurality import _result, _Weights

        acc, vote, _, grade = shared
        w = part.work
        ev = part.ev
        assert isinstance(w, _PluralityWork) and ev is not None
        g = np.maximum(part.glob, 0)
        n_loc = len(ev.source_names)
        # the per-source table of the result is the client's to build: no copy pairs here
        weights = _Weights(acc[g], vote[g], w.keep, sparse.csr_matrix((n_loc, n_loc)))
        return _result(ev, w.lay, w.truths, w.stats, weights, grade[g], 0)


class _PluralitySpec(_Spec):
    """Plurality: :func:`~estimates.reconciliation.plurality.truths` and
    :func:`~estimates.reconciliation.plurality.source_statistics` on the partitions,
    :func:`~estimates.reconciliation.plurality.source_weights` and
    :func:`~estimates.reconciliation.plurality.independence` on the client."""

    def __init__(self, settings: _core.Settings) -> None:
        from estimates.reconciliation.plurality import _Settings

        self.cfg = _Settings(settings.options)
        self.on_parts: Any = _PluralityOnParts(self.cfg)
        # what final() hands the partitions when there is no source at all
        self.acc = self.vote = np.zeros(0)
        self.grade: IntArray = np.zeros(0, dtype=np.intp)
        self.pairs: Any = None

    def start(self, firsts: Sequence[Any], n_src: int) -> None:

        from estimates.reconciliation._learning import _GRADES
        from estimates.reconciliation.plurality import _GRADE_ACCURACY

        add = _Reduce(n_src)
        live = [f for f in firsts if f is not None]
        self.grade = _most_frequent(add.add([f[0] for f in live], width=6))
        cfg = self.cfg
        by_grade = np.array([_GRADE_ACCURACY.get(x, cfg.prior_accuracy) for x in _GRADES])
        self.prior_acc = np.r_[by_grade, cfg.prior_accuracy][self.grade]
        self.comp_src, self.n_comp = _components([f[1] for f in live], n_src)
        self.flags = _clustered(add, [f[2] for f in live], self.comp_src, self.n_comp)
        self.pairs = _copy_pairs(live, 3, n_src)
        self.add = add
        self.acc = np.array(self.prior_acc, dtype=np.float64)
        self.vote = np.ones(n_src)
        self.frozen = np.zeros(self.n_comp, dtype=bool)

    def prime(self) -> Any:
        return self.vote, self.pairs, self.comp_src, self.flags

    def primed(self, reports: Sequence[Any]) -> None:
        self.sums = self.add.add([r[1] for r in reports if r is not None], width=2)

    def rounds(self) -> range:
        return range(1, self.cfg.iterations + 1)

    def next(self) -> Any:
        from estimates.reconciliation.plurality import SourceStatistics, source_weights

        stats = SourceStatistics(scored=self.sums[:, 0].copy(), hits=self.sums[:, 1].copy())
        acc_new, vote_new = source_weights(stats, self.prior_acc, self.cfg.prior_strength)
        hold = self.frozen[self.comp_src]
        self.acc = np.where(hold, self.acc, acc_new)
        self.vote = np.where(hold, self.vote, vote_new)
        return self.vote, self.pairs, self.comp_src, None

    def learn(self, reports: Sequence[Any]) -> bool:
        self.frozen = _frozen_after(reports, self.frozen)
        self.primed(reports)
        return bool(self.frozen.all())

    def final(self) -> Any:
        return self.acc, self.vote, self.pairs, self.grade
