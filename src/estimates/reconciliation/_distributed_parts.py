"""The partitions of a learning method on Dask: what each holds, and how their reports add up.

Each partition holds whole quantities (:class:`_Part`): its claims, its evidence as the
pipeline reads it (:func:`_prepare` runs the pipeline without combining) and the method's
working arrays. What it reports is per source it holds: sums over its claims, keyed by the
global source codes (:func:`_index`), which add up across partitions (:func:`_add_reports`,
:class:`_Reduce`), and its own connected groups of quantities and sources, joined on the client
(:func:`_components`). The iteration that reads these reports, and the methods' steps, are
:mod:`estimates.reconciliation._distributed_learning`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.reconciliation import _core
from estimates.reconciliation.methods import Combined, Evidence
from estimates.reconciliation.stages.arrays import FloatArray, IntArray

_counter = itertools.count()
_counter_lock = threading.Lock()


@contextlib.contextmanager
def _combining_with(fn: Callable[[Evidence, Any], Combined]) -> Iterator[str]:
    """A method name under which the pipeline combines with ``fn``, for the length of the block.

    The pipeline (:func:`estimates.reconciliation._core.run`) combines with a registered method;
    this registers ``fn`` under a name of its own and removes it afterwards, so that no name is
    left in :func:`estimates.reconciliation.methods.methods`.
    """
    from estimates.reconciliation import methods

    with _counter_lock:
        name = f"_distributed_stage_{os.getpid()}_{next(_counter)}"
    methods.register_method(name, fn, description="a distributed stage", joint=True)
    try:
        yield name
    finally:
        with methods._lock:
            methods._registry.pop(name, None)
            methods._options.pop(name, None)


def _run(
    frame: pd.DataFrame, settings: _core.Settings, fn: Callable[[Evidence, Any], Combined]
) -> _core.CoreResult:
    """The pipeline on ``frame``, combining with ``fn`` instead of the settings' method."""
    with _combining_with(fn) as name:
        return _core.run(frame, dataclasses.replace(settings, method=name))


@dataclasses.dataclass
class _Part:
    """One partition: its claims, its evidence as the pipeline reads it, and the method's
    working arrays. ``glob`` maps the evidence's source codes to the global ones (-1: a source
    with no evidence row here)."""

    frame: pd.DataFrame
    ev: Evidence | None
    glob: IntArray = dataclasses.field(default_factory=lambda: np.zeros(0, np.intp))
    work: Any = None
    report: Any = None


def _prepare(frame: pd.DataFrame, gate: object, settings: _core.Settings) -> _Part:
    """The partition's evidence, read by the pipeline (nothing is combined)."""
    from estimates.reconciliation._partitions import distinct

    del gate  # a dependency only: nothing runs before every partition was checked
    frame = distinct(frame)
    seen: list[Evidence] = []

    def capture(ev: Evidence, options: Any) -> Combined:
        seen.append(ev)
        return Combined.unknown(len(ev.starts), "not combined")

    _run(frame, settings, capture)
    return _Part(frame, seen[0] if seen else None)


def _source_names(part: _Part) -> npt.NDArray[np.object_]:
    """The resolved names of the sources with an evidence row in the partition."""
    if part.ev is None:
        return np.zeros(0, dtype=object)
    names = np.asarray(part.ev.source_names, dtype=object)
    return np.asarray(names[np.unique(part.ev.source)], dtype=object)


def _present(part: _Part) -> IntArray:
    """The local codes of the sources with an evidence row."""
    assert part.ev is not None
    return np.unique(np.asarray(part.ev.source, dtype=np.intp))


def _local_components(part: _Part) -> tuple[IntArray, IntArray]:
    """The partition's own connected groups, as (group, global source) pairs."""
    from estimates.reconciliation._learning import _components

    ev = part.ev
    assert ev is not None
    n = len(ev.source)
    seg = _seg(ev, n)
    _, comp_src, _ = _components(
        seg, np.asarray(ev.source, np.intp), len(ev.starts), len(ev.source_names)
    )
    here = _present(part)
    return comp_src[here], part.glob[here]


def _seg(ev: Evidence, n: int) -> IntArray:
    from estimates.reconciliation._segments import segment_ids

    return segment_ids(np.asarray(ev.starts, dtype=np.intp), n)


def _index(part: _Part, names: npt.NDArray[np.object_], setup: Callable[[_Part], Any]) -> _Part:
    """Give the partition its global source codes and the method's first working arrays."""
    if part.ev is None:
        return part
    local = np.asarray(part.ev.source_names, dtype=object)
    glob = np.full(local.size, -1, dtype=np.intp)
    here = _present(part)
    glob[here] = np.searchsorted(names, local[here])
    part = dataclasses.replace(part, glob=glob)
    part.work = setup(part)
    return part


def _report(part: _Part) -> Any:
    return part.report


def _add_reports(a: Any, b: Any) -> Any:
    """Two iteration reports as one: the groups that moved in either, and the per-source sums
    added (a source held by both partitions sums its two rows)."""
    if a is None or b is None:
        return b if a is None else a
    moved = np.union1d(a[0], b[0]).astype(np.intp)
    idx = np.concatenate([a[1][0], b[1][0]])
    values = np.concatenate([a[1][1], b[1][1]])
    sources, at = np.unique(idx, return_inverse=True)
    total = np.zeros((sources.size, *values.shape[1:]))
    np.add.at(total, at, values)
    return moved, (sources.astype(np.intp), total)


class _Reduce:
    """Per-source sums, added up from the partitions' (global source, values) pairs."""

    def __init__(self, n_src: int) -> None:
        self.n_src = n_src

    def add(
        self, pieces: Sequence[tuple[IntArray, FloatArray] | None], width: int = 0
    ) -> FloatArray:
        shape = (self.n_src, width) if width else (self.n_src,)
        total = np.zeros(shape)
        for piece in pieces:
            if piece is None:
                continue
            idx, values = piece
            np.add.at(total, idx, values)
        return total


def _components(
    pairs: Sequence[tuple[IntArray, IntArray] | None], n_src: int
) -> tuple[IntArray, int]:
    """The connected groups of all sources from each partition's own groups.

    A partition's group is a set of sources linked through its quantities; two partitions'
    groups that share a source are one group. Each partition's group becomes a node linked to
    its sources, and the in-memory union (:func:`estimates.reconciliation._learning._components`)
    runs on these few nodes (at most one per source and partition), never on the claims.
    """
    from estimates.reconciliation._learning import _components as union

    nodes, members, offset = [], [], 0
    for piece in pairs:
        if piece is None or not piece[0].size:
            continue
        label, src = piece
        nodes.append(label + offset)
        members.append(src)
        offset += int(label.max()) + 1
    node = np.concatenate(nodes).astype(np.intp) if nodes else np.zeros(0, np.intp)
    member = np.concatenate(members).astype(np.intp) if members else np.zeros(0, np.intp)
    _, comp_src, n_comp = union(node, member, offset, n_src)
    return comp_src, n_comp


def _frozen_after(reports: Sequence[Any], frozen: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """The in-memory stopping rule: a group none of whose truths moved is frozen."""
    moved = np.zeros(frozen.size, dtype=bool)
    for r in reports:
        if r is not None:
            moved[r[0]] = True
    out: npt.NDArray[np.bool_] = frozen | ~moved
    return out


def _most_frequent(counts: FloatArray) -> IntArray:
    """Per source, the grade code it is given most often (the better one on a tie), else -1:
    :func:`estimates.reconciliation._learning._source_grades` on the counts added up."""
    out: IntArray = np.where(counts.sum(axis=1) > 0, counts.argmax(axis=1), -1).astype(np.intp)
    return out


def _grade_counts(ev: Evidence, src: IntArray) -> FloatArray:
    """Per local source, how often each grade is given (as _source_grades counts them)."""
    from estimates.reconciliation._learning import _grade_codes

    grade = _grade_codes(ev.reliability)
    n_loc = len(ev.source_names)
    given = grade >= 0
    counts = np.bincount(src[given] * 6 + grade[given], minlength=n_loc * 6)
    return counts.reshape(n_loc, 6).astype(np.float64)
