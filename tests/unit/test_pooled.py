"""The pooled method: a predictive pool (linear opinion pool) of the claims read as distributions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import estimates as est
from estimates.errors import ReconcileError
from estimates.reconciliation._pooled import pool_arrays, rounding_unit

NAN = np.nan


def run(low: list[float], high: list[float], best: list[float] | None = None, **kw: Any) -> Any:
    n = len(low)
    options = kw.pop("options", {})
    return pool_arrays(
        low=np.array(low, float),
        high=np.array(high, float),
        best=np.array(best if best is not None else [NAN] * n, float),
        weight=np.array(kw.pop("weight", [1.0] * n), float),
        starts=np.array(kw.pop("starts", [0]), np.intp),
        positive=np.array(kw.pop("positive", [True])),
        options=options,
        **kw,
    )


def test_copies_of_one_claim_pool_to_that_claim_alone() -> None:
    one = run([9000.0], [11000.0], [10000.0])
    ten = run([9000.0] * 10, [11000.0] * 10, [10000.0] * 10)
    for a, b in ((one.low, ten.low), (one.best, ten.best), (one.high, ten.high)):
        assert a[0] == pytest.approx(b[0], rel=1e-9)


def test_agreeing_loose_sources_do_not_narrow_the_pool() -> None:
    # the interval for a mean narrows like 1/sqrt(k); a pool of similar claims must not
    few = run([8000.0, 9000.0], [12000.0, 13000.0])
    many = run([8000.0, 9000.0] * 8, [12000.0, 13000.0] * 8)
    assert many.high[0] - many.low[0] == pytest.approx(few.high[0] - few.low[0], rel=1e-9)
    # and it spans more than what the two ranges share
    assert few.low[0] < 9000 and few.high[0] > 12000


def test_a_higher_level_gives_a_wider_nested_range() -> None:
    low, high = [9000.0, 10000.0, 11000.0], [11000.0, 12000.0, 16000.0]
    narrow = run(low, high, options={"level": 0.5})
    wide = run(low, high, options={"level": 0.95})
    assert wide.low[0] < narrow.low[0] < narrow.best[0] < narrow.high[0] < wide.high[0]
    assert narrow.best[0] == pytest.approx(wide.best[0])
    assert narrow.level.tolist() == [0.5] and wide.level.tolist() == [0.95]


def test_a_claims_own_level_sets_how_its_range_is_read() -> None:
    at_90 = run([9000.0], [11000.0], [10000.0], level=np.array([0.9]))
    at_50 = run([9000.0], [11000.0], [10000.0], level=np.array([0.5]))
    # a 50 % range says less: the same figures read as a wider distribution
    assert at_50.high[0] - at_50.low[0] > 2 * (at_90.high[0] - at_90.low[0])


def test_an_exact_figure_carries_the_spread_its_rounding_implies() -> None:
    assert rounding_unit(np.array([1500.0, 12000.0, 7.0, 0.25])).tolist() == [100, 1000, 1, 0.01]
    out = run([1500.0], [1500.0], [1500.0])
    # 1,500 is 1,450-1,550; its 5 %-95 % points 1,455 and 1,545, widened by 1.15
    assert 1400 < out.low[0] < 1455 and 1545 < out.high[0] < 1600
    coarse = run([12000.0], [12000.0], [12000.0])
    assert coarse.high[0] - coarse.low[0] > 5 * (out.high[0] - out.low[0])


def test_a_lower_bound_pulls_the_pool_up_and_alone_gives_no_probability() -> None:
    base = run([9000.0, 9500.0], [11000.0, 11500.0])
    pulled = run([9000.0, 9500.0, 14000.0], [11000.0, 11500.0, np.inf])
    assert pulled.best[0] > base.best[0] and pulled.high[0] > base.high[0]
    only = run([7000.0, 7500.0], [np.inf, np.inf])
    assert only.low.tolist() == [7500.0] and np.isinf(only.high[0])
    assert np.isnan(only.level[0]) and np.isnan(only.best[0])
    assert "no probability" in (only.note[0] or "")


def test_zero_counts_beside_a_range_reconcile_without_error() -> None:
    # issue 14, item 8: exactly(0) beside between(0, 5) crashed with a negative count
    ledger = est.Ledger(
        [
            est.Claim(quantity="k", value=est.Range.exactly(0, unit="person"), source="a"),
            est.Claim(quantity="k", value=est.Range.between(0, 5, unit="person"), source="b"),
        ]
    )
    for method in ("pooled", "pooled_mean"):
        r = est.reconcile(ledger, "k", method=method)
        assert r.value is not None and r.value.low is not None and r.value.low >= 0
    zeros = est.Ledger(
        [est.Claim(quantity="k", value=est.Range.exactly(0), source=s) for s in "ab"]
    )
    assert est.reconcile(zeros, "k", method="pooled").value == est.Range.exactly(0)


def test_options_are_checked() -> None:
    with pytest.raises(ReconcileError, match="level"):
        run([1.0], [2.0], options={"level": 1.0})
    with pytest.raises(ReconcileError, match="widen"):
        run([1.0], [2.0], options={"widen": 0})
    with pytest.raises(ReconcileError, match="scale"):
        run([1.0], [2.0], options={"scale": "cubic"})


def _panel() -> tuple[est.Ledger, dict[str, float]]:
    """Six resolved quantities: 'wide' always covers the truth, 'sharp' is narrow and wrong."""
    claims, truths = [], {}
    for i in range(7):
        t = 100.0 * (i + 1)
        truths[f"q{i}"] = t
        claims += [
            est.Claim(quantity=f"q{i}", value=est.Range(low=t * 0.6, best=t * 1.05, high=t * 1.7),
                      source="wide", level=0.9),
            est.Claim(quantity=f"q{i}", value=est.Range(low=t * 1.9, best=t * 2.0, high=t * 2.1),
                      source="sharp", level=0.9),
        ]  # fmt: skip
    return est.Ledger(claims), truths


def test_resolved_questions_weight_the_calibrated_source() -> None:
    ledger, truths = _panel()
    resolved = {q: t for q, t in truths.items() if q != "q6"}
    plain = est.reconcile(ledger, "q6", method="pooled")
    learned = est.reconcile(ledger, "q6", method="pooled", resolved=resolved)
    assert plain.value is not None and learned.value is not None
    assert abs(learned.value.best - 700) < abs(plain.value.best - 700)
    sources = learned.sources
    assert sources is not None
    assert list(sources.columns) == ["source", "resolved", "calibration", "information", "weight"]
    by = sources.set_index("source")
    assert by.loc["wide", "calibration"] > by.loc["sharp", "calibration"]
    assert by.loc["sharp", "information"] > by.loc["wide", "information"]
    assert by.loc["wide", "weight"] > by.loc["sharp", "weight"]
    text = learned.explain()
    assert "on 6 resolved questions" in text and "probability 0.9" in text


def test_a_resolved_quantity_is_answered_with_the_others_weights_only() -> None:
    ledger, truths = _panel()
    a = est.reconcile_all(ledger, method="pooled", resolved=truths)
    moved = dict(truths, q3=truths["q3"] * 50)  # a different truth for q3 alone
    b = est.reconcile_all(ledger, method="pooled", resolved=pd.Series(moved))
    row_a = a.set_index("quantity").loc["q3", ["low", "best", "high"]]
    row_b = b.set_index("quantity").loc["q3", ["low", "best", "high"]]
    assert row_a.tolist() == row_b.tolist()  # its own truth never reaches its own weights
    other_a = a.set_index("quantity").loc["q1", ["low", "best", "high"]]
    other_b = b.set_index("quantity").loc["q1", ["low", "best", "high"]]
    assert other_a.tolist() != other_b.tolist()  # but it does teach the others
    assert "this one left out" in a.set_index("quantity").loc["q3", "note"]


def test_bad_resolved_values_are_clear_library_errors() -> None:
    ledger = est.Ledger(
        [
            est.Claim(
                quantity="troops", value=est.Range.between(10, 20, unit="person"), source="a"
            ),
            est.Claim(quantity="tanks", value=est.Range.between(1, 2), source="a"),
        ]
    )
    cases = [
        ({"troopz": 12}, "not a quantity of the ledger; did you mean 'troops'"),
        ({"troops": "many"}, "must be a number"),
        ({"troops": float("nan")}, "must be a number"),
        ({"troops": est.Range.exactly(12, unit="container")}, "does not measure"),
        ({"tanks": est.Range.exactly(2, unit="person")}, "state no unit"),
    ]
    for resolved, message in cases:
        with pytest.raises(est.ReconcileError, match=message):
            est.reconcile_all(ledger, method="pooled", resolved=resolved)
    with pytest.raises(est.ReconcileError, match="does not use it"):
        est.reconcile_all(ledger, method="robust", resolved={"troops": 12})
    # a value in another unit of the same dimension is converted
    out = est.reconcile_all(
        ledger, method="pooled", resolved={"troops": est.Range.exactly(12, unit="soldier")}
    )
    assert len(out) == 2


def test_every_result_says_what_its_range_is() -> None:
    ledger, _ = _panel()
    table = est.reconcile_all(ledger, method="pooled")
    assert "level" in table.columns and (table["level"] == 0.9).all()
    agree = est.Ledger(
        [est.Claim(quantity="q", value=est.Range.between(a, b), source=s)
         for a, b, s in ((10, 20, "x"), (12, 25, "y"), (15, 30, "z"))]
    )  # fmt: skip
    for method in ("robust", "consensus", "envelope", "crh", "pooled_mean"):
        t = est.reconcile_all(ledger, method=method)
        assert t["level"].isna().all(), method
        r = est.reconcile(agree, "q", method=method)
        assert r.level is None and r.range_meaning in r.explain(), method
        assert "not a probability" in r.range_meaning or "not for the true value" in r.range_meaning
    assert "intersection" in est.reconcile(agree, "q", method="consensus").explain()
    assert "hull" in est.reconcile(agree, "q", method="envelope").explain()
    r = est.reconcile(ledger, "q1", method="pooled", level=0.8)
    assert r.level == 0.8 and "probability 0.8" in r.explain()


def test_a_range_read_from_words_takes_its_conventions_level() -> None:
    def pooled_width(convention: str | None, level: float | None = None) -> float:
        claims = [
            est.Claim(quantity="q", source=s, level=level,
                      value=est.Range(low=a, high=b, best=(a + b) / 2, convention=convention))
            for s, a, b in (("x", 900.0, 1100.0), ("y", 1000.0, 1300.0))
        ]  # fmt: skip
        r = est.reconcile(est.Ledger(claims), "q", method="pooled")
        assert r.value is not None and r.value.low is not None and r.value.high is not None
        return r.value.high - r.value.low

    # literal reads its stated bounds as a 95 % range, ferson as a 90 % one: literal's claims
    # say more, so its pool is narrower; a claim's own level wins over its convention's
    assert pooled_width("literal") < pooled_width("ferson") == pytest.approx(pooled_width(None))
    assert pooled_width("literal", level=0.9) == pytest.approx(pooled_width("ferson"))
