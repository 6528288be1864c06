from __future__ import annotations

import json
import math
import pickle

import pytest

from estimates import DimensionError, Range, total
from estimates.errors import InvalidValueError


def test_factories_read_like_the_words() -> None:
    assert Range.more_than(13_000).closed == "neither"
    assert Range.at_least(13_000).closed == "left"
    assert Range.exactly(1500) == Range(low=1500, best=1500, high=1500)
    assert Range.fewer_than(10, unit="person") == Range(
        low=0, high=10, closed="left", unit="person"
    )
    assert Range.at_most(10) == Range(high=10, closed="right")


def test_unbounded_sides_are_open() -> None:
    r = Range(low=5, closed="both")
    assert r.closed == "left"
    assert Range(high=5).closed == "right"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"low": 2, "high": 1}, "low_above_high"),
        ({"low": 1, "high": 2, "best": 3}, "best_outside"),
        ({"low": 1, "best": 1, "closed": "neither"}, "best_outside"),
        ({"low": math.nan}, "not_finite"),
        ({"high": math.inf}, "not_finite"),
        ({"low": -1, "unit": "person"}, "negative_count"),
        ({"low": 1, "high": 1, "closed": "left"}, "empty_range"),
        ({"low": 1, "unit": "furlongs_of_goats"}, "unknown_unit"),
    ],
)
def test_invalid_ranges_name_the_rule(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        Range(**kwargs)  # type: ignore[arg-type]
    assert info.value.errors()[0]["type"] == code


def test_negative_is_fine_for_non_counts() -> None:
    assert Range(low=-5, high=3, unit="USD").low == -5


def test_unit_is_stored_in_canonical_spelling() -> None:
    assert Range.exactly(3, unit="troops").unit == "person"
    assert Range.exactly(3, unit="rounds").unit == "shell"


def test_set_operations_respect_open_ends() -> None:
    a = Range.more_than(7000, unit="person")
    b = Range.at_most(8000, unit="person")
    both = a.intersection(b)
    assert both is not None and (both.low, both.high, both.closed) == (7000, 8000, "right")
    assert not a.contains(7000) and a.contains(7000.5)
    assert Range.more_than(5).intersection(Range.at_most(5)) is None
    assert Range.at_least(5).intersection(Range.at_most(5)) == Range(low=5, high=5)
    hull = Range.between(1, 2).hull(Range.more_than(5))
    assert (hull.low, hull.high) == (1, None)
    assert Range.between(1, 10).contains(Range.between(1, 10, closed="neither"))
    assert not Range.between(1, 10, closed="neither").contains(Range.between(1, 10))


def test_width_and_midpoint() -> None:
    assert Range.between(10, 20).width == 10
    assert Range.at_least(1).width == math.inf
    assert Range.at_least(1).midpoint is None


def test_unit_conversion_and_dimension_errors() -> None:
    assert Range.between(1, 2, best=1.5, unit="km").to("m") == Range.between(
        1000, 2000, best=1500, unit="m"
    )
    with pytest.raises(DimensionError) as info:
        Range.exactly(1, unit="person") + Range.exactly(1, unit="container")
    assert "person" in str(info.value) and "container" in str(info.value)


def test_total_states_its_rule() -> None:
    a = Range.between(1000, 2000, unit="person")
    b = Range.between(3000, 4000, unit="person")
    assert total([a, b]) == Range(low=4000, best=5000, high=6000, unit="person")
    ind = total([a, b], how="independent")
    assert ind.low is not None and ind.low > 4000 and ind.best == 5000
    assert total([a, b], how="best") == Range.exactly(5000, unit="person")
    assert total([a, Range.at_least(1, unit="person")]).high is None
    with pytest.raises(ValueError, match="independent"):
        total([Range.at_least(1)], how="independent")
    with pytest.raises(ValueError, match="at least one"):
        total([])


def test_replace_validates_again() -> None:
    with pytest.raises(InvalidValueError):
        Range.exactly(5).replace(high=4)


def test_str_reads_like_the_figure_and_repr_shows_fields() -> None:
    assert str(Range.more_than(13_000, unit="container")) == "more than 13,000 containers"
    assert str(Range.at_least(10_000)) == "at least 10,000"
    assert str(Range.between(10_000, 12_000, unit="person")) == "10,000–12,000 people"
    assert str(Range(best=12_000, unit="person")) == "about 12,000 people"
    assert "closed='neither'" in repr(Range.more_than(1))


def test_json_uses_null_for_unbounded_sides() -> None:
    data = json.loads(Range.more_than(13_000, unit="container").model_dump_json())
    assert data["high"] is None and data["low"] == 13000
    assert Range.model_validate_json(Range.more_than(3).model_dump_json()) == Range.more_than(3)


def test_ranges_are_frozen_and_pickle() -> None:
    r = Range.between(1, 2)
    with pytest.raises(InvalidValueError):
        r.low = 0  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(r)) == r
