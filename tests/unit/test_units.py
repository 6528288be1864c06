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
