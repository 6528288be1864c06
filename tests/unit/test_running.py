"""Running totals read as an analyst reads them (DESIGN §3): floors forward, ceilings back, a best
that never falls, conflicts between moments.

The golden case is a death toll written for these tests in the shape of real reporting: an
agency's counts every day or two, a news agency's "more than", a wire's "over", and a projection.
Every expected figure is worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

import estimates as est
from estimates.reconciliation.stages.running import rounding_unit, running_totals

C = est.Claim

TOLL = est.Ledger(
    [
        C(quantity="toll", text=t, source=s, stated_on=d, kind=k)
        for t, s, d, k in [
            ("912 dead", "Agency", "2023-02-06", "cumulative"),
            ("5,894 dead", "Agency", "2023-02-07", "cumulative"),
            ("12,391 dead", "Agency", "2023-02-08", "cumulative"),
            ("could rise to 20,000 dead", "WHO", "2023-02-08", "projection"),
            ("more than 14,000 dead", "Newswire", "2023-02-09", "cumulative"),
            ("31,643 dead", "Agency", "2023-02-12", "cumulative"),
            ("over 31,000 dead", "Wire", "2023-02-13", "cumulative"),
            ("40,689 dead", "Agency", "2023-02-19", "cumulative"),
            ("50,096 dead", "Agency", "2023-03-05", "cumulative"),
        ]
    ]
)


def figures(r: est.Reconciliation) -> tuple[float | None, float | None, float | None]:
    assert r.value is not None, r.note
    return r.value.low, r.value.best, r.value.high


def test_a_stated_floor_on_the_day_lifts_the_answer() -> None:
    # as known on 9 Feb: the agency's 12,391 of 8 Feb is a floor, but the newswire's "more than
    # 14,000" of 9 Feb is a higher one; the best cannot sit below it, so it is the newswire's own
    # best under ferson ("more than 14,000" reads (14,000, 14,500]: its middle is 14,250)
    r = est.reconcile(TOLL, "toll", known_on="2023-02-09")
    assert figures(r) == (14_000.0, 14_250.0, None)
    assert r.value is not None and r.value.closed == "neither"
    assert not r.conflict


def test_a_convention_cap_never_conflicts_with_a_stated_figure() -> None:
    # as known on 13 Feb: "over 31,000" is capped at 31,500 only by the convention; the
    # agency's 31,643 of 12 Feb stands, and the total does not fall from the day before
    before = est.reconcile(TOLL, "toll", known_on="2023-02-12")
    r = est.reconcile(TOLL, "toll", known_on="2023-02-13")
    assert figures(before) == (31_643.0, 31_643.0, 31_643.0)
    assert figures(r) == (31_643.0, 31_643.0, None)
    assert not r.conflict and r.conflicts == ()
    assert "carried forward" in (r.note or "")


def test_the_best_is_carried_forward_between_counts() -> None:
    # as known on 20 Feb the last count is the agency's 40,689 of 19 Feb: at least that, and
    # that is the best, carried forward
    r = est.reconcile(TOLL, "toll", known_on="2023-02-20")
    assert figures(r) == (40_689.0, 40_689.0, None)
    assert "Agency's figure of 2023-02-19, carried forward" in (r.note or "")


def test_looking_back_later_counts_bound_from_above() -> None:
    # the toll on 7 Feb as known on 5 Mar: 5,894 counted that day; every later count bounds it
    # from above (the tightest is 5,894 itself), and none of them is "superseded"
    r = est.reconcile(TOLL, "toll", at="2023-02-07", known_on="2023-03-05")
    assert figures(r) == (5_894.0, 5_894.0, 5_894.0)
    roles = r.claims.set_index("stated_on")["role"]
    assert roles["2023-03-05"] == "bound" and roles["2023-02-19"] == "bound"
    assert roles["2023-02-06"] == "superseded"
    # on 10 Feb nothing was counted: at least the newswire's floor, at most the 12 Feb count
    mid = est.reconcile(TOLL, "toll", at="2023-02-10", known_on="2023-03-05")
    assert figures(mid)[0] == 14_000.0 and figures(mid)[2] == 31_643.0


def test_the_daily_timeline_never_falls_and_always_has_a_best() -> None:
    tl = est.timeline(TOLL, "toll", freq="D")
    best = tl["best"].to_numpy()
    assert not np.isnan(best).any()
    assert (np.diff(best) >= 0).all()
    low = tl["low"].to_numpy()
    assert (np.diff(low) >= 0).all()
    assert not tl["conflict"].any()


def test_a_falling_total_between_moments_is_a_conflict_that_names_both() -> None:
    # "about 2,000" (1,500–2,500 by its rounding) as of mid-January, then "1,200" as of 30 April
    # from another source: the total cannot fall; the range spans the two instead of siding
    # with the higher floor
    led = est.Ledger(
        [
            C(quantity="k", text="about 2,000 killed", source="X", stated_on="2024-01-15",
              kind="cumulative"),
            C(quantity="k", text="1,200 killed", source="Y", stated_on="2024-04-30",
              kind="cumulative"),
        ]
    )  # fmt: skip
    r = est.reconcile(led, "k")
    assert r.conflict and len(r.conflicts) == 1
    c = r.conflicts[0]
    assert (c.low_source, c.high_source) == ("Y", "X") and c.gap == 250.0
    assert "cannot fall" in (r.note or "")
    assert r.value is not None and r.value.low is not None and r.value.low <= 1_200
    assert r.value.high is not None and r.value.high >= 2_000


def test_a_source_lowering_its_own_figure_is_a_revision_not_a_conflict() -> None:
    led = est.Ledger(
        [
            C(quantity="k", text="2,000 killed", source="X", stated_on="2024-01-15",
              kind="cumulative"),
            C(quantity="k", text="1,200 killed", source="X", stated_on="2024-04-30",
              kind="cumulative"),
        ]
    )  # fmt: skip
    r = est.reconcile(led, "k")
    assert not r.conflict and r.conflicts == ()
    assert figures(r) == (
        1_150.0,
        1_200.0,
        1_250.0,
    )  # ferson: a bare 1,200 is ± half its last digit
    assert "X revised its figure as of 2024-01-15 down" in (r.note or "")
    assert "revised" in r.claims["role"].tolist()


def test_figures_about_one_moment_that_cannot_both_hold_span_the_disagreement() -> None:
    led = est.Ledger(
        [
            C(quantity="s", value=est.Range.between(40_000, 60_000), source="survey",
              stated_on="2024-05-01", kind="cumulative"),
            C(quantity="s", value=est.Range.between(150_000, 200_000), source="ministry",
              stated_on="2024-05-01", kind="cumulative"),
        ]
    )  # fmt: skip
    r = est.reconcile(led, "s")
    assert r.conflict and r.conflicts[0].gap == 90_000.0
    assert r.value is not None and (r.value.low, r.value.high) == (40_000.0, 200_000.0)


def test_rounding_unit_is_the_last_significant_digit() -> None:
    got = rounding_unit(np.array([2000.0, 1200.0, 912.0, 0.25, 31_643.0]))
    assert got.tolist() == pytest.approx([1000.0, 100.0, 1.0, 0.01, 1.0])


def test_the_stage_is_independent_of_row_order() -> None:
    rng = np.random.default_rng(4)
    n = 40
    q = rng.integers(0, 3, n)
    moment = rng.integers(0, 10, n)
    base = np.cumsum(rng.integers(0, 50, n)).astype(float)
    kw = {
        "q": q, "moment": moment, "source": rng.integers(0, 5, n), "low": base,
        "best": base + 1, "high": base + 2, "closed_left": np.ones(n, bool),
        "closed_right": np.ones(n, bool), "low_stated": np.ones(n, bool),
        "high_stated": np.ones(n, bool), "weight": np.ones(n),
    }  # fmt: skip
    at = np.array([5, 7, 9])
    hs = np.array([False, True, False])
    a = running_totals(**kw, at=at, hindsight=hs, n_quantities=3)  # type: ignore[arg-type]
    perm = rng.permutation(n)
    b = running_totals(
        **{k: v[perm] for k, v in kw.items()},  # type: ignore[arg-type]
        at=at, hindsight=hs, n_quantities=3,
    )  # fmt: skip
    for name in ("low", "best", "high", "closed_left", "closed_right", "conflict"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_a_count_that_restarts_says_from_when_and_what_it_set_apart() -> None:
    # a source starts a new count on 1 Mar ("since 1 Mar"): a lower figure of the new count is no
    # fall of the old one, and the answer says which count it is and what it set apart
    ledger = est.Ledger(
        [
            C(quantity="q", text="40 dead", source="A", stated_on="2024-01-20",
              since="2024-01-01", kind="cumulative"),
            C(quantity="q", text="5 dead", source="A", stated_on="2024-03-10",
              since="2024-03-01", kind="cumulative"),
            C(quantity="q", text="7 dead", source="B", stated_on="2024-03-12",
              since="2024-03-01", kind="cumulative"),
        ]
    )  # fmt: skip
    r = est.reconcile(ledger, "q", known_on="2024-03-12")
    assert figures(r) == (7.0, 7.0, 7.0)
    assert "counted since 2024-03-01 (1 figure counted from another start set apart)" in (
        r.note or ""
    )
    before = est.reconcile(ledger, "q", known_on="2024-02-01")
    assert "counted since" not in (before.note or "")


DAY_OF_TWO_COUNTS = est.Ledger(
    [
        C(quantity="toll", text=t, source="Agency", stated_on=d, kind="cumulative")
        for t, d in [
            ("912 dead", "2023-02-06T08:00"),
            ("2,921 dead", "2023-02-06T20:00"),
            ("5,894 dead", "2023-02-07"),
        ]
    ]
)


def test_counts_of_one_day_at_two_times_are_two_moments() -> None:
    # as known on 6 Feb the evening count is the running total, not a hull "912–2,921"
    r = est.reconcile(DAY_OF_TWO_COUNTS, "toll", known_on="2023-02-06")
    assert figures(r) == (2_921.0, 2_921.0, None)
    assert not r.conflict and "2023-02-06T20:00" in (r.note or "")
    # at noon, in hindsight: the morning count is a floor, the evening count a ceiling
    noon = est.reconcile(DAY_OF_TWO_COUNTS, "toll", at="2023-02-06T12:00", known_on="2023-02-07")
    assert figures(noon) == (912.0, 912.0, 2_921.0)
    assert noon.at == dt.datetime(2023, 2, 6, 12, 0)
    assert "at 6 Feb 2023 12:00" in noon.explain()
    # known at noon: the evening count was not yet stated
    assert len(DAY_OF_TWO_COUNTS.known_on("2023-02-06T12:00")) == 1
    table = est.reconcile_all(DAY_OF_TWO_COUNTS, at="2023-02-06T12:00", known_on="2023-02-07")
    assert table.loc[0, "at"] == "2023-02-06T12:00" and table.loc[0, "high"] == 2_921.0


def test_without_times_the_same_counts_merge_into_one_interval() -> None:
    # the same figures with their day only: one source, one day, one moment (their hull)
    undated = est.Ledger(
        [C(quantity="toll", text=t, source="Agency", stated_on="2023-02-06", kind="cumulative")
         for t in ("912 dead", "2,921 dead")]
    )  # fmt: skip
    r = est.reconcile(undated, "toll", known_on="2023-02-06")
    assert figures(r)[0] == 912.0 and figures(r)[2] == 2_921.0


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_time_of_day_survives_every_file_format(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"toll{suffix}"
    getattr(DAY_OF_TWO_COUNTS, f"to_{suffix[1:]}")(path)
    back = getattr(est.Ledger, f"read_{suffix[1:]}")(path)
    assert sorted(back.to_frame()["stated_on"]) == [
        "2023-02-06T08:00",
        "2023-02-06T20:00",
        "2023-02-07",
    ]
    assert figures(est.reconcile(back, "toll", known_on="2023-02-06")) == (2_921.0, 2_921.0, None)


def test_the_explanation_names_an_end_only_the_convention_added() -> None:
    # "over 31,000" states a floor; ferson's cap at 31,500 is an assumption the answer drops
    r = est.reconcile(TOLL, "toll", known_on="2023-02-13")
    text = r.explain()
    assert 'The cap 31,500 of Wire\'s "over 31,000 dead" comes from the reading convention' in text
    # a figure whose ends were both stated has nothing dropped
    assert "Agency's \"31,643" not in text and text.count("reading convention") == 1
