"""Claims given in words: each row's figure read from its text by the parser.

:func:`estimates.ledger.validation.validate_claims` calls :func:`read_words` for the rows with
text and no figure; each distinct text (with its unit and convention) is read once.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from estimates.errors import BadRow, DimensionError, EstimatesError, ParseError
from estimates.reading.doubts import AmbiguousFigureWarning
from estimates.values.ranges import Range

__all__ = ["read_words"]


class _Reading(NamedTuple):
    """What one text reads as: its range and, when the text allows another reading, the words
    that say which reading was taken."""

    range: Range
    doubt: str | None


def read_words(
    which: npt.NDArray[np.intp],
    out: dict[str, Any],
    rows: npt.NDArray[np.int64],
    errors: list[BadRow],
    convention: str | None,
) -> None:
    """Read the figure of each row in ``which`` from its text (in place in ``out``); each
    distinct text (with its unit and convention) is read once, however many rows hold it.

    A text with two readings ("1.5m", "2,7") takes the convention's choice without a warning per
    row, and the row's note says which reading was taken and what the other one is.
    """
    low, best, high = out["low"], out["best"], out["high"]
    note = out["note"]
    unreadable = {e.row for e in errors if e.column in ("low", "best", "high", "closed")}
    done: dict[tuple[str, str | None, str | None], _Reading | BadRow] = {}
    for i in which.tolist():
        text = out["text"][i]
        row = int(rows[i])
        if text is None:
            if row not in unreadable:  # else already reported: the figure given was unreadable
                reason = "a claim needs a figure: text, or at least one of low, best, high"
                errors.append(BadRow(row, None, None, reason))
            continue
        key = (text, out["unit"][i], out["convention"][i] or convention)
        got = done.get(key)
        if got is None:
            got = done[key] = _read_text(*key)
        if isinstance(got, BadRow):
            errors.append(BadRow(row, got.column, got.value, got.reason))
            continue
        r = got.range
        low[i] = np.nan if r.low is None else r.low
        best[i] = np.nan if r.best is None else r.best
        high[i] = np.nan if r.high is None else r.high
        out["closed"][i] = r.closed
        out["unit"][i] = r.unit
        out["convention"][i] = r.convention
        if got.doubt is not None:
            note[i] = got.doubt if note[i] is None else f"{note[i]}; {got.doubt}"


def _read_text(text: str, unit: str | None, words: str | None) -> _Reading | BadRow:
    """The figure of one text under ``words`` (a convention, None for the parser's), in
    ``unit`` when given; or why it cannot be read (a BadRow without its row number)."""
    from estimates.reading.parsing import parse

    kwargs: dict[str, Any] = {} if words is None else {"convention": words}
    if unit is not None:
        kwargs["unit"] = unit
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", AmbiguousFigureWarning)
            r = parse(text, **kwargs)
    except DimensionError as exc:
        return _unit_misfit(text, unit, words, exc)
    except ParseError as exc:
        return BadRow(None, "text", text, f"cannot read the figure: {exc}")
    except EstimatesError as exc:  # an unknown convention
        return BadRow(None, "convention", words, str(exc))
    doubtful = any(issubclass(w.category, AmbiguousFigureWarning) for w in caught)
    return _Reading(r, _doubt(text, r, kwargs) if doubtful else None)


def _unit_misfit(text: str, unit: str | None, words: str | None, exc: DimensionError) -> BadRow:
    """The row's ``unit`` does not measure what its text counts ("km" beside "5,000 troops")."""
    from estimates.reading.parsing import parse

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AmbiguousFigureWarning)
            own = (parse(text) if words is None else parse(text, convention=words)).unit
    except EstimatesError:
        own = None
    if own is None:
        reason = f"does not fit the text {text!r}: {exc}"
    else:
        reason = (
            f"the unit {unit!r} does not fit the text {text!r}, read in {own!r}: {exc}; allowed: "
            f"a unit that measures what {own!r} measures, or a blank cell"
        )
    return BadRow(None, "unit", unit, reason)


def _doubt(text: str, taken: Range, kwargs: dict[str, Any]) -> str:
    """The note of a text read one way where it allows another: the reading taken, the others
    and why ("'1.5m' read as 1,500,000 ...; it could also be 1.5 (1.45–1.55) m: ...")."""
    from estimates.reading.parsing import parse_figure

    figure = parse_figure(text, **kwargs)
    others = " or ".join(str(alt) for alt in figure.alternatives)
    why = "; ".join(
        d for d in figure.ambiguities if "read as a multiplier" in d or "decimal comma" in d
    )
    return (
        f"{figure.text!r} read as {taken} (the convention's choice); it could also be {others}"
        + (f" ({why})" if why else "")
    )
