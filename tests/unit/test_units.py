from __future__ import annotations

import pickle

import pytest

from estimates import DimensionError, UnitError, units


def test_count_aliases_resolve() -> None:
    for word in ("soldier", "troops", "officers", "person"):
        assert units.canonical(word) == "person"
    assert units.canonical("round") == "shell"


def test_unknown_unit_is_a_unit_error_naming_it() -> None:
    with pytest.raises(UnitError) as info:
        units.canonical("wombat_units")
    assert info.value.unit == "wombat_units"
    assert "define" in str(info.value)


def test_persons_and_containers_do_not_mix() -> None:
    with pytest.raises(DimensionError) as info:
        units.factor("person", "container")
    assert (info.value.left, info.value.right) == ("person", "container")
    err = pickle.loads(pickle.dumps(info.value))
    assert isinstance(err, DimensionError) and err.right == "container"


def test_user_defined_count_unit() -> None:
    units.define("tank = [armour] = tanks_unit")
    assert units.canonical("tank") == "tank"
    assert units.is_count("tank")
    units.define("balance_point = [balance]", count=False)
    assert not units.is_count("balance_point")


def test_bad_definition_is_a_unit_error() -> None:
    with pytest.raises(UnitError):
        units.define("= = =")


def test_the_readers_lexicon_is_data_and_takes_no_stray_symbols() -> None:
    lex = units.lexicon()
    assert lex.words["barrels per day"] == "oil_barrel / day"
    assert lex.scaled["mb/d"] == ("oil_barrel / day", 1e6)
    assert lex.per["per annum"] == "year"
    for stray in ("are", "a", "in", "min", "mil", "K", "pi"):
        assert stray not in lex.words and stray not in lex.symbols
    for unit in {*lex.words.values(), *lex.symbols.values()}:
        units.canonical(unit)  # every unit the lexicon names is one the registry knows
