"""The one tree of errors raised by ``estimates``.

Every error derives from :class:`EstimatesError` and from the builtin it resembles, so
``except ValueError`` keeps working for callers who do not know this package. Each carries
structured fields (the text, the row, the column) besides its message, and pickles.

>>> from estimates.errors import EstimatesError, UnitError
>>> issubclass(UnitError, ValueError) and issubclass(UnitError, EstimatesError)
True
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AmbiguousFigureError",
    "BadRow",
    "ClaimFileError",
    "ClaimTableTypeError",
    "DateError",
    "DimensionError",
    "EstimatesError",
    "InvalidValueError",
    "MissingExtraError",
    "OptionError",
    "ParseError",
    "PartitionBadRow",
    "ReconcileError",
    "RelationError",
    "UnitError",
    "UnknownMethodError",
]


class EstimatesError(Exception):
    """Root of every error raised by ``estimates``.

    >>> isinstance(EstimatesError("x"), Exception)
    True
    """


class UnitError(EstimatesError, ValueError):
    """A unit the registry does not know.

    >>> UnitError("unknown unit 'parsec_of_goats'", unit="parsec_of_goats").unit
    'parsec_of_goats'
    """

    def __init__(self, message: str, *, unit: str | None = None) -> None:
        super().__init__(message)
        self.unit = unit

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), str(self), {"unit": self.unit}))


class DimensionError(UnitError):
    """Two units that cannot be added or compared (persons and containers).

    >>> DimensionError("cannot add", left="person", right="container").right
    'container'
    """

    def __init__(self, message: str, *, left: str | None = None, right: str | None = None) -> None:
        EstimatesError.__init__(self, message)
        self.unit = left
        self.left = left
        self.right = right

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), str(self), {"left": self.left, "right": self.right}))


class DateError(EstimatesError, ValueError):
    """A date that cannot be read or cannot be true (2024-13-01).

    >>> DateError("bad", text="2024-13-01").text
    '2024-13-01'
    """

    def __init__(self, message: str, *, text: str | None = None) -> None:
        super().__init__(message)
        self.text = text

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), str(self), {"text": self.text}))


class ParseError(EstimatesError, ValueError):
    """Text that cannot be read as a figure.

    ``text`` is the whole input and ``span`` the ``(start, end)`` characters that failed.

    >>> err = ParseError("no number", text="lots of troops", span=(0, 14))
    >>> err.text[err.span[0]:err.span[1]]
    'lots of troops'
    """

    def __init__(
        self, message: str, *, text: str | None = None, span: tuple[int, int] | None = None
    ) -> None:
        super().__init__(message)
        self.text = text
        self.span = span

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), str(self), {"text": self.text, "span": self.span}))


class InvalidValueError(EstimatesError, ValueError):
    """A value (a ``Range``, a ``Claim``, a ``Period``, ...) that breaks one of its rules.

    ``problems`` lists each broken rule as a mapping with ``loc`` (the field path), ``type``
    (a stable snake_case code such as ``low_above_high``), ``msg`` and ``input``;
    :meth:`errors` returns them as a list, and ``code`` and ``field`` name the first.

    >>> err = InvalidValueError("Range", ({"loc": ("low",), "type": "negative_count",
    ...                                    "msg": "a count cannot be negative", "input": -1},))
    >>> err.code, err.field, str(err)
    ('negative_count', 'low', 'invalid Range: low: a count cannot be negative')
    """

    def __init__(
        self,
        model: str,
        problems: tuple[dict[str, object], ...] = (),
        *,
        message: str | None = None,
    ) -> None:
        self.model = model
        self.problems = tuple(problems)
        shown = "; ".join(_problem_text(p) for p in self.problems) or "invalid value"
        self.message = f"invalid {model}: {shown}" if message is None else message
        super().__init__(self.message)

    @property
    def code(self) -> str | None:
        """The code of the first broken rule."""
        return str(self.problems[0]["type"]) if self.problems else None

    @property
    def field(self) -> str | None:
        """The field (dotted path) of the first broken rule; None for a rule of the whole value."""
        if not self.problems:
            return None
        loc = self.problems[0].get("loc") or ()
        return ".".join(str(x) for x in loc) or None  # type: ignore[attr-defined]

    def errors(self) -> list[dict[str, object]]:
        """Every broken rule, as ``{"loc", "type", "msg", "input"}`` mappings."""
        return [dict(p) for p in self.problems]

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_invalid, (self.model, self.problems, self.message))


def _problem_text(problem: dict[str, object]) -> str:
    loc = ".".join(str(x) for x in problem.get("loc") or ())  # type: ignore[attr-defined]
    msg = str(problem.get("msg", "invalid"))
    return f"{loc}: {msg}" if loc and not msg.startswith(loc) else msg


class OptionError(EstimatesError, ValueError, TypeError):
    """An option (keyword argument) that the function or method does not declare, or a value it
    does not allow; says which are allowed and, for a near miss, which was meant.

    It is a ``TypeError`` too, as an unexpected keyword argument is in Python.

    >>> str(OptionError("levle", allowed=("level", "hk"), where="method 'pooled'"))
    "unknown option 'levle' for method 'pooled'; did you mean 'level'? allowed: hk, level"
    """

    def __init__(
        self,
        name: str,
        *,
        allowed: tuple[str, ...] = (),
        where: str = "",
        message: str | None = None,
    ) -> None:
        self.name = name
        self.allowed = tuple(sorted(allowed))
        self.where = where
        if message is None:
            message = f"unknown option {name!r}" + (f" for {where}" if where else "")
            near = did_you_mean(name, self.allowed)
            message += f"; did you mean {near!r}?" if near else ";"
            message += f" allowed: {', '.join(self.allowed) or 'none'}"
        self.message = message
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_option, (self.name, self.allowed, self.where, self.message))


def did_you_mean(name: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The choice closest to ``name`` (ignoring case), when one is close enough; else None.

    >>> did_you_mean("sorce", ["source", "quantity"]), did_you_mean("zzz", ["source"])
    ('source', None)
    """
    import difflib

    lowered = {c.lower(): c for c in choices}
    if name.lower() in lowered:
        return lowered[name.lower()]
    near = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[near[0]] if near else None


class AmbiguousFigureError(ParseError):
    """A figure with more than one reading, refused because ``strict=True`` was asked for.

    ``alternatives`` describes each reading the text also allows.

    >>> err = AmbiguousFigureError("two readings", text="1.5m", span=(0, 4))
    >>> isinstance(err, ParseError), err.span
    (True, (0, 4))
    """


@dataclass(frozen=True)
class BadRow:
    """One problem found in one row of a claim table.

    ``row`` counts data rows from 1 (the header is not a row; ``None`` means the header itself);
    ``column`` is the column name, or ``None`` for a problem of the whole row.

    >>> str(BadRow(row=3, column="low", value="12,00O", reason="not a number"))
    "row 3, column 'low': not a number (given '12,00O')"
    """

    row: int | None
    column: str | None
    value: object
    reason: str

    def __post_init__(self) -> None:
        # numpy scalars print as np.float64(4.0); people should read 4.0
        item = getattr(self.value, "item", None)
        if callable(item) and type(self.value).__module__ == "numpy":
            object.__setattr__(self, "value", item())

    def __str__(self) -> str:
        where = "header" if self.row is None else f"row {self.row}"
        where += f", column {self.column!r}" if self.column else ""
        given = "" if self.value is None else f" (given {self.value!r})"
        return f"{where}: {self.reason}{given}"


@dataclass(frozen=True)
class PartitionBadRow(BadRow):
    """A :class:`BadRow` of one partition of a partitioned claim table (a Dask DataFrame).

    ``partition`` counts partitions from 0, as Dask does; ``row`` counts the partition's data
    rows from 1.

    >>> str(PartitionBadRow(row=3, column="low", value="x", reason="not a number", partition=2))
    "partition 2, row 3, column 'low': not a number (given 'x')"
    """

    partition: int = 0

    def __str__(self) -> str:
        return f"partition {self.partition}, {BadRow.__str__(self)}"


class ClaimFileError(EstimatesError, ValueError):
    """A claim table with bad rows; ``errors`` lists every one of them.

    >>> err = ClaimFileError([BadRow(2, "kind", "guess", "must be one of stock, ...")])
    >>> len(err.errors)
    1
    """

    def __init__(self, errors: list[BadRow] | tuple[BadRow, ...], *, where: str = "") -> None:
        self.errors = tuple(errors)
        self.where = where
        head = f"{len(self.errors)} bad row(s)" + (f" in {where}" if where else "")
        shown = "\n".join(f"  {e}" for e in self.errors[:50])
        more = f"\n  ... and {len(self.errors) - 50} more" if len(self.errors) > 50 else ""
        super().__init__(f"{head}:\n{shown}{more}")

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_file_error, (self.errors, self.where))


class ClaimTableTypeError(EstimatesError, TypeError):
    """Something given as a claim table that is none: claims come as a :class:`Ledger`, a pandas
    DataFrame or a Dask DataFrame (the ``dask`` extra).

    >>> issubclass(ClaimTableTypeError, TypeError)
    True
    """


class ReconcileError(EstimatesError, ValueError):
    """A reconciliation that cannot be done as asked (no claims, mixed dimensions, ...).

    >>> ReconcileError("no claims about 'x'", quantity="x").quantity
    'x'
    """

    def __init__(self, message: str, *, quantity: str | None = None) -> None:
        super().__init__(message)
        self.quantity = quantity

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), str(self), {"quantity": self.quantity}))


class UnknownMethodError(EstimatesError, KeyError):
    """A method (or convention, or yardstick) name that is not registered.

    >>> str(UnknownMethodError("median", known=("robust", "pooled")))
    "unknown name 'median'; known: robust, pooled"
    """

    def __init__(self, name: str, *, known: tuple[str, ...] = ()) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"unknown name {self.name!r}; known: {', '.join(self.known)}"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_unknown, (type(self), self.name, self.known))


class RelationError(EstimatesError, ValueError):
    """Relations that name unknown quantities or form a cycle.

    >>> RelationError("cycle", quantities=("a", "b")).quantities
    ('a', 'b')
    """

    def __init__(self, message: str, *, quantities: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.quantities = quantities

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), str(self), {"quantities": self.quantities}))


class MissingExtraError(EstimatesError, ImportError):
    """An optional dependency is missing; the message names the ``pip install`` line.

    >>> "estimates[plot]" in str(MissingExtraError("matplotlib", "plot"))
    True
    """

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f'{package} is needed for this; install it with: pip install "estimates[{extra}]"'
        )
        self.package = package
        self.extra = extra

    def __reduce__(self) -> tuple[object, ...]:
        return (MissingExtraError, (self.package, self.extra))


def _rebuild(cls: type[EstimatesError], message: str, fields: dict[str, object]) -> EstimatesError:
    return cls(message, **fields)


def _rebuild_invalid(
    model: str, problems: tuple[dict[str, object], ...], message: str
) -> InvalidValueError:
    return InvalidValueError(model, problems, message=message)


def _rebuild_option(name: str, allowed: tuple[str, ...], where: str, message: str) -> OptionError:
    return OptionError(name, allowed=allowed, where=where, message=message)


def _rebuild_file_error(errors: tuple[BadRow, ...], where: str) -> ClaimFileError:
    return ClaimFileError(errors, where=where)


def _rebuild_unknown(
    cls: type[UnknownMethodError], name: str, known: tuple[str, ...]
) -> UnknownMethodError:
    return cls(name, known=known)
