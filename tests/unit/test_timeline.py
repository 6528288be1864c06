"""Timelines: one reconciled row per date; cumulative series never fall."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimates.errors import ReconcileError
from estimates.ledger.claims import Claim
from estimates.ledger.schema import OUTPUT_COLUMNS
from estimates.ledger.table import Ledger
from estimates.reconciliation.reconcile import reconcile_all
from estimates.reconciliation.timeline import _make_monotone, isotonic, timeline
from estimates.values.ranges import Range

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


# -- isotonic regression ----------------------------------------------------------------------


def reference_pava(y: list[float], w: list[float]) -> list[float]:
    """The textbook one-pass stack form, for comparison."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for yi, wi in zip(y, w, strict=True):
        blocks.append([yi, wi, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    out: list[float] = []
    for m, _, n in blocks:
        out += [m] * int(n)
    return out


def test_isotonic_pools_falling_neighbours() -> None:
    assert isotonic([1.0, 3.0, 2.0, 4.0]).tolist() == [1.0, 2.5, 2.5, 4.0]
    assert isotonic([3.0, 2.0, 1.0]).tolist() == [2.0, 2.0, 2.0]
    assert isotonic([1.0, 2.0, 3.0]).tolist() == [1.0, 2.0, 3.0]


def test_isotonic_pools_even_the_tiniest_fall() -> None:
    out = isotonic([3.9e-40, 2.5e-281])
    assert out[0] == out[1]


def test_isotonic_respects_weights() -> None:
    assert isotonic([4.0, 1.0], [3.0, 1.0]).tolist() == [3.25, 3.25]


def test_isotonic_skips_nan_and_handles_empty() -> None:
    out = isotonic([5.0, np.nan, 1.0])
    assert math.isnan(out[1])
    assert out[0] == out[2] == 3.0
    assert isotonic([]).size == 0
    assert np.isnan(isotonic([np.nan, np.nan])).all()


def test_isotonic_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="weights"):
        isotonic([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="equal in length"):
        isotonic([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        isotonic([1.0, np.inf])


values = st.lists(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=40
)


@given(values, st.data())
def test_isotonic_matches_the_textbook_algorithm(y: list[float], data: st.DataObject) -> None:
    w = data.draw(st.lists(st.floats(0.1, 10.0), min_size=len(y), max_size=len(y)))
    got = isotonic(y, w)
    np.testing.assert_allclose(got, reference_pava(y, w), rtol=1e-9, atol=1e-6)
    assert np.all(np.diff(got) >= -1e-6 * (1 + np.abs(got[:-1])))
    # the weighted total is kept
    assert float(np.dot(got, w)) == pytest.approx(float(np.dot(y, w)), rel=1e-9, abs=1e-3)


@given(values, st.data())
def test_isotonic_is_scipys_and_never_falls(y: list[float], data: st.DataObject) -> None:
    # one isotonic regression in the package: SciPy's (scipy.optimize, since SciPy 1.12)
    from scipy.optimize import isotonic_regression

    w = data.draw(st.lists(st.floats(0.1, 10.0), min_size=len(y), max_size=len(y)))
    got = isotonic(y, w)
    assert got.tolist() == isotonic_regression(y, weights=w).x.tolist()
    assert np.all(np.diff(got) >= 0)


def test_the_scipy_floor_has_isotonic_regression() -> None:
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    floor = re.search(r'"scipy>=(\d+)\.(\d+)', text)
    assert floor is not None and (int(floor[1]), int(floor[2])) >= (1, 12)


# -- timeline ---------------------------------------------------------------------------------


def cumulative(value: Range, source: str, day: str) -> Claim:
    return Claim(quantity="sent", value=value, source=source, stated_on=day, kind="cumulative")


def stock(value: float, source: str, day: str) -> Claim:
    return Claim(
        quantity="troops", value=Range.exactly(value, unit="person"), source=source, stated_on=day
    )


SENT = Ledger(
    [
        cumulative(Range.exactly(3000, unit="person"), "A", "2024-10-23"),
        cumulative(Range.exactly(11000, unit="person"), "B", "2024-11-20"),
        cumulative(Range.exactly(10000, unit="person"), "C", "2024-12-10"),
        cumulative(Range.exactly(12000, unit="person"), "A", "2025-01-05"),
    ]
)
TROOPS = Ledger(
    [
        stock(3000, "NIS", "2024-10-23"),
        stock(11000, "HUR", "2024-11-04"),
        stock(10000, "DoD", "2024-11-04"),
        stock(9000, "NIS", "2024-12-01"),
    ]
)


def test_one_row_per_date_in_order_with_the_output_columns() -> None:
    tl = timeline(TROOPS, "troops", dates=["2024-12-15", "2024-11-01", "2024-11-01"])
    assert list(tl.columns) == list(OUTPUT_COLUMNS)
    assert tl["at"].tolist() == ["2024-11-01", "2024-12-15"]
    # as known on each date itself
    assert tl["known_on"].tolist() == tl["at"].tolist()
    assert tl["n_sources"].tolist() == [1, 3]
    assert tl.dtypes["low"] == "float64"
    assert tl.dtypes["n_claims"] == "int64"
    assert tl.dtypes["conflict"] == np.dtype(bool)


def test_default_dates_are_the_days_the_claims_describe() -> None:
    tl = timeline(TROOPS, "troops")
    assert tl["at"].tolist() == ["2024-10-23", "2024-11-04", "2024-12-01"]


def test_freq_steps_from_the_first_to_the_last_claim_day() -> None:
    tl = timeline(TROOPS, "troops", freq="MS")
    assert tl["at"].tolist() == ["2024-11-01", "2024-12-01"]


def test_hindsight_uses_one_known_on_for_every_row() -> None:
    tl = timeline(TROOPS, "troops", dates=["2024-11-01"], known_on="2024-12-31")
    assert tl["known_on"].tolist() == ["2024-12-31"]
    now = timeline(TROOPS, "troops", dates=["2024-11-01"])
    assert tl.loc[0, "n_sources"] > now.loc[0, "n_sources"]


def test_a_date_before_any_claim_is_an_explicit_unknown() -> None:
    tl = timeline(TROOPS, "troops", dates=["2024-01-01"])
    row = tl.iloc[0]
    assert np.isnan(row["low"])
    assert np.isnan(row["best"])
    assert np.isnan(row["high"])
    assert row["closed"] is None
    assert row["note"].startswith("unknown")


def test_stock_series_are_left_as_reconciled() -> None:
    tl = timeline(TROOPS, "troops")
    for i, day in enumerate(tl["at"]):
        alone = reconcile_all(TROOPS, at=day, known_on=day)
        assert tl.loc[i, "best"] == alone.loc[0, "best"]


def test_a_cumulative_series_as_known_each_day_uses_only_the_past() -> None:
    dates = ["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01"]
    raw = timeline(SENT, "sent", dates=dates, monotone="none")
    tl = timeline(SENT, "sent", dates=dates)
    # C's 10,000 of 10 Dec lies below B's 11,000 of 20 Nov: a running total cannot fall, so as
    # known on 1 Jan the range spans the two (10,000–11,000) and says so; A's 12,000 of 5 Jan
    # then lifts the floor above both, and the past conflict no longer widens the answer
    assert tl["low"].tolist() == [3000.0, 11000.0, 10000.0, 12000.0]
    assert tl["conflict"].tolist() == [False, False, True, False]
    assert "a running total cannot fall" in tl.loc[2, "note"]
    # nothing needed moving here: the rows are as reconciled
    pd.testing.assert_frame_equal(tl, raw)


def test_running_mode_raises_a_falling_best_and_says_so() -> None:
    frame = pd.DataFrame(
        {
            "quantity": ["q"] * 3,
            "at": ["2024-01-01", "2024-02-01", "2024-03-01"],
            "known_on": ["2024-01-01", "2024-02-01", "2024-03-01"],
            "method": ["robust"] * 3,
            "low": [5.0, 4.0, 6.0],
            "best": [10.0, 8.0, 12.0],
            "high": [np.nan, np.nan, np.nan],
            "closed": ["left"] * 3,
            "unit": [None] * 3,
            "n_claims": [1, 2, 3],
            "n_sources": [1, 2, 3],
            "conflict": [False] * 3,
            "note": [None] * 3,
        }
    )

    out = _make_monotone(frame, "running")
    assert out["low"].tolist() == [5.0, 5.0, 6.0]
    assert out["best"].tolist() == [10.0, 10.0, 12.0]
    assert "running maximum" in out.loc[1, "note"]
    assert out.loc[0, "note"] is None
    iso = _make_monotone(frame, "isotonic")
    assert iso["best"].tolist() == [9.0, 9.0, 12.0]
    assert "isotonic regression" in iso.loc[0, "note"]


def test_crossing_bounds_become_an_unknown_conflict() -> None:
    frame = pd.DataFrame(
        {
            "quantity": ["q"] * 2,
            "at": ["2024-01-01", "2024-02-01"],
            "known_on": ["2024-03-01"] * 2,
            "method": ["envelope"] * 2,
            "low": [20.0, 1.0],
            "best": [np.nan, np.nan],
            "high": [np.nan, 10.0],
            "closed": ["left", "both"],
            "unit": [None] * 2,
            "n_claims": [1, 1],
            "n_sources": [1, 1],
            "conflict": [False] * 2,
            "note": [None] * 2,
        }
    )

    out = _make_monotone(frame, "isotonic")
    # at least 20 early on, at most 10 later: no running total can do that
    assert out["conflict"].tolist() == [True, True]
    assert out["low"].isna().all()
    assert out.loc[1, "note"].startswith("unknown: cumulative figures conflict")


def test_bad_requests_are_errors() -> None:
    with pytest.raises(ValueError, match="not both"):
        timeline(TROOPS, "troops", dates=["2024-11-01"], freq="MS")
    with pytest.raises(ReconcileError, match="no claims about 'nope'"):
        timeline(TROOPS, "nope")
    with pytest.raises(ValueError, match="monotone"):
        timeline(TROOPS, "troops", monotone="sideways")  # type: ignore[arg-type]


def test_dprk_containers_shipped_never_fall() -> None:
    path = DATA / "scenario" / "dprk_claims.csv"
    if not path.exists():
        pytest.skip("shared scenario data not present")
    ledger = Ledger.read_csv(path)
    for known in (None, "2025-12-31"):
        tl = timeline(ledger, "containers_shipped", freq="QS", known_on=known)
        low = tl["low"].dropna().to_numpy()
        assert np.all(np.diff(low) >= 0)
        assert tl["unit"].dropna().unique().tolist() == ["container"]
    # as known on 1 Nov 2024, "more than 13,000 containers" (NIS, 18 Oct) is the floor
    tl = timeline(ledger, "containers_shipped", dates=["2024-11-01"])
    assert tl.loc[0, "low"] == 13000


def test_empty_date_grids_are_explained() -> None:
    with pytest.raises(ValueError, match="at least one date"):
        timeline(TROOPS, "troops", dates=[])
    with pytest.raises(ValueError, match="gives no date"):
        timeline(TROOPS.select(source="HUR"), "troops", freq="MS")
    undated = Ledger([Claim(quantity="q", value=Range.exactly(1), source="A")])
    with pytest.raises(ValueError, match="has a date"):
        timeline(undated, "q")


def test_a_running_total_revised_down_by_its_source_is_named_a_revision() -> None:
    # found by the ci profile: "at least 0, best 1" then "exactly 0" from the same source
    ledger = Ledger(
        [
            Claim(quantity="q", value=Range(low=0, best=1, unit="person"), source="A",
                  stated_on="2024-01-02", kind="cumulative"),
            Claim(quantity="q", value=Range(low=0, high=0, unit="person"), source="A",
                  stated_on="2024-02-01", kind="cumulative"),
        ]
    )  # fmt: skip
    tl = timeline(ledger, "q", dates=["2024-01-02", "2024-02-01"])
    # A's own later "exactly 0" lowers its earlier best of 1: a revision, set apart and named
    # (not a conflict, and not a floor the later figure must clear)
    assert tl["best"].tolist() == [1.0, 0.0]
    assert "A revised its figure as of 2024-01-02 down" in tl["note"].tolist()[1]
    assert tl["high"].tolist()[1] == 0.0 and not tl["conflict"].tolist()[1]
