"""Read the expert-judgement community's Excalibur files into a ledger and a Series of truths.

An Excalibur study is two text files. ``STUDY.dtt`` holds the experts' answers: a header line
``* CLASS ASCII OUTPUT FILE. NQ= 3 QU= 5 50 95`` (the number of quantiles and their levels in
per cent), then one line per expert and question: the expert's number (columns 1–5), the
expert's id (6–14), the question's number (15–20), then the question's id, its background
scale (``UNI`` or ``LOG``, any case), the quantiles, and the question's text. ``STUDY.rls``
holds the realizations: one line per question with its number, id, true value, scale and text.
The two are matched by question id. ``-999.5`` (and ``-999.6``, which some tools write) means
"no answer" in either file.

Each answered question becomes a :class:`~estimates.ledger.claims.Claim`: ``quantity`` the
question's id, ``source`` the expert's id, ``value`` the lowest quantile as ``low``, the median
as ``best`` and the highest as ``high``, and ``level`` the probability between the outer
quantiles (5 % and 95 % give 0.9). The header's quantiles must include 50 and be symmetric
about it, so that the outer pair is a central range. Inner quantiles (25 %, 75 %), the
background scale and the question's text are kept in the claim's ``note``, so nothing read is
lost. An expert who gave no answer to a question (every quantile a no-answer code) makes no
claim about it; a line with only some quantiles missing is an error.

Problems are collected over the whole file and raised once as :class:`ExcaliburError`, each
naming the file, the line and the field.

>>> import io
>>> dtt = io.StringIO(
...     "* CLASS ASCII OUTPUT FILE. NQ=   3   QU=   5  50  95\\n"
...     "    1        A    1          CQ1 UNI  1.0E+0000  5.0E+0000  9.0E+0000  A question\\n"
...     "    2        B    1          CQ1 UNI  2.0E+0000  3.0E+0000  4.0E+0000  A question\\n"
... )
>>> rls = io.StringIO("    1          CQ1  4.5E+0000 UNI  A question\\n")
>>> panel = read_excalibur(dtt, rls)
>>> sorted((c.source, c.value.low, c.value.best, c.value.high, c.level) for c in panel.ledger)
[('A', 1.0, 5.0, 9.0, 0.9), ('B', 2.0, 3.0, 4.0, 0.9)]
>>> panel.realizations.to_dict()
{'CQ1': 4.5}
"""

from __future__ import annotations

import io
import itertools
import math
import os
import re
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from estimates.errors import BadRow, ClaimFileError
from estimates.ledger.claims import Claim
from estimates.ledger.table import Ledger
from estimates.values.ranges import Range
from estimates.values.words import number as _number

__all__ = ["ExcaliburError", "ExcaliburPanel", "read_excalibur"]

#: Values that mean "no answer" in Excalibur files.
NO_ANSWER: frozenset[float] = frozenset({-999.5, -999.6})

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_HEADER = re.compile(r"NQ=\s*(?P<nq>\d+)\s+QU=\s*(?P<qu>[\d.\s]+?)\s*$", re.IGNORECASE)
_SCALE = re.compile(r"\s(UNI|LOG)\s", re.IGNORECASE)
_RLS = re.compile(
    rf"^\s*(?P<num>\d+)\s+(?P<id>.*?)\s+(?P<value>{_NUMBER})\s+(?P<scale>UNI|LOG)\b(?P<text>.*)$",
    re.IGNORECASE,
)

Source = str | os.PathLike[str] | io.TextIOBase | io.StringIO


class ExcaliburError(ClaimFileError):
    """An Excalibur file that cannot be read; ``errors`` lists every problem (``row`` is the
    line number in the file, counting the header as line 1; ``column`` the field).

    >>> str(ExcaliburError([BadRow(3, "quantiles", "x", "not a number")], where="a.dtt"))
    "1 problem(s) in a.dtt:\\n  a.dtt, line 3, field 'quantiles': not a number (given 'x')"
    """

    def __init__(self, errors: list[BadRow] | tuple[BadRow, ...], *, where: str = "") -> None:
        super().__init__(errors, where=where)
        name = where or "the file"

        def line(e: BadRow) -> str:
            at = "header" if e.row is None else f"line {e.row}"
            field = f", field {e.column!r}" if e.column else ""
            given = "" if e.value is None else f" (given {e.value!r})"
            return f"  {name}, {at}{field}: {e.reason}{given}"

        shown = "\n".join(line(e) for e in self.errors[:50])
        more = f"\n  ... and {len(self.errors) - 50} more" if len(self.errors) > 50 else ""
        self.args = (f"{len(self.errors)} problem(s) in {name}:\n{shown}{more}",)

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.errors, self.where))


def _rebuild(errors: tuple[BadRow, ...], where: str) -> ExcaliburError:
    return ExcaliburError(errors, where=where)


class ExcaliburPanel(NamedTuple):
    """What :func:`read_excalibur` returns: the ``ledger`` of the experts' answers and the
    ``realizations`` (true values by question id, a float Series), or None without an ``.rls``.

    >>> ExcaliburPanel(Ledger(), None).realizations is None
    True
    """

    ledger: Ledger
    realizations: pd.Series | None


def _read_lines(source: Source) -> tuple[list[str], str]:
    """The file's lines and its name. UTF-8, else Latin-1 (older studies were written in it:
    every byte is a character there, so nothing is refused and nothing is dropped)."""
    if isinstance(source, io.TextIOBase | io.StringIO):
        return source.read().splitlines(), str(getattr(source, "name", "<text>"))
    path = Path(source)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.splitlines(), str(path)


def _missing(x: float) -> bool:
    return any(math.isclose(x, code, abs_tol=1e-9) for code in NO_ANSWER)


def _header(line: str, errors: list[BadRow]) -> tuple[list[float], float | None]:
    m = _HEADER.search(line)
    if m is None:
        errors.append(
            BadRow(1, "header", line[:80], "expected '* ... NQ= n QU= q1 q2 ...' (quantile levels)")
        )
        return [], None
    levels = [float(x) for x in m.group("qu").split()]
    if int(m.group("nq")) != len(levels):
        errors.append(
            BadRow(
                1, "NQ", m.group("nq"), f"says {m.group('nq')} quantiles but QU lists {len(levels)}"
            )
        )
        return [], None
    if (
        levels != sorted(levels)
        or not all(0 < x < 100 for x in levels)
        or len(set(levels)) != len(levels)
    ):
        errors.append(
            BadRow(1, "QU", m.group("qu").strip(), "levels must rise strictly within (0, 100)")
        )
        return [], None
    lo, hi = levels[0], levels[-1]
    if 50.0 not in levels or not math.isclose(lo + hi, 100.0) or len(levels) < 3:
        errors.append(
            BadRow(
                1,
                "QU",
                m.group("qu").strip(),
                "the quantiles must include 50 and be symmetric about it (such as 5 50 95), so "
                "that the outer pair is a central range with a level",
            )
        )
        return [], None
    return levels, round((hi - lo) / 100.0, 10)


def _answers(
    lines: list[str], levels: list[float], level: float, errors: list[BadRow]
) -> list[Claim]:
    nq = len(levels)
    body = re.compile(
        rf"^(?P<qid>.*?)\s+(?P<scale>UNI|LOG)\s+(?P<q>(?:{_NUMBER}\s*){{{nq}}})(?P<text>.*)$",
        re.IGNORECASE,
    )
    mid = levels.index(50.0)
    claims: list[Claim] = []
    seen: dict[tuple[str, str], int] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        expert = line[5:14].strip() or line[0:5].strip()
        m = body.match(line[20:]) if len(line) > 20 else None
        if not line[0:5].strip().isdigit() or not expert:
            errors.append(
                BadRow(number, "expert", line[0:14], "expected the expert's number and id")
            )
            continue
        if not line[14:20].strip().isdigit():
            errors.append(BadRow(number, "question number", line[14:20], "expected a whole number"))
            continue
        if m is None or not m.group("qid").strip():
            errors.append(
                BadRow(
                    number,
                    "quantiles",
                    line[20:100],
                    f"expected a question id, the scale UNI or LOG, then {nq} numbers",
                )
            )
            continue
        qid = m.group("qid").strip()
        values = [float(x) for x in m.group("q").split()]
        gone = [_missing(v) for v in values]
        if all(gone):
            continue  # no answer: no claim
        if any(gone):
            errors.append(
                BadRow(
                    number, "quantiles", m.group("q").strip(), "some quantiles are missing (-999.5)"
                )
            )
            continue
        if any(b < a for a, b in itertools.pairwise(values)):
            errors.append(
                BadRow(number, "quantiles", m.group("q").strip(), "quantiles must not decrease")
            )
            continue
        key = (expert, qid)
        if key in seen:
            errors.append(
                BadRow(
                    number,
                    "question id",
                    qid,
                    f"expert {expert!r} answered it already on line {seen[key]}",
                )
            )
            continue
        seen[key] = number
        shown = ", ".join(
            f"{_number(lv, exact=True)} %: {_number(v, exact=True)}"
            for lv, v in zip(levels, values, strict=True)
        )
        text = " ".join(m.group("text").split())
        note = f"quantiles {shown}; background {m.group('scale').upper()}" + (
            f"; question: {text}" if text else ""
        )
        claims.append(
            Claim(
                quantity=qid,
                value=Range(low=values[0], best=values[mid], high=values[-1]),
                source=expert,
                level=level,
                note=note,
            )
        )
    return claims


def _realizations(lines: list[str], errors: list[BadRow]) -> dict[str, float]:
    out: dict[str, float] = {}
    where: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        m = _RLS.match(line)
        if m is None:
            errors.append(
                BadRow(
                    number,
                    "realization",
                    line[:80],
                    "expected a number, a question id, a value and UNI or LOG",
                )
            )
            continue
        qid = m.group("id").strip()
        if qid in where:
            errors.append(BadRow(number, "question id", qid, f"given already on line {where[qid]}"))
            continue
        where[qid] = number
        value = float(m.group("value"))
        if not _missing(value):
            out[qid] = value
    return out


def read_excalibur(dtt: Source, rls: Source | None = None) -> ExcaliburPanel:
    """Read an Excalibur study: the experts' answers as a ledger, and the realizations.

    Args:
        dtt: the ``.dtt`` file (a path, or an open text stream).
        rls: the ``.rls`` file of realizations, if any.

    Returns:
        An :class:`ExcaliburPanel`: ``ledger`` (one source per expert, one quantity per question,
        ``level`` from the header's outer quantiles) and ``realizations`` (a float Series indexed
        by question id, named ``"realization"``; questions with no known value are left out), or
        None when no ``rls`` is given. Pass it on as ``reconcile_all(..., resolved=...)``.

    Raises:
        ExcaliburError: every problem in the file, each with its line and field; a question of
            the ``.rls`` that no expert answered is one.

    >>> import io
    >>> read_excalibur(io.StringIO("* CLASS ASCII OUTPUT FILE. NQ= 2 QU= 5 95\\n"))
    Traceback (most recent call last):
    ...
    estimates.ledger.excalibur.ExcaliburError: 1 problem(s) in <text>:
      <text>, line 1, field 'QU': the quantiles must include 50 ... (given '5 95')
    """
    lines, name = _read_lines(dtt)
    errors: list[BadRow] = []
    if not lines:
        raise ExcaliburError([BadRow(1, "header", None, "the file is empty")], where=name)
    levels, level = _header(lines[0], errors)
    if level is None:
        raise ExcaliburError(errors, where=name)
    claims = _answers(lines, levels, level, errors)
    if errors:
        raise ExcaliburError(errors, where=name)
    ledger = Ledger(claims)
    if rls is None:
        return ExcaliburPanel(ledger, None)
    r_lines, r_name = _read_lines(rls)
    r_errors: list[BadRow] = []
    truths = _realizations(r_lines, r_errors)
    asked = {c.quantity for c in claims}
    for number, line in enumerate(r_lines, start=1):
        m = _RLS.match(line)
        if m is not None and m.group("id").strip() in truths and m.group("id").strip() not in asked:
            r_errors.append(
                BadRow(
                    number, "question id", m.group("id").strip(), f"no expert in {name} answered it"
                )
            )
    if r_errors:
        raise ExcaliburError(r_errors, where=r_name)
    series = pd.Series(truths, dtype=float, name="realization")
    series.index.name = "quantity"
    return ExcaliburPanel(ledger, series.sort_index())
