"""The ledger's reading path: files read column by column give what a row-by-row reading gives."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import estimates as est
from estimates.errors import BadRow, ClaimFileError
from estimates.ledger import _ids, formats
from estimates.ledger import validation as v
from estimates.ledger._frame import canonical, frame_claim_ids

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


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=20))
def test_digests_are_blake2b_of_the_utf8_text(names: list[str | None]) -> None:
    names = [x for x in names if x is None or v._unicode_problem(x) is None]
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
        got = v._text_check(False)(x)
        return v.join_via(v.split_via(got)) if isinstance(got, str) else got

    for plain, check in (
        (v._NAME, v._text_check(True)),
        (v._TEXT, v._text_check(False)),
        (v._OUTLET, via),
    ):
        many = plain.mask(list(values))  # over 64 values: one pattern over them all
        assert many.tolist() == [plain.one(x) for x in values]
        assert all(check(x) == x for x, same in zip(values, many, strict=True) if same)


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
