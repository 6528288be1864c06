"""The command line: ``estimates parse | reconcile | check | timeline | methods | demo``.

Built for pipelines. A claim FILE is CSV, JSON Lines or Parquet, chosen by its extension, or
``-`` for standard input (``--input-format`` says which; CSV by default). Results go to
standard output as a table for people (when it is a terminal), or CSV/JSON for programs
(``--format``); ``-o OUT`` writes them to a file instead, atomically. Exit status: 0 success,
1 when ``check`` finds violations, 2 on bad input, with a one-line reason on standard error
and nothing on standard output. A progress line goes to standard error only when it is a
terminal.

>>> main(["parse", "--format", "csv", "more than 13,000 containers"])
text,words,low,best,high,closed,unit,convention
"more than 13,000 containers","more than 13,000 and up to 13,500 containers",13000,,13500,right,container,ferson
0
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import math
import os
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import numpy as np
import pandas as pd

from estimates.errors import BadRow, ClaimFileError, EstimatesError, RelationError
from estimates.values.words import claims_step, range_words, steps

if TYPE_CHECKING:
    from estimates.ledger.table import Ledger
    from estimates.reconciliation.relations import AtMost, Monotone, SumOf
    from estimates.values.sources import Sources

__all__ = ["build_parser", "main"]

FORMATS = ("table", "csv", "json")
INPUT_FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
#: The dates the demo reconciles the bundled example on: early (a week after the first
#: reports), mid-winter (after the Kursk fighting began), and the following summer.
DEMO_DATES = ("2024-11-01", "2025-01-15", "2025-06-01")
DEMO_QUANTITY = "dprk_troops_in_russia"
#: The date the demo explains and draws: the last figure about troops in Russia came a week
#: before it, so the plot is not mostly empty months.
DEMO_EXPLAIN_ON = "2025-01-15"
#: Up to this many bad rows of a claim file are listed one per line; past it, the message
#: groups them by column (naming every row, in runs such as 4-1203) and the whole list, each
#: row with its value and reason, is written to a CSV file named in the message.
LISTED_BAD_ROWS = 20
#: Reasons shown per column in the grouped message (each with the first row that has it).
REASONS_PER_COLUMN = 3


class UsageError(EstimatesError, ValueError):
    """A command line that cannot be run as given (exit status 2)."""


# -- parser ------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, with a one-line error (exit 2) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=30)


def _example(*lines: str) -> str:
    return "example:\n" + "\n".join(f"  {line}" for line in lines)


def _add_file(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file",
        metavar="FILE",
        help="claim table: .csv, .jsonl or .parquet, or - for standard input",
    )
    p.add_argument(
        "--input-format",
        choices=("csv", "jsonl", "parquet"),
        help="format of FILE when it is - or has another extension (default: by extension)",
    )
    p.add_argument(
        "--sources",
        metavar="FILE",
        help="CSV of source aliases with columns name,alias (one alias per row)",
    )


def _add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: table on a terminal, else csv; with -o, by its extension)",
    )
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT (atomically), not stdout")


def _add_dates(p: argparse.ArgumentParser) -> None:
    p.add_argument("--at", metavar="DATE", help="the moment asked about (default: --known-on)")
    p.add_argument(
        "--known-on",
        metavar="DATE",
        help="knowledge cut-off: ignore claims stated later (default: everything)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``estimates`` command.

    >>> build_parser().parse_args(["reconcile", "claims.csv", "--known-on", "2025-01-15"]).known_on
    '2025-01-15'
    """
    top = _Parser(
        prog="estimates",
        description=(
            "Turn numeric claims into honest ranges, keep them in a dated ledger, and reconcile "
            "them. Run 'estimates demo' for a two-minute tour."
        ),
        epilog=_example(
            "estimates demo",
            'estimates parse "more than 13,000 containers"',
            "estimates reconcile claims.csv --known-on 2025-01-15 --format csv",
        ),
        formatter_class=_formatter,
    )
    from estimates._version import __version__

    top.add_argument("--version", action="version", version=f"estimates {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "parse",
        help="read figures from text",
        description="Read the first figure in each TEXT as a range under a convention.",
        epilog=_example(
            'estimates parse "around 12,000 soldiers" "more than 13,000 containers"',
            'estimates parse --convention literal --format json "more than 13,000 containers"',
        ),
        formatter_class=_formatter,
    )
    p.add_argument("text", nargs="+", metavar="TEXT", help="text with a figure in it")
    p.add_argument("--convention", default="ferson", help="how to read vague words (ferson)")
    p.add_argument("--unit", help="unit when the text names none (or to convert to)")
    _add_output(p)

    p = sub.add_parser(
        "reconcile",
        help="reconcile the claims about each quantity",
        description=(
            "Reconcile the claims in FILE: one row per quantity with its range, best value, "
            "claims, sources and conflicts. With --quantity, one quantity and its explanation."
        ),
        epilog=_example(
            "estimates reconcile claims.csv --known-on 2025-01-15",
            "estimates reconcile claims.csv --quantity troops --method pooled --format json",
            "cat claims.csv | estimates reconcile - --format csv -o reconciled.csv",
        ),
        formatter_class=_formatter,
    )
    _add_file(p)
    p.add_argument("--quantity", metavar="Q", help="reconcile only Q, and explain it")
    _add_dates(p)
    p.add_argument("--method", default="robust", help="see 'estimates methods' (robust)")
    p.add_argument("--half-life", type=float, metavar="DAYS", help="recency weighting (none)")
    p.add_argument("--relations", metavar="FILE", help="relations to narrow the ranges with")
    _add_output(p)

    p = sub.add_parser(
        "check",
        help="find claims that break relations between quantities",
        description=(
            "Check the claims in FILE against relations: each violation with the smallest set "
            "of claims that cannot all be true. Exit 1 when there is any. A relations file has "
            "one relation per line ('part <= whole', 'a + b = total', 'monotone q'; # comments), "
            "or is JSON (a list of objects with a 'kind')."
        ),
        epilog=_example(
            "estimates check claims.csv --relations relations.txt",
            "printf 'in_kursk <= in_russia\\n' > rel.txt && estimates check claims.csv --relations rel.txt",
        ),
        formatter_class=_formatter,
    )
    _add_file(p)
    p.add_argument("--relations", metavar="FILE", required=True, help="the relations to check")
    _add_dates(p)
    p.add_argument(
        "--within-days", type=int, default=0, metavar="N", help="same moment within N days (0)"
    )
    _add_output(p)

    p = sub.add_parser(
        "timeline",
        help="a quantity's reconciled range over time",
        description=(
            "The reconciled range of one quantity on each date a claim describes (or every "
            "--freq step), each as known on that date unless --known-on is given."
        ),
        epilog=_example(
            "estimates timeline claims.csv --quantity troops --plot troops.png",
            "estimates timeline claims.csv --quantity troops --freq MS --format csv",
        ),
        formatter_class=_formatter,
    )
    _add_file(p)
    p.add_argument("--quantity", metavar="Q", required=True, help="the quantity")
    p.add_argument("--known-on", metavar="DATE", help="answer every date as known on DATE")
    p.add_argument("--freq", help="a pandas frequency: D, W, MS ... (default: each claim's date)")
    p.add_argument("--method", default="robust", help="see 'estimates methods' (robust)")
    p.add_argument("--plot", metavar="OUT.png", help="also draw the claims and the band to a PNG")
    _add_output(p)

    p = sub.add_parser(
        "methods",
        help="list the methods of reconciliation",
        description="List the registered methods of reconciliation with a line on each.",
        epilog=_example("estimates methods"),
        formatter_class=_formatter,
    )
    _add_output(p)

    p = sub.add_parser(
        "demo",
        help="a two-minute tour on the bundled example",
        description=(
            "Reconcile the bundled example (85 public claims about North Korean troops and "
            f"munitions sent to Russia) as known on {', '.join(DEMO_DATES)}; explain one "
            "answer in full; draw the troops in Russia over time to a PNG."
        ),
        epilog=_example("estimates demo", "estimates demo --out /tmp/troops.png"),
        formatter_class=_formatter,
    )
    p.add_argument(
        "--out", default="demo-timeline.png", metavar="PNG", help="where to draw the plot"
    )
    return top


# -- entry point -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``estimates`` command; return its exit status (0 ok, 1 violations, 2 bad input).

    >>> main(["reconcile", "no/such/file.csv"])
    2
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(args_list)
        except SystemExit as exc:  # --help and --version print and exit 0
            return int(exc.code or 0)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        handler: Callable[[argparse.Namespace], int] = _COMMANDS[args.command]
        return handler(args)
    except BrokenPipeError:
        # the reader of a pipe went away (`| head`): not an error of ours, and no traceback
        with _suppress_all():
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 0
    except ClaimFileError as exc:
        _fail(_claim_file_reason(exc))
    except (EstimatesError, OSError, ValueError, KeyError) as exc:
        _fail(_reason(exc))
    return 2


@contextmanager
def _suppress_all() -> Iterator[None]:
    try:
        yield
    except Exception:  # stdout may have no file descriptor (a test's capture); nothing to do
        return


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


# -- input -------------------------------------------------------------------------------------


class _Progress:
    """One line on standard error, rewritten in place, only when standard error is a terminal."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.shown = False

    def __call__(self, message: str) -> None:
        if self.live:
            sys.stderr.write(f"\r\033[K{message}")
            sys.stderr.flush()
            self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self.shown = False


def _input_format(path: str, given: str | None) -> str:
    if given:
        return given
    if path == "-":
        return "csv"
    suffix = Path(path).suffix.lower()
    found = INPUT_FORMATS.get(suffix)
    if found is None:
        raise UsageError(
            f"cannot tell the format of {path!r} from its extension {suffix or '(none)'}; "
            "use .csv, .jsonl or .parquet, or give --input-format"
        )
    return found


def read_ledger(path: str, input_format: str | None = None) -> Ledger:
    """Read a claim table from ``path`` (``-`` for standard input) in the format its name says.

    >>> read_ledger("claims.xlsx")
    Traceback (most recent call last):
    ...
    estimates.faces.cli.UsageError: cannot tell the format of 'claims.xlsx' from its extension .xlsx; ...
    """
    from estimates.ledger.table import Ledger

    if path != "-" and Path(path).is_dir():
        raise IsADirectoryError(21, "is a directory", path)
    fmt = _input_format(path, input_format)
    if path == "-":
        if fmt == "parquet":
            data = sys.stdin.buffer.read()
            with tempfile.TemporaryDirectory() as tmp:
                file = Path(tmp) / "stdin.parquet"
                file.write_bytes(data)
                try:
                    return Ledger.read_parquet(file)
                except ClaimFileError as exc:
                    # the reader names the temporary copy; the user gave standard input
                    if all(e.row is None for e in exc.errors):
                        reason = "; ".join(e.reason for e in exc.errors)
                        reason = reason.replace(str(file), "standard input")
                        raise UsageError(
                            f"cannot read standard input as Parquet: {reason}"
                        ) from None
                    raise ClaimFileError(exc.errors, where="standard input") from None
                except (OSError, ValueError) as exc:
                    # the reader names the temporary copy; the user gave standard input
                    reason = str(exc).replace(str(file), "standard input")
                    raise UsageError(f"cannot read standard input as Parquet: {reason}") from None
        text = sys.stdin.read()
        buffer = io.StringIO(text)
        buffer.name = "<stdin>"
        return Ledger.read_csv(buffer) if fmt == "csv" else Ledger.read_jsonl(buffer)
    if not Path(path).exists():
        raise FileNotFoundError(2, "no such file", path)
    if fmt == "csv":
        return Ledger.read_csv(path)
    if fmt == "jsonl":
        return Ledger.read_jsonl(path)
    return Ledger.read_parquet(path)


def read_sources(path: str | None) -> Sources | None:
    """Source aliases from a CSV with columns ``name`` and ``alias`` (None when no path).

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "sources.csv"
    >>> _ = p.write_text("name,alias\\nSouth Korea NIS,NIS\\n")
    >>> read_sources(str(p)).resolve("NIS")
    'South Korea NIS'
    """
    if path is None:
        return None
    from estimates.values.sources import Sources

    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and not {"name", "alias"} <= set(rows[0]):
        raise UsageError(
            f"the sources file {path} needs columns name,alias; it has {', '.join(rows[0])}"
        )
    groups: dict[str, list[str]] = {}
    for i, row in enumerate(rows, start=1):
        name, alias = (row.get("name") or "").strip(), (row.get("alias") or "").strip()
        if not name:
            raise UsageError(f"the sources file {path}, row {i}: the name is blank")
        groups.setdefault(name, [])
        if alias:
            groups[name].append(alias)
    sources = Sources()
    for name, aliases in groups.items():
        sources.alias(name, *aliases)
    return sources


def read_relations(path: str) -> list[AtMost | SumOf | Monotone]:
    """Relations from a text file (one per line) or a JSON file (a list with ``kind``).

    Lines: ``part <= whole`` (or ``≤``), ``a + b = total``, ``monotone q``; ``#`` starts a
    comment.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "rel.txt"
    >>> _ = p.write_text("# parts and wholes\\nin_kursk <= in_russia\\na + b = c\\nmonotone c\\n")
    >>> [str(r) for r in read_relations(str(p))]
    ['in_kursk ≤ in_russia', 'a + b = c', 'c never falls']
    """
    from pydantic import TypeAdapter, ValidationError

    from estimates.reconciliation.relations import Relation, at_most, monotone, sum_of

    text = Path(path).read_text(encoding="utf-8-sig")
    if Path(path).suffix.lower() == ".json" or text.lstrip().startswith("["):
        try:
            return list(TypeAdapter(list[Relation]).validate_json(text))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise RelationError(f"{path}: item {where}: {first['msg']}") from None
    out: list[AtMost | SumOf | Monotone] = []
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            out.append(_relation_line(line, at_most, sum_of, monotone))
        except RelationError as exc:
            raise RelationError(f"{path}, line {i}: {exc}", quantities=exc.quantities) from None
    if not out:
        raise RelationError(f"{path} holds no relations")
    return out


def _relation_line(line: str, at_most: Any, sum_of: Any, monotone: Any) -> Any:
    words = line.split()
    if len(words) == 2 and words[0].lower() == "monotone":
        return monotone(words[1])
    for op in ("<=", "≤"):
        if op in line:
            left, right = (s.strip() for s in line.split(op, 1))
            if left and right and len(left.split()) == 1 and len(right.split()) == 1:
                return at_most(left, right)
    if "=" in line:
        left, right = (s.strip() for s in line.split("=", 1))
        parts = [p.strip() for p in left.split("+")]
        if right and len(right.split()) == 1 and all(p and len(p.split()) == 1 for p in parts):
            return sum_of(parts, right)
    raise RelationError(
        f"cannot read {line!r}; write 'part <= whole', 'a + b = total' or 'monotone q'"
    )


def _check_date(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    from estimates.errors import DateError
    from estimates.values.dates import to_period

    try:
        to_period(value)
    except DateError as exc:
        raise DateError(f"{option} {value!r}: {exc}", text=value) from None
    return value


def _check_method(name: str) -> None:
    from estimates.errors import UnknownMethodError
    from estimates.reconciliation.methods import get_method

    try:
        get_method(name)
    except UnknownMethodError as exc:
        raise UsageError(
            f"unknown method {name!r}; known: {', '.join(exc.known)} (see 'estimates methods')"
        ) from None


def _check_quantity(ledger: Ledger, quantity: str) -> None:
    from estimates.errors import ReconcileError

    if quantity not in ledger.quantities:
        known = ledger.quantities
        shown = ", ".join(known[:12]) + (f" ... ({len(known)} in all)" if len(known) > 12 else "")
        raise ReconcileError(
            f"unknown quantity {quantity!r}; the file has: {shown or 'no quantities'}",
            quantity=quantity,
        )


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


# -- commands ----------------------------------------------------------------------------------


def _cmd_parse(args: argparse.Namespace) -> int:
    from estimates.reading.parsing import parse

    fmt = _output_format(args)
    records = []
    for text in args.text:
        r = parse(text, convention=args.convention, unit=args.unit)
        records.append(
            {
                "text": text,
                "words": str(r),
                "low": r.low,
                "best": r.best,
                "high": r.high,
                "closed": r.closed,
                "unit": r.unit,
                "convention": r.convention,
            }
        )
    frame = pd.DataFrame(records, columns=list(records[0]))

    def table() -> str:
        rows = [[str(rec["text"]), str(rec["words"]), rec["convention"] or ""] for rec in records]
        return render_table(rows, ["text", "figure", "convention"], align="lrl")

    if fmt == "csv":
        # figures as written, without a trailing .0 on whole numbers
        for col in ("low", "best", "high"):
            frame[col] = [_plain(x) for x in frame[col]]
    _emit(_frame_text(frame, fmt, table), args)
    return 0


def _plain(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    v = float(x)
    return str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)


def _cmd_reconcile(args: argparse.Namespace) -> int:
    from estimates.reconciliation.reconcile import reconcile, reconcile_all

    at = _check_date(args.at, "--at")
    known_on = _check_date(args.known_on, "--known-on")
    _check_method(args.method)
    fmt = _output_format(args)
    progress = _Progress()
    try:
        progress(f"reading {args.file} ...")
        ledger = read_ledger(args.file, args.input_format)
        sources = read_sources(args.sources)
        relations = read_relations(args.relations) if args.relations else None
        if args.quantity is not None:
            _check_quantity(ledger, args.quantity)
        progress(
            f"reconciling {len(ledger):,} claims about {len(ledger.quantities):,} quantities ..."
        )
        frame = reconcile_all(
            ledger if args.quantity is None else _with_related(ledger, args.quantity, relations),
            at=at,
            known_on=known_on,
            method=args.method,
            sources=sources,
            half_life=args.half_life,
            relations=relations,
        )
        explanation = ""
        if args.quantity is not None:
            frame = frame[frame["quantity"] == args.quantity].reset_index(drop=True)
            if fmt == "table":
                result = reconcile(
                    ledger,
                    args.quantity,
                    at=at,
                    known_on=known_on,
                    method=args.method,
                    sources=sources,
                    half_life=args.half_life,
                    relations=relations,
                )
                explanation = "\n" + result.explain() + "\n"
    finally:
        progress.done()
    _emit(
        _frame_text(
            frame,
            fmt,
            lambda: _reconciled_table(frame, _claim_steps(ledger, known_on)) + explanation,
        ),
        args,
    )
    return 0


def _with_related(ledger: Ledger, quantity: str, relations: Iterable[Any] | None) -> Ledger:
    """Only the claims reconciling ``quantity`` needs: its own and those its relations name."""
    wanted = {quantity}
    for rel in relations or ():
        if quantity in rel.quantities:
            wanted.update(rel.quantities)
    return ledger.select(sorted(wanted & set(ledger.quantities)))


def _cmd_check(args: argparse.Namespace) -> int:
    from estimates.reconciliation.relations import check

    at = _check_date(args.at, "--at")
    known_on = _check_date(args.known_on, "--known-on")
    fmt = _output_format(args)
    progress = _Progress()
    try:
        progress(f"reading {args.file} ...")
        ledger = read_ledger(args.file, args.input_format)
        sources = read_sources(args.sources)
        relations = read_relations(args.relations)
        progress(f"checking {len(ledger):,} claims against {len(relations)} relations ...")
        report = check(
            ledger,
            relations,
            at=at,
            known_on=known_on,
            sources=sources,
            within_days=args.within_days,
        )
    finally:
        progress.done()
    frame = report.to_frame()
    _emit(_frame_text(frame, fmt, lambda: str(report) + "\n"), args)
    return 0 if report.ok else 1


def _cmd_timeline(args: argparse.Namespace) -> int:
    from estimates.reconciliation.timeline import timeline

    known_on = _check_date(args.known_on, "--known-on")
    _check_method(args.method)
    if args.plot:
        _check_plot_path(args.plot)
    fmt = _output_format(args)
    progress = _Progress()
    try:
        progress(f"reading {args.file} ...")
        ledger = read_ledger(args.file, args.input_format)
        sources = read_sources(args.sources)
        _check_quantity(ledger, args.quantity)
        progress(f"reconciling {args.quantity} over time ...")
        frame = timeline(
            ledger,
            args.quantity,
            freq=args.freq,
            known_on=known_on,
            method=args.method,
            sources=sources,
        )
        if args.plot:
            progress(f"drawing {args.plot} ...")
            _save_plot(
                ledger, args.quantity, args.plot, known_on, args.method, sources, table=frame
            )
    finally:
        progress.done()
    _emit(
        _frame_text(
            frame,
            fmt,
            lambda: _reconciled_table(frame, _claim_steps(ledger, known_on), first="at"),
        ),
        args,
    )
    if args.plot:
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


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


def _cmd_methods(args: argparse.Namespace) -> int:
    from estimates.reconciliation.methods import describe_method, method_options, methods

    fmt = _output_format(args)
    names = list(methods())
    declared = [method_options(m) for m in names]
    frame = pd.DataFrame(
        {
            "method": names,
            "description": [describe_method(m) for m in names],
            "options": ["(any)" if o is None else ", ".join(o) for o in declared],
        }
    )

    def table() -> str:
        return render_table(frame.values.tolist(), ["method", "description", "options"], wrap=1)

    _emit(_frame_text(frame, fmt, table), args)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from estimates import datasets
    from estimates.reconciliation.reconcile import reconcile

    if Path(args.out).is_dir():  # a folder: the picture goes into it under its usual name
        args.out = str(Path(args.out) / "demo-timeline.png")
    _check_plot_path(args.out)  # before printing anything: bad input leaves stdout empty
    can_draw = importlib.util.find_spec("matplotlib") is not None
    out: IO[str] = sys.stdout
    ledger = datasets.dprk()
    sources = datasets.dprk_sources()
    progress = _Progress()
    resolved = set(sources.resolve_many(ledger.sources).tolist())
    w = min(shutil.get_terminal_size((120, 24)).columns, 120)
    print(_banner("estimates demo", w), file=out)
    print(
        textwrap.fill(
            f"The bundled example: {len(ledger)} public claims about {len(ledger.quantities)} "
            f"quantities from {len(resolved)} sources, about North Korean troops and munitions "
            "sent to Russia, beginning with the AFP report of 18 October 2024. The same figure "
            "is stated by many sources, relayed by many outlets, revised over months, and they "
            "disagree. Here is what could honestly be said on three dates, using only what was "
            "known on each (method: robust, a weighted median with weighted quantiles).",
            w,
        ),
        file=out,
    )
    explained = None
    try:
        for date in DEMO_DATES:
            progress(f"reconciling as known on {date} ...")
            rows = []
            unknown = 0
            for q in ledger.quantities:
                r = reconcile(ledger, q, known_on=date, sources=sources)
                if not r.known:
                    unknown += 1
                    continue
                rows.append(_demo_row(r))
                if q == DEMO_QUANTITY and date == DEMO_EXPLAIN_ON:
                    explained = r
            progress.done()
            print(file=out)
            print(_banner(f"As known on {_long_date(date)}", w, "─"), file=out)
            header = ["quantity", "figure", "sources", "conflicts"]
            out.write(render_table(rows, header, align="lrll", width=w, wrap=(2, 3)))
            if unknown:
                print(f"({unknown} more quantities had no claim stated yet.)", file=out)
    finally:
        progress.done()
    if explained is not None:
        print(file=out)
        print(
            _banner(f"Why: {DEMO_QUANTITY}, as known on {_long_date(DEMO_EXPLAIN_ON)}", w, "─"),
            file=out,
        )
        for para in explained.explain().split("\n"):
            print(textwrap.fill(para, w, subsequent_indent="  "), file=out)
    if not can_draw:
        print(file=out)
        print(
            'The picture needs the plot extra: pip install "estimates[plot]" (then run '
            "estimates demo again).",
            file=out,
        )
        return 0
    progress(f"drawing {args.out} ...")
    try:
        _save_plot(ledger, DEMO_QUANTITY, args.out, DEMO_EXPLAIN_ON, "robust", sources)
    finally:
        progress.done()
    where = Path(args.out).resolve()
    print(file=out)
    print(f"Wrote {where}", file=out)
    print(
        textwrap.fill(
            f"{DEMO_QUANTITY} over time: every claim at the date it describes (bars are ranges, "
            "arrows open ends, dots best values, one colour per source) and the reconciled band "
            "as it could be stated on each day.",
            w,
            initial_indent="  ",
            subsequent_indent="  ",
        ),
        file=out,
    )
    print(file=out)
    print("Next:", file=out)
    path = datasets.dprk_path()
    print(
        f"  estimates reconcile {path} --quantity {DEMO_QUANTITY} --known-on 2025-01-15", file=out
    )
    print(f"  estimates timeline {path} --quantity dprk_troops_in_kursk --plot kursk.png", file=out)
    print("  estimates methods", file=out)
    out.flush()
    return 0


def _banner(text: str, width: int, rule: str = "═") -> str:
    return f"{text}\n{rule * min(max(len(text), 20), width)}"


def _long_date(iso: str) -> str:
    d = pd.Timestamp(iso)
    return f"{d.day} {d.strftime('%B %Y')}"


def _short(name: str, n: int) -> str:
    return name if len(name) <= n else name[: n - 1].rstrip() + "…"


def _demo_row(r: Any) -> list[str]:
    v = r.value
    claims = r.claims
    used = claims[claims["used"]] if "used" in claims else claims
    # the sources that weigh most in the answer first
    weights = used.groupby("resolved_source")["weight"].sum() if len(used) else pd.Series()
    names = sorted(weights.index.tolist(), key=lambda n: (-float(weights[n]), str(n)))
    shown = "; ".join(_short(n, 30) for n in names[:3])
    if len(names) > 3:
        shown += f" +{len(names) - 3}"
    if r.conflicts:
        c = r.conflicts[0]
        more = f" (+{len(r.conflicts) - 1})" if len(r.conflicts) > 1 else ""
        conflict = (
            f"{_short(c.low_source, 24)} {c.low_text} vs "
            f"{_short(c.high_source, 24)} {c.high_text}{more}"
        )
    else:
        conflict = ""
    figure = range_words(v.low, v.best, v.high, v.closed, v.unit, step=claims_step(claims))
    return [r.quantity, figure, shown, conflict]


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "parse": _cmd_parse,
    "reconcile": _cmd_reconcile,
    "check": _cmd_check,
    "timeline": _cmd_timeline,
    "methods": _cmd_methods,
    "demo": _cmd_demo,
}
