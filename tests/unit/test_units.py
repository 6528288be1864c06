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


OIL_BARREL_GALLONS = 42  # NIST SP 811 (2008), B.8: "barrel [for petroleum, 42 gallons (U.S.)]"


@pytest.mark.parametrize("unit", ["barrel", "bbl", "barrels", "oil_barrel", "oil_bbl"])
def test_a_barrel_is_the_barrel_of_oil_wherever_it_is_named(unit: str) -> None:
    from estimates.reading.parsing import parse
    from estimates.values.ranges import Range

    assert units.canonical(unit) == "oil_barrel"
    assert units.factor(unit, "gallon") == pytest.approx(OIL_BARREL_GALLONS)
    # the registry, a Range built directly and the reader say the same barrel
    assert Range(low=1, high=2, unit=unit).unit == parse("5 barrels").unit == "oil_barrel"
    assert parse("5", unit=unit).unit == "oil_barrel"


@pytest.mark.parametrize("unit", ["barrel/day", "bbl / day", "barrel per day"])
def test_a_rate_of_barrels_is_the_rate_the_reader_reads_in_text(unit: str) -> None:
    from estimates.reading.parsing import parse
    from estimates.values.ranges import Range

    read = parse("1.5 million barrels a day", convention="literal")
    assert units.canonical(unit) == read.unit == "oil_barrel / day"
    built = Range(low=1.5e6, best=1.5e6, high=1.5e6, unit=unit, convention="literal")
    assert built == read  # no 42/31.5 between a typed range and a read one


def test_prefixed_barrels_and_prices_per_barrel_are_oil_barrels() -> None:
    assert units.factor("kbbl", "oil_barrel") == pytest.approx(1000)
    assert units.canonical("USD/barrel") == "USD / oil_barrel"


def test_the_31_5_gallon_barrel_has_a_name_of_its_own() -> None:
    assert units.canonical("US_liquid_barrel") == "US_liquid_barrel"
    assert units.factor("US_liquid_barrel", "gallon") == pytest.approx(31.5)
    assert units.canonical("beer_barrel") == "beer_barrel"  # pint's other barrels are untouched
