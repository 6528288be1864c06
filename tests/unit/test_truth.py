"""Truth discovery (CRH, CATD): learned source weights, robustness, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from estimates.errors import OptionError, ReconcileError
from estimates.reconciliation.methods import Combined, Evidence, get_method
from estimates.reconciliation.truth import catd, crh
from estimates.values.vocabulary import RELIABILITY_WEIGHT
from tests.unit.truth_cases import copiers_and_honest, rounded_ratings

METHODS = [crh, catd]


def panel(
    n_quantities: int = 30,
    *,
    seed: int = 0,
    vandal: bool = True,
    magnitudes: np.ndarray | None = None,
) -> tuple[Evidence, np.ndarray]:
    """Every source states every quantity: 'exact' is right, 'noisy*' err, 'vandal' lies."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(100, 1000, n_quantities)
    if magnitudes is not None:
        truth = truth * magnitudes
    names = ["exact", "close", "noisy1", "noisy2", "noisy3"] + (["vandal"] if vandal else [])
    spread = {"exact": 0.0, "close": 0.002, "noisy1": 0.05, "noisy2": 0.05, "noisy3": 0.05}
    q, s, v = [], [], []
    for i, t in enumerate(truth):
        for name in names:
            if name == "vandal":
                value = t * 1000.0
            else:
                value = t * (1 + spread[name] * rng.standard_normal())
            q.append(f"q{i:03d}")
            s.append(name)
            v.append(value)
    ev = Evidence.from_rows(quantity=q, best=v, source=s)
    return ev, truth


def weights(out: Combined) -> dict[str, float]:
    assert out.sources is not None
    return dict(zip(out.sources["source"], out.sources["weight"], strict=True))


@pytest.mark.parametrize("method", METHODS)
def test_learns_who_to_trust(method) -> None:
    ev, truth = panel()
    out = method(ev, {})
    w = weights(out)
    ranked = sorted(w, key=w.__getitem__, reverse=True)
    assert set(ranked[:2]) == {"exact", "close"}
    # a vandal's claims each cost what a gross miss costs (the error cap): it ranks last
    assert ranked[-1] == "vandal"
    assert min(w["exact"], w["close"]) > max(w["noisy1"], w["noisy2"], w["noisy3"])
    # the answers follow the trusted sources: closer to the truth than the plain median
    plain = get_method("robust")(ev, {}).best
    assert np.abs(out.best - truth).mean() < np.abs(plain - truth).mean()


@pytest.mark.parametrize("method", METHODS)
def test_one_vandal_figure_does_not_move_an_answer(method) -> None:
    q = ["a"] * 4 + ["b"] * 4
    s = ["w", "x", "y", "z"] * 2
    calm = [10.0, 10.0, 11.0, 12.0, 5.0, 5.5, 5.0, 6.0]
    wild = [*calm[:3], 1e15, *calm[4:]]
    hit = method(Evidence.from_rows(quantity=q, best=wild, source=s), {})
    # (figures one step apart as often as identical: no plurality, the answer is a median read
    # off a line, which the vandal's lost weight moves, but never towards its figure)
    assert 10.0 <= hit.best[0] <= 12.0
    # how far off the figure is makes no difference: off by 1,000 or by 1e14 pulls alike
    slip = [*calm[:3], 12e3, *calm[4:]]
    near = method(Evidence.from_rows(quantity=q, best=slip, source=s), {})
    np.testing.assert_allclose(near.best, hit.best, rtol=1e-4)
    assert hit.sources is not None
    assert hit.sources.sort_values("weight")["source"].iloc[0] == "z"
    assert np.all(np.isfinite(hit.best))
    assert hit.high[0] < 1e3


def test_squared_loss_is_the_weighted_mean_and_can_be_moved() -> None:
    ev = Evidence.from_rows(quantity=["q"] * 3, best=[10.0, 10.0, 40.0], source=["x", "y", "z"])
    absolute = crh(ev, {})
    squared = crh(ev, {"loss": "squared"})
    assert absolute.best.tolist() == [10.0]
    assert 10.0 < squared.best[0] < 20.0
    # the interval always holds the best value, even when the mean leaves the quartiles
    assert squared.low[0] <= squared.best[0] <= squared.high[0]


def test_catd_does_not_trust_one_lucky_claim() -> None:
    ev, _ = panel(40, vandal=False)
    # 'lucky' states one quantity, exactly as 'exact' does
    q = [*ev.quantities] * 0
    rows_q = np.repeat(np.array(ev.quantities), np.diff(np.r_[ev.starts, ev.n_rows]))
    q = [*rows_q.tolist(), ev.quantities[0]]
    s = [*(ev.source_names[i] for i in ev.source), "lucky"]
    first_exact = np.flatnonzero(
        (np.array(ev.source_names)[ev.source] == "exact") & (rows_q == ev.quantities[0])
    )[0]
    v = [*ev.best.tolist(), float(ev.best[first_exact])]
    ev2 = Evidence.from_rows(quantity=q, best=v, source=s)
    w = weights(catd(ev2, {}))
    assert w["lucky"] < w["close"]
    assert w["lucky"] < 0.1 * w["exact"]


def graded(quantity, best, source, reliability) -> Evidence:
    """Evidence whose weights carry the grade factor, as the reconciling pipeline sets them."""
    factor = [RELIABILITY_WEIGHT.get(g, RELIABILITY_WEIGHT["F"]) if g else RELIABILITY_WEIGHT["F"]
              for g in reliability]  # fmt: skip
    return Evidence.from_rows(
        quantity=list(quantity), best=list(best), source=list(source),
        reliability=list(reliability), weight=factor,
    )  # fmt: skip


@pytest.mark.parametrize("method", METHODS)
def test_admiralty_grades_are_priors_that_evidence_overrides(method) -> None:
    # no evidence to tell the sources apart (they agree): the weights follow the grades
    ev = graded(["a", "a", "a"], [5.0, 5.0, 5.0], ["p", "r", "o"], ["A", "E", None])
    out = method(ev, {})
    w = weights(out)
    assert w["p"] > w["o"] > w["r"]
    assert out.sources is not None
    assert dict(zip(out.sources["source"], out.sources["prior"], strict=True)) == {
        "p": "A",
        "r": "E",
        "o": None,
    }
    # mirrored records, equally wrong: the A-graded one is still trusted more
    q, s, v = ["a", "a", "b", "b"], ["p", "r"] * 2, [10.0, 12.0, 22.0, 20.0]
    w_plain = weights(method(Evidence.from_rows(quantity=q, best=v, source=s), {}))
    w_graded = weights(method(graded(q, v, s, ["A", "E"] * 2), {}))
    assert w_plain["p"] == pytest.approx(w_plain["r"])
    assert w_graded["p"] > w_graded["r"]
    # an A-graded source that is always far off ends up below ungraded ones that are right
    panel_ev, _ = panel(30, vandal=True)
    names = np.array(panel_ev.source_names)[panel_ev.source]
    rows_q = np.repeat(
        np.array(panel_ev.quantities), np.diff(np.r_[panel_ev.starts, panel_ev.n_rows])
    )
    ev = graded(rows_q, panel_ev.best, names, np.where(names == "vandal", "A", None))
    w = weights(method(ev, {}))
    assert w["vandal"] == min(w.values())
    assert w["vandal"] < 0.5 * w["exact"]
    published = weights(method(ev, {"published": True}))
    assert published["vandal"] < 0.01 * published["exact"]


def test_a_grade_is_not_a_fixed_multiplier() -> None:
    # an A-graded source with a wrong figure against two ungraded agreeing ones (repeatedly):
    # the answers follow the agreeing sources, though A's prior weight is 1 and theirs 0.6
    q = [f"q{i}" for i in range(10) for _ in range(3)]
    s = ["graded", "u1", "u2"] * 10
    v = [x for i in range(10) for x in (100.0 + i, 50.0 + i, 50.0 + i)]
    out = crh(graded(q, v, s, ["A", None, None] * 10), {})
    assert out.best.tolist() == [50.0 + i for i in range(10)]


@pytest.mark.parametrize("method", METHODS)
def test_zero_spread_has_no_division_by_zero(method) -> None:
    ev = Evidence.from_rows(
        quantity=["q"] * 4 + ["r"] * 3,
        best=[7.0] * 4 + [0.0] * 3,
        source=["a", "b", "c", "d", "a", "b", "c"],
    )
    out = method(ev, {})
    assert out.best.tolist() == [7.0, 0.0]
    assert out.low.tolist() == [7.0, 0.0]
    assert out.high.tolist() == [7.0, 0.0]
    assert out.sources is not None
    w = weights(out)
    assert w["a"] == w["b"] == w["c"] == 1.0
    # CATD's confidence grows with the number of claims: d made one, the others two
    assert w["d"] == 1.0 if method is crh else 0 < w["d"] < 0.5
    assert out.sources["error"].tolist() == [0.0] * 4
    assert out.note == (None, None)


@pytest.mark.parametrize("method", METHODS)
def test_mostly_agreeing_quantity_with_one_dissenter(method) -> None:
    # the interquartile range is 0 here; the scale falls back to the mean absolute deviation
    ev = Evidence.from_rows(
        quantity=["q"] * 5, best=[7.0, 7.0, 7.0, 7.0, 9.0], source=["a", "b", "c", "d", "e"]
    )
    out = method(ev, {})
    assert out.best.tolist() == [7.0]
    assert out.sources is not None
    err = dict(zip(out.sources["source"], out.sources["error"], strict=True))
    assert np.isfinite(err["e"])
    assert err["e"] > 0
    assert err["a"] == 0.0


@pytest.mark.parametrize("method", METHODS)
def test_all_disagreeing_wildly(method) -> None:
    v = [1.0, 1e3, 1e6, 1e9, -1e12]
    ev = Evidence.from_rows(quantity=["q"] * 5, best=v, source=list("abcde"))
    out = method(ev, {})
    assert np.isfinite(out.best).all()
    assert out.best[0] in v
    assert out.low[0] <= out.best[0] <= out.high[0]
    assert out.sources is not None
    assert np.isfinite(out.sources["weight"]).all()
    assert (out.sources["weight"] > 0).all()


@pytest.mark.parametrize("method", METHODS)
def test_single_claims(method) -> None:
    # a quantity with one claim, a source with one claim, and a one-source ledger
    ev = Evidence.from_rows(
        quantity=["solo", "q", "q", "q"], best=[42.0, 1.0, 2.0, 3.0], source=["once", "a", "b", "c"]
    )
    out = method(ev, {})
    assert dict(zip(ev.quantities, out.best.tolist(), strict=True)) == {"q": 2.0, "solo": 42.0}
    assert out.sources is not None
    assert out.sources.set_index("source").loc["once", "claims"] == 1
    alone = method(Evidence.from_rows(quantity=["x", "y"], best=[3.0, 4.0], source=["s", "s"]), {})
    assert alone.best.tolist() == [3.0, 4.0]
    assert alone.sources is not None
    assert alone.sources["weight"].tolist() == [1.0]


@pytest.mark.parametrize("method", METHODS)
def test_normalisation_is_per_quantity(method) -> None:
    ev, _ = panel(20, seed=3)
    mags = np.where(np.arange(20) % 2 == 0, 1e-6, 1e9)
    ev_mixed, _ = panel(20, seed=3, magnitudes=mags)
    a, b = method(ev, {}), method(ev_mixed, {})
    assert a.sources is not None
    assert b.sources is not None
    assert a.sources["source"].tolist() == b.sources["source"].tolist()
    np.testing.assert_allclose(a.sources["weight"], b.sources["weight"], rtol=1e-6)
    np.testing.assert_allclose(b.best / a.best, mags, rtol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_order_independent_and_deterministic(method) -> None:
    ev, _ = panel(25, seed=5)
    rows_q = np.repeat(np.array(ev.quantities), np.diff(np.r_[ev.starts, ev.n_rows]))
    perm = np.random.default_rng(1).permutation(ev.n_rows)
    shuffled = Evidence.from_rows(
        quantity=rows_q[perm].tolist(),
        best=ev.best[perm].tolist(),
        source=[ev.source_names[i] for i in ev.source[perm]],
    )
    a, b, c = method(ev, {}), method(shuffled, {}), method(ev, {})
    np.testing.assert_array_equal(a.best, b.best)
    np.testing.assert_array_equal(a.low, b.low)
    np.testing.assert_array_equal(a.high, b.high)
    np.testing.assert_array_equal(a.best, c.best)
    assert a.sources is not None
    assert b.sources is not None
    np.testing.assert_allclose(a.sources["weight"], b.sources["weight"], rtol=1e-12)


def test_intervals_and_one_sided_claims() -> None:
    inf = np.inf
    ev = Evidence.from_rows(
        quantity=["open", "mixed", "mixed", "mixed", "range"],
        low=[13_000.0, 13_000.0, np.nan, np.nan, 2_000.0],
        high=[np.nan, np.nan, np.nan, np.nan, 12_000.0],
        best=[np.nan, np.nan, 14_000.0, 15_000.0, np.nan],
        source=["a", "a", "b", "c", "d"],
        closed_left=[False, False, True, True, True],
    )
    out = crh(ev, {})
    res = {
        q: (lo, b, hi)
        for q, lo, b, hi in zip(ev.quantities, out.low, out.best, out.high, strict=True)
    }
    note = dict(zip(ev.quantities, out.note, strict=True))
    # "more than 13,000" alone: bounded below, no central value, and a note says why
    assert res["open"][0] == 13_000.0
    assert res["open"][2] == inf
    assert np.isnan(res["open"][1])
    # "more than 13,000" is open at 13,000, and so is every answer that ends there
    assert ev.quantities == ("mixed", "open", "range")
    assert out.low[1] == 13_000.0
    assert 13_000.0 <= out.low[0] <= 14_000.0
    assert out.closed_left.tolist() == [bool(out.low[0] != 13_000.0), False, True]
    assert out.closed_right.tolist() == [bool(np.isfinite(out.high[0])), False, True]
    assert note["open"] is not None
    assert "one side" in note["open"]
    # a lower bound below both point figures costs nothing: the answer is between the figures
    assert 14_000.0 <= res["mixed"][1] <= 15_000.0
    assert note["mixed"] is None
    # one source's stated range survives as the answer's range
    assert res["range"][0] == 2_000.0
    assert res["range"][2] == 12_000.0
    assert res["range"][1] == 7_000.0


def test_at_most_on_a_count_is_one_sided() -> None:
    ev = Evidence.from_rows(quantity=["k"], low=[0.0], high=[8_000.0], source=["a"])
    out = crh(ev, {})
    assert out.high.tolist() == [8_000.0]
    assert np.isnan(out.best[0])
    assert out.note[0] is not None


def test_no_bound_at_all_is_unknown_with_a_note() -> None:
    ev = Evidence.from_rows(
        quantity=["u", "k"], low=[np.nan, 1.0], high=[np.nan, 1.0], source=["a", "b"]
    )
    out = catd(ev, {})
    assert ev.quantities == ("k", "u")
    assert out.low[1] == -np.inf
    assert out.high[1] == np.inf
    assert np.isnan(out.best[1])
    assert out.note[1] is not None
    assert out.note[0] is None
    assert out.best[0] == 1.0


def test_iteration_stops_at_max_iter_and_reports_it() -> None:
    ev, _ = panel(10)
    out = crh(ev, {"loss": "squared", "max_iter": 1})
    assert out.sources is not None
    assert out.sources.attrs["iterations"] == 1
    assert out.sources.attrs["converged"] is False
    done = crh(ev, {"loss": "squared", "tol": 1e-3})
    assert done.sources is not None
    assert done.sources.attrs["converged"] is True


def test_sources_table_columns() -> None:
    ev, _ = panel(5)
    out = catd(ev, {})
    assert out.sources is not None
    assert out.sources.columns.tolist() == [
        "source",
        "claims",
        "weight",
        "prior",
        "error",
        "independence",
    ]
    assert out.sources["claims"].tolist() == [5] * 6
    assert out.sources["weight"].is_monotonic_decreasing


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"loss": "huber"}, "'absolute' or 'squared'"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": -1.0}, "tol"),
        ({"coverage": 1.5}, "coverage"),
        ({"alpha": 0.05}, "allowed"),
        (
            {"iterations": 3},
            "allowed: coverage, discount_copies, loss, max_iter, prior_strength, published, tol, "
            "tolerance",
        ),
        ({"discount_copies": "yes"}, "discount_copies must be True or False"),
    ],
)
def test_bad_options_say_what_is_allowed(options, words) -> None:
    ev = Evidence.from_rows(quantity=["q"], best=[1.0], source=["a"])
    with pytest.raises(ReconcileError, match=words):
        crh(ev, options)


def test_catd_alpha_must_be_a_probability() -> None:
    ev = Evidence.from_rows(quantity=["q"], best=[1.0], source=["a"])
    with pytest.raises(ReconcileError, match="alpha"):
        catd(ev, {"alpha": 1.0})


def test_registered_by_name() -> None:
    assert get_method("crh") is crh
    assert get_method("catd") is catd


@pytest.mark.parametrize("q", [0.25, 0.5, 0.75])
def test_presorted_quantile_matches_the_segment_quantile(q) -> None:
    from estimates.reconciliation._learning import _sorted_quantile
    from estimates.reconciliation._segments import weighted_quantile

    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 9, 300)
    starts = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.intp)
    ends = np.cumsum(sizes).astype(np.intp)
    seg = np.repeat(np.arange(sizes.size), sizes)
    values = rng.integers(0, 5, sizes.sum()).astype(float)  # many ties
    for weights in (np.ones(values.size), rng.integers(1, 4, values.size).astype(float)):
        order = np.lexsort((values, seg))
        got = _sorted_quantile(values[order], weights[order], starts, ends, q)
        want = weighted_quantile(values, weights, starts, q)
        np.testing.assert_array_equal(got, want)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            st.sampled_from(["s1", "s2", "s3", "s4"]),
            st.floats(-1e9, 1e9, allow_nan=False),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(["crh", "catd"]),
    st.sampled_from(["absolute", "squared"]),
)
@example(rows=[("a", "s1", 5e-324), ("a", "s1", 5e-324)], name="crh", loss="absolute")
def test_answers_lie_within_the_figures(rows, name, loss) -> None:
    q, s, v = zip(*rows, strict=True)
    ev = Evidence.from_rows(quantity=list(q), best=list(v), source=list(s))
    out = get_method(name)(ev, {"loss": loss})
    lo = np.minimum.reduceat(ev.best, ev.starts)
    hi = np.maximum.reduceat(ev.best, ev.starts)
    assert np.isfinite(out.best).all()
    assert (lo <= out.low).all()
    assert (out.low <= out.best).all()
    assert (out.best <= out.high).all()
    assert (out.high <= hi).all()
    assert out.sources is not None
    assert ((out.sources["weight"] > 0) & (out.sources["weight"] <= 1)).all()
    assert out.sources["claims"].sum() == ev.n_rows


# -- end to end, through the reconciling pipeline ---------------------------------------------


def _ledger(rows: dict[str, list[object]]):
    import pandas as pd

    from estimates.ledger.table import Ledger

    return Ledger.from_frame(pd.DataFrame({**rows, "stated_on": "2024-01-01"}))


@pytest.mark.parametrize("method", ["crh", "catd"])
def test_mixed_units_are_converted_before_discovery(method) -> None:
    from estimates.reconciliation.reconcile import reconcile_all

    # the same road in km and in m, and a vandal; a wall in m and mm
    led = _ledger(
        {
            "quantity": ["road"] * 4 + ["wall"] * 3,
            "best": [12.0, 12_000.0, 12.0, 900.0, 3.0, 3.0, 3_000.0],
            "unit": ["km", "meter", "km", "km", "m", "m", "mm"],
            "source": ["a", "b", "c", "v", "a", "b", "c"],
        }
    )
    out = reconcile_all(led, method=method).set_index("quantity")
    assert out.loc["road", "unit"] == "kilometer"
    assert out.loc["road", "best"] == 12.0
    assert out.loc["wall", "unit"] == "meter"
    assert out.loc["wall", ["low", "best", "high"]].tolist() == [3.0, 3.0, 3.0]


def test_two_dimensions_in_one_quantity_are_refused() -> None:
    from estimates.errors import DimensionError
    from estimates.reconciliation.reconcile import reconcile_all

    led = _ledger(
        {
            "quantity": ["q", "q"],
            "best": [1.0, 2.0],
            "unit": ["person", "container"],
            "source": ["a", "b"],
        }
    )
    with pytest.raises(DimensionError):
        reconcile_all(led, method="crh")


def test_reconcile_returns_the_learned_source_table() -> None:
    from estimates.reconciliation.reconcile import reconcile, reconcile_all

    led = _ledger(
        {
            "quantity": ["x"] * 3 + ["y"] * 3,
            "best": [10.0, 10.0, 1e6, 5.0, 5.0, -1e6],
            "source": ["a", "b", "vandal"] * 2,
        }
    )
    r = reconcile(led, "x", method="crh")
    assert r.sources is not None
    assert r.sources["source"].tolist()[-1] == "vandal"
    assert r.sources.set_index("source").loc["vandal", "claims"] == 2
    # options reach the method; unknown ones are refused with the allowed list
    squared = reconcile_all(led, method="crh", loss="squared", max_iter=2)
    assert squared["method"].tolist() == ["crh", "crh"]
    with pytest.raises(OptionError, match="allowed"):
        reconcile_all(led, method="crh", bogus=1)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.sampled_from(["s1", "s2", "s3"]),
            st.floats(0, 1e6),
            st.floats(0, 1e3),
            st.sampled_from(["point", "range", "more", "less"]),
            st.sampled_from(["A", "C", "E", None]),
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(["crh", "catd"]),
)
def test_ranges_and_bounds_never_give_an_unexplained_nan(rows, name) -> None:
    q, s, x, width, shape, grade = zip(*rows, strict=True)
    xs, ws = np.array(x), np.array(width)
    shape_arr = np.array(shape)
    low = np.where(np.isin(shape_arr, ["range", "more"]), xs, np.nan)
    high = np.where(shape_arr == "range", xs + ws, np.where(shape_arr == "less", xs, np.nan))
    best = np.where(shape_arr == "point", xs, np.nan)
    ev = Evidence.from_rows(
        quantity=list(q), low=low, high=high, best=best, source=list(s), reliability=list(grade)
    )
    out = get_method(name)(ev, {})
    ok = ~np.isnan(out.best)
    assert (out.low[ok] <= out.best[ok]).all()
    assert (out.best[ok] <= out.high[ok]).all()
    assert all(n is not None for n in np.array(out.note, dtype=object)[~ok])
    assert not np.isnan(out.low).any()
    assert not np.isnan(out.high).any()
    assert (out.low <= out.high).all()


@settings(max_examples=20)
@given(
    values=st.lists(st.floats(1.0, 1_000.0), min_size=9, max_size=9),
    other=st.lists(st.floats(1.0, 1e6), min_size=6, max_size=12),
)
@pytest.mark.parametrize("method", METHODS)
def test_law_quantities_sharing_no_source_do_not_change_each_other(
    method, values: list[float], other: list[float]
) -> None:
    # three sources on three quantities, then unrelated quantities from other sources
    q = [f"q{i % 3}" for i in range(9)]
    s = [f"s{i // 3}" for i in range(9)]
    alone = method(Evidence.from_rows(quantity=q, source=s, best=values), {})
    oq = [f"z{i % 4}" for i in range(len(other))]
    os_ = [f"t{i % 3}" for i in range(len(other))]
    both = method(Evidence.from_rows(quantity=q + oq, source=s + os_, best=values + other), {})
    # the first three quantities sort first in both
    np.testing.assert_allclose(both.best[:3], alone.best, rtol=1e-9)
    np.testing.assert_allclose(both.low[:3], alone.low, rtol=1e-9)
    np.testing.assert_allclose(both.high[:3], alone.high, rtol=1e-9)


def test_copies_of_one_feed_count_about_once() -> None:
    ev, truth = copiers_and_honest()
    out = crh(ev, {})
    published = crh(ev, {"discount_copies": False})
    # the five relays outvote the four careful sources wherever the feed is wrong, unless they
    # count as about one
    assert np.mean(out.best == truth) > 0.9
    assert np.mean(published.best == truth) < 0.75


@pytest.mark.parametrize("method", [crh, catd])
def test_the_sources_table_says_who_was_discounted(method) -> None:
    ev, _ = copiers_and_honest()
    rows = method(ev, {}).sources.set_index("source")
    assert rows.loc["copier0", "independence"] < 0.3
    assert rows.loc["honest0", "independence"] == 1.0
    published = method(ev, {"discount_copies": False}).sources
    assert (published["independence"] == 1.0).all()


def clusters(seed: int = 0, n: int = 40) -> tuple[Evidence, np.ndarray]:
    """Sources that repeat exact figures in clusters: on each quantity three sources state the
    truth, four state one other figure, and two more sources each a figure of their own between,
    so the median of the nine figures is a lone figure between the clusters."""
    rng = np.random.default_rng(seed)
    q, s, v = [], [], []
    truth = rng.integers(200, 900, n).astype(float)
    for i, t in enumerate(truth):
        # which sources are right rotates, so no source is better than another overall
        names = np.roll([f"s{k}" for k in range(9)], i)
        wrong = t + rng.choice([-1.0, 1.0]) * rng.integers(20, 40)
        figures = [t] * 3 + [wrong] * 4 + list(np.linspace(t, wrong, 4)[1:3])
        for name, x in zip(names, figures, strict=True):
            q.append(f"q{i:02d}")
            s.append(str(name))
            v.append(float(x))
    return Evidence.from_rows(quantity=q, best=v, source=s), truth


@pytest.mark.parametrize("method", METHODS)
def test_the_answer_is_a_cluster_not_a_figure_between_clusters(method) -> None:
    ev, truth = clusters()
    out = method(ev, {})
    published = method(ev, {"published": True})
    counts: dict[tuple[int, float], int] = {}
    for g, x in zip(np.repeat(np.arange(len(ev.quantities)), 9), ev.best, strict=True):
        counts[(g, x)] = counts.get((g, x), 0) + 1
    # every answer is a figure that four sources state (the largest cluster), never a lone one
    assert all(counts[(g, x)] == 4 for g, x in enumerate(out.best))
    # the papers' weighted median lands on the lone figures between the clusters
    assert sum(counts.get((g, x), 0) == 1 for g, x in enumerate(published.best)) > len(truth) / 2


def identical_noise(seed: int = 0) -> tuple[Evidence, np.ndarray]:
    """Nine sources with the same noise (sd 10) on 200 quantities: no source is better."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(100, 1000, 200)
    q = np.repeat([f"q{i:03d}" for i in range(200)], 9).tolist()
    s = [f"s{k}" for k in range(9)] * 200
    v = (np.repeat(truth, 9) + rng.normal(0, 10, 1800)).tolist()
    return Evidence.from_rows(quantity=q, best=v, source=s), truth


@pytest.mark.parametrize("method", METHODS)
def test_no_source_confirms_itself_into_most_of_the_weight(method) -> None:
    ev, truth = identical_noise()
    out = method(ev, {})
    assert out.sources is not None
    share = out.sources["weight"] / out.sources["weight"].sum()
    assert share.max() < 0.2
    median = np.array([np.median(ev.best[i * 9 : i * 9 + 9]) for i in range(200)])
    assert np.abs(out.best - truth).mean() <= 1.05 * np.abs(median - truth).mean()


@pytest.mark.parametrize("method", METHODS)
def test_a_trusted_source_cannot_decide_a_quantity_alone(method) -> None:
    # 'star' is exact on 30 quantities where the others are noisy; on the last it states a
    # figure ten times the others', which all lie within a few units of each other
    rng = np.random.default_rng(3)
    q, s, v = [], [], []
    for i in range(31):
        t = 500.0 + 10 * i
        for k, name in enumerate(["star", "a", "b", "c", "d"]):
            x = t if name == "star" else t + rng.normal(0, 3) + 0.01 * k
            if i == 30 and name == "star":
                x = 10 * t
            q.append(f"q{i:02d}")
            s.append(name)
            v.append(float(x))
    out = method(Evidence.from_rows(quantity=q, best=v, source=s), {})
    w = weights(out)
    assert w["star"] == 1.0
    assert out.best[-1] < 2 * 800.0


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [1, 2])
def test_on_smooth_rounded_figures_learning_does_not_lose_to_the_median(method, seed) -> None:
    # raters who round alike agree by chance: answers that followed agreement (round figures)
    # lost a quarter to the plain median, and a weighted median that jumps from one rounded
    # figure to the next lost a few per cent; within 2 % of it here (the sets are small)
    ev, truth = rounded_ratings(seed=seed)
    out = method(ev, {})
    median = np.array([np.median(x) for x in np.split(ev.best, ev.starts[1:])])
    assert np.abs(out.best - truth).mean() <= 1.02 * np.abs(median - truth).mean()


@pytest.mark.parametrize("method", [*METHODS, get_method("plurality")])
def test_a_known_vandal_does_not_pull_a_two_claim_quantity_to_the_middle(method) -> None:
    # five careful sources and a vandal (x1,000) on 40 quantities; then one quantity that only
    # a careful source and the vandal state: an even split of capped weight once answered with
    # the middle of the two figures (61,561.5), which neither states
    rng = np.random.default_rng(5)
    q, s, v = [], [], []
    for i in range(40):
        t = float(rng.integers(100, 999))
        for k in range(5):
            q.append(f"q{i}")
            s.append(f"h{k}")
            v.append(t if rng.random() < 0.8 else t + float(rng.integers(1, 9)))
        q.append(f"q{i}")
        s.append("vandal")
        v.append(t * 1000)
    ev = Evidence.from_rows(
        quantity=[*q, "two", "two"], source=[*s, "h0", "vandal"], best=[*v, 123.0, 123e3]
    )
    out = method(ev, {})
    assert out.best[list(ev.quantities).index("two")] == 123.0


@pytest.mark.parametrize("method", METHODS)
def test_an_end_some_claim_states_closed_is_closed(method) -> None:
    # five sources say 16 and one "more than 16": the range starts at 16, a figure five
    # sources gave, and 16 stays the best value (an open end at 16 left no best)
    best = [15.0, 16.0, 16.0, 16.0, 16.0, 16.0, 17.0, 17.0, np.nan]
    ev = Evidence.from_rows(
        quantity=["q"] * 9,
        best=best,
        low=[np.nan] * 8 + [16.0],
        closed_left=[True] * 8 + [False],
        source=[f"s{i}" for i in range(9)],
    )
    out = method(ev, {})
    assert out.low[0] == 16.0 and out.closed_left[0]


@pytest.mark.parametrize("method", METHODS)
def test_a_bare_range_votes_for_the_figures_it_allows(method) -> None:
    # 9,000-12,000 allows 10,000, 11,000 and 12,000 but not 3,000: its weight goes to them, as
    # robust shares it, which moves the answer from between 10,000 and 11,000 to 11,000 (its
    # ends, 9,000 and 12,000, are figures nobody stated)
    ev = Evidence.from_rows(
        quantity=["q"] * 5,
        source=list("abcde"),
        best=[3000.0, 10_000.0, 11_000.0, 12_000.0, np.nan],
        low=[np.nan] * 4 + [9000.0],
        high=[np.nan] * 4 + [12_000.0],
    )
    assert method(ev, {}).best[0] == 11_000.0 == get_method("robust")(ev, {}).best[0]


@pytest.mark.parametrize("method", METHODS)
def test_a_trusted_source_does_not_decide_a_quantity_alone(method) -> None:
    # a precise source (errors of 0.1 %) is right on 59 quantities and off by half on one,
    # beside three sources with errors of 5 %: however far the precise source is trusted, its
    # one gross mistake stays a mistake (catd's weights, 1 against 0.02, would let it decide)
    rng = np.random.default_rng(0)
    truth = rng.uniform(100, 1000, 60)
    q, s, v = [], [], []
    for i, t in enumerate(truth):
        for name, err in (("precise", 0.001), ("a", 0.05), ("b", 0.05), ("c", 0.05)):
            x = t * 1.5 if (name == "precise" and i == 0) else t * (1 + err * rng.standard_normal())
            q.append(f"q{i:02d}")
            s.append(name)
            v.append(round(x, 2))
    out = method(Evidence.from_rows(quantity=q, best=v, source=s), {})
    honest = v[1:4]
    assert min(honest) <= out.best[0] <= max(honest)
    assert weights(out)["precise"] == 1.0


@pytest.mark.parametrize("method", METHODS)
def test_the_support_of_ranges_is_not_capped(method) -> None:
    # four sources say 115-125, which holds 120 alone of the three figures: their weight goes
    # to 120, and the cap on a claim's own weight (no claim decides alone) does not take that
    # support away again (the answer was 101, the middle of the bare figures)
    ev = Evidence.from_rows(
        quantity=["q"] * 7,
        source=list("abcdefg"),
        best=[100.0, 101.0, 120.0] + [np.nan] * 4,
        low=[np.nan] * 3 + [115.0] * 4,
        high=[np.nan] * 3 + [125.0] * 4,
    )
    assert method(ev, {}).best[0] == 120.0 == get_method("robust")(ev, {}).best[0]


def _loose_and_wild(n_quantities: int = 40) -> Evidence:
    """Five sources within about 5 % of each truth, one ('loose') always 6 % high, about one
    scale off, and one ('wild') always 50 times the truth."""
    rng = np.random.default_rng(7)
    q, s, v = [], [], []
    for i, t in enumerate(rng.uniform(100, 1000, n_quantities)):
        figures = {f"h{k}": t * (1 + 0.05 * rng.standard_normal()) for k in range(5)}
        figures |= {"loose": t * 1.06, "wild": t * 50}
        for name, value in figures.items():
            q.append(f"q{i:02d}")
            s.append(name)
            v.append(value)
    return Evidence.from_rows(quantity=q, best=v, source=s)


def test_crh_scores_a_loose_source_by_how_near_it_is() -> None:
    # crh's weight is the log of a loss share: a claim up to two scales off is scored by how near
    # it is, so a source a scale off keeps far more weight than one off by a factor of 50
    w = weights(crh(_loose_and_wild(), {}))
    assert w["loose"] > 1.5 * w["wild"]
    assert min(w[f"h{k}"] for k in range(5)) > 0.5 * w["loose"]


def test_catd_counts_a_claim_half_a_scale_off_as_wrong() -> None:
    # catd's weight is the inverse of the summed squared errors: past half a scale a claim is
    # wrong, and a wrong claim costs the same however far off it is (the loose source keeps a
    # little more only where its figure falls within half a scale of the truth)
    w = weights(catd(_loose_and_wild(), {}))
    assert w["wild"] < w["loose"] < 1.2 * w["wild"]


def test_the_line_drops_the_endpoints_without_weight_as_the_rule_does() -> None:
    # _Endpoints.between keeps the endpoints with weight from one call to the next; the
    # medians are those of the rule on every endpoint, bit for bit, as the weightless change
    from estimates.reconciliation._layout import rounding_tolerance
    from estimates.reconciliation._learning import _Endpoints
    from estimates.reconciliation._segments import sorted_quantiles

    rng = np.random.default_rng(3)
    seg = np.sort(rng.integers(0, 40, 400))
    lo = rng.integers(0, 30, 400).astype(float) * 10
    hi = np.where(rng.uniform(size=400) < 0.3, lo + 50, lo)
    ends = _Endpoints(lo, hi, seg, rng.integers(0, 9, 400))
    reach = rounding_tolerance(ends.value)
    for zero in (0.0, 0.0, 0.3, 0.3, 0.6, 1.0):
        w = rng.uniform(size=400) * (rng.uniform(size=400) >= zero)
        expected = sorted_quantiles(
            ends.value, w[ends.row] * ends.factor, ends.starts, ends.ends,
            [(0.5, "interpolate")], reach=reach,
        )[0]  # fmt: skip
        np.testing.assert_array_equal(ends.between(w), expected)


@pytest.mark.parametrize("seed", range(3))
def test_the_endpoints_sort_by_quantity_value_source_and_claim(seed: int) -> None:
    # the order _Endpoints builds from sorts of integers is np.lexsort's by (quantity, value,
    # source, claim, the low end first), ties of every kind included: the running sums of the
    # quantiles are added in that order
    from estimates.reconciliation._learning import _Endpoints

    rng = np.random.default_rng(seed)
    n = 3000
    seg, src = np.sort(rng.integers(0, 40, n)), rng.integers(0, 7, n)
    figures = np.array([0.0, -0.0, 1.0, 2.0, np.nan, np.inf, -np.inf])
    lo = rng.choice(figures, n)
    hi = np.where(rng.uniform(size=n) < 0.5, lo, rng.choice(figures, n))
    ends = _Endpoints(lo, hi, seg, src)
    interval = np.flatnonzero(lo != hi)
    row = np.r_[np.arange(n), interval]
    raw = np.r_[lo, hi[interval]]
    order = np.lexsort((row, src[row], raw, seg[row]))
    np.testing.assert_array_equal(ends.row, row[order])
    np.testing.assert_array_equal(ends.raw, raw[order])
    np.testing.assert_array_equal(ends.factor, np.where(lo == hi, 2.0, 1.0)[row[order]])


@pytest.mark.parametrize("method", METHODS)
def test_a_count_of_zero_stored_as_its_ends_is_a_figure(method) -> None:
    # three sources' 0 on a count stored as low = high = 0 (no best) are figures of 0, not
    # "at most 0" (which the low of 0 of an "at most" stores), as robust reads them
    ev = Evidence.from_rows(
        quantity=["q"] * 4, low=[0.0, 0.0, 0.0, 5.0], high=[0.0, 0.0, 0.0, 5.0],
        source=["a", "b", "c", "d"],
    )  # fmt: skip
    assert ev.positive[0]
    out = method(ev, {})
    assert (out.low[0], out.best[0], out.high[0]) == (0.0, 0.0, 0.0)
    assert out.closed_left[0]


def test_the_layout_reads_the_groups_it_is_handed_as_its_own() -> None:
    # crh and catd find the connected groups once and hand them to the layout
    from estimates.reconciliation._layout import layout
    from estimates.reconciliation._learning import _components
    from estimates.reconciliation._segments import segment_ids

    ev, _ = copiers_and_honest()
    starts = np.asarray(ev.starts, dtype=np.intp)
    seg = segment_ids(starts, ev.n_rows)
    src = np.asarray(ev.source, dtype=np.intp)
    groups = _components(seg, src, starts.size, len(ev.source_names))
    handed, own = layout(ev, 0.0, components=groups), layout(ev, 0.0)
    for name, value in own._asdict().items():
        np.testing.assert_array_equal(getattr(handed, name), value, err_msg=name)
