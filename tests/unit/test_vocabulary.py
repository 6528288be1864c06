"""The closed vocabularies (closed words, kinds, grades and their weights) are defined once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import estimates as est
from estimates.ledger.claims import Claim
from estimates.ledger.table import Ledger
from estimates.reading.likelihood import credibility_grades, reliability_grades
from estimates.reconciliation import _core, _frame, truth
from estimates.values.ranges import Range
from estimates.values.vocabulary import (
    CLOSED,
    CREDIBILITY,
    GRADES,
    KINDS,
    NO_GRADE_WEIGHT,
    RELIABILITY_WEIGHT,
    KindCode,
)

SRC = Path(est.__file__).parent
#: A vocabulary spelt out as a sequence of string literals, the way a copy of a table looks.
COPIES = {
    "closed words": re.compile(r'"both",\s*"left",\s*"right",\s*"neither"'),
    "kinds": re.compile(r'"stock"\W+(?:\d+\W+)?"cumulative"\W+(?:\d+\W+)?"flow"'),
    "grade letters": re.compile(r'"A",\s*"B",\s*"C",\s*"D",\s*"E"|"ABCDEF"'),
    "grade weights": re.compile(r'"A":\s*1\.0,\s*"B":\s*0\.8'),
}


@pytest.mark.parametrize("name", sorted(COPIES))
def test_each_vocabulary_is_spelt_out_once(name: str) -> None:
    found = [
        str(p.relative_to(SRC))
        for p in sorted(SRC.rglob("*.py"))
        if COPIES[name].search(p.read_text(encoding="utf-8"))
    ]
    assert found == ["values/vocabulary.py"], f"{name} spelt out in {found}"


def test_the_admiralty_yardstick_and_the_grades_agree() -> None:
    assert tuple(letter for letter, _ in reliability_grades()) == GRADES
    assert tuple(digit for digit, _ in credibility_grades()) == CREDIBILITY
    assert set(RELIABILITY_WEIGHT) == set(GRADES)
    assert RELIABILITY_WEIGHT["F"] == NO_GRADE_WEIGHT


def test_the_core_and_truth_discovery_use_the_same_tables() -> None:
    assert (
        _frame.RELIABILITY_WEIGHT is RELIABILITY_WEIGHT
    )  # the core's grade weights are read there
    assert tuple(truth._GRADES) == GRADES
    assert list(KindCode) == [_core.STOCK, _core.CUMULATIVE, _core.FLOW, _core.PROJECTION_KIND]
    assert [KINDS[k] for k in KindCode] == [k.name.lower() for k in KindCode]


def test_every_word_is_accepted_by_ranges_claims_and_the_ledger() -> None:
    for closed in CLOSED:
        assert Range(low=1, high=2, closed=closed).closed == closed
    claims = [
        Claim(quantity="q", value=Range.exactly(i + 1), source=f"s{i}", kind=kind,
              reliability=GRADES[i])
        for i, kind in enumerate(KINDS)
    ]  # fmt: skip
    frame = Ledger(claims).to_frame()
    assert sorted(frame["kind"]) == sorted(KINDS)
    assert sorted(frame["reliability"]) == sorted(GRADES[: len(KINDS)])
