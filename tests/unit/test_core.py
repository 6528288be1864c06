"""The columnar pipeline: each step of DESIGN §3 on small ledgers whose answer is known."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from estimates.errors import DimensionError
from estimates.ledger.claims import Claim
from estimates.ledger.table import Ledger
from estimates.reconciliation._core import (
    NO_DAY,
    ROLES,
    CoreResult,
    Settings,
    instant_text,
    to_instant,
)
from estimates.reconciliation._core import run as core_run
from estimates.values.ranges import Range
from estimates.values.sources import Sources
from estimates.values.vocabulary import RELIABILITY_WEIGHT


def run(frame: pd.DataFrame, settings: Settings, **kw: Any) -> CoreResult:
    """The pipeline with every per-claim detail (as ``reconcile`` runs it)."""
    return core_run(frame, settings, detail=True, **kw)


def claim(value: Range, source: str, stated: str, quantity: str = "q", **kw: Any) -> Claim:
    return Claim(quantity=quantity, value=value, source=source, stated_on=stated, **kw)


def core(claims: list[Claim], **settings: Any) -> CoreResult:
    for name in ("at", "known_on"):
        if name in settings:
            settings[name] = to_instant(settings[name])
    return run(Ledger(claims).frame, Settings(**settings))


def roles(res: CoreResult, frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(source, stated_on, role) per known claim, sorted."""
    out = [
        (str(frame["source"].iloc[r]), str(frame["stated_on"].iloc[r]), ROLES[int(code)])
        for r, code in zip(res.row.tolist(), res.role.tolist(), strict=True)
    ]
    return sorted(out)


def P(n: float) -> Range:  # noqa: N802 - reads like a figure
    return Range.exactly(n, unit="person")


def test_day_numbers_round_trip() -> None:
    assert to_instant("2024-11-01") is not None
    assert instant_text(to_instant("2024-11")) == "2024-11-30"
    assert to_instant(None) is None and instant_text(NO_DAY) is None


def test_known_on_drops_later_claims_and_month_counts_from_its_end() -> None:
    claims = [
        claim(P(100), "A", "2024-10-01"),
        claim(P(500), "B", "2024-10"),  # a month: known only from 31 October
    ]
    res = core(claims, known_on="2024-10-15")
    assert res.best.tolist() == [100.0]
    assert res.n_claims.tolist() == [1]
    res = core(claims, known_on="2024-10-31")
    assert res.n_claims.tolist() == [2]


def test_defaults_use_everything_per_quantity() -> None:
    res = core([claim(P(1), "A", "2024-01-05", "a"), claim(P(2), "A", "2024-03-01", "b")])
    assert [instant_text(int(d)) for d in res.known_on] == ["2024-01-05", "2024-03-01"]
    assert res.at.tolist() == res.known_on.tolist()


def test_nothing_known_is_unknown_with_the_reason() -> None:
    res = core([claim(P(1), "A", "2024-05-01")], known_on="2024-01-01")
    assert np.isnan(res.best[0]) and np.isnan(res.low[0])
    assert "no claim was stated on or before 2024-01-01" in str(res.note[0])


def test_units_convert_to_the_most_common_unit() -> None:
    claims = [
        claim(Range.exactly(2, unit="km"), "A", "2024-01-01"),
        claim(Range.exactly(3000, unit="m"), "B", "2024-01-01"),
        claim(Range.exactly(2500, unit="m"), "C", "2024-01-01"),
    ]
    res = core(claims)
    assert res.unit.tolist() == ["meter"]
    assert res.best.tolist() == [2500.0]


def test_two_dimensions_in_one_quantity_name_both_units() -> None:
    claims = [
        claim(Range.exactly(2, unit="person"), "A", "2024-01-01"),
        claim(Range.exactly(3, unit="container"), "B", "2024-01-01"),
    ]
    with pytest.raises(DimensionError) as info:
        core(claims)
    assert "'q'" in str(info.value)
    assert {info.value.left, info.value.right} == {"person", "container"}


def test_one_source_one_day_is_one_interval() -> None:
    claims = [
        claim(Range(best=10_000, unit="person"), "NIS", "2024-10-18", via="Yonhap"),
        claim(Range(best=12_000, unit="person"), "NIS (per AFP)", "2024-10-18", via="AFP"),
    ]
    res = core(claims, method="envelope")
    assert (res.low[0], res.high[0]) == (10_000.0, 12_000.0)
    assert res.n_sources.tolist() == [1]
    assert res.merged.tolist() == [2, 2]


def test_identical_rows_of_one_day_are_duplicates() -> None:
    claims = [
        claim(P(10_000), "NIS", "2024-10-18", via="Yonhap"),
        claim(P(10_000), "NIS", "2024-10-18", via="AFP"),
    ]
    res = core(claims)
    assert sorted(ROLES[c] for c in res.role) == ["duplicate", "used"]
    assert res.n_claims.tolist() == [1]


def test_relay_within_days_counts_once() -> None:
    claims = [
        claim(P(3000), "NIS", "2024-10-23", via="Reuters"),
        claim(P(3000), "NIS", "2024-10-25", via="Kyiv Independent"),
        claim(P(9000), "HUR", "2024-10-24"),
    ]
    ledger = Ledger(claims)
    res = run(ledger.frame, Settings(at=to_instant("2024-10-30")))
    assert ("NIS", "2024-10-25", "relay") in roles(res, ledger.frame)
    assert ("NIS", "2024-10-23", "used") in roles(res, ledger.frame)
    assert res.n_claims.tolist() == [2]


def test_the_same_figure_weeks_later_is_not_a_relay() -> None:
    claims = [claim(P(3000), "NIS", "2024-10-01"), claim(P(3000), "NIS", "2024-11-20")]
    ledger = Ledger(claims)
    res = run(ledger.frame, Settings())
    assert ("NIS", "2024-10-01", "superseded") in roles(res, ledger.frame)


def test_aliases_resolve_before_supersession() -> None:
    claims = [
        claim(P(3000), "NIS", "2024-10-23"),
        claim(P(11_000), "South Korea NIS", "2024-11-20"),
    ]
    ledger = Ledger(claims)
    sources = Sources().alias("South Korea NIS", "NIS")
    res = run(ledger.frame, Settings(sources=sources))
    assert res.best.tolist() == [11_000.0]
    assert res.n_sources.tolist() == [1]
    without = run(ledger.frame, Settings())
    assert without.n_sources.tolist() == [2]


def test_stock_latest_at_or_before_at_supersedes() -> None:
    claims = [
        claim(P(1500), "NIS", "2024-10-18"),
        claim(P(3000), "NIS", "2024-10-23"),
        claim(P(11_000), "NIS", "2024-11-20"),
    ]
    res = core(claims, at="2024-11-01", known_on="2024-11-01")
    assert res.best.tolist() == [3000.0]
    # with hindsight the later figure is known but describes a moment after ``at``
    res = core(claims, at="2024-11-01", known_on="2025-01-01")
    assert res.best.tolist() == [3000.0]
    assert sorted(ROLES[c] for c in res.role) == ["out of window", "superseded", "used"]


def test_stock_hindsight_uses_a_later_figure_of_a_source_with_none_before() -> None:
    claims = [claim(P(3000), "NIS", "2024-10-23"), claim(P(12_000), "HUR", "2024-11-20")]
    res = core(claims, at="2024-11-01", known_on="2025-01-01", method="envelope")
    assert (res.low[0], res.high[0]) == (3000.0, 12_000.0)
    assert "future" in {ROLES[c] for c in res.role}
    res = core(claims, at="2024-11-01", known_on="2024-11-01")
    assert res.best.tolist() == [3000.0]


def test_at_before_every_figure_is_unknown() -> None:
    res = core([claim(P(3000), "NIS", "2024-10-23")], at="2024-01-01")
    assert np.isnan(res.best[0])
    assert "before every figure" in str(res.note[0])


def test_cumulative_earlier_figures_are_lower_bounds() -> None:
    claims = [
        claim(Range.exactly(10_000, unit="container"), "A", "2024-06-14", kind="cumulative"),
        claim(Range.more_than(13_000, unit="container"), "B", "2024-10-18", kind="cumulative"),
    ]
    res = core(claims, at="2024-11-01")
    assert res.low[0] == 13_000.0 and res.high[0] == np.inf
    assert not res.closed_left[0]
    # B's floor is the higher: it is the bound in force, and A's lower floor is superseded by it
    roles = dict(zip(res.resolved_source.tolist(), [ROLES[c] for c in res.role], strict=True))
    assert roles == {"A": "superseded", "B": "bound"}
    assert sorted(res.bound_side.tolist()) == [-1, 0]


def test_cumulative_hindsight_gives_an_upper_bound() -> None:
    claims = [
        claim(Range.exactly(10_000, unit="container"), "A", "2024-06-14", kind="cumulative"),
        claim(Range.exactly(20_000, unit="container"), "A", "2025-06-14", kind="cumulative"),
    ]
    res = core(claims, at="2024-11-01", known_on="2025-07-01", method="envelope")
    assert (res.low[0], res.high[0]) == (10_000.0, 20_000.0)
    assert sorted(res.bound_side.tolist()) == [-1, 1]


def test_cumulative_from_another_start_is_set_apart() -> None:
    c = "container"
    claims = [
        claim(
            Range.at_least(10_000, unit=c), "A", "2024-02-20", kind="cumulative", since="2023-09"
        ),
        claim(
            Range.at_least(11_000, unit=c), "B", "2024-03-20", kind="cumulative", since="2023-09"
        ),
        claim(
            Range.at_least(13_000, unit=c), "DIA", "2024-08-27", kind="cumulative", since="2022-07"
        ),
    ]
    ledger = Ledger(claims)
    res = run(ledger.frame, Settings(at=to_instant("2024-11-01")))
    assert ("DIA", "2024-08-27", "out of window") in roles(res, ledger.frame)
    assert res.low[0] == 11_000.0
    assert instant_text(int(res.base_since[0])) == "2023-09-01"


def test_flows_compare_only_within_one_window() -> None:
    claims = [
        claim(P(3000), "JCS", "2025-03-27", kind="flow", since="2025-01", as_of="2025-02"),
        claim(P(2000), "NIS", "2025-03-01", kind="flow", since="2025-01", as_of="2025-02"),
        claim(P(900), "X", "2024-12-31", kind="flow", since="2024-11", as_of="2024-12"),
    ]
    ledger = Ledger(claims)
    res = run(ledger.frame, Settings(method="envelope"))
    assert (res.low[0], res.high[0]) == (2000.0, 3000.0)
    assert ("X", "2024-12-31", "out of window") in roles(res, ledger.frame)


def test_projections_apart_from_observations_and_alone_on_their_own() -> None:
    claims = [
        claim(P(3000), "NIS", "2024-10-23"),
        claim(P(10_000), "NIS", "2024-10-23", quantity="q", kind="projection", as_of="2024-12"),
        claim(P(12_000), "NIS", "2024-10-18", quantity="plan", kind="projection"),
        claim(P(10_000), "NIS", "2024-10-23", quantity="plan", kind="projection", as_of="2024-12"),
    ]
    res = core(claims)
    q = res.quantities.tolist()
    assert res.best[q.index("q")] == 3000.0
    assert res.best[q.index("plan")] == 10_000.0  # the latest projection of the source
    kinds = {ROLES[c] for c, qq in zip(res.role, res.claim_q, strict=True) if q[qq] == "q"}
    assert kinds == {"used", "projection"}


def test_a_flow_in_a_quantity_of_running_totals_is_set_apart() -> None:
    c = "container"
    claims = [
        claim(Range.at_least(1000, unit=c), "Kirby", "2023-10-13", kind="flow", since="2023-09-07"),
        claim(Range.exactly(5000, unit=c), "Shin", "2023-12-29", kind="cumulative"),
        claim(Range.exactly(7000, unit=c), "Shin", "2024-03-18", kind="cumulative"),
    ]
    res = core(claims, at="2024-03-18")
    assert res.best.tolist() == [7000.0]
    assert "out of window" in {ROLES[x] for x in res.role}


def test_prior_weights_from_reliability_and_confidence() -> None:
    claims = [
        claim(P(10), "A", "2024-01-01", reliability="A"),
        claim(P(20), "B", "2024-01-01", reliability="E"),
        claim(P(30), "C", "2024-01-01", confidence=0.5),
        claim(P(40), "D", "2024-01-01", reliability="F"),
    ]
    res = core(claims)
    by_best = dict(zip(res.claim_best.tolist(), res.weight.tolist(), strict=True))
    assert by_best[10.0] == RELIABILITY_WEIGHT["A"]
    assert by_best[20.0] == RELIABILITY_WEIGHT["E"]
    assert by_best[30.0] == pytest.approx(0.5 * 0.6)  # no grade: the middle weight
    assert by_best[40.0] == by_best[30.0] / 0.5  # F is "no prior", not "low"


def test_hedge_words_enter_as_confidence() -> None:
    likely = core([claim(P(10), "A", "2024-01-01", hedge="highly likely")])
    plain = core([claim(P(10), "A", "2024-01-01")])
    assert 0 < likely.weight[0] < plain.weight[0]


def test_half_life_weighs_old_figures_less_and_marks_stale() -> None:
    claims = [claim(P(20), "A", "2024-01-01"), claim(P(20), "B", "2024-03-01")]
    ledger = Ledger(claims)
    res = run(ledger.frame, Settings(at=to_instant("2024-03-01"), half_life=10.0))
    w = dict(zip(res.resolved_source.tolist(), res.weight.tolist(), strict=True))
    assert w["A"] < w["B"] / 16
    assert roles(res, ledger.frame) == [("A", "2024-01-01", "stale"), ("B", "2024-03-01", "used")]
    plain = run(ledger.frame, Settings(at=to_instant("2024-03-01")))
    assert {ROLES[c] for c in plain.role} == {"used"}


def test_outlier_is_a_used_figure_outside_the_answer() -> None:
    claims = [
        claim(P(x), s, "2024-01-01") for x, s in [(10, "A"), (11, "B"), (12, "C"), (900, "D")]
    ]
    res = core(claims)
    role_of = dict(zip(res.claim_best.tolist(), (ROLES[c] for c in res.role), strict=True))
    assert role_of[900.0] == "outlier" and role_of[11.0] == "used"
    assert bool(res.conflict[0])


def test_input_row_order_never_matters() -> None:
    claims = [
        claim(P(x), s, d)
        for x, s, d in [(3, "A", "2024-01-02"), (5, "B", "2024-01-01"), (9, "C", "2024-01-03")]
    ]
    frame = Ledger(claims).frame
    a = run(frame, Settings())
    b = run(frame.iloc[::-1].reset_index(drop=True), Settings())
    assert (a.low.tolist(), a.best.tolist(), a.high.tolist()) == (
        b.low.tolist(),
        b.best.tolist(),
        b.high.tolist(),
    )


def test_only_restricts_the_work_but_keeps_rows_of_the_whole_frame() -> None:
    claims = [claim(P(1), "A", "2024-01-01", "a"), claim(P(2), "A", "2024-01-01", "b")]
    frame = Ledger(claims).frame
    res = run(frame, Settings(), only="b")
    assert res.quantities.tolist() == ["b"]
    assert frame["quantity"].iloc[int(res.row[0])] == "b"


def test_a_running_total_that_falls_keeps_the_later_statement_as_a_bound() -> None:
    claims = [
        claim(Range.exactly(100, unit="container"), "A", "2024-06-01", kind="cumulative"),
        claim(Range.exactly(50, unit="container"), "A", "2024-12-01", kind="cumulative"),
    ]
    ledger = Ledger(claims)
    res = run(
        ledger.frame, Settings(at=to_instant("2024-09-01"), known_on=to_instant("2025-01-01"))
    )
    assert (res.low[0], res.high[0]) == (-np.inf, 50.0)
    # A lowering its own running total is a revision: the earlier figure is set apart
    assert roles(res, ledger.frame) == [
        ("A", "2024-06-01", "revised"),
        ("A", "2024-12-01", "bound"),
    ]


def test_categorical_columns_give_the_same_answer() -> None:
    claims = [
        claim(P(x), s, "2024-01-01", q) for x, s, q in [(3, "A", "a"), (5, "B", "a"), (9, "A", "b")]
    ]
    frame = Ledger(claims).frame
    cat = frame.copy()
    for col in ("quantity", "source", "unit", "kind", "closed"):
        cat[col] = cat[col].astype("category")
    a, b = run(frame, Settings()), run(cat, Settings())
    assert a.quantities.tolist() == b.quantities.tolist() == ["a", "b"]
    assert a.best.tolist() == b.best.tolist() and a.unit.tolist() == b.unit.tolist()


def test_without_detail_the_per_claim_extras_are_left_out() -> None:
    frame = Ledger([claim(P(1), "A", "2024-01-01")]).frame
    lean = core_run(frame, Settings())
    assert lean.weight.size == 0 and lean.resolved_source.size == 0 and lean.ev_low.size == 0
    assert lean.role.size == 1 and lean.n_claims.tolist() == [1]


def test_an_unknown_says_so_before_what_else_its_note_says() -> None:
    # a running total with no bound left (its figures set apart) still says which count it is,
    # but the note first says the answer is unknown
    from estimates.reconciliation._answer import Answer, settle_unknowns

    answer = Answer.empty(2)
    answer.answered[:] = True
    answer.low[:], answer.high[:] = -np.inf, np.inf
    answer.note[0] = "counted since 2024-08-26 (1 figure counted from another start set apart)"
    answer.note[1] = "conflict: A and B give figures about 2024-08-27 that cannot both hold"
    day = np.full(2, 86_399)
    settle_unknowns(answer, np.array([0, 1]), day, day, np.zeros(2, bool))
    assert np.isnan(answer.low).all() and np.isnan(answer.high).all()
    assert answer.note[0] == "unknown: no figure bounds it; counted since 2024-08-26 " + (
        "(1 figure counted from another start set apart)"
    )
    assert str(answer.note[1]).startswith("conflict: A and B")


def test_a_quantity_is_a_count_when_no_figure_of_it_lies_below_zero() -> None:
    from estimates.ledger.arrays import claim_arrays
    from estimates.reconciliation._frame import Columns, read_figures

    frame = pd.DataFrame(
        {
            "quantity": ["a", "a", "b", "b", "c", "d"],
            "low": [0.0, np.nan, -5.0, 1.0, np.nan, -np.inf],
            "best": [np.nan, 3.0, np.nan, np.nan, np.nan, np.nan],
            "high": [np.inf, np.nan, 2.0, 4.0, np.nan, -1.0],
            "unit": [None, None, None, None, None, "person"],
            "source": ["A", "B", "A", "B", "A", "A"],
        }
    )
    cols = Columns(claim_arrays(frame), np.arange(6), True)
    q = np.array([0, 0, 1, 1, 2, 3], dtype=np.intp)
    got = read_figures(cols, q, np.array(["a", "b", "c", "d"], dtype=object))
    # a: nothing below 0; b: a low of -5; c: no figure at all; d: below 0 but counted in persons
    assert got.positive.tolist() == [True, False, True, True]
