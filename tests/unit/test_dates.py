from __future__ import annotations

import datetime as dt

import pytest

from estimates import DateError, Period


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024-10-18", dt.date(2024, 10, 18), dt.date(2024, 10, 18)),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2023", dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ("2024-10-25/2024-10-31", dt.date(2024, 10, 25), dt.date(2024, 10, 31)),
        ("2024-10/2024-11", dt.date(2024, 10, 1), dt.date(2024, 11, 30)),
    ],
)
def test_periods_keep_their_precision(text: str, start: dt.date, end: dt.date) -> None:
    p = Period.parse(text)
    assert (p.start, p.end) == (start, end)
    assert Period.parse(str(p)) == p


@pytest.mark.parametrize(
    "text", ["2024-13-01", "2024-02-30", "18/10/2024", "yesterday", "2024-10-31/2024-10-01"]
)
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(DateError) as info:
        Period.parse(text)
    assert info.value.text == text


def test_one_coercion_takes_every_kind_of_date() -> None:
    import datetime as dt

    import numpy as np
    import pandas as pd

    from estimates.values.dates import to_period

    day = "2300-05-01"
    for value in (day, dt.date(2300, 5, 1), dt.datetime(2300, 5, 1, 13, 0),
                  np.datetime64("2300-05-01T13:00"), pd.Timestamp("2024-05-01 13:00")):  # fmt: skip
        got = to_period(value)
        assert got is not None and str(got)[5:10] == "05-01"
        # a datetime keeps its time of day; a plain date (or midnight, as tables write it) has none
        assert (got.time is not None) == (not isinstance(value, str | dt.date) or
                                         isinstance(value, dt.datetime))  # fmt: skip
        assert str(got).endswith("T13:00") == (got.time is not None)
    assert to_period(np.datetime64("NaT")) is None
    assert to_period(pd.Timestamp("2024-05-01")) == Period.parse("2024-05-01")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2023-02-06T20:00+03:00", "time zone"),
        ("2023-02-06T20:00Z", "time zone"),
        ("2023-02-06T25:00", "impossible time"),
        ("2023-02-06T20:00/2023-02-07", "single day"),
    ],
)
def test_a_time_of_day_is_a_moment_of_one_day_as_written(text: str, why: str) -> None:
    with pytest.raises(DateError, match=why):
        Period.parse(text)


def test_moments_of_one_day_are_ordered_and_fall_within_it() -> None:
    morning, evening = Period.parse("2023-02-06 08:00"), Period.parse("2023-02-06T20:00:30")
    day = Period.parse("2023-02-06")
    assert morning < evening and str(evening) == "2023-02-06T20:00:30"
    assert day.first_second < morning.first_second < evening.last_second < day.last_second
    assert Period.parse(str(evening)) == evening
