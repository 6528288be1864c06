"""Laws of timelines: a cumulative timeline never falls."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from estimates.ledger.claims import Claim
from estimates.ledger.table import Ledger
from estimates.reconciliation.reconcile import reconcile_all
from estimates.reconciliation.timeline import timeline
from estimates.strategies import claims, ledgers

#: each example reads, writes or reconciles a whole generated ledger: a fixed budget under every
#: profile keeps the suite within its time (the cheap laws of parsing and values run the
#: profile's count)
whole_ledger = settings(max_examples=35)

START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
END2 = dt.date(2025, 6, 30)

cumulative_ledgers = ledgers(
    min_size=1,
    max_size=6,
    quantities=("q",),
    kinds=("cumulative",),
    units=("person",),
    dates=(START, END),
)
query_dates = st.lists(st.dates(min_value=START, max_value=END), min_size=1, max_size=3)


def never_falls(column: pd.Series) -> bool:
    x = column.to_numpy(dtype=float)
    x = x[~np.isnan(x)]
    return bool(np.all(x[1:] >= x[:-1]))


def assert_never_falls(
    tl: pd.DataFrame, columns: tuple[str, ...] = ("low", "best", "high")
) -> None:
    assert list(tl["at"]) == sorted(tl["at"])
    for name in columns:
        assert never_falls(tl[name]), (name, tl[["at", "low", "best", "high", "note"]])
    lo = tl["low"].fillna(-np.inf)
    hi = tl["high"].fillna(np.inf)
    known = tl["closed"].notna()
    assert (lo[known] <= hi[known]).all()
    best = tl["best"]
    has_best = known & best.notna()
    assert ((lo[has_best] <= best[has_best]) & (best[has_best] <= hi[has_best])).all()


def counted_since(note: object) -> str | None:
    found = re.search(r"counted since (\S+)", str(note))
    return found.group(1) if found else None


def falls_only_where_named(tl: pd.DataFrame, columns: tuple[str, ...]) -> None:
    """Between consecutive rows a figure falls only where the later row names a conflict, a
    revision or a count that restarts from another day (running totals: DESIGN §3)."""
    assert list(tl["at"]) == sorted(tl["at"])
    for name in columns:
        x = tl[name].to_numpy(dtype=float)
        for k in range(1, len(x)):
            if np.isnan(x[k]) or np.isnan(x[k - 1]) or x[k] >= x[k - 1]:
                continue
            note = str(tl["note"].iloc[k])
            restarted = counted_since(note) != counted_since(tl["note"].iloc[k - 1])
            assert bool(tl["conflict"].iloc[k]) or "revised" in note or restarted, (name, k, tl)
    lo = tl["low"].fillna(-np.inf)
    hi = tl["high"].fillna(np.inf)
    known = tl["closed"].notna()
    assert (lo[known] <= hi[known]).all()
    best = tl["best"]
    has_best = known & best.notna()
    assert ((lo[has_best] <= best[has_best]) & (best[has_best] <= hi[has_best])).all()


@whole_ledger
@given(cumulative_ledgers, query_dates)
def test_a_cumulative_timeline_falls_only_where_it_says_why(
    ledger: Ledger, dates: list[dt.date]
) -> None:
    # as known on each date: the floor falls only on a row that names a conflict or a revision,
    # and no row uses a later figure (the best may move from the middle of a range no source
    # called its best to a figure a source stated: the laws on bests are in test_running_laws)
    tl = timeline(ledger, "q", dates=dates)
    falls_only_where_named(tl, ("low",))
    first = min(dates).isoformat()
    alone = reconcile_all(ledger, at=first, known_on=first)
    row = tl.iloc[0]
    assert row["at"] == first
    for name in ("low", "best", "high"):
        assert row[name] == alone.loc[0, name] or (
            np.isnan(row[name]) and np.isnan(alone.loc[0, name])
        )


@whole_ledger
@given(cumulative_ledgers, query_dates)
def test_a_cumulative_timeline_in_hindsight_falls_only_where_it_says_why(
    ledger: Ledger, dates: list[dt.date]
) -> None:
    falls_only_where_named(
        timeline(ledger, "q", dates=dates, known_on=END, method="envelope"), ("low",)
    )


@whole_ledger
@given(cumulative_ledgers, query_dates)
def test_an_isotonic_timeline_never_falls_on_any_side(ledger: Ledger, dates: list[dt.date]) -> None:
    assert_never_falls(timeline(ledger, "q", dates=dates, monotone="isotonic"))


LATE = dt.date(2025, 1, 1)


@whole_ledger
@given(
    cumulative_ledgers,
    st.lists(st.dates(min_value=START, max_value=END), min_size=1, max_size=2),
    st.lists(
        claims(quantities=["q"], kinds=["cumulative"], units="person", dates=(LATE, END2)),
        min_size=1,
        max_size=2,
    ),
)
def test_claims_stated_later_never_change_an_as_known_timeline(
    ledger: Ledger, dates: list[dt.date], late: list[Claim]
) -> None:
    before = timeline(ledger, "q", dates=dates)
    after = timeline(ledger.add(*late), "q", dates=dates)
    pd.testing.assert_frame_equal(before, after)
