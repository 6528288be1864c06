"""The command line at the front door: demo into a folder, demo without the plot extra, a ledger
summary counting sources as reconciliation does."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import estimates as est
from estimates.faces import cli


def test_demo_into_a_folder_writes_the_picture_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    assert cli.main(["demo", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "demo-timeline.png").stat().st_size > 0
    capsys.readouterr()


def test_demo_without_the_plot_extra_says_how_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec

    def no_matplotlib(name: str, *args: object) -> object:
        return None if name == "matplotlib" else real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", no_matplotlib)
    assert cli.main(["demo", "--out", str(tmp_path / "x.png")]) == 0
    out = capsys.readouterr().out
    assert 'pip install "estimates[plot]"' in out and not (tmp_path / "x.png").exists()


def test_the_summary_counts_sources_after_aliases() -> None:
    ledger, sources = est.datasets.dprk(), est.datasets.dprk_sources()
    raw = ledger.summary(sources=None)
    joined = ledger.summary(sources=sources)
    q = "dprk_troops_in_russia"
    n_raw = int(raw.set_index("quantity").loc[q, "sources"])
    n_joined = int(joined.set_index("quantity").loc[q, "sources"])
    spellings = len(set(ledger.select(q).sources))
    assert n_joined < n_raw <= spellings
    result = est.reconcile(ledger, q, sources=sources)
    assert n_joined == result.claims["resolved_source"].nunique()
