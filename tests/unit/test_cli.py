"""The command line: results on stdout, one-line reasons on stderr, exit 0 / 1 / 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from estimates import datasets
from estimates.errors import RelationError
from estimates.faces.cli import main, read_relations, render_table
from estimates.ledger.table import Ledger

DPRK = datasets.dprk_path()


@pytest.fixture(autouse=True)
def _close_figures() -> object:
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def relations(tmp_path: Path) -> Path:
    path = tmp_path / "relations.txt"
    path.write_text(
        "# parts within wholes\n"
        "dprk_troops_in_kursk <= dprk_troops_in_russia\n"
        "dprk_troops_first_wave_kursk <= dprk_troops_in_kursk\n"
    )
    return path


def _bad_input(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run argv, assert exit 2, an empty stdout and a reason on stderr; return the reason."""
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("estimates: error: ")
    return err


# -- bad input: exit 2, nothing on stdout ------------------------------------------------------


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    err = _bad_input(capsys, ["reconcile", "no/such/claims.csv"])
    assert err == "estimates: error: no such file: no/such/claims.csv\n"


def test_bad_csv_rows_are_each_listed_when_few(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    rows = ["q,12,s,stock", "q,12,00O,s,stock", "q,5,s,guess"] + [
        f"q,x{i},s,stock" for i in range(8)
    ]
    bad.write_text("quantity,low,source,kind\n" + "\n".join(rows) + "\n")
    err = _bad_input(capsys, ["reconcile", str(bad)])
    lines = err.splitlines()
    assert lines[0] == f"estimates: error: 10 bad rows in {bad}:"
    assert "row 2: has 5 fields but the header has 4" in lines[1]
    assert "row 3, column 'kind'" in lines[2]
    assert lines[-1].startswith("  row 11, column 'low'")
    assert len(lines) == 11  # the head and every bad row


def test_many_bad_csv_rows_are_grouped_by_column_with_every_row_and_a_full_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    rows = ["q,12,s,stock", "q,12,00O,s,stock", "q,5,s,guess"]
    rows += [f"q,x{i},s,stock" for i in range(30)] + ["q,5,,stock", "q,1e-400,s,flow"]
    rows += [f"q,{i},s,guess{i % 5}" for i in range(40)]
    bad.write_text("quantity,low,source,kind\n" + "\n".join(rows) + "\n")
    err = _bad_input(capsys, ["reconcile", str(bad)])
    lines = err.splitlines()
    assert lines[0] == f"estimates: error: 74 bad rows in {bad}; by column, every row named:"
    assert "  column 'kind': 41 rows (3, 36-75)" in lines
    assert "  column 'low': 31 rows (4-33, 35)" in lines
    assert "  column 'source': 1 row (34)" in lines
    assert "  the whole row: 1 row (2)" in lines
    assert any("too small for a figure" in line for line in lines)  # a second reason shown
    kind = lines.index("  column 'kind': 41 rows (3, 36-75)")
    assert lines[kind + 1].startswith("    row 3, column 'kind': must be one of")
    assert lines[kind + 2].startswith("  column")  # one reason: one example
    report = Path(lines[-1].split("every bad row, with its value and reason: ")[1])
    listed = pd.read_csv(report, dtype=str, keep_default_na=False)
    report.unlink()
    assert len(listed) == 74 and list(listed.columns) == ["row", "column", "value", "reason"]
    assert listed.loc[listed["row"] == "34", "column"].tolist() == ["source"]
    assert sorted(set(listed["row"].astype(int))) == list(range(2, 76))


def test_unknown_method(capsys: pytest.CaptureFixture[str]) -> None:
    err = _bad_input(capsys, ["reconcile", DPRK, "--method", "median"])
    assert "unknown method 'median'" in err and "robust" in err
    assert len(err.splitlines()) == 1


def test_unknown_quantity(capsys: pytest.CaptureFixture[str]) -> None:
    err = _bad_input(capsys, ["reconcile", DPRK, "--quantity", "troops_on_mars"])
    assert "unknown quantity 'troops_on_mars'; the file has: artillery_systems_shipped" in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("option", ["--known-on", "--at"])
def test_bad_date(capsys: pytest.CaptureFixture[str], option: str) -> None:
    err = _bad_input(capsys, ["reconcile", DPRK, option, "2024-13-01"])
    assert f"{option} '2024-13-01'" in err
    assert len(err.splitlines()) == 1


def test_unknown_extension_and_directory(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--input-format" in _bad_input(capsys, ["reconcile", "claims.xlsx"])
    assert "is a directory" in _bad_input(capsys, ["reconcile", str(Path(DPRK).parent)])


def test_argument_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    err = _bad_input(capsys, ["timeline", DPRK])
    assert err == (
        "estimates: error: the following arguments are required: --quantity "
        "(see 'estimates timeline --help')\n"
    )
    _bad_input(capsys, ["reconcile", DPRK, "--format", "xml"])
    _bad_input(capsys, ["frobnicate"])


def test_unreadable_text_and_bad_relations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert "no figure found" in _bad_input(capsys, ["parse", "lots of troops"])
    rel = tmp_path / "rel.txt"
    rel.write_text("dprk_troops_in_kursk is part of dprk_troops_in_russia\n")
    err = _bad_input(capsys, ["check", DPRK, "--relations", str(rel)])
    assert f"{rel}, line 1" in err
    rel.write_text("troops_on_mars <= dprk_troops_in_russia\n")
    assert "troops_on_mars" in _bad_input(capsys, ["check", DPRK, "--relations", str(rel)])


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "usage: estimates" in err


# -- success ---------------------------------------------------------------------------------


def test_help_on_every_command_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("parse", "reconcile", "check", "timeline", "methods", "demo"):
        assert main([command, "--help"]) == 0
        out, _ = capsys.readouterr()
        assert "example:" in out and f"estimates {command}" in out


def test_python_dash_m_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "estimates", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "usage: estimates" in done.stdout and "estimates demo" in done.stdout
    assert done.stderr == ""


def test_parse_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["parse", "--format", "json", "around 12,000 soldiers", "1,500 special forces"]) == 0
    )
    records = json.loads(capsys.readouterr().out)
    assert [r["best"] for r in records] == [12000.0, 1500.0]
    assert records[0]["unit"] == "person" and records[0]["convention"] == "ferson"


def test_reconcile_csv_matches_reconcile_all(capsys: pytest.CaptureFixture[str]) -> None:
    from estimates.reconciliation.reconcile import reconcile_all

    assert main(["reconcile", DPRK, "--known-on", "2025-01-15", "--format", "csv"]) == 0
    got = pd.read_csv(io.StringIO(capsys.readouterr().out))
    want = reconcile_all(datasets.dprk(), known_on="2025-01-15")
    assert got["quantity"].tolist() == want["quantity"].tolist()
    pd.testing.assert_series_equal(got["best"], want["best"], check_names=False)


def test_reconcile_one_quantity_as_a_table_explains_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["reconcile", DPRK, "--quantity", "dprk_troops_in_russia", "--known-on", "2025-01-15"]
    assert main([*argv, "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("quantity")
    assert "As known on 15 Jan 2025, dprk_troops_in_russia" in out
    assert main([*argv, "--format", "csv"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert rows["quantity"].tolist() == ["dprk_troops_in_russia"]


def test_stdin_with_input_format(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    jsonl = tmp_path / "claims.jsonl"
    datasets.dprk().to_jsonl(jsonl)
    monkeypatch.setattr(sys, "stdin", io.StringIO(jsonl.read_text()))
    assert main(["reconcile", "-", "--input-format", "jsonl", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == len(datasets.dprk().quantities)


def test_parquet_by_extension(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "claims.parquet"
    datasets.dprk().to_parquet(path)
    assert (
        main(["reconcile", str(path), "--quantity", "containers_shipped", "--format", "csv"]) == 0
    )
    assert "containers_shipped" in capsys.readouterr().out


def test_output_file_is_written_and_stdout_stays_empty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_path = tmp_path / "reconciled.json"
    assert main(["reconcile", DPRK, "-o", str(out_path)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and f"wrote {out_path}" in err
    assert isinstance(json.loads(out_path.read_text()), list)  # format from the extension
    assert [p.name for p in tmp_path.iterdir()] == ["reconciled.json"]  # no temporary left


def test_check_exits_1_on_violations_and_0_when_clean(
    capsys: pytest.CaptureFixture[str], relations: Path, tmp_path: Path
) -> None:
    assert main(["check", DPRK, "--relations", str(relations), "--format", "csv"]) == 1
    report = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(report) > 0 and "message" in report.columns
    clean = tmp_path / "clean.csv"
    Ledger(list(datasets.dprk().select("containers_shipped"))).to_csv(clean)
    rel = tmp_path / "rel.txt"
    rel.write_text("monotone containers_shipped\n")
    assert main(["check", str(clean), "--relations", str(rel), "--format", "table"]) == 0
    assert "satisfy every relation" in capsys.readouterr().out


def test_timeline_with_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png = tmp_path / "kursk.png"
    argv = ["timeline", DPRK, "--quantity", "dprk_troops_in_kursk", "--plot", str(png)]
    assert main([*argv, "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    frame = pd.read_csv(io.StringIO(out))
    assert (frame["quantity"] == "dprk_troops_in_kursk").all() and len(frame) > 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {png}" in err


def test_methods_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    from estimates.reconciliation.methods import methods

    assert main(["methods", "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert tuple(frame["method"]) == methods()


def test_progress_line_only_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["reconcile", DPRK, "--format", "csv"]
    assert main(argv) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "reconciling 85 claims about 25 quantities" in err
    assert "\r" not in out and "reconciling" not in out


def test_demo(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png = tmp_path / "demo.png"
    assert main(["demo", "--out", str(png)]) == 0
    out = capsys.readouterr().out
    for heading in (
        "As known on 1 November 2024",
        "As known on 15 January 2025",
        "As known on 1 June 2025",
    ):
        assert heading in out
    assert "Why: dprk_troops_in_russia" in out
    assert "superseded" in out  # the explanation is printed in full
    assert f"Wrote {png.resolve()}" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- helpers ---------------------------------------------------------------------------------


def test_relations_json_and_text_agree(tmp_path: Path) -> None:
    text = tmp_path / "r.txt"
    text.write_text("a <= b\nx + y = z\nmonotone z\n")
    js = tmp_path / "r.json"
    js.write_text(
        json.dumps(
            [
                {"kind": "at_most", "part": "a", "whole": "b"},
                {"kind": "sum_of", "parts": ["x", "y"], "total": "z"},
                {"kind": "monotone", "quantity": "z"},
            ]
        )
    )
    assert read_relations(str(text)) == read_relations(str(js))
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n")
    with pytest.raises(RelationError, match="holds no relations"):
        read_relations(str(empty))


def test_render_table_wraps_to_the_width() -> None:
    text = render_table([["q", "word " * 30]], ["quantity", "note"], width=40, wrap=1)
    assert max(len(line) for line in text.splitlines()) <= 40
    assert text.count("word") == 30


def test_demo_with_a_bad_output_path_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    err = _bad_input(capsys, ["demo", "--out", "/no/such/folder/demo.png"])
    assert err == "estimates: error: no such folder: /no/such/folder\n"
    assert "use a .png" in _bad_input(capsys, ["demo", "--out", "demo.gif"])


def test_timeline_table_is_by_date(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["timeline", DPRK, "--quantity", "dprk_troops_in_kursk", "--format", "table"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("at ") and lines[2].startswith("2024-")


def test_reconcile_with_relations_and_sources(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from estimates.ledger.claims import Claim
    from estimates.values.ranges import Range

    claims = tmp_path / "claims.csv"
    Ledger(
        [
            Claim(quantity="in_kursk", value=Range.at_least(7000, unit="person"),
                  source="HUR (briefing)", stated_on="2024-10-31"),
            Claim(quantity="in_russia", value=Range.between(10_000, 12_000, unit="person"),
                  source="Kyiv intelligence", stated_on="2024-10-31"),
        ]
    ).to_csv(claims)  # fmt: skip
    rel = tmp_path / "rel.txt"
    rel.write_text("in_kursk <= in_russia\n")
    aliases = tmp_path / "sources.csv"
    aliases.write_text("name,alias\nUkraine HUR,HUR\nUkraine HUR,Kyiv intelligence\n")
    argv = ["reconcile", str(claims), "--format", "csv", "--sources", str(aliases)]
    assert main(argv) == 0
    plain = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("quantity")
    assert pd.isna(plain.loc["in_kursk", "high"])  # "at least 7,000" alone has no top
    assert main([*argv, "--relations", str(rel)]) == 0
    narrowed = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("quantity")
    assert narrowed.loc["in_kursk", "high"] == 12_000  # a part cannot exceed its whole
    assert "in_kursk ≤ in_russia" in narrowed.loc["in_kursk", "note"]
    bad = tmp_path / "bad_sources.csv"
    bad.write_text("who,aka\nA,B\n")
    assert "needs columns name,alias" in _bad_input(capsys, [*argv[:-1], str(bad)])


def test_parquet_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "claims.parquet"
    datasets.dprk().to_parquet(path)

    class Stdin:
        buffer = io.BytesIO(path.read_bytes())

    monkeypatch.setattr(sys, "stdin", Stdin())
    argv = ["reconcile", "-", "--input-format", "parquet", "--format", "csv"]
    assert main([*argv, "--quantity", "containers_shipped"]) == 0
    assert capsys.readouterr().out.count("containers_shipped") == 1
    Stdin.buffer = io.BytesIO(b"not parquet")
    err = _bad_input(capsys, argv)
    assert "cannot read standard input as Parquet" in err and "tmp" not in err
