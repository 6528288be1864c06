from __future__ import annotations

import pytest

from estimates import Source, Sources
from estimates.errors import InvalidValueError
from estimates.values.sources import normalize_source_name


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("South Korea NIS (via lawmaker Lee Seong-kweun)", "South Korea NIS"),
        ("South Korea NIS (per Yonhap; NIS declined to confirm to AFP)", "South Korea NIS"),
        ("Shin Won-sik (South Korean defence minister) via Sky News", "Shin Won-sik"),
        ("Kyrylo Budanov (Ukraine HUR) to Bloomberg", "Kyrylo Budanov"),
        ("Seoul and allies / Ukraine (as summarised by AP)", "Seoul and allies / Ukraine"),
        ("  Ukraine   HUR  ", "Ukraine HUR"),
        ("(anonymous)", "(anonymous)"),  # nothing left to name: kept whole
    ],
)
def test_default_resolution(raw: str, name: str) -> None:
    assert normalize_source_name(raw) == name


def test_aliases_are_case_insensitive_and_apply_after_stripping() -> None:
    sources = Sources().alias("South Korea NIS", "South Korean officials", "NIS")
    assert sources.resolve("south korean officials (NIS briefing)") == "South Korea NIS"
    assert sources.resolve_many(["NIS", "nis", "Pentagon"]).tolist() == [
        "South Korea NIS",
        "South Korea NIS",
        "Pentagon",
    ]


def test_an_alias_cannot_mean_two_sources() -> None:
    sources = Sources().alias("US DoD", "Pentagon")
    with pytest.raises(ValueError, match="already means"):
        sources.alias("US Army", "Pentagon")


def test_declared_sources_carry_their_grade() -> None:
    sources = Sources([Source(name="NIS", kind="intelligence", reliability="B")])
    assert sources.reliability_of("NIS (per Yonhap)") == "B"
    assert sources.reliability_of("Pentagon") is None
    assert [s.name for s in sources] == ["NIS"]


def test_bad_source_values_are_refused() -> None:
    with pytest.raises(InvalidValueError):
        Source(name="  ")
    with pytest.raises(InvalidValueError):
        Source(name="NIS", reliability="G")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        Source(name="NIS", kind="rumour mill")  # type: ignore[arg-type]
