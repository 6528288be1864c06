"""What the command line writes: results as a table for people, CSV or JSON for programs (to
standard output or atomically to a file), plots, and the one-line reason for bad input."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from estimates.errors import BadRow, ClaimFileError
from estimates.faces._cli_read import UsageError
from estimates.values.words import range_words, steps

if TYPE_CHECKING:
    from estimates.ledger.table import Ledger
    from estimates.values.sources import Sources

FORMATS = ("table", "csv", "json")


#: Up to this many bad rows of a claim file are listed one per line; past it, the message
#: groups them by column (naming every row, in runs such as 4-1203) and the whole list, each
#: row with its value and reason, is written to a CSV file named in the message.
LISTED_BAD_ROWS = 20
#: Reasons shown per column in the grouped message (each with the first row that has it).
REASONS_PER_COLUMN = 3


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"{(exc.strerror or 'no such file').lower()}: {exc.filename}"
    if isinstance(exc, IsADirectoryError) and exc.filename:
        return f"is a directory, not a file: {exc.filename}"
    if isinstance(exc, PermissionError) and exc.filename:
        return f"permission denied: {exc.filename}"
    text = str(exc).strip() or type(exc).__name__
    if hasattr(exc, "errors") and callable(exc.errors):  # pydantic ValidationError
        try:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ()))
            text = f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
        except (IndexError, TypeError, KeyError):
            pass
    return " ".join(text.split())


def _claim_file_reason(exc: ClaimFileError) -> str:
    """Every bad row of a claim file: each on its own line when there are few; else grouped
    by column with every row number, and all of them, with value and reason, in a CSV file.

    >>> from estimates.errors import BadRow
    >>> print(_claim_file_reason(ClaimFileError([BadRow(3, "kind", "guess", "not a kind")])))
    1 bad row:
      row 3, column 'kind': not a kind (given 'guess')
    """
    errors = exc.errors
    n = len(errors)
    head = f"{n:,} bad row{'s' if n != 1 else ''}" + (f" in {exc.where}" if exc.where else "")
    if n <= LISTED_BAD_ROWS:
        return "\n".join([head + ":"] + [f"  {e}" for e in errors])
    groups: dict[str | None, list[BadRow]] = {}
    for e in errors:
        groups.setdefault(e.column, []).append(e)
    lines = [head + "; by column, every row named:"]
    for column, group in groups.items():
        label = f"column {column!r}" if column else "the whole row"
        rows = sorted({e.row for e in group if e.row is not None})
        named = f" ({_row_runs(rows)})" if rows else ""
        lines.append(f"  {label}: {len(group):,} row{'s' if len(group) != 1 else ''}{named}")
        first: dict[str, BadRow] = {}
        for e in group:
            first.setdefault(e.reason, e)
        lines += [f"    {e}" for e in list(first.values())[:REASONS_PER_COLUMN]]
        if len(first) > REASONS_PER_COLUMN:
            lines.append(f"    ... and {len(first) - REASONS_PER_COLUMN:,} other reasons")
    try:
        report = _bad_rows_report(errors)
        lines.append(f"  every bad row, with its value and reason: {report}")
    except OSError as problem:
        lines.append(f"  (the list of every bad row could not be written: {problem})")
    return "\n".join(lines)


def _row_runs(rows: Sequence[int]) -> str:
    """Sorted row numbers as runs: ``[1, 2, 3, 7]`` is ``1-3, 7``.

    >>> _row_runs([1, 2, 3, 7, 9, 10])
    '1-3, 7, 9-10'
    """
    runs: list[str] = []
    start = prev = rows[0]
    for r in [*rows[1:], None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if r is not None:
            start = prev = r
    return ", ".join(runs)


def _bad_rows_report(errors: Sequence[BadRow]) -> str:
    """Write every bad row (row, column, value, reason) as CSV to a new file in the temporary
    folder; return its path."""
    fd, name = tempfile.mkstemp(prefix="estimates-bad-rows-", suffix=".csv")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["row", "column", "value", "reason"])
        for e in errors:
            value = "" if e.value is None else str(e.value)
            out.writerow(["" if e.row is None else e.row, e.column or "", value, e.reason])
    return name


def _fail(reason: str) -> None:
    print(f"estimates: error: {reason}", file=sys.stderr)


# -- output ------------------------------------------------------------------------------------


def _output_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    out = getattr(args, "output", None)
    if out:
        suffix = Path(out).suffix.lower()
        return {".csv": "csv", ".json": "json"}.get(suffix, "table")
    return "table" if sys.stdout.isatty() else "csv"


def _emit(text: str, args: argparse.Namespace) -> None:
    """Write the whole result at once: to -o OUT atomically, or to standard output."""
    out = getattr(args, "output", None)
    if out:
        from estimates.ledger._io import atomic_write

        def write(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")

        atomic_write(out, write)
        print(f"wrote {out}", file=sys.stderr)
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def _json_value(x: Any) -> Any:
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    if hasattr(x, "item") and type(x).__module__ == "numpy":
        return _json_value(x.item())
    if isinstance(x, pd.Timestamp):
        return x.date().isoformat()
    return x


def _frame_text(frame: pd.DataFrame, fmt: str, table: Callable[[], str]) -> str:
    if fmt == "csv":
        buf = io.StringIO()
        frame.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()
    if fmt == "json":
        records = [
            {str(k): _json_value(v) for k, v in rec.items()} for rec in frame.to_dict("records")
        ]
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    return table()


def _figure(rec: Mapping[Any, Any], step: float | None) -> str:
    """A result row's range, best and unit in words, as every face writes them."""
    unit = rec.get("unit")
    return range_words(
        rec.get("low"),
        rec.get("best"),
        rec.get("high"),
        str(rec.get("closed") or "both"),
        unit if isinstance(unit, str) else None,
        step=step,
    )


def _claim_steps(ledger: Ledger, known_on: object) -> dict[str, float | None]:
    """Each quantity's precision: that of its claims known on ``known_on`` (as explanations use)."""
    known = ledger if known_on is None else ledger.known_on(known_on)
    frame = known.to_frame()
    if not len(frame):
        return {}
    found = pd.DataFrame(
        {
            "quantity": frame["quantity"].to_numpy(dtype=object),
            **{
                c: steps(frame[c].to_numpy(dtype=float, na_value=np.nan))
                for c in ("low", "best", "high")
            },
        }
    )
    finest = found.groupby("quantity", sort=False)[["low", "best", "high"]].min().min(axis=1)
    return {str(q): None if pd.isna(v) else float(v) for q, v in finest.items()}


def render_table(
    rows: Sequence[Sequence[str]],
    header: Sequence[str],
    *,
    align: str | None = None,
    width: int | None = None,
    wrap: int | Sequence[int] = (),
) -> str:
    """A plain-text table: a header, a rule, aligned columns (``align``: l or r per column).

    The columns in ``wrap`` (indexes) are wrapped to fit ``width`` (the terminal's by default),
    sharing the room left by the others in proportion to their widths.

    >>> print(render_table([["a", "1,000"], ["bb", "20"]], ["name", "n"], align="lr"), end="")
    name      n
    ────  ─────
    a     1,000
    bb       20
    """
    align = align or "l" * len(header)
    wrapped = [wrap] if isinstance(wrap, int) else list(wrap)
    total_width = width or shutil.get_terminal_size((110, 24)).columns
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    fixed = sum(w for i, w in enumerate(widths) if i not in wrapped) + 2 * (len(widths) - 1)
    room = total_width - fixed
    natural = sum(widths[i] for i in wrapped)
    if wrapped and natural > room:
        for i in wrapped:
            widths[i] = max(16, min(widths[i], room * widths[i] // natural))

    def cell(text: str, i: int) -> str:
        return text.rjust(widths[i]) if align[i] == "r" else text.ljust(widths[i])

    lines = ["  ".join(cell(h, i) for i, h in enumerate(header)).rstrip()]
    lines.append("  ".join("─" * w for w in widths))
    for r in rows:
        columns = [
            (textwrap.wrap(t, widths[i]) or [""]) if i in wrapped else [t] for i, t in enumerate(r)
        ]
        for k in range(max(len(c) for c in columns)):
            line = [c[k] if k < len(c) else "" for c in columns]
            lines.append("  ".join(cell(t, i) for i, t in enumerate(line)).rstrip())
    return "\n".join(lines) + "\n"


def _reconciled_table(
    frame: pd.DataFrame, steps: Mapping[str, float | None], first: str = "quantity"
) -> str:
    rows = []
    for rec in frame.to_dict("records"):
        note = rec.get("note")
        note = "" if note is None or (isinstance(note, float) and math.isnan(note)) else str(note)
        rows.append(
            [
                str(rec[first]),
                _figure(rec, steps.get(str(rec["quantity"]))),
                str(rec["n_claims"]),
                str(rec["n_sources"]),
                "yes" if rec["conflict"] else "",
                note,
            ]
        )
    header = [first, "figure", "claims", "sources", "conflict", "note"]
    return render_table(rows, header, align="lrrrll", wrap=5)


def _check_plot_path(out: str) -> str:
    """The image format of ``out``; raise before any work when it cannot be written."""
    suffix = Path(out).suffix.lower().lstrip(".") or "png"
    if suffix not in ("png", "svg", "pdf"):
        raise UsageError(f"cannot draw to {out!r}: use a .png, .svg or .pdf name")
    folder = Path(out).parent
    if not folder.is_dir():
        raise FileNotFoundError(2, "no such folder", str(folder))
    if not os.access(folder, os.W_OK):
        raise PermissionError(13, "cannot write", str(folder))
    return suffix


def _save_plot(
    ledger: Ledger,
    quantity: str,
    out: str,
    known_on: str | None,
    method: str,
    sources: Sources | None,
    table: pd.DataFrame | None = None,
) -> None:
    from estimates.faces.plotting import plot_timeline
    from estimates.ledger._io import atomic_write

    suffix = _check_plot_path(out)
    # the band is the table the command prints, when there is one: the picture and the numbers
    # never disagree
    band: bool | pd.DataFrame = True if table is None else table
    ax = plot_timeline(
        ledger, quantity, known_on=known_on, method=method, sources=sources, band=band
    )
    fig: Any = ax.figure
    try:
        atomic_write(out, lambda tmp: fig.savefig(tmp, format=suffix, dpi=150))
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
