"""Conventions: what vague words and bare numbers *mean*, as data.

Which words may appear where is the parser's business (:mod:`estimates.reading.parsing`); what they mean
is a convention's. A convention is a small TOML table with a name, a version and its published
source: one *rule* per operator (``bare``, ``about``, ``around``, ``nearly``, ``more_than``,
``at_least``, ``up_to``, ``fewer_than``, ``order_of``, ``exactly``, ``range``) and one interval
per vague word (``a few``, ``several``, ``many``, ``tens``, ``dozens``, ``scores``, ``hundreds``,
``thousands``, ``millions``, ``billions``). Three come with the package:

- ``ferson`` (default): the significant-digit rules of Ferson et al. (2015), "Natural language of
  uncertainty: numeric hedge words", International Journal of Approximate Reasoning 57:19-39.
- ``literal``: only what the words strictly say.
- ``acled``: one conservative number, as the ACLED Codebook codes vague fatality reports.

Files are read lazily (nothing is read at import time). A user adds a convention without
touching code, from a mapping or a TOML file; ``extends`` borrows the rules it does not give.

>>> {"acled", "ferson", "literal"} <= {c.name for c in conventions()}
True
>>> get_convention("ferson").rule("around").cap
0.25
>>> mine = register_convention({"name": "tight", "version": "1", "source": "our desk",
...                             "extends": "ferson", "rules": {"about": {"low": -1, "high": 1,
...                             "best": True}}})
>>> mine.rule("about").low, mine.rule("more_than").high
(-1.0, 0.5)
>>> unregister_convention("tight")
"""

from __future__ import annotations

import math
import threading
import tomllib
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from estimates.errors import EstimatesError, UnknownMethodError
from estimates.values.vocabulary import Closed

__all__ = [
    "OPERATORS",
    "VAGUE_WORDS",
    "Convention",
    "ConventionError",
    "Rule",
    "VagueEntry",
    "convention_level",
    "conventions",
    "get_convention",
    "register_convention",
    "unregister_convention",
]

#: The operators a convention gives a rule for. The parser maps words to them
#: ("approximately" -> about, "in excess of" -> more_than, "as many as" -> up_to, ...).
OPERATORS: tuple[str, ...] = (
    "exactly",
    "bare",
    "about",
    "around",
    "nearly",
    "more_than",
    "at_least",
    "up_to",
    "fewer_than",
    "order_of",
    "range",
)
#: The vague words a convention gives an interval for. Composites multiply
#: ("tens of thousands" = tens x 1,000; "several hundred" = several x 100).
VAGUE_WORDS: tuple[str, ...] = (
    "a few",
    "several",
    "many",
    "tens",
    "dozens",
    "scores",
    "hundreds",
    "thousands",
    "millions",
    "billions",
)


class ConventionError(EstimatesError, ValueError):
    """A convention table that cannot be used; the message says which key and why.

    >>> ConventionError("bad", where="mine.toml").where
    'mine.toml'
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.where = where

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_error, (str(self), self.where))


def _rebuild_error(message: str, where: str | None) -> ConventionError:
    return ConventionError(message, where=where)


class Rule(BaseModel):
    """How one operator turns a stated number ``N`` (last significant digit ``u``) into a range.

    ``low``/``high`` give an end as ``N + k*u``; ``low_ratio``/``high_ratio`` as ``N*r``; an end
    given by neither is unbounded. ``cap`` limits the half-width to ``cap*|N|`` (never narrower
    than ``u/2``). ``best`` makes ``N`` the best value. ``exact_whole`` reads a whole number
    stated to its units digit exactly. ``point`` collapses a range ``X to Y`` to one end.

    >>> Rule(operator="about", low=-2, high=2, best=True, cap=0.5).cap
    0.5
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    operator: str
    low: float | None = None
    high: float | None = None
    low_ratio: float | None = None
    high_ratio: float | None = None
    cap: float | None = None
    best: bool = False
    closed: Closed = "both"
    exact_whole: bool = False
    point: Literal["low", "high"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.operator not in OPERATORS:
            raise PydanticCustomError(
                "unknown_operator",
                "unknown operator {operator!r}; allowed: {allowed}",
                {"operator": self.operator, "allowed": ", ".join(OPERATORS)},
            )
        if self.low is not None and self.low_ratio is not None:
            raise PydanticCustomError("two_lows", "give low or low_ratio, not both", {})
        if self.high is not None and self.high_ratio is not None:
            raise PydanticCustomError("two_highs", "give high or high_ratio, not both", {})
        if self.cap is not None and not self.cap >= 0:
            raise PydanticCustomError("bad_cap", "cap must be >= 0, got {cap}", {"cap": self.cap})
        if self.low_ratio is not None and self.high_ratio is not None:
            if self.low_ratio > self.high_ratio:
                raise PydanticCustomError(
                    "ratios_reversed", "low_ratio must not exceed high_ratio", {}
                )
        elif self.low is not None and self.high is not None and self.low > self.high:
            raise PydanticCustomError(
                "offsets_reversed",
                "low ({low}) must not exceed high ({high})",
                {"low": self.low, "high": self.high},
            )
        return self


class VagueEntry(BaseModel):
    """The interval a convention gives one vague word ("dozens": ``[24, 100)``, best 36).

    >>> VagueEntry(word="dozens", low=24, best=36, high=100, closed="left").best
    36.0
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    word: str
    low: float | None = None
    best: float | None = None
    high: float | None = None
    closed: Closed = "both"

    @model_validator(mode="after")
    def _ordered(self) -> VagueEntry:
        if self.word not in VAGUE_WORDS:
            raise PydanticCustomError(
                "unknown_vague_word",
                "unknown vague word {word!r}; allowed: {allowed}",
                {"word": self.word, "allowed": ", ".join(VAGUE_WORDS)},
            )
        values = [v for v in (self.low, self.best, self.high) if v is not None]
        if values != sorted(values) or any(v < 0 for v in values):
            raise PydanticCustomError(
                "vague_order",
                "{word!r} needs 0 <= low <= best <= high, got {low}, {best}, {high}",
                {"word": self.word, "low": self.low, "best": self.best, "high": self.high},
            )
        return self


class Convention(BaseModel):
    """A named, versioned table of rules and vague-word intervals, with its published source.

    >>> c = get_convention("acled")
    >>> c.vague_entry("dozens").best, c.version
    (12.0, '1.0')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    version: str
    source: str
    description: str = ""
    #: The probability that a range read under this convention holds the figure meant (a
    #: probability in (0, 1)), or None when the convention gives no ranges to speak of. The
    #: ``pooled`` method reads a claim's range at this level when the claim states none.
    level: float | None = Field(default=None, gt=0, lt=1)
    rules: tuple[Rule, ...]
    vague: tuple[VagueEntry, ...]

    _by_operator: dict[str, Rule] = PrivateAttr(default_factory=dict)
    _by_word: dict[str, VagueEntry] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> Convention:
        if not self.name.strip() or not self.name.isidentifier():
            raise PydanticCustomError(
                "bad_name",
                "a convention name must be a word such as 'my_desk', got {name!r}",
                {"name": self.name},
            )
        missing = [op for op in OPERATORS if op not in {r.operator for r in self.rules}]
        if missing:
            raise PydanticCustomError(
                "missing_rules",
                "convention {name!r} gives no rule for {missing}; give them or use "
                "extends = 'ferson'",
                {"name": self.name, "missing": ", ".join(missing)},
            )
        missing = [w for w in VAGUE_WORDS if w not in {v.word for v in self.vague}]
        if missing:
            raise PydanticCustomError(
                "missing_vague",
                "convention {name!r} gives no interval for {missing}; give them or use "
                "extends = 'ferson'",
                {"name": self.name, "missing": ", ".join(missing)},
            )
        return self

    def model_post_init(self, context: Any, /) -> None:
        """Index rules and vague words once, for the parser's hot path."""
        self._by_operator.update({r.operator: r for r in self.rules})
        self._by_word.update({v.word: v for v in self.vague})

    def rule(self, operator: str) -> Rule:
        """The rule for ``operator``; :class:`UnknownMethodError` names the known ones.

        >>> get_convention("literal").rule("more_than").closed
        'neither'
        """
        try:
            return self._by_operator[operator]
        except KeyError:
            raise UnknownMethodError(operator, known=OPERATORS) from None

    def vague_entry(self, word: str) -> VagueEntry:
        """The interval for a vague word.

        >>> get_convention("ferson").vague_entry("hundreds").low
        200.0
        """
        try:
            return self._by_word[word]
        except KeyError:
            raise UnknownMethodError(word, known=VAGUE_WORDS) from None


_BUILTIN = ("acled", "ferson", "literal")
_lock = threading.RLock()
_registry: dict[str, Convention] = {}
_loaded = False
#: Called after a convention is registered, so caches keyed by convention name stay honest.
_listeners: list[Callable[[], None]] = []


def _from_mapping(data: Mapping[str, Any], where: str) -> Convention:
    """Build a Convention from a TOML-shaped mapping (``rules``/``vague`` as tables)."""
    data = dict(data)
    base: Convention | None = None
    if "extends" in data:
        parent = data.pop("extends")
        base = get_convention(str(parent))
    if base is not None and "level" not in data:
        data["level"] = base.level  # an extension keeps its parent's level unless it says
    rules_in = data.pop("rules", {}) or {}
    vague_in = data.pop("vague", {}) or {}
    if not isinstance(rules_in, Mapping) or not isinstance(vague_in, Mapping):
        raise ConventionError(
            f"{where}: 'rules' and 'vague' must be tables keyed by operator / word", where=where
        )
    rules: dict[str, Any] = {r.operator: r for r in base.rules} if base else {}
    for op, spec in rules_in.items():
        if not isinstance(spec, Mapping):
            raise ConventionError(f"{where}: rule {op!r} must be a table", where=where)
        rules[str(op)] = {"operator": str(op), **spec}
    vague: dict[str, Any] = {v.word: v for v in base.vague} if base else {}
    for word, spec in vague_in.items():
        if not isinstance(spec, Mapping):
            raise ConventionError(f"{where}: vague word {word!r} must be a table", where=where)
        vague[str(word)] = {"word": str(word), **spec}
    try:
        return Convention(
            **data,
            rules=tuple(rules[op] for op in sorted(rules)),
            vague=tuple(vague[w] for w in sorted(vague)),
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'table'}: {e['msg']}" for e in exc.errors()
        )
        raise ConventionError(f"bad convention in {where}: {problems}", where=where) from None


def _read_toml(path: Path | Any, where: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConventionError(f"{where} is not valid TOML: {exc}", where=where) from None
    except OSError as exc:
        raise ConventionError(f"cannot read {where}: {exc}", where=where) from None


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        folder = resources.files("estimates") / "data" / "conventions"
        for name in _BUILTIN:
            where = f"estimates/data/conventions/{name}.toml"
            _registry[name] = _from_mapping(_read_toml(folder / f"{name}.toml", where), where)
        _loaded = True


def convention_level(name: str) -> float:
    """The level a convention assigns to the ranges it reads; NaN when it assigns none or the
    name is not registered (a claim table may name a convention of another installation).

    >>> convention_level("ferson"), convention_level("no_such_convention")
    (0.9, nan)
    """
    try:
        level = get_convention(name).level
    except (UnknownMethodError, ConventionError):
        return math.nan
    return math.nan if level is None else float(level)


def conventions() -> tuple[Convention, ...]:
    """Every known convention, sorted by name (the built-in ones and any registered).

    >>> "ferson" in [c.name for c in conventions()]
    True
    """
    _ensure_loaded()
    with _lock:
        return tuple(_registry[n] for n in sorted(_registry))


def get_convention(name: str | Convention) -> Convention:
    """The convention called ``name``; :class:`UnknownMethodError` lists the known names.

    >>> get_convention("literal").name
    'literal'
    >>> get_convention("vibes")
    Traceback (most recent call last):
    ...
    estimates.errors.UnknownMethodError: unknown name 'vibes'; known: acled, ferson, ...
    """
    if isinstance(name, Convention):
        return name
    _ensure_loaded()
    try:
        return _registry[name]
    except KeyError:
        raise UnknownMethodError(name, known=tuple(sorted(_registry))) from None


def register_convention(
    source: str | Path | Mapping[str, Any], *, replace: bool = False
) -> Convention:
    """Add a convention from a TOML file path or a mapping of the same shape; return it.

    The table needs ``name``, ``version`` and ``source`` (where its readings come from), and
    either every rule and vague word or ``extends = "<another convention>"`` for the rest.
    A name already taken is refused unless ``replace=True``; the built-in three cannot be
    replaced.

    >>> register_convention({"name": "ferson", "version": "2", "source": "x", "extends": "ferson"})
    Traceback (most recent call last):
    ...
    estimates.reading.conventions.ConventionError: 'ferson' is built in and cannot be replaced; ...
    """
    _ensure_loaded()
    if isinstance(source, Mapping):
        convention = _from_mapping(source, "the given mapping")
    else:
        path = Path(source)
        convention = _from_mapping(_read_toml(path, str(path)), str(path))
    with _lock:
        if convention.name in _BUILTIN:
            raise ConventionError(
                f"{convention.name!r} is built in and cannot be replaced; choose another name",
                where=convention.name,
            )
        if convention.name in _registry and not replace:
            raise ConventionError(
                f"a convention named {convention.name!r} exists; pass replace=True to replace it",
                where=convention.name,
            )
        _registry[convention.name] = convention
    for listener in _listeners:
        listener()
    return convention


def unregister_convention(name: str) -> None:
    """Remove a convention added with :func:`register_convention` (the built-in three stay).

    >>> _ = register_convention({"name": "scratch", "version": "0", "source": "a test",
    ...                          "extends": "literal"})
    >>> unregister_convention("scratch")
    >>> "scratch" in [c.name for c in conventions()]
    False
    """
    _ensure_loaded()
    with _lock:
        if name in _BUILTIN:
            raise ConventionError(f"{name!r} is built in and cannot be removed", where=name)
        if name not in _registry:
            raise UnknownMethodError(name, known=tuple(sorted(_registry)))
        del _registry[name]
    for listener in _listeners:
        listener()
