from __future__ import annotations

import io
import pickle
from pathlib import Path

import pandas as pd
import pytest

from estimates import Claim, ClaimFileError, Ledger, Range

HEADER = "quantity,text,low,best,high,unit,source,stated_on,kind\n"


def _read(body: str, header: str = HEADER) -> Ledger:
    return Ledger.read_csv(io.StringIO(header + body))


def test_every_bad_row_is_reported_at_once() -> None:
    body = (
        "q,,1,,2,person,s,2024-01-01,stock\n"  # row 1 good
        "q,,5,,2,person,s,2024-01-01,stock\n"  # row 2 low > high
        "q,,1,3,2,person,s,2024-01-01,stock\n"  # row 3 best outside
        "q,,12,00O,,person,s,2024-01-01,stock\n"  # row 4 '00O' read as best
        "q,,12,00O,,,person,s,2024-01-01,stock\n"  # row 5 field count
        'q,,"12,00O",,,person,s,2024-01-01,stock\n'  # row 6 malformed number
        "q,,1,,2,parsecs_of_goats,s,2024-01-01,stock\n"  # row 7 unknown unit
        "q,,-1,,2,person,s,2024-01-01,stock\n"  # row 8 negative count
        "q,,1,,2,person,s,2024-13-01,stock\n"  # row 9 impossible date
        "q,,1,,2,person,,2024-01-01,stock\n"  # row 10 missing source
        "q,,1,,2,person,s,2024-01-01,guess\n"  # row 11 bad kind
        "q,,nan,,2,person,s,2024-01-01,stock\n"  # row 12 NaN
        ",,1,,2,person,s,2024-01-01,stock\n"  # row 13 missing quantity
        "q,,,,,person,s,2024-01-01,stock\n"  # row 14 no figure at all
    )
    with pytest.raises(ClaimFileError) as info:
        _read(body)
    rows = {(e.row, e.column) for e in info.value.errors}
    assert rows == {
        (2, "low"), (3, "best"), (4, "best"), (5, None), (6, "low"), (7, "unit"), (8, "low"),
        (9, "stated_on"), (10, "source"), (11, "kind"), (12, "low"), (13, "quantity"), (14, None),
    }  # fmt: skip
    message = str(info.value)
    assert "row 6, column 'low'" in message and "12,00O" in message
    assert "must be one of stock, cumulative, flow, projection" in message
    assert isinstance(pickle.loads(pickle.dumps(info.value)), ClaimFileError)


def test_collect_returns_good_rows_and_bad_ones() -> None:
    got = Ledger.read_csv(
        io.StringIO(
            HEADER + "q,,1,,2,person,s,2024-01-01,stock\nq,,5,,2,person,s,2024-01-01,stock\n"
        ),
        errors="collect",
    )
    assert len(got.ledger) == 1 and [e.row for e in got.errors] == [2]


def test_thousands_separators_are_read() -> None:
    ledger = _read('q,,"12,000",,,person,s,2024-01-01,stock\n')
    assert ledger[0].value.low == 12_000


def test_header_problems() -> None:
    with pytest.raises(ClaimFileError, match="required column is missing"):
        _read("q,1\n", header="quantity,low\n")
    with pytest.raises(ClaimFileError, match="unknown column"):
        _read("q,1,s,x\n", header="quantity,low,source,region\n")


def test_non_utf8_bytes_are_reported_by_line(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_bytes(HEADER.encode() + b"q,,1,,2,person,Caf\xe9,2024-01-01,stock\n")
    with pytest.raises(ClaimFileError) as info:
        Ledger.read_csv(path)
    assert info.value.errors[0].row == 1 and "UTF-8" in info.value.errors[0].reason


def test_since_after_as_of_is_a_row_error() -> None:
    with pytest.raises(ClaimFileError, match="since is after"):
        _read("q,1,s,2024-05-01,2024-06-01\n", header="quantity,low,source,as_of,since\n")


def test_claim_id_column_must_match_content() -> None:
    with pytest.raises(ClaimFileError, match="does not match"):
        _read("q,1,s,deadbeefdeadbeef\n", header="quantity,low,source,claim_id\n")


def test_known_on_uses_the_end_of_a_month_or_interval() -> None:
    ledger = _read(
        "q,,1,,2,person,a,2024-10,stock\nq,,1,,3,person,b,2024-10-25/2024-10-31,stock\nq,,1,,4,person,c,,stock\n"
    )
    assert len(ledger.known_on("2024-10-30")) == 0
    assert len(ledger.known_on("2024-10-31")) == 2


def test_select_and_merge_are_set_operations() -> None:
    a = Claim(quantity="a", value=Range.exactly(1), source="s", kind="flow")
    b = Claim(quantity="b", value=Range.exactly(2), source="t")
    ledger = Ledger([a, b])
    assert ledger.select("a").quantities == ("a",)
    assert len(ledger.select(source="t")) == 1
    assert len(ledger.select(kind=["flow", "stock"])) == 2
    with pytest.raises(ValueError, match="unknown kind"):
        ledger.select(kind="rumour")
    assert Ledger([a]).merge(Ledger([b])) == Ledger([b]).merge(Ledger([a])) == ledger
    assert ledger.merge(ledger) == ledger


def test_ledger_is_independent_of_row_order() -> None:
    frame = pd.DataFrame({"quantity": ["q", "q", "r"], "low": [1, 2, 3], "source": ["a", "b", "c"]})
    shuffled = frame.iloc[[2, 0, 1]]
    assert Ledger.from_frame(frame) == Ledger.from_frame(shuffled)
    pd.testing.assert_frame_equal(
        Ledger.from_frame(frame).to_frame(), Ledger.from_frame(shuffled).to_frame()
    )


def test_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = Ledger([Claim(quantity="q", value=Range.exactly(1), source="s")])
    target = tmp_path / "out.csv"

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError, match="disk full"):
        ledger.to_csv(target)
    assert list(tmp_path.iterdir()) == []


def test_summary_per_quantity() -> None:
    ledger = _read("q,,1,,2,person,a,2024-10-01,stock\nq,,,5,,person,b,2024-10-03,stock\n")
    row = ledger.summary().iloc[0]
    assert (row["claims"], row["sources"], row["low"], row["high"]) == (2, 2, 1.0, 5.0)
    assert (
        str(row["first_stated_on"]) == "2024-10-01" and str(row["last_stated_on"]) == "2024-10-03"
    )
