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
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import pandas as pd

from estimates.errors import ClaimFileError, EstimatesError
from estimates.faces._cli_read import UsageError as UsageError
from estimates.faces._cli_read import _check_date, _check_method, _check_quantity, _Progress
from estimates.faces._cli_read import read_ledger as read_ledger
from estimates.faces._cli_read import read_relations as read_relations
from estimates.faces._cli_read import read_sources as read_sources
from estimates.faces._cli_write import (
    FORMATS,
    _check_plot_path,
    _claim_file_reason,
    _claim_steps,
    _emit,
    _fail,
    _frame_text,
    _output_format,
    _reason,
    _reconciled_table,
    _save_plot,
)
from estimates.faces._cli_write import render_table as render_table
from estimates.faces._demo import DEMO_DATES, _cmd_demo

if TYPE_CHECKING:
    from estimates.ledger.table import Ledger

__all__ = ["build_parser", "main"]


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


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "parse": _cmd_parse,
    "reconcile": _cmd_reconcile,
    "check": _cmd_check,
    "timeline": _cmd_timeline,
    "methods": _cmd_methods,
    "demo": _cmd_demo,
}
