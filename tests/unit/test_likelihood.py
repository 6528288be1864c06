"""Estimative language on three yardsticks, and the Admiralty code."""

from __future__ import annotations

import pytest

from estimates.errors import ParseError, UnknownMethodError
from estimates.reading.likelihood import (
    admiralty,
    credibility_grades,
    get_yardstick,
    hedge_confidence,
    likelihood,
    reliability_grades,
    yardsticks,
)

ICD203 = [
    ("almost no chance", (0.01, 0.05)),
    ("very unlikely", (0.05, 0.20)),
    ("unlikely", (0.20, 0.45)),
    ("roughly even chance", (0.45, 0.55)),
    ("likely", (0.55, 0.80)),
    ("very likely", (0.80, 0.95)),
    ("almost certain", (0.95, 0.99)),
    # synonyms
    ("highly likely", (0.80, 0.95)),
    ("probable", (0.55, 0.80)),
    ("probably", (0.55, 0.80)),
    ("remote", (0.01, 0.05)),
    ("Highly Likely.", (0.80, 0.95)),
]


@pytest.mark.parametrize(("phrase", "interval"), ICD203)
def test_icd203(phrase: str, interval: tuple[float, float]) -> None:
    assert likelihood(phrase) == interval
    assert likelihood(phrase, yardstick="icd203") == interval


@pytest.mark.parametrize(
    ("phrase", "yardstick", "interval"),
    [
        ("probable", "kent", (0.63, 0.87)),
        ("almost certainly not", "kent", (0.02, 0.12)),
        ("chances about even", "kent", (0.40, 0.60)),
        ("we believe", "kent", (0.63, 0.87)),
        ("realistic possibility", "uk", (0.40, 0.50)),
        ("highly likely", "uk", (0.80, 0.90)),
        ("very likely", "uk", (0.80, 0.90)),
        ("remote chance", "uk", (0.0, 0.05)),
    ],
)
def test_other_yardsticks(phrase: str, yardstick: str, interval: tuple[float, float]) -> None:
    assert likelihood(phrase, yardstick=yardstick) == interval


def test_yardsticks_are_data_with_sources() -> None:
    names = [y.name for y in yardsticks()]
    assert names == ["icd203", "kent", "uk"]
    for y in yardsticks():
        assert y.source
        lows = [t.low for t in y.terms]
        assert lows == sorted(lows)  # rows run from least to most likely
    assert "203" in get_yardstick("icd203").source


def test_unknown_phrase_and_yardstick() -> None:
    with pytest.raises(ParseError, match="known: almost no chance"):
        likelihood("a safe bet")
    with pytest.raises(UnknownMethodError):
        likelihood("likely", yardstick="nato")


@pytest.mark.parametrize(
    ("hedge", "expected"),
    [
        ("highly likely", 0.875),
        ("casualties 'highly likely' (no number)", 0.875),
        ("'It is likely'", 0.675),
        ("it is unlikely", 0.325),  # "likely" inside "unlikely" does not count
        ("'We assess'", None),
        ("estimated", None),
        ("", None),
        (None, None),
    ],
)
def test_hedge_confidence(hedge: str | None, expected: float | None) -> None:
    assert hedge_confidence(hedge) == expected


def test_hedge_confidence_takes_the_first_phrase_and_the_yardstick() -> None:
    assert hedge_confidence("likely, perhaps almost certain") == 0.675
    assert hedge_confidence("'We believe'", yardstick="kent") == 0.75
    assert hedge_confidence("'We believe'") is None


def test_admiralty_code() -> None:
    assert [g for g, _ in reliability_grades()] == list("ABCDEF")
    assert [g for g, _ in credibility_grades()] == [1, 2, 3, 4, 5, 6]
    g = admiralty("b-2")
    assert (g.reliability, g.credibility) == ("B", 2)
    assert g.names == ("Usually reliable", "Probably true")
    assert admiralty("3").names == (None, "Possibly true")
    # F and 6 mean "cannot be judged", not "poor"
    assert not admiralty("F").judged
    assert not admiralty("A6").judged
    assert admiralty("E5").judged


@pytest.mark.parametrize("grade", ["", "G", "A7", "AB", "12"])
def test_bad_admiralty_grades(grade: str) -> None:
    with pytest.raises(ParseError, match="Admiralty"):
        admiralty(grade)
