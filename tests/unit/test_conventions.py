"""Conventions are data: listed, loaded lazily, extended by users without code."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from estimates.errors import UnknownMethodError
from estimates.reading.conventions import (
    OPERATORS,
    VAGUE_WORDS,
    ConventionError,
    conventions,
    get_convention,
    register_convention,
    unregister_convention,
)
from estimates.reading.parsing import parse


@pytest.fixture
def cleanup() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        unregister_convention(name)


def test_builtin_conventions_are_listed_with_name_version_and_source() -> None:
    listed = {c.name: c for c in conventions()}
    assert {"acled", "ferson", "literal"} <= set(listed)
    for name in ("acled", "ferson", "literal"):
        c = listed[name]
        assert c.version
        assert c.source
        assert {r.operator for r in c.rules} == set(OPERATORS)
        assert {v.word for v in c.vague} == set(VAGUE_WORDS)
    assert "Ferson" in listed["ferson"].source
    assert "ACLED" in listed["acled"].source


def test_ferson_caps_around_at_a_documented_share() -> None:
    rule = get_convention("ferson").rule("around")
    assert (rule.low, rule.high, rule.cap) == (-10, 10, 0.25)


def test_unknown_names_are_reported_with_the_known_ones() -> None:
    with pytest.raises(UnknownMethodError):
        get_convention("nope")
    with pytest.raises(UnknownMethodError):
        get_convention("ferson").rule("nope")
    with pytest.raises(UnknownMethodError):
        get_convention("ferson").vague_entry("heaps")


def test_register_from_a_mapping_changes_readings(cleanup: list[str]) -> None:
    register_convention(
        {
            "name": "desk",
            "version": "1",
            "source": "our desk's style guide",
            "extends": "literal",
            "vague": {"dozens": {"low": 24, "best": 30, "high": 99}},
        }
    )
    cleanup.append("desk")
    r = parse("dozens of soldiers", convention="desk")
    assert (r.low, r.best, r.high, r.convention) == (24, 30, 99, "desk")
    # rules it did not give come from what it extends
    assert parse("more than 100", convention="desk").high is None


def test_register_from_a_toml_file(tmp_path: Path, cleanup: list[str]) -> None:
    path = tmp_path / "wide.toml"
    path.write_text(
        '# Source: a test\nname = "wide"\nversion = "0.1"\nsource = "a test"\n'
        'extends = "ferson"\n[rules]\nabout = { low = -5, high = 5, best = true }\n',
        encoding="utf-8",
    )
    c = register_convention(path)
    cleanup.append("wide")
    assert c.name == "wide"
    assert "wide" in [x.name for x in conventions()]
    r = parse("about 1,500", convention="wide")
    assert (r.low, r.high) == (1000, 2000)


def test_reregistering_replaces_only_when_asked_and_clears_cached_readings(
    cleanup: list[str],
) -> None:
    spec = {"name": "mine", "version": "1", "source": "x", "extends": "literal"}
    register_convention(spec)
    cleanup.append("mine")
    assert parse("about 5", convention="mine").low is None
    with pytest.raises(ConventionError, match="replace=True"):
        register_convention(spec)
    register_convention(
        {**spec, "version": "2", "rules": {"about": {"low": -1, "high": 1, "best": True}}},
        replace=True,
    )
    assert parse("about 5", convention="mine").low == 4


def test_builtins_cannot_be_replaced_or_removed() -> None:
    with pytest.raises(ConventionError, match="built in"):
        register_convention({"name": "literal", "version": "9", "source": "x", "extends": "ferson"})
    with pytest.raises(ConventionError, match="built in"):
        unregister_convention("ferson")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "a", "version": "1", "source": "x"}, "gives no rule"),
        (
            {
                "name": "b",
                "version": "1",
                "source": "x",
                "extends": "ferson",
                "rules": {"guess": {"low": 0}},
            },
            "unknown operator",
        ),
        (
            {
                "name": "c",
                "version": "1",
                "source": "x",
                "extends": "ferson",
                "rules": {"about": {"low": 2, "high": -2}},
            },
            "must not exceed",
        ),
        (
            {
                "name": "d",
                "version": "1",
                "source": "x",
                "extends": "ferson",
                "vague": {"dozens": {"low": 50, "high": 10}},
            },
            "low <= best <= high",
        ),
        ({"name": "e", "version": "1", "extends": "ferson"}, "source"),
        ({"name": "not a name", "version": "1", "source": "x", "extends": "ferson"}, "word"),
    ],
)
def test_bad_tables_raise_one_clear_error(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ConventionError, match=message):
        register_convention(spec)


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("name = ", encoding="utf-8")
    with pytest.raises(ConventionError, match=r"broken\.toml"):
        register_convention(path)
    with pytest.raises(ConventionError, match="cannot read"):
        register_convention(tmp_path / "missing.toml")


def test_convention_error_pickles() -> None:
    err = ConventionError("bad", where="x.toml")
    again = pickle.loads(pickle.dumps(err))
    assert (str(again), again.where) == ("bad", "x.toml")
