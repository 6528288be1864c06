"""Malformed claim files: every reader answers with the library's own errors (never a leak of
the csv module, json, pyarrow or pandas), ``errors="collect"`` keeps every good row, and the
command line exits 2 with a short message, never a traceback.

The files are valid files written by the library, then cut, spliced and sprinkled with bytes
that readers have tripped on (a stray quote, a lone surrogate escape, a non-UTF-8 byte, deep
nesting, a huge integer, a number cell holding an object).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import estimates as est
from estimates.errors import ClaimFileError, EstimatesError
from estimates.faces import cli

#: each example reads, writes or reconciles a whole generated ledger: a fixed budget under every
#: profile keeps the suite within its time (the cheap laws of parsing and values run the
#: profile's count)
whole_ledger = settings(max_examples=35)

_CLAIMS = [
    est.Claim(quantity="troops", value=est.Range.between(10_000, 12_000, unit="person"),
              source="NIS", via=("Yonhap", "AFP"), stated_on="2024-10-28", note="a, \"quoted\""),
    est.Claim(quantity="troops", text="more than 11,000 soldiers", source="HUR",
              stated_on="2024-11-02", kind="stock"),
    est.Claim(quantity="shells", value=est.Range.at_least(3e6, unit="shell"), source="DIA",
              stated_on="2025-01", since="2023-08"),
]  # fmt: skip
_LEDGER = est.Ledger(_CLAIMS)
_DIR = Path(tempfile.mkdtemp())
_LEDGER.to_csv(_DIR / "c.csv")
_LEDGER.to_jsonl(_DIR / "c.jsonl")
_LEDGER.to_parquet(_DIR / "c.parquet")
VALID = {fmt: (_DIR / f"c.{fmt}").read_bytes() for fmt in ("csv", "jsonl", "parquet")}

#: Byte strings readers have tripped on.
TRICKS = [
    b'"', b",", b";", b"\n", b"\r\n", b"\x00", b"\xe9", b"\xff\xfe", b"\\ud800", b'{"a": 1}',
    b"[" * 3000, b"9" * 400, b"1e-400", b"1e400", b"NaN", b"-Infinity", b"12_000",
    "١٢٠٠٠".encode(), b"=HYPERLINK(1)", b"'", b"\t", b"null", b"true", b"2024-13-45",
    b"0001-01-01", b"9999-12-31/0001-01-01", b"x" * 140_000,
]  # fmt: skip


@st.composite
def broken(draw: st.DrawFn, fmt: str) -> bytes:
    data = bytearray(VALID[fmt])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "cut", "replace"]))
        if action == "insert":
            data[at:at] = draw(st.sampled_from(TRICKS) | st.binary(max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "cut":
            del data[at:]
        else:
            data[at : at + 1] = draw(st.binary(min_size=1, max_size=3))
    return bytes(data)


def _read(fmt: str, data: bytes, errors: str) -> object:
    if fmt == "parquet":
        path = Path(tempfile.mkdtemp()) / "f.parquet"
        path.write_bytes(data)
        return est.Ledger.read_parquet(path, errors=errors)  # type: ignore[call-overload]
    reader = est.Ledger.read_csv if fmt == "csv" else est.Ledger.read_jsonl
    return reader(io.BytesIO(data), errors=errors)  # type: ignore[call-overload,arg-type]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
@whole_ledger
@given(data=st.data())
def test_readers_answer_only_with_library_errors(fmt: str, data: st.DataObject) -> None:
    raw = data.draw(broken(fmt))
    for errors in ("raise", "collect"):
        try:
            got = _read(fmt, raw, errors)
        except ClaimFileError:
            continue  # with collect, only a header (or a file) that cannot be read at all
        except EstimatesError:
            assert errors == "raise"
            continue
        if errors == "collect":
            ledger, bad = got  # type: ignore[misc]
            # every row kept is a claim the ledger can hand out and write again
            assert all(isinstance(c, est.Claim) for c in ledger)
            assert all(b.reason for b in bad)


def test_parquet_text_that_is_not_utf8_is_a_file_error() -> None:
    # one byte of a quantity's name changed to one that cannot start a UTF-8 character
    raw = VALID["parquet"].replace(b"troops", b"\x80roops")
    assert raw != VALID["parquet"]
    for errors in ("raise", "collect"):
        with pytest.raises(ClaimFileError, match="cannot read the file as Parquet"):
            _read("parquet", raw, errors)


def test_collect_keeps_the_good_rows_of_a_file_with_bad_ones() -> None:
    text = VALID["csv"].decode("utf-8")
    header, *rows = text.split("\r\n")
    mixed = "\r\n".join([header, rows[0], 'x,"unclosed', rows[1], "\xe9", rows[2], ""])
    got = est.Ledger.read_csv(io.BytesIO(mixed.encode("latin-1", "replace")), errors="collect")
    assert len(got.ledger) >= 2


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@whole_ledger
@given(data=st.data())
def test_the_command_line_exits_2_with_a_short_message(fmt: str, data: st.DataObject) -> None:
    raw = data.draw(broken(fmt))
    path = Path(tempfile.mkdtemp()) / f"f.{fmt}"
    path.write_bytes(raw)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = cli.main(["reconcile", str(path)])
    assert status in (0, 2)
    assert "Traceback" not in err.getvalue()
    if status == 2:
        assert err.getvalue().startswith("estimates: error:")
