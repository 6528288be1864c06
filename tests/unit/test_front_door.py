"""Every way claims enter is checked by one path; nothing is lost or changed at the edges."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import estimates as est
from estimates.errors import ClaimFileError, InvalidValueError
from estimates.ledger.validation import validate_claims

Ledger = est.Ledger


def _claim(**kw: object) -> est.Claim:
    base: dict[str, object] = {"quantity": "q", "value": est.Range.exactly(1), "source": "s"}
    return est.Claim(**{**base, **kw})  # type: ignore[arg-type]


# -- the DataFrame path -------------------------------------------------------------------------


def test_a_dataframe_given_to_reconcile_is_checked_like_a_ledger() -> None:
    df = pd.DataFrame({"quantity": ["q", "q"], "low": [1.0, 10.0], "high": [2.0, 1.0],
                       "source": ["a", "b"]})  # fmt: skip
    with pytest.raises(ClaimFileError, match="row 2, column 'low'"):
        est.reconcile_all(df)
    with pytest.raises(ClaimFileError):
        est.reconcile(df, "q")


def test_a_dataframe_path_answers_as_the_ledger_path() -> None:
    df = pd.DataFrame(
        {
            "quantity": ["q", "q"],
            "text": ["1,000 soldiers", "3,000 soldiers"],
            "source": ["a", "b"],
            "stated_on": ["2024-01-01", "2025-01-01"],
        }
    )
    via_frame = est.reconcile_all(df, known_on="2024-06-01", method="latest")
    via_ledger = est.reconcile_all(Ledger.from_frame(df), known_on="2024-06-01", method="latest")
    pd.testing.assert_frame_equal(via_frame, via_ledger)
    assert via_frame["best"].tolist() == [1000.0] and via_frame["n_claims"].tolist() == [1]


def test_the_one_validation_function_is_exposed_for_other_readers() -> None:
    table = pd.DataFrame({"quantity": ["q", "q"], "low": ["5", "x"], "source": ["s", "s"]})
    good, bad = validate_claims(table, where="part 2", first_row=101)
    assert len(good) == 1 and [e.row for e in bad] == [102]


# -- claims kept as given -----------------------------------------------------------------------


def test_an_outlet_holding_a_semicolon_stays_one_outlet() -> None:
    c = _claim(via=("AFP;Reuters", "Yonhap"))
    led = Ledger([c])
    assert led[0].via == ("AFP;Reuters", "Yonhap")
    assert led.claim_ids == (c.claim_id,)


def test_an_unbounded_value_is_not_read_again_from_its_text(tmp_path: Path) -> None:
    c = _claim(value=est.Range(), text="about 5")
    led = Ledger([c])
    assert led[0].value.low is None and led[0].value.high is None
    led.to_csv(tmp_path / "c.csv")
    assert Ledger.read_csv(tmp_path / "c.csv") == led


def test_the_convention_column_and_argument_read_the_words() -> None:
    text = "quantity,text,convention,source\nq,more than 100,literal,s\nq,more than 100,,t\n"
    led = Ledger.read_csv(io.StringIO(text))
    by_source = {c.source: c.value for c in led}
    assert by_source["s"].convention == "literal" and by_source["s"].high is None
    assert by_source["t"].convention != "literal"
    plain = Ledger.read_csv(io.StringIO("quantity,text,source\nq,more than 100,s\n"),
                            convention="literal")  # fmt: skip
    assert plain[0].value.convention == "literal"


@pytest.mark.parametrize("day", ["2300-01-01", "0001-01-01", "9999-12-31", "1600-02-29"])
def test_dates_across_years_1_to_9999_keep_their_day(day: str) -> None:
    led = Ledger([_claim(stated_on=day)])
    assert str(led[0].stated_on) == day
    assert str(led.frame["stated_on_end"].iloc[0].date()) == day
    known = len(led.known_on("1990-01-01"))
    assert known == (1 if day < "1990" else 0)


# -- nothing lost at the edges ------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["12_000", "١٢٠٠٠", "1e-400", "1e400"])
def test_numbers_that_would_be_read_silently_wrong_are_refused(cell: str) -> None:
    text = f"quantity,low,source\nq,{cell},s\nq,7,s\n"
    got = Ledger.read_csv(io.StringIO(text), errors="collect")
    assert [e.row for e in got.errors] == [1] and len(got.ledger) == 1
    frame = pd.DataFrame({"quantity": ["q", "q"], "low": [cell, "7"], "source": ["s", "s"]})
    assert [e.row for e in Ledger.from_frame(frame, errors="collect").errors] == [1]


def test_jsonl_collect_keeps_every_good_row() -> None:
    lines = [
        '{"quantity": "q", "low": {"a": 1}, "source": "s"}',
        '{"quantity": "q", "low": ' + "9" * 400 + ', "source": "s"}',
        "[" * 100_000 + "]" * 100_000,
        '{"quantity": "q\\ud800", "low": 1, "source": "s"}',
        '{"quantity": "q", "low": 3, "source": "s"}',
    ]
    got = Ledger.read_jsonl(io.StringIO("\n".join(lines)), errors="collect")
    assert [e.row for e in got.errors] == [1, 2, 3, 4]
    assert [c.value.low for c in got.ledger] == [3.0]


def test_a_latin1_byte_costs_only_its_row() -> None:
    data = "quantity,low,source\nq,1,caf\xe9\nq,2,s\n".encode("latin-1")
    got = Ledger.read_csv(io.BytesIO(data), errors="collect")  # type: ignore[arg-type]
    assert [(e.row, e.column) for e in got.errors] == [(1, "source")]
    assert "0xE9" in got.errors[0].reason and len(got.ledger) == 1


def test_a_truncated_parquet_file_is_a_claim_file_error(tmp_path: Path) -> None:
    Ledger([_claim()]).to_parquet(tmp_path / "c.parquet")
    data = (tmp_path / "c.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(ClaimFileError, match="Parquet"):
        Ledger.read_parquet(tmp_path / "cut.parquet")


def test_what_to_csv_writes_read_csv_reads_back(tmp_path: Path) -> None:
    big = _claim(quote="x" * 200_000 + "\n\n" + "y")
    formulas = _claim(
        value=est.Range.exactly(2),
        source='=HYPERLINK("http://x", "y")',
        note="'=already quoted",
        text="-5 apples",
        quote="@SUM(A1)",
        url="\tx",
        hedge="+cmd|' /C calc'!A0",
    )
    led = Ledger([big, formulas])
    led.to_csv(tmp_path / "c.csv")
    assert Ledger.read_csv(tmp_path / "c.csv") == led
    cells = (tmp_path / "c.csv").read_text(encoding="utf-8")
    for lead in ("=", "+", "-", "@", "\t"):
        assert f",{lead}" not in cells and f'"{lead}' not in cells


def test_a_valid_claim_never_makes_the_ledger_raise_anything_but_its_own_error() -> None:
    with pytest.raises(ClaimFileError, match="surrogate"):
        Ledger([_claim(source="s\ud800")])


# -- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "hint"),
    [
        ("Quantity,low,Source", "column names are lower case"),
        ("quantity,low,sorce", "did you mean 'source'"),
        ("quantity;low;source", "separate the columns with ','"),
    ],
)
def test_a_header_gets_a_hint(header: str, hint: str) -> None:
    with pytest.raises(ClaimFileError, match=hint):
        Ledger.read_csv(io.StringIO(header + "\nq,1,s\n"))


@pytest.mark.parametrize("method", ["robust", "crh", "catd", "envelope"])
def test_figures_near_the_largest_float_do_not_overflow(method: str) -> None:
    led = Ledger([_claim(value=est.Range.between(1.6e308, 1.7e308), source=f"s{i}")
                  for i in range(3)])  # fmt: skip
    out = est.reconcile_all(led, method=method)
    assert out["low"].tolist() == [1.6e308] and out["high"].tolist() == [1.7e308]
    assert 1.6e308 <= out["best"].iloc[0] <= 1.7e308


@given(
    figures=st.tuples(*(st.none() | st.integers(-3, 3) for _ in range(3))).filter(
        lambda t: any(x is not None for x in t)
    ),
    closed=st.sampled_from(["both", "left", "right", "neither"]),
    unit=st.sampled_from([None, "person", "USD"]),
)
def test_a_range_and_a_claim_table_keep_the_same_rules(
    figures: tuple[int | None, int | None, int | None], closed: str, unit: str | None
) -> None:
    low, best, high = figures
    try:
        est.Range(low=low, best=best, high=high, closed=closed, unit=unit)  # type: ignore[arg-type]
        valid = True
    except InvalidValueError:
        valid = False
    row = {"quantity": ["q"], "low": [low], "best": [best], "high": [high],
           "closed": [closed], "unit": [unit], "source": ["s"]}  # fmt: skip
    got = Ledger.from_frame(pd.DataFrame(row, dtype=object), errors="collect")
    assert valid == (not got.errors), got.errors
