"""Cells of a claim file read without the work they do not need: the package's count units
known without the unit registry, blank number cells read in place, a guarded cell beside a
byte that is not UTF-8."""

from __future__ import annotations

import io

import numpy as np
import pytest

import estimates as est
from estimates.errors import BadRow
from estimates.ledger import _cells, _figures
from estimates.values import units


def test_each_count_name_known_without_the_registry_is_what_the_registry_says() -> None:
    names = units._count_names()
    assert {"person", "container", "ship"} <= names
    for name in names:
        assert units.canonical(name) == name
        assert units.is_count(name)
    assert "USD" not in names and "soldier" not in names  # a currency; an alias of person


def test_a_count_unit_in_its_canonical_spelling_is_read_without_the_registry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    real = units.canonical

    def counted(unit: str) -> str:
        asked.append(unit)
        return real(unit)

    monkeypatch.setattr(units, "_user_definitions", [])  # as in a process that defined none
    monkeypatch.setattr(units, "canonical", counted)
    monkeypatch.setattr(units, "registry", lambda: pytest.fail("the registry was built"))
    csv = "quantity,low,unit,source\nq,1,person,s\nr,-2,container,s\n"
    got = est.Ledger.read_csv(io.StringIO(csv), errors="collect")
    assert asked == []
    assert [(e.row, e.column) for e in got.errors] == [(2, "low")]  # a count below 0
    assert got.ledger.to_frame()["unit"].tolist() == ["person"]


def test_other_units_and_any_unit_defined_at_run_time_go_to_the_registry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    real = units.canonical

    def counted(unit: str) -> str:
        asked.append(unit)
        return real(unit)

    monkeypatch.setattr(units, "_user_definitions", [])
    monkeypatch.setattr(units, "canonical", counted)
    assert _cells._unit_check("soldiers") == "person"
    assert _cells._unit_check("USD") == "USD" and not units.is_count("USD")
    assert asked[:2] == ["soldiers", "USD"]
    # a definition made at run time could give "person" another meaning
    monkeypatch.setattr(units, "_user_definitions", [("person = [human]", False)])
    assert _cells._unit_check("person") == "person"
    assert asked[-1] == "person"


def test_a_negative_count_of_a_package_unit_is_still_refused() -> None:
    got = est.Ledger.read_csv(
        io.StringIO("quantity,best,unit,source\nq,-3,ship,s\nq,-3,USD,s\n"), errors="collect"
    )
    assert [(e.row, e.column) for e in got.errors] == [(1, "best")]
    assert "cannot be negative" in got.errors[0].reason
    assert got.ledger.to_frame()["unit"].tolist() == ["USD"]


def test_blank_number_cells_are_missing_and_the_others_read_where_they_are() -> None:
    pa = pytest.importorskip("pyarrow")
    cells = pa.array(["", "12", "", "1e400", "0.5", "1e-400", ""]).slice(0)
    errors: list[BadRow] = []
    rows = np.arange(1, len(cells) + 1)
    got = _figures._text_numbers(cells, len(cells), "low", rows, errors)
    assert np.isnan(got[[0, 2, 3, 5, 6]]).all()
    assert got[[1, 4]].tolist() == [12.0, 0.5]
    assert [(e.row, e.value) for e in errors] == [(4, "1e400"), (6, "1e-400")]
    # a slice of a longer array (an offset into its buffers) reads the same
    longer = pa.array(["7", "", "12", "", "x"]).slice(1, 3)
    again: list[BadRow] = []
    got = _figures._text_numbers(longer, 3, "low", np.arange(1, 4), again)
    assert np.isnan(got[[0, 2]]).all() and got[1] == 12.0 and again == []


def test_a_guarded_cell_beside_a_byte_that_is_not_utf8_reports_the_byte() -> None:
    # a row the fast reader refuses (a field too many) sends the file to the careful reader
    raw = b"quantity,low,source\nq,1,'=cmd\nq,2,s\xff\nq,3,s,extra\n"
    got = est.Ledger.read_csv(io.BytesIO(raw), errors="collect")  # type: ignore[arg-type]
    assert sorted((e.row, e.column) for e in got.errors) == [(2, "source"), (3, None)]
    assert "0xFF" in next(e.reason for e in got.errors if e.row == 2)
    assert got.ledger.to_frame()["source"].tolist() == ["=cmd"]
