"""Plots: what is drawn, and the error when matplotlib is missing."""

from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from estimates import datasets
from estimates.errors import MissingExtraError, ReconcileError
from estimates.faces.plotting import plot_sources, plot_timeline
from estimates.ledger.claims import Claim
from estimates.ledger.table import Ledger
from estimates.reconciliation.timeline import timeline
from estimates.values.ranges import Range


@pytest.fixture(autouse=True)
def _close_figures() -> object:
    yield
    plt.close("all")


def _ledger() -> Ledger:
    return Ledger(
        [
            Claim(quantity="troops", value=Range.between(2000, 12000, unit="person"),
                  source="Official", stated_on="2024-10-17"),
            Claim(quantity="troops", value=Range.at_least(3000, unit="person"),
                  source="Kirby (White House)", stated_on="2024-10-23"),
            Claim(quantity="troops", value=Range.exactly(11000, unit="person"), source="Kirby",
                  stated_on="2024-11-04"),
            Claim(quantity="troops", value=Range(best=12000, unit="person"), source="Seoul",
                  stated_on="2024-10-18", kind="projection"),
            Claim(quantity="troops", value=Range.exactly(12, unit="kiloperson"), source="Late",
                  stated_on="2025-02-01"),
        ]
    )  # fmt: skip


def _legend(ax: plt.Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def test_readable_by_default() -> None:
    ax = plot_timeline(_ledger(), "troops", known_on="2025-01-01")
    assert ax.get_title(loc="left") == "troops"
    assert ax.get_ylabel() == "person"
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "10,000" in labels  # thousands separators
    # the legend sits outside the data, to the right of the axes
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().x0 >= ax.get_window_extent().x1


def test_sources_resolve_and_each_gets_one_colour() -> None:
    ax = plot_timeline(_ledger(), "troops", band=False)
    names = _legend(ax)
    # "Kirby (White House)" resolves to "Kirby": one entry, not two
    assert names.count("Kirby") == 1 and "Kirby (White House)" not in names
    handles = ax.get_legend().legend_handles
    colours = {to_hex(h.get_color()) for h, n in zip(handles, names, strict=True)
               if n in ("Official", "Kirby", "Seoul", "Late")}  # fmt: skip
    assert len(colours) == 4


def test_open_ends_are_arrows_and_projections_hollow() -> None:
    ax = plot_timeline(_ledger(), "troops", band=False)
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == 1  # "at least 3,000" opens upwards
    start, end = arrows[0].xyann[1], arrows[0].xy[1]
    assert start == 3000 and end > start
    hollow = [
        ln for ln in ax.lines if ln.get_marker() == "o" and ln.get_markerfacecolor() == "white"
    ]
    assert len(hollow) == 1 and list(hollow[0].get_ydata()) == [12000]


def test_units_are_converted_to_the_quantity_unit() -> None:
    ax = plot_timeline(_ledger(), "troops", band=False)
    dots = [ln for ln in ax.lines if ln.get_marker() == "o" and ln.get_linestyle() == "None"]
    assert 12000.0 in {float(y) for ln in dots for y in ln.get_ydata()}  # 12 kiloperson


def test_known_on_line_and_later_claims_faint() -> None:
    ax = plot_timeline(_ledger(), "troops", known_on="2025-01-01", band=False)
    assert any(t.get_text() == "known on 2025-01-01" for t in ax.texts)
    late = [ln for ln in ax.lines if list(ln.get_ydata()) == [12000.0] and ln.get_marker() == "o"
            and ln.get_markerfacecolor() != "white"]  # fmt: skip
    assert late and all(ln.get_alpha() < 0.5 for ln in late)
    assert "stated after known on" in _legend(ax)


def test_band_from_the_timeline() -> None:
    ax = plot_timeline(datasets.dprk(), "dprk_troops_in_russia", known_on="2025-01-15",
                       sources=datasets.dprk_sources())  # fmt: skip
    assert "reconciled range (robust)" in _legend(ax)
    assert ax.collections, "the band is a filled area"
    steps = [ln for ln in ax.lines if ln.get_drawstyle().startswith("steps")]
    assert steps and np.nanmax(steps[0].get_ydata()) == 12000


def test_unknown_quantity_names_the_known_ones() -> None:
    with pytest.raises(ReconcileError, match=r"no claims about 'navy'.*troops"):
        plot_timeline(_ledger(), "navy")


def test_plot_sources_sorted_by_weight() -> None:
    table = pd.DataFrame({"source": ["B", "A", "C"], "weight": [0.5, 2.0, 0.1],
                          "prior": [1.0, 1.0, 1.0], "claims": [1, 4, 2]})  # fmt: skip
    ax = plot_sources(table)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "A (4 claims)",
        "B (1 claim)",
        "C (2 claims)",
    ]
    with pytest.raises(ValueError, match="lacks column"):
        plot_sources(table.drop(columns=["weight"]))
    with pytest.raises(ValueError, match="truth-discovery"):
        plot_sources(object())


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtraError, match=r'pip install "estimates\[plot\]"'):
        plot_timeline(_ledger(), "troops")


def test_plot_sources_shows_both_ends_when_there_are_many() -> None:
    table = pd.DataFrame(
        {"source": [f"S{i:02d}" for i in range(40)], "weight": np.linspace(2.0, 0.05, 40),
         "prior": [None] * 40, "claims": 1}
    )  # fmt: skip
    ax = plot_sources(table, limit=10)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("S00") and labels[-1].startswith("S39") and len(labels) == 10
    assert any(t.get_text() == "30 sources between these not shown" for t in ax.texts)
    assert "prior" not in [t.get_text() for t in ax.get_legend().get_texts()]  # no prior given


def test_plot_sources_of_a_truth_discovery_result() -> None:
    from estimates.reconciliation.reconcile import reconcile

    r = reconcile(datasets.dprk(), "dprk_troops_in_russia", method="crh",
                  sources=datasets.dprk_sources())  # fmt: skip
    ax = plot_sources(r)
    assert len(ax.get_yticklabels()) == min(len(r.sources), 30)


def test_the_band_can_be_exactly_a_timeline_table() -> None:
    # the command line draws the table it prints: the best line is that table's best column
    ledger = datasets.dprk()
    table = timeline(ledger, "containers_shipped", freq="QS", known_on="2025-12-31")
    ax = plot_timeline(ledger, "containers_shipped", known_on="2025-12-31", band=table)
    steps = [line for line in ax.get_lines() if line.get_drawstyle().startswith("steps")]
    assert len(steps) == 1
    np.testing.assert_array_equal(
        np.asarray(steps[0].get_ydata(), dtype=float), table["best"].to_numpy(dtype=float)
    )
    plt.close(ax.figure)
    with pytest.raises(ReconcileError, match="missing best"):
        plot_timeline(ledger, "containers_shipped", band=table.drop(columns="best"))
    plt.close("all")
