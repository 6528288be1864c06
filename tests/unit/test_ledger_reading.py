"""The ledger's reading path: files read column by column give what a row-by-row reading gives."""

from __future__ import annotations

import hashlib
import io
import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import estimates as est
from estimates.errors import BadRow, ClaimFileError
from estimates.ledger import _cells, _figures, _ids, formats
from estimates.ledger import validation as v
from estimates.ledger._frame import canonical, frame_claim_ids, id_order, sorted_codes

Ledger = est.Ledger

_NAMES = st.text(
    alphabet=st.sampled_from([*"ab ;\\\t\u00e9\u00a0\u2003'=-", "\x1c", "\n"]), max_size=6
)


def _frame_of(csv: str) -> pd.DataFrame:
    return Ledger.read_csv(io.StringIO(csv))._frame


def _same_frames(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    for name in a.columns:
        if isinstance(a[name].dtype, pd.CategoricalDtype):
            assert list(a[name].cat.categories) == list(b[name].cat.categories), name


# -- the frame is built once, already in the ledger's order ----------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["q", "r", " q ", "z z"]),
            st.sampled_from(["", "1", "2", "12,000", "x", "-0"]),
            st.sampled_from(["s", "t", "  s", ""]),
            st.sampled_from(["", "2024", "2024-02-30", "2024-01"]),
            st.sampled_from(["", "AFP", "AFP; Reuters", "AFP\\;x"]),
            st.sampled_from(["", "0.9", "1"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_validated_frame_is_canonical_and_keyed_as_the_frame_says(
    rows: list[tuple[str, str, str, str, str, str]],
) -> None:
    table = pd.DataFrame(
        rows, columns=["quantity", "low", "source", "stated_on", "via", "level"], dtype=object
    )
    frame, _ = v.validate_claims(table, where="t")
    # canonical() finds nothing to reorder, drop or tidy: the frame was built in its order
    _same_frames(canonical(frame.copy()), frame)
    # the keys used for the order are the ids the frame's own fields give
    assert frame["claim_id"].tolist() == frame_claim_ids(frame)
    assert frame["claim_id"].is_monotonic_increasing and frame["claim_id"].is_unique


def test_duplicate_rows_are_one_claim_and_order_of_rows_does_not_matter() -> None:
    body = ["q,1,s", "q,2,s", "r,1,t", "q,1,s"]
    one = _frame_of("quantity,low,source\n" + "\n".join(body) + "\n")
    other = _frame_of("quantity,low,source\n" + "\n".join(reversed(body)) + "\n")
    assert len(one) == 3
    _same_frames(one, other)


def test_a_wrong_claim_id_is_reported_and_the_right_one_kept() -> None:
    right = Ledger.read_csv(io.StringIO("quantity,low,source\nq,1,s\n")).claim_ids[0]
    text = f"quantity,low,source,claim_id\nq,1,s,{right}\nq,2,s,0000000000000000\n"
    got = Ledger.read_csv(io.StringIO(text), errors="collect")
    assert got.ledger.claim_ids == (right,)
    [bad] = got.errors
    assert (bad.row, bad.column) == (2, "claim_id") and "its id is" in bad.reason


# -- ids -----------------------------------------------------------------------------------------


def test_id_texts_write_keys_as_sixteen_hex_digits() -> None:
    keys = np.random.default_rng(3).integers(0, 2**63, 500, dtype=np.uint64) * np.uint64(2)
    assert _ids.id_texts(keys).tolist() == [f"{k:016x}" for k in keys.tolist()]
    assert _ids.id_texts(np.zeros(0, dtype=np.uint64)).tolist() == []


def test_claim_ids_are_held_as_arrow_text_and_handed_out_as_python_text() -> None:
    pytest.importorskip("pyarrow")
    keys = np.random.default_rng(4).integers(0, 2**63, 300, dtype=np.uint64)
    assert _ids.id_column(keys).tolist() == _ids.id_texts(keys).tolist()
    led = Ledger.read_csv(io.StringIO("quantity,low,source\nq,1,s\nr,2,t\n"))
    assert isinstance(led._frame["claim_id"].dtype, pd.ArrowDtype)
    public = [led.frame, led.to_frame()]
    assert public[0]["claim_id"].dtype == object and public[1]["claim_id"].dtype == object
    assert all(type(x) is str for x in public[0]["claim_id"]) and len(led.claim_ids) == 2
    assert list(public[0]["claim_id"]) == list(led.claim_ids) == sorted(led.claim_ids)
    # a ledger built any other way holds its ids the same way
    empty, merged = (
        est.Ledger(),
        led.merge(Ledger.read_csv(io.StringIO("quantity,low,source\nz,3,s\n"))),
    )
    assert empty._frame["claim_id"].dtype == led._frame["claim_id"].dtype
    assert merged._frame["claim_id"].dtype == led._frame["claim_id"].dtype and len(merged) == 3


@given(
    st.lists(st.integers(0, 2**64 - 1), max_size=40),
    st.lists(st.sampled_from(["0123456789ABCDEF", "not sixteen", "zzzzzzzzzzzzzzzz"]), max_size=2),
)
def test_ids_are_ordered_as_text(keys: list[int], odd: list[str]) -> None:
    ids = _ids.id_texts(np.array(keys + keys[:3], dtype=np.uint64))
    ids = np.concatenate([ids, np.array(odd, dtype=object)])
    want = sorted(range(ids.size), key=lambda i: (ids[i], i))
    assert id_order(ids).tolist() == want


@given(st.lists(st.integers(0, 2**64 - 1), max_size=60), st.integers(0, 3))
def test_key_order_sorts_keys_by_a_plain_sort_or_an_indirect_one(
    keys: list[int], near: int
) -> None:
    # ``near`` keys that differ only in their lowest bits: their order is not the packed one
    given = keys + [2**63 + near - k for k in range(near)]
    arr = np.array(given, dtype=np.uint64)
    order = _ids.key_order(arr)
    assert sorted(order.tolist()) == list(range(arr.size))
    assert arr[order].tolist() == sorted(given)


def test_columns_no_row_states_share_one_read_only_array_and_equal_a_fresh_frame() -> None:
    text = "quantity,low,source\nq,1,s\nr,2,t\n"
    frame = Ledger.read_csv(io.StringIO(text))._frame
    blank = [frame[c].to_numpy() for c in ("best", "high", "confidence", "level")]
    assert all(np.shares_memory(blank[0], b) for b in blank[1:])
    assert not blank[0].flags.writeable and np.isnan(blank[0]).all()
    dates = [frame[c].to_numpy() for c in ("as_of_start", "as_of_end", "since_end")]
    assert all(np.shares_memory(dates[0], d) for d in dates[1:]) and pd.isna(dates[0]).all()
    # text columns no row states share their codes too, and so do those of one value each
    none = [frame[c].array.codes for c in ("text", "hedge", "url", "note")]
    assert all(np.shares_memory(none[0], c) for c in none[1:]) and (none[0] == -1).all()
    one = [frame[c].array.codes for c in ("closed", "kind")]
    assert np.shares_memory(*one) and (one[0] == 0).all()
    # what a frame rebuilt from the ledger's own claims holds, column by column
    _same_frames(frame, canonical(frame.copy(deep=True)))


def _splitmix(x: int) -> int:
    mask = (1 << 64) - 1
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & mask
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & mask
    return x ^ (x >> 31)


@pytest.mark.parametrize("n", [1, _ids._BLOCK + 3])
def test_keys_fold_each_field_with_splitmix64_in_order(n: int) -> None:
    rng = np.random.default_rng(n)
    fields = [rng.integers(0, 2**63, n, dtype=np.uint64), np.uint64(77), rng.integers(0, 9, n)]
    hashes = [f.astype(np.uint64) if np.ndim(f) else f for f in fields]
    level = np.where(np.arange(n) % 2 == 1, 0.9, np.nan)
    keys = _ids.fold(hashes, [level], n=n)
    for i in {0, n // 2, n - 1}:
        want = 0x9E3779B97F4A7C15
        for f in hashes:
            want = _splitmix(want ^ int(f[i] if np.ndim(f) else f))
        if i % 2 == 1:
            want = _splitmix(want ^ int(np.float64(0.9).view(np.uint64)))
        assert int(keys[i]) == want


@given(st.lists(st.one_of(st.none(), _NAMES, st.text(max_size=3)), max_size=300))
def test_sorted_codes_are_a_sorted_factorize(values: list[str | None]) -> None:
    texts = np.array(
        [x for x in values if x is None or _cells._unicode_problem(x) is None] + [None],
        dtype=object,
    )
    codes, names = sorted_codes(texts)
    want_codes, want_names = pd.factorize(texts, sort=True, use_na_sentinel=True)
    assert names.tolist() == list(want_names) == sorted(want_names)
    assert codes.tolist() == want_codes.tolist()


@given(st.lists(st.one_of(st.none(), st.just(float("nan")), _NAMES), max_size=100), st.booleans())
def test_sorted_codes_of_distinct_sorted_texts_are_read_without_sorting(
    values: list[str | float | None], missing: bool
) -> None:
    texts = sorted({x for x in values if isinstance(x, str)})
    # the distinct texts in order (the missing cell's entry after them), or with a None or a
    # NaN among them: what a sorted factorize gives
    for listed in (texts, [*texts[:3], *[x for x in values if not isinstance(x, str)], *texts[3:]]):
        table = np.array([*listed, None] if missing else listed, dtype=object)
        codes, names = sorted_codes(table)
        want_codes, want_names = pd.factorize(table, sort=True, use_na_sentinel=True)
        assert names.tolist() == list(want_names) and codes.tolist() == want_codes.tolist()


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=20))
def test_digests_are_blake2b_of_the_utf8_text(names: list[str | None]) -> None:
    names = [x for x in names if x is None or _cells._unicode_problem(x) is None]
    want = [
        int.from_bytes(hashlib.blake2b(x.encode(), digest_size=8).digest(), "little")
        if x is not None
        else int(_ids._MISSING_TEXT)
        for x in names
    ]
    assert _ids.digests(names).tolist() == want
    assert _ids.digests([*names, float("nan")]).tolist() == [*want, int(_ids._MISSING_TEXT)]


# -- the checks of many values at once agree with the check of one ----------------------------


@given(st.lists(_NAMES, min_size=65, max_size=90))
def test_plain_values_are_what_the_checks_give_back_unchanged(values: list[str]) -> None:
    def via(x: object) -> object:
        got = _cells._text_check(False)(x)
        return v.join_via(v.split_via(got)) if isinstance(got, str) else got

    for plain, check in (
        (_cells._NAME, _cells._text_check(True)),
        (_cells._TEXT, _cells._text_check(False)),
        (_cells._OUTLET, via),
    ):
        many = plain.mask(list(values))  # over 64 values: one pattern over them all
        assert many.tolist() == [plain.one(x) for x in values]
        assert all(check(x) == x for x, same in zip(values, many, strict=True) if same)
        # a value that is not text is never plain, even where Arrow would read it as text
        odd = plain.mask([b"ab", *values])
        assert not odd[0] and odd[1:].tolist() == many.tolist()


# -- CSV: the fast reading gives what the careful one gives ------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "q,1,s\n\nq,2,s\n",  # a blank line: skipped, but counted
        "q,1,s\n,,\nq,2,s\n",  # a row of blank cells: reported
        'q,1,"a\nb"\nq,2,s\n',  # a line break inside a cell
        "q,1,s\r\nq,2,t\r\n",
        "q,1,s\nq,x,s\nq,,s\n",
    ],
)
def test_fast_and_careful_csv_readings_agree(body: str) -> None:
    text = "quantity,low,source\n" + body
    fast = Ledger.read_csv(io.BytesIO(text.encode()), errors="collect")
    raw = formats._careful_csv(text, ["quantity", "low", "source"], "t")
    good, bad = v.validate_claims(raw.table, where="t")
    mapped = list(raw.bad) + [
        BadRow(None if e.row is None else raw.numbers[e.row - 1], e.column, e.value, e.reason)
        for e in bad
    ]
    mapped.sort(key=lambda e: e.row or 0)
    assert [str(e) for e in fast.errors] == [str(e) for e in mapped]
    _same_frames(fast.ledger._frame, good)


@pytest.mark.parametrize("other", ["t", "t\u00e9"])
def test_text_columns_read_by_arrow_are_codes_into_their_sorted_texts(other: str) -> None:
    pa = pytest.importorskip("pyarrow")
    # a file of ASCII bytes is read as bytes, and its texts are text all the same
    text = f"quantity,low,source\nb,1,{other}\na,2,s\nb,3,'=x\n"
    table = formats.read_csv_table(io.BytesIO(text.encode())).table
    for name, names, codes in (
        ("quantity", ["a", "b"], [1, 0, 1]),
        ("source", ["=x", "s", other], [2, 1, 0]),
    ):
        cells = pa.array(table[name].array)
        assert cells.type == pa.dictionary(cells.type.index_type, pa.string()), name
        assert cells.dictionary.to_pylist() == names and cells.indices.to_pylist() == codes
    assert table["low"].tolist() == ["1", "2", "3"]


def test_a_column_held_by_arrow_as_a_dictionary_of_text_reads_as_its_text() -> None:
    pa = pytest.importorskip("pyarrow")
    cells = ["q", " q ", None, "r", "q", "'=x"]
    plain = pd.DataFrame(
        {"quantity": pd.Series(cells, dtype=object), "low": [1] * 6, "source": "s"}
    )
    coded = plain.assign(
        quantity=pd.Series(pd.arrays.ArrowExtensionArray(pa.array(cells).dictionary_encode()))
    )
    want, got = (Ledger.from_frame(f, errors="collect") for f in (plain, coded))
    _same_frames(got.ledger._frame, want.ledger._frame)
    assert [str(e) for e in got.errors] == [str(e) for e in want.errors] != []


def test_a_guarded_formula_and_the_same_text_unguarded_are_one_text() -> None:
    text = "quantity,text,low,source\nq,=cmd,1,s\nq,'=cmd,2,s\nq,''x,3,s\nq,'a,4,s\n"
    led = Ledger.read_csv(io.StringIO(text))
    assert sorted(led.to_frame()["text"]) == ["'a", "'x", "=cmd", "=cmd"]


def test_bad_rows_of_a_fast_read_are_all_reported_with_row_and_field() -> None:
    text = "quantity,low,high,source,kind\nq,5,1,s,stock\nq,1,2,,guess\nq,1,2,s,stock\n"
    with pytest.raises(ClaimFileError) as caught:
        Ledger.read_csv(io.BytesIO(text.encode()))
    got = [(e.row, e.column) for e in caught.value.errors]
    assert got == [(1, "low"), (2, "source"), (2, "kind")]


# -- rows given in words -----------------------------------------------------------------------


def test_a_unit_that_does_not_fit_the_text_is_a_row_numbered_error_beside_the_others() -> None:
    text = (
        "quantity,text,unit,source,kind\n"
        "q,5000 troops,km,s,stock\n"
        "q,1.5 million barrels a day,barrel/day,s,stock\n"
        "q,about 5,,s,guess\n"
    )
    got = Ledger.read_csv(io.StringIO(text), errors="collect")
    assert [(e.row, e.column) for e in got.errors] == [(1, "unit"), (3, "kind")]
    reason = got.errors[0].reason
    assert "kilometer" in reason and "'person'" in reason and "5000 troops" in reason
    [kept] = got.ledger.to_frame().to_dict("records")
    read = est.parse("1.5 million barrels a day", unit="barrel/day")
    assert kept["text"] == "1.5 million barrels a day"
    assert (kept["unit"], kept["best"]) == (read.unit, read.best) == (read.unit, 1_500_000)
    with pytest.raises(ClaimFileError) as caught:
        Ledger.read_csv(io.StringIO(text))
    assert [e.row for e in caught.value.errors] == [1, 3]


def test_a_text_with_two_readings_says_in_the_note_which_was_taken() -> None:
    text = 'quantity,text,source,note\nq,1.5m,s,\nq,"2,7",s,seen twice\nq,about 5,s,\n'
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning per row
        frame = Ledger.read_csv(io.StringIO(text)).to_frame().set_index("text")
    million = frame.loc["1.5m"]
    assert million["best"] == 1_500_000
    assert million["note"].startswith("'1.5m' read as 1,500,000")
    assert "1.5 (1.45–1.55) m" in million["note"]  # the other reading: metres
    comma = frame.loc["2,7"]
    assert comma["best"] == 2.7
    assert comma["note"].startswith("seen twice; '2,7' read as 2.7")  # appended to the note
    assert "could also be 2 " in comma["note"]
    assert pd.isna(frame.loc["about 5", "note"])


def test_a_noted_reading_survives_a_round_trip(tmp_path: Path) -> None:
    led = Ledger.read_csv(io.StringIO("quantity,text,source\nq,1.5m,s\n"))
    led.to_csv(tmp_path / "c.csv")
    again = Ledger.read_csv(tmp_path / "c.csv")
    assert again == led and "read as" in again.to_frame()["note"][0]


def test_each_distinct_text_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from estimates.reading import parsing

    calls: list[str] = []
    real = parsing.parse

    def counted(text: str, **kw: object) -> est.Range:
        calls.append(text)
        return real(text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(parsing, "parse", counted)
    rows = [f"q{i % 50},{['about 5', 'more than 10', 'lots'][i % 3]},s" for i in range(300)]
    got = Ledger.read_csv(
        io.StringIO("quantity,text,source\n" + "\n".join(rows) + "\n"), errors="collect"
    )
    assert sorted(calls) == ["about 5", "lots", "more than 10"]
    assert len(got.errors) == 100 and {e.column for e in got.errors} == {"text"}


# -- number cells: the plain ones at once, the others one by one ---------------------------------

_CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "12",
            "12,000",
            "1,234.5",
            " 12 ",
            "1e-400",
            "1e400",
            "12_000",
            "x",
            "-0",
            "+.5",
            "5.",
            "1,23",
            "nan",
            "inf",
            "0.000",
            "0e5",
            "1\n",
            "\u0661\u0662",
            "1,000,000.25",
        ]
    ),
    st.from_regex(r"[+-]?[0-9]{0,4}(\.[0-9]{0,3})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_CELLS, min_size=1, max_size=30))
def test_number_cells_read_at_once_as_one_by_one(cells: list[str]) -> None:
    n = len(cells)
    rows = np.arange(1, n + 1)
    errors: list[BadRow] = []
    got = _figures._fast_numbers(pd.Series(cells, dtype="string[pyarrow]"), n, "low", rows, errors)
    want: list[float] = []
    bad: list[tuple[int, object, str]] = []
    for i, cell in enumerate(cells, start=1):
        one = _figures._number_cell(cell)
        if isinstance(one, _figures._Bad):
            bad.append((i, cell, one.reason))
            want.append(np.nan)
        else:
            want.append(one)
    np.testing.assert_array_equal(got, np.array(want, dtype=float))
    assert (
        np.signbit(got[~np.isnan(got)]).tolist()
        == np.signbit(np.array(want)[~np.isnan(want)]).tolist()
    )
    assert [(e.row, e.value, e.reason) for e in errors] == bad
    # an object column of the same text, and the file reader, give the same
    again: list[BadRow] = []
    same = _figures._fast_numbers(pd.Series(cells, dtype=object), n, "low", rows, again)
    np.testing.assert_array_equal(same, got)
    assert [str(e) for e in again] == [str(e) for e in errors]


def test_arrow_reads_a_text_of_number_bytes_as_a_number_exactly_when_the_pattern_does() -> None:
    pa = pytest.importorskip("pyarrow")
    texts = ["".join(t) for k in range(1, 5) for t in itertools.product("09.eE+-", repeat=k)]
    assert all(_figures._number_bytes_only(pa.array([t])) for t in texts)
    for text in texts:
        got = _figures._floats(pa.array([text]))
        if _figures._NUMBER.match(text):
            assert got is not None and got.tolist() == [float(text)], text
        else:
            assert got is None, text
    assert not _figures._number_bytes_only(pa.array(["1", "inf"]))


def test_a_file_of_grouped_thousands_reads_without_reading_cells_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read_one: list[object] = []
    real = _figures._number_cell

    def counted(x: object) -> object:
        read_one.append(x)
        return real(x)

    monkeypatch.setattr(_figures, "_number_cell", counted)
    body = "".join(f'q{i},"{i},000",s\n' for i in range(1, 200)) + "q0,12_000,s\n"
    got = Ledger.read_csv(io.StringIO("quantity,low,source\n" + body), errors="collect")
    assert read_one == ["12_000"]  # only the cell that is not a plain number
    assert [(e.row, e.column) for e in got.errors] == [(200, "low")]
    assert sorted(got.ledger.to_frame()["low"])[:2] == [1000.0, 2000.0]
