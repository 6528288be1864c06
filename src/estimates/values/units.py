"""The package's pint registry, built lazily on first use, with count units for claims.

Counts of different things live in different dimensions, so persons cannot be added to
containers by accident. Unit strings are stored in their canonical pint spelling; no live pint
object is kept in any value.

Both vocabularies are data: the definitions (``estimates/data/units/definitions.txt``, pint's
definition syntax, read with ``load_definitions``) and the reader's lexicon
(``estimates/data/units/lexicon.toml``: the words and symbols that are read as units after a
number, which is far fewer than the symbols pint knows).

>>> from estimates import units
>>> units.canonical("soldiers")
'person'
>>> units.factor("kilometer", "meter")
1000.0
>>> units.is_count("container")
True
"""

from __future__ import annotations

import functools
import re
import threading
import tomllib
from importlib import resources
from typing import TYPE_CHECKING, Any, NamedTuple

from estimates.errors import DimensionError, UnitError

if TYPE_CHECKING:
    import pint

__all__ = [
    "canonical",
    "check_same_dimension",
    "define",
    "dimension",
    "factor",
    "is_count",
    "lexicon",
    "plain_count",
    "registry",
]

_DATA = ("data", "units")

_lock = threading.Lock()
_registry: pint.UnitRegistry[Any] | None = None
_count_dimensions: set[str] = set()
_user_definitions: list[tuple[str, bool]] = []


def registry() -> pint.UnitRegistry[Any]:
    """Return the package's pint registry, building it on first call.

    >>> registry().Unit("troops") == registry().Unit("person")
    True
    """
    global _registry
    if _registry is None:
        with _lock:
            if _registry is None:
                import pint

                reg: pint.UnitRegistry[Any] = pint.UnitRegistry(cache_folder=None)
                source = resources.files("estimates").joinpath(*_DATA, "definitions.txt")
                with resources.as_file(source) as path:
                    reg.load_definitions(str(path))
                for head in _count_definitions():
                    _count_dimensions.add(_base_dimension_of(head))
                for line, count in _user_definitions:
                    _apply(reg, line, count)
                _registry = reg
    return _registry


def _base_dimension_of(definition: str) -> str:
    parts = [p.strip() for p in definition.split("=")]
    return parts[1] if len(parts) > 1 and parts[1].startswith("[") else ""


def _apply(reg: pint.UnitRegistry[Any], definition: str, count: bool) -> None:
    try:
        reg.define(definition)
    except Exception as exc:  # pint raises several unrelated types for bad definitions
        raise UnitError(f"cannot define {definition!r}: {exc}", unit=definition) from exc
    base = _base_dimension_of(definition)
    if count and base:
        _count_dimensions.add(base)


def define(definition: str, *, count: bool = True) -> None:
    """Add a unit to the registry, in pint's definition syntax.

    A definition that introduces a new base dimension (``"boat = [materiel]"``) makes a count
    unit by default: its figures cannot be negative. Pass ``count=False`` for a dimension whose
    figures may be (a balance, a change). The names it gives are read after numbers, as the
    lexicon's words are ("5 rafts").

    >>> define("boat = [materiel] = raft")
    >>> canonical("rafts"), is_count("boat"), lexicon().words["rafts"]
    ('boat', True, 'boat')
    """
    with _lock:
        _user_definitions.append((definition, count))
        if _registry is not None:
            _apply(_registry, definition, count)
    _clear_caches()
    # the names of a defined unit are read after numbers ("5 drones"), as the lexicon's words are
    names = [p.strip() for p in definition.split("=")]
    _user_words.update({n.lower(): names[0] for n in names if n and not n.startswith(("[", "_"))})
    lexicon.cache_clear()


_user_words: dict[str, str] = {}


class Lexicon(NamedTuple):
    """The reader's units: ``words`` (lower case, plurals included), ``symbols`` (as written),
    ``scaled`` (symbols with a multiplier: unit and scale) and ``per`` (words of a rate)."""

    words: dict[str, str]
    symbols: dict[str, str]
    scaled: dict[str, tuple[str, float]]
    per: dict[str, str]


def _plurals(table: dict[str, str]) -> dict[str, str]:
    out = dict(table)
    for word, unit in table.items():
        last = word.rsplit(" ", 1)[-1]
        if len(last) > 2 and last.isalpha() and not last.endswith("s"):
            out.setdefault(word + "s", unit)
            if last.endswith(("ch", "sh", "x")):
                out.setdefault(word + "es", unit)
            if last.endswith("y") and last[-2] not in "aeiou":
                out.setdefault(word[:-1] + "ies", unit)
    return out


@functools.cache
def lexicon() -> Lexicon:
    """The words and symbols the reader takes as units (data, read once).

    >>> lex = lexicon()
    >>> lex.words["troops"], lex.symbols["km"], lex.scaled["mb/d"], lex.per["a day"]
    ('person', 'kilometer', ('oil_barrel / day', 1000000.0), 'day')
    >>> "min" in lex.words or "min" in lex.symbols
    False
    """
    source = resources.files("estimates").joinpath(*_DATA, "lexicon.toml")
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    words = {k.lower(): v for k, v in data["words"].items()}
    words.update(_user_words)
    scaled = {k: (v["unit"], float(v["scale"])) for k, v in data["scaled"].items()}
    return Lexicon(_plurals(words), dict(data["symbols"]), scaled, dict(data["per"]))


def _clear_caches() -> None:
    canonical.cache_clear()
    dimension.cache_clear()
    factor.cache_clear()


_NAME = re.compile(r"[A-Za-z_]\w*")


def _oil_barrel(reg: pint.UnitRegistry[Any], m: re.Match[str]) -> str:
    """A unit name of pint's spelling, with pint's 31.5-gallon ``barrel`` (prefixed or not; the
    name "oil_barrel", "beer_barrel" and the others are other units) made the barrel of oil:
    never a unit of this package (see definitions.txt)."""
    name = m.group()
    for prefix, base, suffix in reg.parse_unit_name(name):
        if base == "barrel":
            return f"{prefix}oil_barrel{suffix}"
    return name


@functools.lru_cache(maxsize=4096)
def canonical(unit: str) -> str:
    """Return the canonical spelling of ``unit``; raise :class:`UnitError` if it is unknown.

    A barrel ("barrel", "bbl", "barrels", "barrel/day") is the barrel of oil, 42 US gallons, as
    the reader reads "barrels a day" and "bpd" in text; pint's barrel of 31.5 US gallons is
    ``US_liquid_barrel``.

    >>> canonical("rounds")
    'shell'
    >>> canonical("km")
    'kilometer'
    >>> canonical("bbl"), canonical("barrel/day")
    ('oil_barrel', 'oil_barrel / day')
    """
    text = unit.strip()
    if not text:
        raise UnitError("a unit cannot be blank; leave it out for a plain number", unit=unit)
    reg = registry()
    try:
        found = str(reg.Unit(text))
        if "barrel" in found:  # "barrel", "bbl", "barrel/day", "kbbl": the barrel of oil
            found = str(reg.Unit(_NAME.sub(functools.partial(_oil_barrel, reg), found)))
        return found
    except Exception as exc:  # pint: UndefinedUnitError, or a syntax error in the expression
        raise UnitError(
            f"unknown unit {unit!r}: the registry knows count units (person, container, shell, "
            "missile, vehicle, drone, ...), currencies (USD, EUR, GBP, ...) and pint's "
            "physical units; add one with estimates.values.units.define('name = [dimension]')",
            unit=unit,
        ) from exc


@functools.lru_cache(maxsize=4096)
def dimension(unit: str | None) -> str:
    """The dimensionality of ``unit`` as a string (``"dimensionless"`` for ``None``).

    >>> dimension("soldier")
    '[person]'
    """
    if unit is None:
        return "dimensionless"
    return str(registry().Unit(canonical(unit)).dimensionality) or "dimensionless"


def is_count(unit: str | None) -> bool:
    """Whether figures in ``unit`` count things and therefore cannot be negative.

    The package's own count units in their canonical spelling ("person", "container", ...)
    are known from the definitions file without building the registry (which takes longer
    than reconciling a million claims), while no unit was defined at run time.

    >>> is_count("person"), is_count("soldiers"), is_count("USD"), is_count(None)
    (True, True, False, False)
    """
    if unit is None:
        return False
    if plain_count(unit):
        return True
    return dimension(unit) in _count_dimensions


def plain_count(text: str) -> bool:
    """Whether ``text`` is the canonical name of one of the package's count units: its own
    canonical spelling and a count, known from the definitions file without building the
    registry. Only while no unit was defined at run time, which could redefine such a name.

    >>> "person" in _count_names(), plain_count("soldier"), plain_count("USD")
    (True, False, False)
    """
    return text in _count_names() and not _user_definitions


@functools.cache
def _count_names() -> frozenset[str]:
    """The first name of each ``# count`` definition of the package's definitions file, whose
    base dimension is its own name in brackets (``person = [person] = soldier``)."""
    names = set()
    for head in _count_definitions():
        parts = [p.strip() for p in head.split("=")]
        if len(parts) > 1 and parts[1] == f"[{parts[0]}]":
            names.add(parts[0])
    return frozenset(names)


@functools.cache
def _count_definitions() -> tuple[str, ...]:
    """The definitions of the package's definitions file marked ``# count`` (without it)."""
    source = resources.files("estimates").joinpath(*_DATA, "definitions.txt")
    heads = []
    for line in source.read_text(encoding="utf-8").splitlines():
        head, _, comment = line.partition("#")
        if comment.strip() == "count":
            heads.append(head)
    return tuple(heads)


def check_same_dimension(left: str | None, right: str | None) -> None:
    """Raise :class:`DimensionError`, naming both units, unless they share a dimension.

    >>> check_same_dimension("person", "container")
    Traceback (most recent call last):
    ...
    estimates.errors.DimensionError: cannot combine 'person' with 'container': ...
    """
    if dimension(left) != dimension(right):
        raise DimensionError(
            f"cannot combine {left or 'a plain number'!r} with {right or 'a plain number'!r}: "
            f"they measure different things ({dimension(left)} and {dimension(right)})",
            left=left,
            right=right,
        )


@functools.lru_cache(maxsize=4096)
def factor(from_unit: str | None, to_unit: str | None) -> float:
    """The number that converts a figure in ``from_unit`` into ``to_unit``.

    Raises :class:`DimensionError` naming both units when they measure different things.

    >>> factor("percent", None)
    0.01
    """
    check_same_dimension(from_unit, to_unit)
    if from_unit == to_unit:
        return 1.0
    reg = registry()
    src = reg.Unit(canonical(from_unit)) if from_unit else reg.dimensionless
    dst = reg.Unit(canonical(to_unit)) if to_unit else reg.dimensionless
    return float(reg.Quantity(1.0, src).to(dst).magnitude)
