"""Reading Excalibur expert-judgement files (.dtt answers, .rls realizations)."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import pytest

import estimates as est
from estimates.ledger.excalibur import ExcaliburError, read_excalibur
from tests.conftest import SHARED_DATA

HEAD = "* CLASS ASCII OUTPUT FILE. NQ=   5   QU=   5  25  50  75  95\n"


def _line(expert: int, eid: str, qn: int, qid: str, values: list[float], scale: str = "UNI") -> str:
    nums = " ".join(f"{v: .5E}" for v in values)
    return f"{expert:5d}{eid:>9s}{qn:5d} {qid:>14s} {scale} {nums}  Question {qid}?\n"


def test_five_quantiles_become_low_best_high_at_their_level_and_keep_the_rest() -> None:
    dtt = (
        HEAD
        + _line(1, "IL01", 1, "unins Cook", [15, 17, 20, 25, 30])
        + _line(2, "IL02", 1, "unins Cook", [1, 2, 3, 4, 5], "LOG")
    )
    panel = read_excalibur(
        io.StringIO(dtt), io.StringIO("    1     unins Cook  4.6E+0000 UNI  Q\n")
    )
    claims = sorted(panel.ledger, key=lambda c: c.source)
    assert [(c.quantity, c.source, c.level) for c in claims] == [
        ("unins Cook", "IL01", 0.9), ("unins Cook", "IL02", 0.9)
    ]  # fmt: skip
    assert (claims[0].value.low, claims[0].value.best, claims[0].value.high) == (15, 20, 30)
    assert "25 %: 17" in (claims[0].note or "") and "75 %: 25" in (claims[0].note or "")
    assert "background LOG" in (claims[1].note or "")
    assert panel.realizations is not None and panel.realizations.to_dict() == {"unins Cook": 4.6}


def test_no_answer_codes_make_no_claim_and_no_truth() -> None:
    dtt = (
        "* CLASS ASCII OUTPUT FILE. NQ= 3 QU= 5 50 95\n"
        + _line(1, "A", 1, "CQ1", [1, 2, 3])
        + _line(2, "B", 1, "CQ1", [-999.5, -999.5, -999.5])
        + _line(1, "A", 2, "T1", [1, 2, 3])
    )
    rls = "    1            CQ1  2.5E+0000 UNI  a\n    2             T1 -9.99600E+0002 UNI  b\n"
    panel = read_excalibur(io.StringIO(dtt), io.StringIO(rls))
    assert len(panel.ledger) == 2 and panel.realizations is not None
    assert panel.realizations.to_dict() == {"CQ1": 2.5}
    assert read_excalibur(io.StringIO(dtt)).realizations is None


def test_every_bad_line_is_reported_with_file_line_and_field(tmp_path: Path) -> None:
    dtt = (
        "* CLASS ASCII OUTPUT FILE. NQ= 3 QU= 5 50 95\n"
        + _line(1, "A", 1, "CQ1", [1, 2, 3])
        + _line(1, "A", 2, "CQ2", [3, 2, 1])  # decreasing
        + _line(1, "A", 3, "CQ3", [1, -999.5, 3])  # partly missing
        + "    1        A    4            CQ4 UNI  1.0 two 3.0\n"  # not a number
        + _line(1, "A", 1, "CQ1", [1, 2, 3])  # answered twice
    )
    path = tmp_path / "study.dtt"
    path.write_text(dtt, encoding="utf-8")
    with pytest.raises(ExcaliburError) as info:
        read_excalibur(path)
    err = info.value
    assert [(e.row, e.column) for e in err.errors] == [
        (3, "quantiles"), (4, "quantiles"), (5, "quantiles"), (6, "question id")
    ]  # fmt: skip
    text = str(err)
    assert f"{path}, line 3, field 'quantiles': quantiles must not decrease" in text
    assert isinstance(err, est.EstimatesError) and isinstance(err, ValueError)
    assert pickle.loads(pickle.dumps(err)).errors == err.errors


def test_a_header_without_a_central_range_is_refused() -> None:
    for header in (
        "* NQ= 3 QU= 10 50 95\n",
        "* NQ= 2 QU= 5 95\n",
        "* NQ= 4 QU= 5 50 95\n",
        "hello\n",
    ):
        with pytest.raises(ExcaliburError, match="line 1"):
            read_excalibur(io.StringIO(header))


def test_a_realization_of_a_question_nobody_answered_is_an_error() -> None:
    dtt = "* NQ= 3 QU= 5 50 95\n" + _line(1, "A", 1, "CQ1", [1, 2, 3])
    with pytest.raises(ExcaliburError, match=r"line 2, field 'question id'.*no expert"):
        read_excalibur(io.StringIO(dtt), io.StringIO("  1  CQ1  2.0 UNI x\n  2  CQ9  4.0 UNI y\n"))


def test_latin_1_files_are_read() -> None:
    dtt = ("* NQ= 3 QU= 5 50 95\n" + _line(1, "A", 1, "CQ1", [1, 2, 3])).replace(
        "Question", "Qüestion"
    )
    raw = io.BytesIO(dtt.encode("latin-1"))
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "estimates_latin1_test.dtt"
    path.write_bytes(raw.getvalue())
    try:
        (claim,) = read_excalibur(path).ledger
        assert "Qüestion" in (claim.note or "")
    finally:
        path.unlink()


PANELS = SHARED_DATA / "expert_panels"


@pytest.mark.skipif(not PANELS.is_dir(), reason="../shared/data/expert_panels is not present")
def test_all_fourteen_studies_are_read() -> None:
    studies = sorted(PANELS.glob("*.dtt"))
    assert len(studies) == 14
    seeds = 0
    for dtt in studies:
        panel = read_excalibur(dtt, dtt.with_suffix(".rls"))
        assert panel.realizations is not None and len(panel.realizations) > 0
        assert set(panel.realizations.index) <= set(panel.ledger.quantities)
        assert {c.level for c in panel.ledger} == {0.9}
        seeds += len(panel.realizations)
    assert seeds == 155
