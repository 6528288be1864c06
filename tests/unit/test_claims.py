from __future__ import annotations

import pytest

from estimates import Claim, Period, Range
from estimates.errors import InvalidValueError


def _claim(**kw: object) -> Claim:
    base: dict[str, object] = {
        "quantity": "q",
        "value": Range.exactly(1500, unit="person"),
        "source": "NIS",
    }
    base.update(kw)
    return Claim(**base)  # type: ignore[arg-type]


def test_claim_id_is_stable_and_content_derived() -> None:
    a = _claim(stated_on="2024-10-18", via="AFP;Yonhap")
    b = _claim(stated_on="2024-10-18", via=("AFP", "Yonhap"))
    assert a.claim_id == b.claim_id
    assert a.claim_id != _claim(stated_on="2024-10-19").claim_id
    assert a.claim_id != _claim(stated_on="2024-10-18", via="AFP").claim_id


def test_dates_keep_precision_and_as_of_defaults_to_stated_on() -> None:
    c = _claim(stated_on="2024-10-25/2024-10-31")
    assert c.stated_on == Period.parse("2024-10-25/2024-10-31")
    assert c.effective_as_of == c.stated_on


@pytest.mark.parametrize(
    "kw",
    [
        {"quantity": "  "},
        {"source": ""},
        {"kind": "estimate"},
        {"stated_on": "2024-13-01"},
        {"since": "2024-06-01", "as_of": "2024-05-01"},
        {"confidence": 1.5},
        {"reliability": "G"},
        {"unexpected": 1},
    ],
)
def test_bad_claims_are_refused(kw: dict[str, object]) -> None:
    with pytest.raises(InvalidValueError):
        _claim(**kw)


def test_missing_quantity_or_source() -> None:
    with pytest.raises(InvalidValueError) as info:
        Claim(value=Range.exactly(1))  # type: ignore[call-arg]
    fields = {e["loc"][0] for e in info.value.errors()}
    assert {"quantity", "source"} <= fields


def test_numbers_win_over_text_and_text_is_kept() -> None:
    c = _claim(text="around 12,000 soldiers", value=Range.exactly(11_000, unit="person"))
    assert c.value.best == 11_000 and c.text == "around 12,000 soldiers"


def test_replace_revalidates() -> None:
    with pytest.raises(InvalidValueError):
        _claim().replace(kind="rumour")
