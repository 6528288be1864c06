"""What the command line reads: claim files (by extension or ``--input-format``), source and
relation files, and the arguments it checks before any work; :class:`UsageError` for a command
line that cannot be run."""

from __future__ import annotations

import csv
import io
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from estimates.errors import ClaimFileError, EstimatesError, RelationError

if TYPE_CHECKING:
    from estimates.ledger.table import Ledger
    from estimates.reconciliation.relations import AtMost, Monotone, SumOf
    from estimates.values.sources import Sources


INPUT_FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


class UsageError(EstimatesError, ValueError):
    """A command line that cannot be run as given (exit status 2)."""

    # its public home (where it is imported from, pickled and named in a traceback)
    __module__ = "estimates.faces.cli"


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
