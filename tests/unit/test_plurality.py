"""Plurality truth discovery: each stage alone, then the laws the method keeps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from estimates.errors import ReconcileError
from estimates.reconciliation._layout import layout, rounding_tolerance
from estimates.reconciliation.methods import Combined, Evidence, get_method, is_joint
from estimates.reconciliation.plurality import (
    Copying,
    SourceStatistics,
    claim_independence,
    copy_statistics,
    independence,
    plurality,
    source_statistics,
    source_weights,
    truths,
)
from tests.unit.truth_cases import copiers_and_honest, rounded_ratings


def table(out: Combined) -> dict[str, dict[str, object]]:
    assert out.sources is not None
    return {r["source"]: r for r in out.sources.to_dict("records")}


# -- stage 0: layout and tolerance ---------------------------------------------------------------


def test_rounding_tolerance_is_half_the_last_significant_place() -> None:
    x = np.array([12_000.0, 12_345.0, 430.0, 0.25, -3000.0, 0.0, np.nan])
    assert rounding_tolerance(x).tolist() == [500.0, 0.5, 5.0, 0.005, 500.0, 0.0, 0.0]


def test_layout_reads_points_ranges_and_windows() -> None:
    ev = Evidence.from_rows(
        quantity=["q"] * 3,
        best=[12_000.0, np.nan, np.nan],
        low=[np.nan, 12.0, 5.0],
        high=[np.nan, 21.0, np.nan],
    )
    lay = layout(ev, None)
    assert lay.point.tolist() == [12_000.0, 16.5, 5.0]
    assert lay.win_lo.tolist() == [11_500.0, 11.5, 4.5]
    assert lay.win_hi.tolist() == [12_500.0, 21.5, np.inf]
    lay0 = layout(ev, 2.0)
    assert lay0.win_lo.tolist() == [11_998.0, 10.0, 3.0]


def test_groups_whose_figures_spread_smoothly_are_not_clustered() -> None:
    # rounded ratings: a pair of figures is as often one step apart as identical
    smooth, _ = rounded_ratings(60, 12)
    assert not layout(smooth, None).clustered.any()
    # sources that state the truth or copy one feed's mistakes pile up on exact figures
    exact, _ = copiers_and_honest(60)
    assert layout(exact, None).clustered.all()
    # a caller's tolerance says what agreement is, whatever the figures
    assert layout(smooth, 2.0).clustered.all()
    # each connected group is judged on its own: the two together keep their verdicts
    q = [*smooth.quantities, *(f"x{k}" for k in exact.quantities)]
    rows = {
        "quantity": [
            q[i] for i in np.r_[smooth_seg(smooth), len(smooth.quantities) + smooth_seg(exact)]
        ],
        "source": [
            *(smooth.source_names[i] for i in smooth.source),
            *(f"x{exact.source_names[i]}" for i in exact.source),
        ],
        "best": [*smooth.best, *exact.best],
    }
    both = layout(Evidence.from_rows(**rows), None)
    named = dict(zip(Evidence.from_rows(**rows).quantities, both.clustered, strict=True))
    assert not any(named[k] for k in smooth.quantities)
    assert all(named[f"x{k}"] for k in exact.quantities)


def smooth_seg(ev: Evidence) -> np.ndarray:
    return np.repeat(np.arange(len(ev.quantities)), np.diff(np.r_[ev.starts, len(ev.best)]))


def test_where_figures_spread_a_vandal_earns_no_trust() -> None:
    # rounded ratings and one rater whose figures are a thousand times the others': nothing is
    # agreed, so claims are scored by whether they lie among the others' middle half
    ev, truth = rounded_ratings(60, 12, seed=2)
    rows = np.repeat(np.arange(len(ev.quantities)), np.diff(np.r_[ev.starts, len(ev.best)]))
    q = [ev.quantities[i] for i in rows]
    s = [ev.source_names[i] for i in ev.source]
    wild = Evidence.from_rows(
        quantity=[*q, *ev.quantities],
        source=[*s, *(["vandal"] * len(truth))],
        best=[*ev.best, *(truth * 1000)],
    )
    out = plurality(wild, {})
    assert out.sources is not None
    w = out.sources.set_index("source")["weight"]
    assert w["vandal"] < 0.1 * w.drop("vandal").median()
    # and the answers are the figures' median still, which the vandal cannot move far
    per_q = np.split(ev.best, ev.starts[1:])
    assert all(min(x) <= b <= max(x) for b, x in zip(out.best, per_q, strict=True))


def test_a_few_figures_keep_their_plurality_until_many_pairs_say_otherwise() -> None:
    # three of four state 3 and one 4: as many pairs one step apart as identical, but too few
    # pairs to give up the plurality
    ev = Evidence.from_rows(quantity=["a"] * 4, source=list("wxyz"), best=[3.0, 3.0, 3.0, 4.0])
    assert layout(ev, None).clustered.tolist() == [True]
    assert plurality(ev, {}).best.tolist() == [3.0]


def test_smooth_figures_have_no_plurality_and_say_why() -> None:
    ev, truth = rounded_ratings(60, 12, seed=4)
    out = plurality(ev, {})
    assert all(
        n is not None and n.startswith("figures spread as rounded estimates do") for n in out.note
    )
    per_q = np.split(ev.best, ev.starts[1:])
    median = np.array([np.median(x) for x in per_q])
    assert np.abs(out.best - truth).mean() <= 1.02 * np.abs(median - truth).mean()


# -- stage (a): truths ---------------------------------------------------------------------------


def test_truths_pick_the_heavier_cluster_never_a_midpoint() -> None:
    ev = Evidence.from_rows(
        quantity=["q"] * 7, source=list("abcdefg"), best=[433.0] * 4 + [440.0] * 3
    )
    lay = layout(ev, 0.0)
    keep = np.ones(7)
    t = truths(lay, np.ones(7), keep)
    assert t.truth.tolist() == [433.0]
    assert t.plurality.tolist() == [True]
    # the three sources of 440 trusted twice as much carry the answer
    heavy = np.array([1.0] * 4 + [2.0] * 3)
    t2 = truths(lay, heavy, keep)
    assert t2.truth.tolist() == [440.0]
    assert (t2.support / t2.total).tolist() == pytest.approx([0.6])
    assert (t2.rival / t2.total).tolist() == pytest.approx([0.4])
    assert t2.supports.tolist() == [False] * 4 + [True] * 3


def test_a_range_supports_every_figure_it_contains() -> None:
    ev = Evidence.from_rows(
        quantity=["q"] * 4,
        source=list("abcd"),
        best=[100.0, 120.0, np.nan, np.nan],
        low=[np.nan, np.nan, 110.0, 115.0],
        high=[np.nan, np.nan, 130.0, 125.0],
    )
    t = truths(layout(ev, 0.0), np.ones(4), np.ones(4))
    assert t.truth.tolist() == [120.0]
    assert t.supports.tolist() == [False, True, True, True]


def test_a_range_holding_one_figure_is_no_agreement() -> None:
    # five figures that never repeat, and a wide range that holds only the highest: the range
    # backs that figure, but a plurality needs two sources stating it
    ev = Evidence.from_rows(
        quantity=["q"] * 6,
        source=list("abcdef"),
        best=[101.0, 98.0, 103.0, 99.5, 140.0, np.nan],
        low=[np.nan] * 5 + [120.0],
        high=[np.nan] * 5 + [200.0],
    )
    for method in ("plurality", "crh", "catd"):
        out = get_method(method)(ev, {"tolerance": 0.0})
        assert 98.0 <= out.best[0] <= 103.0, method
    t = truths(layout(ev, 0.0), np.ones(6), np.ones(6))
    assert t.plurality.tolist() == [False]
    # a second source stating 140 makes it a plurality again
    ev2 = Evidence.from_rows(
        quantity=["q"] * 7,
        source=list("abcdefg"),
        best=[101.0, 98.0, 103.0, 99.5, 140.0, np.nan, 140.0],
        low=[np.nan] * 5 + [120.0, np.nan],
        high=[np.nan] * 5 + [200.0, np.nan],
    )
    assert truths(layout(ev2, 0.0), np.ones(7), np.ones(7)).truth.tolist() == [140.0]


def test_two_of_ten_figures_agreeing_is_no_plurality() -> None:
    # whole numbers from ten sources: two happen to state 130; the rest spread around 102
    figures = [97.0, 99.0, 100.0, 101.0, 102.0, 103.0, 104.0, 106.0, 130.0, 130.0]
    ev = Evidence.from_rows(quantity=["q"] * 10, source=list("abcdefghij"), best=figures)
    for method in ("plurality", "crh", "catd"):
        out = get_method(method)(ev, {"tolerance": 0.0})
        assert 100.0 <= out.best[0] <= 104.0, method
    # three of them (with nine stating) make a plurality
    ev3 = Evidence.from_rows(
        quantity=["q"] * 9,
        source=list("abcdefghi"),
        best=[97.0, 99.0, 101.0, 102.0, 104.0, 106.0, 130.0, 130.0, 130.0],
    )
    assert truths(layout(ev3, 0.0), np.ones(9), np.ones(9)).truth.tolist() == [130.0]


def test_a_round_figure_supports_but_does_not_agree_with_what_it_holds() -> None:
    # "500" reads as 450-550 and supports 512 and 530, but they do not agree with it: nobody
    # else states 500, 512 or 530
    ev = Evidence.from_rows(
        quantity=["q"] * 5, source=list("abcde"), best=[500.0, 512.0, 530.0, 561.0, 575.0]
    )
    t = truths(layout(ev, None), np.ones(5), np.ones(5))
    assert t.plurality.tolist() == [False]
    assert t.truth.tolist() == [530.0]
    # two sources stating 512 agree; 500 still supports their answer
    ev2 = Evidence.from_rows(
        quantity=["q"] * 6, source=list("abcdef"), best=[500.0, 512.0, 512.0, 530.0, 561.0, 575.0]
    )
    t2 = truths(layout(ev2, None), np.ones(6), np.ones(6))
    assert t2.truth.tolist() == [512.0]
    assert t2.supports.tolist() == [True, True, True, False, False, False]
    # an explicit tolerance is agreement too: within 20, 500, 512 and 530 agree
    t3 = truths(layout(ev, 20.0), np.ones(5), np.ones(5))
    assert t3.plurality.tolist() == [True]


def test_one_sided_claims_support_what_they_allow() -> None:
    # "more than 13,000" (and "at most 20,000" stored as [0, 20,000]) back 14,000, not 12,000
    ev = Evidence.from_rows(
        quantity=["q"] * 5,
        source=list("abcde"),
        best=[12_000.0, 14_000.0, 14_000.0, np.nan, np.nan],
        low=[np.nan, np.nan, np.nan, 13_000.0, 0.0],
        high=[np.nan, np.nan, np.nan, np.nan, 20_000.0],
    )
    out = plurality(ev, {"tolerance": 0})
    assert out.best.tolist() == [14_000.0]
    assert out.note[0] is not None and out.note[0].startswith("plurality: 4 of 5")


def test_no_two_independent_sources_agree_gives_the_weighted_median() -> None:
    ev = Evidence.from_rows(quantity=["q"] * 3, source=list("abc"), best=[1.0, 2.0, 9.0])
    t = truths(layout(ev, 0.0), np.array([1.0, 1.0, 5.0]), np.ones(3))
    assert t.plurality.tolist() == [False]
    # nothing learned decides a quantity without a plurality: the plain median
    assert t.truth.tolist() == [2.0]
    # two copies of one another agreeing are no plurality either
    ev2 = Evidence.from_rows(quantity=["q"] * 3, source=list("abc"), best=[1.0, 5.0, 5.0])
    t2 = truths(layout(ev2, 0.0), np.ones(3), np.array([1.0, 0.5, 0.5]))
    assert t2.plurality.tolist() == [False]


# -- stage (b): statistics against leave-one-out answers ----------------------------------------


def test_a_claim_that_decides_its_quantity_earns_no_hit() -> None:
    # q: a and b agree against c (a hit each); r: the heavy source d alone beats e
    ev = Evidence.from_rows(
        quantity=["q", "q", "q", "r", "r", "r"],
        source=["a", "b", "c", "d", "e", "f"],
        best=[5.0, 5.0, 7.0, 1.0, 1.0, 2.0],
    )
    lay = layout(ev, 0.0)
    t = truths(lay, np.array([1.0, 1.0, 1.0, 3.0, 1.0, 1.5]), np.ones(6))
    stats = source_statistics(lay, t, np.ones(6))
    assert stats.scored.tolist() == [1.0] * 6
    # a and b: without either, the other still ties c: half a hit each; c missed
    # d: without it, e (1) loses to f (1.5): d's own weight decided; e: a hit; f: missed
    assert stats.hits.tolist() == [0.5, 0.5, 0.0, 0.0, 1.0, 0.0]


def test_a_lone_claim_is_not_scored() -> None:
    ev = Evidence.from_rows(quantity=["q", "r", "r"], source=["a", "b", "c"], best=[1.0, 2.0, 2.0])
    lay = layout(ev, 0.0)
    stats = source_statistics(lay, truths(lay, np.ones(3), np.ones(3)), np.ones(3))
    assert stats.scored.tolist() == [0.0, 1.0, 1.0]


# -- stage (c): weights ---------------------------------------------------------------------------


def test_one_claim_cannot_overturn_the_prior() -> None:
    prior = np.full(3, 0.8)
    acc, vote = source_weights(
        SourceStatistics(np.array([1.0, 100.0, 100.0]), np.array([1.0, 99.0, 50.0])), prior, 2.0
    )
    assert acc[0] == pytest.approx((1 + 1.6) / 3)
    assert vote[1] > vote[0] > vote[2]


def test_copy_statistics_and_independence() -> None:
    # a and b state the same figure on 40 contested quantities; c differs from both on 10
    n = 40
    q = [f"q{i}" for i in range(n) for _ in range(3)]
    s = ["a", "b", "c"] * n
    v = [x for i in range(n) for x in (i, i, i + (1 if i % 4 == 0 else 0))]
    lay = layout(Evidence.from_rows(quantity=q, source=s, best=v), 0.0)
    copy = copy_statistics(lay)
    assert isinstance(copy, Copying)
    shared = copy.shared.toarray()  # type: ignore[attr-defined]
    same = copy.same.toarray()  # type: ignore[attr-defined]
    assert shared[0, 1] == 10 and same[0, 1] == 10 and same[0, 2] == 0
    keep, c = independence(copy)
    assert c[0, 1] > 0 and c[0, 2] == 0  # type: ignore[index]
    # ten contested quantities without a difference is not yet proof of copying
    assert keep[2] == 1.0 and 0.5 < keep[0] < 1.0
    # many more are
    keep_many, _ = independence(Copying(copy.shared * 10, copy.same * 10))  # type: ignore[operator]
    assert keep_many[0] == pytest.approx(0.5, abs=0.01)


def test_the_copy_discount_counts_only_the_partners_present() -> None:
    # a, b and c copy one another on 60 contested quantities; on 30 more, a speaks alone of them
    q, s, v = [], [], []
    for i in range(60):
        for src, x in (("a", i), ("b", i), ("c", i), ("d", i + 1), ("e", i + 2)):
            q.append(f"q{i}")
            s.append(src)
            v.append(float(x))
    for i in range(30):
        for src, x in (("a", i), ("d", i + 1), ("e", i + 1)):
            q.append(f"r{i}")
            s.append(src)
            v.append(float(x))
    lay = layout(Evidence.from_rows(quantity=q, source=s, best=v), 0.0)
    _, c = independence(copy_statistics(lay))
    keep = claim_independence(lay, c)
    family = np.isin(lay.src, [0, 1, 2])
    on_r = lay.seg >= 60  # quantities sort q… before r…
    # where the three are present they weigh as one; where a is alone it keeps its whole vote
    assert keep[family & ~on_r] == pytest.approx(1 / 3, abs=0.01)
    assert np.all(keep[on_r] == 1.0)
    out = plurality(Evidence.from_rows(quantity=q, source=s, best=v), {"tolerance": 0})
    rows = table(out)
    # the table's independence is the share its claims keep on average: a's is higher than b's
    assert rows["a"]["independence"] > rows["b"]["independence"] + 0.2


# -- the method ------------------------------------------------------------------------------------


def test_registered_as_a_joint_method() -> None:
    assert get_method("plurality") is plurality
    assert is_joint("plurality")


def test_unknown_and_bad_options_are_errors() -> None:
    ev = Evidence.from_rows(quantity=["q"], best=[1.0])
    with pytest.raises(ReconcileError, match="unknown option"):
        plurality(ev, {"tolerence": 1.0})
    with pytest.raises(ReconcileError, match="tolerance"):
        plurality(ev, {"tolerance": -1.0})
    with pytest.raises(ReconcileError, match="iterations"):
        plurality(ev, {"iterations": 0})


def test_copiers_count_once_and_the_table_says_so() -> None:
    ev, truth = copiers_and_honest()
    out = plurality(ev, {"tolerance": 0})
    vote = get_method("robust")(ev, {})
    assert np.mean(out.best == truth) > 0.9
    assert np.mean(out.best == truth) > np.mean(vote.best == truth) + 0.2
    rows = table(out)
    assert rows["copier0"]["independence"] < 0.3
    assert "copier1" in str(rows["copier0"]["copies"])
    assert rows["honest0"]["copies"] is None
    assert rows["honest0"]["weight"] > rows["copier0"]["weight"]
    assert any("count as fewer votes" in (n or "") for n in out.note)


def test_every_answer_says_how_sure_it_is() -> None:
    ev = Evidence.from_rows(
        quantity=["a"] * 4 + ["b"], source=["w", "x", "y", "z", "w"], best=[3, 3, 3, 4, 9.0]
    )
    out = plurality(ev, {})
    assert out.note[0] is not None and "3 of 4 sources agree" in out.note[0]
    assert out.note[1] == "one source: its figure, with nothing to weigh it against"
    assert out.sources is not None
    support = out.sources.attrs["support"]
    # w, x and y agree on a: more than three quarters of the trusted weight
    assert 0.75 < support["a"] < 1.0 and support["b"] == 1.0


# -- laws -------------------------------------------------------------------------------------------

figures = st.lists(st.sampled_from([100.0, 101.0, 105.0, 120.0, 150.0]), min_size=12, max_size=12)


def panel(values: list[float], prefix: str = "", n_q: int = 3) -> dict[str, list]:
    return {
        "quantity": [f"{prefix}q{i % n_q}" for i in range(len(values))],
        "source": [f"{prefix}s{i // n_q}" for i in range(len(values))],
        "best": values,
    }


def run(rows: dict[str, list], **options: object) -> dict[str, float]:
    ev = Evidence.from_rows(**rows)
    out = plurality(ev, options)
    return dict(zip(ev.quantities, out.best.tolist(), strict=True))


@settings(max_examples=25)
@given(values=figures, seed=st.integers(0, 10_000))
def test_law_order_of_rows_does_not_matter(values: list[float], seed: int) -> None:
    rows = panel(values)
    order = np.random.default_rng(seed).permutation(len(values))
    shuffled = {k: [v[i] for i in order] for k, v in rows.items()}
    assert run(shuffled) == run(rows)


@settings(max_examples=25)
@given(values=figures, other=figures)
def test_law_unrelated_quantities_change_nothing(values: list[float], other: list[float]) -> None:
    rows = panel(values)
    alone = run(rows)
    rest = panel(other, prefix="z")
    both = run({k: rows[k] + rest[k] for k in rows})
    assert {k: both[k] for k in alone} == alone


def group_weight(rows: dict[str, list]) -> float:
    out = plurality(Evidence.from_rows(**rows), {"tolerance": 0.0})
    assert out.sources is not None
    t = out.sources.set_index("source")["weight"]
    return float(t[[s for s in t.index if s == "s0" or s.startswith("copy")]].sum())


@settings(max_examples=10)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 6))
def test_law_a_source_duplicated_n_times_counts_about_once(seed: int, n: int) -> None:
    # eight sources on forty quantities; s0 then appears n more times under other names
    rng = np.random.default_rng(seed)
    values = rng.choice([100.0, 101.0, 102.0, 110.0], size=40 * 8, p=[0.5, 0.2, 0.2, 0.1])
    rows = panel(values.tolist(), n_q=40)
    first = [i for i, s in enumerate(rows["source"]) if s == "s0"]

    def copied(k: int) -> dict[str, list]:
        dup = {key: list(v) for key, v in rows.items()}
        for j in range(k):
            dup["quantity"] += [rows["quantity"][i] for i in first]
            dup["source"] += [f"copy{j}"] * len(first)
            dup["best"] += [rows["best"][i] for i in first]
        return dup

    # n + 1 voices that never differ weigh together about as much as two do, not (n + 1) / 2
    # times as much as independent voices would
    assert group_weight(copied(n)) <= 2.0 * group_weight(copied(1))


@settings(max_examples=25)
@given(values=figures, where=st.integers(0, 14), wild=st.sampled_from([1e3, 1e-3, 1e6, -1.0]))
# a one-claim vandal keeps its prior while the panel's record is poor: its lone figure once
# outweighed two agreeing sources and turned the answer into a median
@example(
    values=[120.0, 100.0, 101.0, 100.0, 100.0, 100.0, 101.0, 101.0, 100.0, 105.0, 101.0, 101.0],
    where=0,
    wild=1000.0,
)
def test_law_a_vandal_figure_cannot_move_the_answer(
    values: list[float], where: int, wild: float
) -> None:
    rows = panel([*values, 100.0, 100.0, 100.0], n_q=3)
    base = run(rows, tolerance=0.0)
    vandal = {k: list(v) for k, v in rows.items()}
    q = rows["quantity"][where]
    vandal["quantity"].append(q)
    vandal["source"].append("vandal")
    vandal["best"].append(rows["best"][where] * wild)
    ev = Evidence.from_rows(**rows)
    plural = plurality(ev, {"tolerance": 0.0}).note[list(ev.quantities).index(q)] or ""
    honest = [b for b, k in zip(rows["best"], rows["quantity"], strict=True) if k == q]
    got = run(vandal, tolerance=0.0)[q]
    if plural.startswith("plurality"):
        assert got == base[q]
    else:
        # without a plurality the answer is a median: the vandal moves it at most to a
        # neighbouring honest figure, never outside them
        assert min(honest) <= got <= max(honest)
