"""Relations as data: narrowing by interval propagation, and checking claims against them."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from estimates.errors import DimensionError, InvalidValueError, OptionError, RelationError
from estimates.ledger.claims import Claim
from estimates.ledger.table import Ledger
from estimates.reconciliation.relations import (
    AtMost,
    Relation,
    SumOf,
    at_most,
    check,
    monotone,
    narrow,
    parse_relations,
    relations_from_data,
    sum_of,
)
from estimates.values.ranges import Range
from estimates.values.sources import Sources

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def person(low: float | None, high: float | None) -> Range:
    return Range(low=low, high=high, unit="person")


# -- relations as data ------------------------------------------------------------------------


def test_relations_are_frozen_values_that_round_trip_as_data() -> None:
    rels = [at_most("a", "b"), sum_of(["a", "c"], "b"), monotone("b")]
    adapter = TypeAdapter(list[Relation])
    dumped = adapter.dump_python(rels)
    assert dumped[1] == {"kind": "sum_of", "parts": ("a", "c"), "total": "b"}
    assert adapter.validate_python(dumped) == rels
    with pytest.raises(InvalidValueError):
        rels[0].part = "z"  # type: ignore[misc]
    assert hash(rels[1]) == hash(sum_of(("a", "c"), "b"))


def test_relation_text() -> None:
    assert str(at_most("a", "b")) == "a ≤ b"
    assert str(sum_of(["a", "c"], "b")) == "a + c = b"
    assert str(monotone("b")) == "b never falls"


def test_a_string_is_not_a_list_of_parts() -> None:
    with pytest.raises(RelationError, match="string"):
        sum_of("ab", "c")


def test_a_quantity_cannot_be_its_own_part() -> None:
    with pytest.raises(RelationError, match="part of itself"):
        at_most("a", "a")
    with pytest.raises(RelationError, match="part of itself"):
        sum_of(["a", "b"], "a")


def test_blank_names_are_refused() -> None:
    with pytest.raises(InvalidValueError):
        AtMost(part="", whole="b")
    with pytest.raises(InvalidValueError):
        SumOf(parts=(), total="b")


# -- narrowing --------------------------------------------------------------------------------


def test_at_most_caps_the_part_and_raises_the_whole() -> None:
    out, notes = narrow(
        {"part": person(7000, 15000), "whole": person(5000, 12000)}, [at_most("part", "whole")]
    )
    assert (out["part"].low, out["part"].high) == (7000, 12000)
    assert (out["whole"].low, out["whole"].high) == (7000, 12000)
    assert len(notes) == 2
    assert notes[0].startswith("part: high 15,000 → 12,000, because part ≤ whole")
    assert notes[1].startswith("whole: low 5,000 → 7,000")


def test_sum_bounds_the_total_and_each_part() -> None:
    ranges = {
        "a": person(1000, 3000),
        "b": person(2000, 9000),
        "t": person(4000, 6000),
    }
    out, notes = narrow(ranges, [sum_of(["a", "b"], "t")])
    # t within [Σ lows, Σ highs] = [3000, 12000]: already inside
    assert (out["t"].low, out["t"].high) == (4000, 6000)
    # b within [t.low - a.high, t.high - a.low] = [1000, 5000]
    assert (out["b"].low, out["b"].high) == (2000, 5000)
    assert out["a"] == ranges["a"]
    assert any(n.startswith("b: high 9,000 → 5,000") for n in notes)


def test_narrowing_propagates_to_a_fixed_point() -> None:
    ranges = {
        "kursk": person(None, None),
        "russia": person(None, 12000),
        "sent": person(None, 11000),
    }
    out, _ = narrow(ranges, [at_most("kursk", "russia"), at_most("russia", "sent")])
    assert out["russia"].high == 11000
    assert out["kursk"].high == 11000  # through russia, in a later round


def test_unbounded_low_of_a_count_is_zero_when_narrowed() -> None:
    out, _ = narrow({"a": person(None, None), "t": person(None, 10)}, [sum_of(["a"], "t")])
    assert (out["a"].low, out["a"].high) == (0, 10)


def test_ranges_that_need_no_narrowing_come_back_unchanged() -> None:
    ranges = {"a": person(1, 2), "b": person(5, 6)}
    out, notes = narrow(ranges, [at_most("a", "b")])
    assert out == ranges
    assert notes == []


def test_conflicting_ranges_are_reported_not_narrowed() -> None:
    ranges = {"part": person(7000, 8000), "whole": person(1000, 3000)}
    out, notes = narrow(ranges, [at_most("part", "whole")])
    assert out == ranges
    assert any("conflict by 4,000" in n for n in notes)


def test_a_best_outside_the_narrowed_range_moves_to_its_end() -> None:
    ranges = {"a": Range.between(1, 20, best=15, unit="person"), "b": person(0, 10)}
    out, notes = narrow(ranges, [at_most("a", "b")])
    assert out["a"].best == 10
    assert any("best 15" in n for n in notes)


def test_open_ends_stay_open_when_inherited() -> None:
    out, _ = narrow(
        {"a": person(0, 100), "b": Range(low=0, high=50, closed="left", unit="person")},
        [at_most("a", "b")],
    )
    assert out["a"].high == 50
    assert not out["a"].closed_right


def test_units_are_converted_within_a_relation() -> None:
    out, _ = narrow(
        {"short": Range.between(0, 5000, unit="m"), "long": Range.between(1, 2, unit="km")},
        [at_most("short", "long")],
    )
    assert out["short"].high == 2000
    assert out["short"].unit == "meter"


def test_different_dimensions_are_refused() -> None:
    with pytest.raises(DimensionError):
        narrow(
            {"a": Range.between(0, 1, unit="person"), "b": Range.between(0, 1, unit="container")},
            [at_most("a", "b")],
        )


def test_unknown_names_and_cycles_are_reported_together() -> None:
    ranges = {"a": person(0, 1), "b": person(0, 1), "c": person(0, 1)}
    with pytest.raises(RelationError) as info:
        narrow(
            ranges,
            [at_most("a", "b"), at_most("b", "c"), sum_of(["c", "x"], "a"), at_most("a", "zz")],
        )
    text = str(info.value)
    assert "'x'" in text
    assert "'zz'" in text
    assert "a ≤ b ≤ c ≤ a" in text
    assert set(info.value.quantities) >= {"a", "b", "c", "x", "zz"}
    again = pickle.loads(pickle.dumps(info.value))
    assert again.quantities == info.value.quantities


def test_a_part_listed_twice_is_refused() -> None:
    with pytest.raises(RelationError, match="counts a part twice"):
        narrow({"a": person(0, 1), "t": person(0, 2)}, [sum_of(["a", "a"], "t")])


def test_monotone_narrows_nothing_at_one_moment() -> None:
    ranges = {"a": person(0, 1)}
    assert narrow(ranges, [monotone("a")]) == (ranges, [])


# -- checking ---------------------------------------------------------------------------------


def claim(quantity: str, value: Range, source: str, day: str, **kw: object) -> Claim:
    return Claim(quantity=quantity, value=value, source=source, stated_on=day, **kw)  # type: ignore[arg-type]


def test_a_part_above_the_whole_on_the_same_day_is_a_violation() -> None:
    ledger = Ledger(
        [
            claim("kursk", Range.at_least(7000, unit="person"), "HUR", "2024-10-31"),
            claim("russia", Range.at_most(3000, unit="person"), "NIS", "2024-10-31"),
            claim("russia", Range.about(11000, unit="person"), "DoD", "2024-10-31"),
        ]
    )
    report = check(ledger, [at_most("kursk", "russia")])
    assert not report.ok
    (v,) = report.violations
    assert v.sources == ("HUR", "NIS")
    assert v.gap == 4000
    assert v.figures == ("at least 7,000", "up to 3,000")
    assert "the part is larger than the whole" in str(report)
    frame = report.to_frame()
    assert frame.loc[0, "sources"] == "HUR; NIS"
    assert frame["gap"].dtype == "float64"


def test_claims_about_different_moments_are_not_compared_unless_asked() -> None:
    ledger = Ledger(
        [
            claim("kursk", Range.at_least(7000, unit="person"), "HUR", "2024-10-31"),
            claim("russia", Range.at_most(3000, unit="person"), "NIS", "2024-10-23"),
        ]
    )
    assert check(ledger, [at_most("kursk", "russia")]).ok
    assert not check(ledger, [at_most("kursk", "russia")], within_days=8).ok


def test_known_on_and_at_limit_what_is_compared() -> None:
    ledger = Ledger(
        [
            claim("kursk", Range.at_least(7000, unit="person"), "HUR", "2024-11-04"),
            claim("russia", Range.at_most(3000, unit="person"), "NIS", "2024-11-04"),
        ]
    )
    rel = [at_most("kursk", "russia")]
    assert check(ledger, rel, known_on="2024-11-01").ok
    assert check(ledger, rel, at="2024-11-01").ok
    assert not check(ledger, rel, known_on="2024-11-04").ok


def test_touching_bounds_conflict_only_when_an_end_is_open() -> None:
    closed = Ledger(
        [
            claim("p", Range.at_least(10, unit="person"), "a", "2024-01-01"),
            claim("w", Range.at_most(10, unit="person"), "b", "2024-01-01"),
        ]
    )
    assert check(closed, [at_most("p", "w")]).ok
    opened = Ledger(
        [
            claim("p", Range.more_than(10, unit="person"), "a", "2024-01-01"),
            claim("w", Range.at_most(10, unit="person"), "b", "2024-01-01"),
        ]
    )
    assert not check(opened, [at_most("p", "w")]).ok


def test_a_falling_running_total_is_a_violation_and_cumulative_implies_it() -> None:
    ledger = Ledger(
        [
            claim(
                "sent", Range.at_least(20000, unit="person"), "A", "2024-12-31", kind="cumulative"
            ),
            claim(
                "sent", Range.exactly(15000, unit="person"), "B", "2025-04-30", kind="cumulative"
            ),
            claim(
                "sent", Range.exactly(25000, unit="person"), "C", "2025-06-30", kind="cumulative"
            ),
        ]
    )
    implied = check(ledger, [])
    (v,) = implied.violations
    assert v.sources == ("A", "B")
    assert "implied by kind=cumulative" in v.relation
    explicit = check(ledger, [monotone("sent")])
    assert [x.claim_ids for x in explicit.violations] == [v.claim_ids]
    assert "implied" not in explicit.violations[0].relation


def test_running_totals_from_different_starts_are_not_compared() -> None:
    ledger = Ledger(
        [
            claim("boxes", Range.at_least(13000, unit="container"), "A", "2024-08-27",
                  kind="cumulative", since="2022-07"),
            claim("boxes", Range.exactly(10000, unit="container"), "B", "2024-10-01",
                  kind="cumulative", since="2023-08"),
        ]
    )  # fmt: skip
    assert check(ledger, []).ok


def test_projections_are_never_held_against_observations() -> None:
    ledger = Ledger(
        [
            claim("p", Range.exactly(12000, unit="person"), "A", "2024-10-18", kind="projection"),
            claim("w", Range.exactly(3000, unit="person"), "B", "2024-10-18"),
        ]
    )
    assert check(ledger, [at_most("p", "w")]).ok


def test_sum_of_reports_the_fewest_parts_that_exceed_the_total() -> None:
    day = "2024-11-01"
    ledger = Ledger(
        [
            claim("a", Range.at_least(6000, unit="person"), "A", day),
            claim("a", Range.at_least(1000, unit="person"), "A2", day),
            claim("b", Range.at_least(5000, unit="person"), "B", day),
            claim("c", Range.at_least(100, unit="person"), "C", day),
            claim("t", Range.at_most(10000, unit="person"), "T", day),
        ]
    )
    (v,) = check(ledger, [sum_of(["a", "b", "c"], "t")]).violations
    assert v.sources == ("A", "B", "T")  # c is not needed to break it
    assert v.gap == 1000
    assert "more than the total" in v.message


def test_sum_of_reports_parts_too_small_for_the_total() -> None:
    day = "2024-11-01"
    ledger = Ledger(
        [
            claim("a", Range.at_most(1000, unit="person"), "A", day),
            claim("b", Range.at_most(2000, unit="person"), "B", day),
            claim("t", Range.at_least(5000, unit="person"), "T", day),
        ]
    )
    (v,) = check(ledger, [sum_of(["a", "b"], "t")]).violations
    assert v.sources == ("A", "B", "T")
    assert v.gap == 2000
    # with no figure for a part on that day, nothing can be said about the shortfall
    partial = Ledger(
        [c for c in ledger if c.quantity != "b"]
        + [claim("b", Range.at_most(2000, unit="person"), "B", "2024-12-01")]
    )
    assert check(partial, [sum_of(["a", "b"], "t")]).ok


def test_sources_resolve_names_in_the_report() -> None:
    ledger = Ledger(
        [
            claim("p", Range.exactly(5, unit="person"), "NIS (per Yonhap)", "2024-01-01"),
            claim("w", Range.exactly(3, unit="person"), "W", "2024-01-01"),
        ]
    )
    report = check(ledger, [at_most("p", "w")], sources=Sources())
    assert report.violations[0].sources == ("NIS", "W")


def test_check_refuses_unknown_quantities_and_bad_dates() -> None:
    ledger = Ledger([claim("p", Range.exactly(5, unit="person"), "A", "2024-01-01")])
    with pytest.raises(RelationError, match="'nope'"):
        check(ledger, [at_most("p", "nope")])
    with pytest.raises(ValueError, match="within_days"):
        check(ledger, [], within_days=-1)


def test_the_answer_does_not_depend_on_claim_order() -> None:
    cs = [
        claim("p", Range.at_least(7000, unit="person"), "A", "2024-01-01"),
        claim("p", Range.at_least(9000, unit="person"), "B", "2024-01-01"),
        claim("w", Range.at_most(3000, unit="person"), "C", "2024-01-01"),
        claim("w", Range.at_most(5000, unit="person"), "D", "2024-01-01"),
    ]
    a = check(Ledger(cs), [at_most("p", "w")])
    b = check(Ledger(cs[::-1]), [at_most("p", "w")])
    assert a == b
    # each claim beside its hardest opponent: B with C and with D, A with C (A with D is
    # implied by B with D being the stronger conflict)
    assert len(a.violations) == 3
    involved = {i for v in a.violations for i in v.claim_ids}
    assert involved == set(Ledger(cs).claim_ids)


# -- the DPRK scenario ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dprk() -> Ledger:
    path = DATA / "scenario" / "dprk_claims.csv"
    if not path.exists():
        pytest.skip("shared scenario data not present")
    return Ledger.read_csv(path)


def test_dprk_kursk_within_russia_holds_on_each_day(dprk: Ledger) -> None:
    report = check(dprk, [at_most("dprk_troops_in_kursk", "dprk_troops_in_russia")],
                   known_on="2024-11-30")  # fmt: skip
    assert [v for v in report.violations if v.kind == "at_most"] == []


def test_dprk_stale_nis_figure_conflicts_with_kursk_within_a_week(dprk: Ledger) -> None:
    report = check(dprk, [at_most("dprk_troops_in_kursk", "dprk_troops_in_russia")], within_days=8)
    pairs = {(v.sources[0], v.sources[1]) for v in report.violations if v.kind == "at_most"}
    # NIS's "nearly 3,000" of 23 Oct cannot stand beside HUR's "more than 7,000 in Kursk"
    assert ("Ukraine HUR", "South Korea NIS (parliamentary briefing)") in pairs


def test_dprk_troops_sent_total_falls_in_the_record(dprk: Ledger) -> None:
    report = check(dprk, [monotone("dprk_troops_sent_total")], known_on="2025-09-30")
    figures = {v.figures for v in report.violations}
    # "at least 20,000" by the end of 2024, then 15,000 in April 2025: not both true
    assert ("at least 20,000", "15,000") in figures
    assert all(v.kind == "monotone" for v in report.violations)
    # as known on 2025-01-15 neither the 20,000 nor the 15,000 had been stated
    assert check(dprk, [monotone("dprk_troops_sent_total")], known_on="2025-01-15").ok


def test_dprk_narrowing_with_reconciled_style_ranges() -> None:
    # as known on 2024-11-01: Kursk ">7,000" meets "as many as 8,000"; Russia about 10-12,000
    out, notes = narrow(
        {
            "dprk_troops_in_kursk": Range.more_than(7000, unit="person"),
            "dprk_troops_in_russia": Range.between(10000, 12000, unit="person"),
        },
        [at_most("dprk_troops_in_kursk", "dprk_troops_in_russia")],
    )
    assert out["dprk_troops_in_kursk"].high == 12000
    assert out["dprk_troops_in_kursk"].low == 7000
    assert not out["dprk_troops_in_kursk"].closed_left
    assert len(notes) == 1


def test_relations_read_from_text_and_data() -> None:
    text = """
    # parts and wholes
    dprk_troops_in_kursk <= dprk_troops_in_russia
    a + b + c = total   # a sum
    d ≤ e
    monotone containers_shipped
    shells_shipped never falls
    """
    rels = parse_relations(text)
    assert rels == (
        at_most("dprk_troops_in_kursk", "dprk_troops_in_russia"),
        sum_of(["a", "b", "c"], "total"),
        at_most("d", "e"),
        monotone("containers_shipped"),
        monotone("shells_shipped"),
    )
    # str() of each relation reads back as the same relation
    assert parse_relations("\n".join(str(r) for r in rels)) == rels
    assert relations_from_data([r.model_dump() for r in rels]) == rels


def test_unreadable_relations_are_all_reported() -> None:
    with pytest.raises(RelationError) as info:
        parse_relations("a <= b\na < b\n\nx = = y")
    assert "line 2" in str(info.value)
    assert "line 4" in str(info.value)
    with pytest.raises(RelationError, match="relation 2"):
        relations_from_data([{"kind": "monotone", "quantity": "q"}, {"kind": "sum_of"}])


def test_reconciled_tables_can_be_checked_too() -> None:
    from estimates.reconciliation.reconcile import reconcile_all

    day = "2024-11-01"
    ledger = Ledger(
        [
            claim("kursk", Range.between(7000, 8000, unit="person"), "A", day),
            claim("kursk", Range.between(7500, 9000, unit="person"), "B", day),
            claim("russia", Range.between(3000, 5000, unit="person"), "C", day),
        ]
    )
    results = reconcile_all(ledger, at=day, known_on=day)
    report = check(results, [at_most("kursk", "russia")])
    (v,) = report.violations
    assert v.claim_ids == ("reconciled kursk at 2024-11-01", "reconciled russia at 2024-11-01")
    assert v.sources == ("reconciled (robust)", "reconciled (robust)")
    assert check(results, [at_most("russia", "kursk")]).ok
    with pytest.raises(ValueError, match="lacks the columns"):
        check(results.drop(columns=["closed"]), [])


def test_a_falling_reconciled_series_is_found() -> None:
    import pandas as pd

    series = pd.DataFrame(
        {
            "quantity": ["q", "q", "q"],
            "at": ["2024-01-01", "2024-02-01", "2024-03-01"],
            "known_on": ["2024-01-01", "2024-02-01", "2024-03-01"],
            "method": ["robust"] * 3,
            "low": [10.0, 12.0, np.nan],
            "best": [11.0, 13.0, np.nan],
            "high": [12.0, 14.0, np.nan],
            "closed": ["both", "both", None],
            "unit": ["person"] * 3,
        }
    )
    report = check(series, [monotone("q")])
    assert report.ok
    falling = series.assign(low=[10.0, 5.0, np.nan], high=[12.0, 8.0, np.nan])
    (v,) = check(falling, [monotone("q")]).violations
    assert v.dates == ("2024-01-01", "2024-02-01")
    assert v.gap == 2.0
    assert check(falling, [monotone("q")], at="2024-01-15").ok


# -- memory and size of the report ----------------------------------------------------------


def _brute_force_pairs(ledger: Ledger, rel: object, within: int) -> set[tuple[str, str]]:
    """Every violating pair, by comparing all pairs (small ledgers only)."""
    pairs = set()
    claims = list(ledger)
    for a in claims:
        for b in claims:
            if a.quantity != "p" or b.quantity != "w":
                continue
            sub = check(Ledger([a, b]), [rel], within_days=within)  # type: ignore[list-item]
            pairs.update(tuple(v.claim_ids) for v in sub.violations)  # type: ignore[misc]
    return pairs


@given(
    lows=st.lists(st.integers(0, 20), min_size=1, max_size=6),
    highs=st.lists(st.integers(0, 20), min_size=1, max_size=6),
    days=st.lists(st.integers(1, 9), min_size=12, max_size=12),
)
@settings(max_examples=40, deadline=None)
def test_every_claim_in_a_conflict_is_reported_with_its_hardest_opponent(
    lows: list[int], highs: list[int], days: list[int]
) -> None:
    parts = [claim("p", Range.at_least(v, unit="person"), f"P{i}", f"2024-01-0{days[i]}")
             for i, v in enumerate(lows)]  # fmt: skip
    wholes = [claim("w", Range.at_most(v, unit="person"), f"W{i}", f"2024-01-0{days[6 + i]}")
              for i, v in enumerate(highs)]  # fmt: skip
    ledger = Ledger(parts + wholes)
    rel = at_most("p", "w")
    report = check(ledger, [rel], within_days=2, max_violations=None)
    every = _brute_force_pairs(ledger, rel, 2)
    reported = {tuple(v.claim_ids) for v in report.violations}
    assert reported <= every
    assert {i for p in reported for i in p} == {i for p in every for i in p}
    assert len(reported) <= len(parts) + len(wholes)


def _falling(n: int) -> Ledger:
    """A running total stated on ``n`` days in a row, one less each day (every pair breaks it)."""
    return Ledger(
        [
            claim(
                "sent",
                Range.exactly(n - i, unit="person"),
                f"S{i}",
                str(np.datetime64("2024-01-01") + i),
                kind="cumulative",
            )
            for i in range(n)
        ]
    )


def test_a_falling_series_is_reported_in_claims_not_pairs() -> None:
    n = 400
    ledger = _falling(n)
    report = check(ledger, [monotone("sent")], max_violations=None)
    # every pair of days breaks the rule (n * (n - 1) / 2 = 79,800 pairs): one line per claim
    assert n - 1 <= len(report.violations) <= 2 * n
    capped = check(ledger, [monotone("sent")], max_violations=10)
    assert len(capped.violations) == 10 and capped.omitted == len(report.violations) - 10
    assert not capped.ok and "more (raise max_violations" in str(capped)
    with pytest.raises(OptionError):
        check(ledger, [], max_violations=-1)


def test_only_the_violations_kept_are_written_and_every_one_is_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from estimates.reconciliation.relations import _checking as relations

    ledger = _falling(300)
    whole = check(ledger, [monotone("sent")], max_violations=None)
    written: list[int] = []
    real = relations._write_violation

    def counted(*args: object) -> relations.Violation:
        written.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(relations, "_write_violation", counted)
    capped = check(ledger, [monotone("sent")], max_violations=7)
    assert len(written) == 7  # the other violations are counted, never written
    assert capped.violations == whole.violations[:7]
    assert capped.omitted == len(whole.violations) - 7 > 0
    written.clear()
    assert check(ledger, [monotone("sent")], max_violations=0).omitted == len(whole.violations)
    assert written == []
