"""Plots of claims over time and of learned source weights (needs the ``plot`` extra).

``plot_timeline`` draws every claim about one quantity as a mark at the moment it describes:
its range as a vertical bar, an open end as an arrow, the best value as a dot, coloured by
(resolved) source, projections hollow; the reconciled band over time on top; a vertical line at
``known_on``. ``plot_sources`` draws the source weights a truth-discovery method learned.

matplotlib is imported only by this module, and only when a plot is drawn; without it the
functions raise :class:`~estimates.errors.MissingExtraError` naming
``pip install "estimates[plot]"``. With no display (a server, CI) the Agg backend is used.

>>> from estimates import datasets
>>> ax = plot_timeline(datasets.dprk(), "dprk_troops_in_russia", known_on="2025-01-15",
...                    sources=datasets.dprk_sources())
>>> ax.get_ylabel()
'person'
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

import importlib
import math
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from estimates.errors import DateError, MissingExtraError, OptionError, ReconcileError
from estimates.values import units as _units
from estimates.values.words import number

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from estimates.ledger.table import Ledger
    from estimates.values.sources import Sources

__all__ = ["plot_sources", "plot_timeline"]

# Colour-blind-safe qualitative palette (Okabe & Ito 2008, "Color Universal Design"), then
# matplotlib's tab20 for ledgers with more sources than it has colours.
_OKABE_ITO = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
_BAND_COLOUR = "#4C4C4C"


def _matplotlib() -> Any:
    """pyplot, imported on first use, with a headless backend when there is no display."""
    try:
        import matplotlib
    except ImportError as exc:
        raise MissingExtraError("matplotlib", "plot") from exc
    headless = (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    )
    # Only choose a backend when nobody else has: a notebook's inline backend, or the user's
    # MPLBACKEND, must win.
    if headless and "MPLBACKEND" not in os.environ and "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _thousands(x: float, _pos: object = None) -> str:
    # an axis tick is a figure like any other: written as every face writes numbers
    return number(x)


def _title(quantity: str) -> str:
    # the key as words, not re-cased: "dprk troops in russia" must not become "Dprk ..."
    return quantity.replace("_", " ").strip()


def _palette(n: int) -> list[Any]:
    if n <= len(_OKABE_ITO):
        return list(_OKABE_ITO[:n])
    plt = _matplotlib()
    cmap = plt.get_cmap("tab20")
    # tab20's strong colours first, then their pale partners; grey is left out because the
    # legend's key ("range, best as dot") and faded later claims are grey
    strong = [2 * i for i in range(10) if i != 7]
    order = strong + [i + 1 for i in strong]
    return [cmap(order[i % len(order)]) for i in range(n)]


def _claim_table(
    ledger: Ledger, quantity: str, sources: Sources | None
) -> tuple[pd.DataFrame, str | None]:
    """The quantity's claims as plain columns in one unit, with the date each is drawn at."""
    from estimates.values.sources import Sources as _Sources

    if quantity not in ledger.quantities:
        shown = ", ".join(ledger.quantities[:8]) + (" ..." if len(ledger.quantities) > 8 else "")
        raise ReconcileError(
            f"no claims about {quantity!r}; the ledger has: {shown or 'no quantities'}",
            quantity=quantity,
        )
    f = ledger.select(quantity).frame
    units = [u for u in f["unit"].tolist() if u is not None]
    # the most common unit, ties broken alphabetically, as the reconciliation does
    unit = min(set(units), key=lambda u: (-units.count(u), u)) if units else None
    scale = np.array(
        [_units.factor(u if u is not None else unit, unit) for u in f["unit"].tolist()]
    )
    start = f["as_of_start"].fillna(f["stated_on_start"]).to_numpy(dtype="datetime64[ns]")
    end = f["as_of_end"].fillna(f["stated_on_end"]).to_numpy(dtype="datetime64[ns]")
    resolver = sources if sources is not None else _Sources()
    table = pd.DataFrame(
        {
            "low": f["low"].to_numpy(dtype=float) * scale,
            "best": f["best"].to_numpy(dtype=float) * scale,
            "high": f["high"].to_numpy(dtype=float) * scale,
            "closed": f["closed"].to_numpy(dtype=object),
            "source": resolver.resolve_many(f["source"].tolist()),
            "kind": f["kind"].to_numpy(dtype=object),
            "start": start,
            "end": end,
            "x": start + (end - start) / 2,
            "stated": f["stated_on_end"].to_numpy(dtype="datetime64[ns]"),
            "claim_id": f["claim_id"].to_numpy(dtype=object),
        }
    )
    return table.sort_values(["x", "claim_id"], kind="stable").reset_index(drop=True), unit


def _band(
    ledger: Ledger,
    quantity: str,
    table: pd.DataFrame,
    *,
    cut: np.datetime64 | None,
    method: str,
    sources: Sources | None,
) -> pd.DataFrame:
    """The reconciled range as it could be stated on each day (columns at, low, best, high).

    Each day is reconciled as known on that day (no hindsight), on every day a claim describes
    or was stated and on a weekly grid between them, up to ``cut`` when given: the band shows
    what a careful reader could have said at the time.
    """
    from estimates.reconciliation.timeline import timeline

    moments = pd.concat([table["x"], table["stated"]]).dropna()
    if cut is not None:
        moments = moments[moments <= cut]
    if moments.empty:
        return pd.DataFrame(columns=["at", "low", "best", "high"])
    first, last = moments.min().normalize(), moments.max().normalize()
    if cut is not None:
        last = pd.Timestamp(cut).normalize()
    days = set(moments.dt.normalize()) | set(pd.date_range(first, last, freq="7D")) | {last}
    dates = sorted(d.date().isoformat() for d in days)
    frame: pd.DataFrame = timeline(
        ledger.select(quantity), quantity, dates=dates, method=method, sources=sources
    )
    return frame


def plot_timeline(
    ledger: Ledger,
    quantity: str,
    *,
    known_on: object = None,
    method: str = "robust",
    sources: Sources | None = None,
    band: bool | pd.DataFrame = True,
    ax: Axes | None = None,
) -> Axes:
    """Every claim about ``quantity`` over time, with the reconciled band on top.

    Each claim is drawn at the moment it describes (``as_of``, else ``stated_on``; a period at
    its middle, with a faint line across it): its range as a vertical bar, an end left open
    ("more than 3,000") as an arrow, the best value as a dot. Colours are per resolved source
    (``sources`` joins aliases; by default trailing qualifiers such as "(via Yonhap)" are
    dropped). Projections are hollow and dashed. With ``known_on``, a vertical line marks it
    and claims stated later are drawn faintly.

    The band is the reconciled range (shaded) and best (line) under ``method`` as it could be
    stated on each day, from what was known on that day (:func:`estimates.reconciliation.timeline.timeline`,
    no hindsight), up to ``known_on``; ``band=False`` leaves it out. ``band`` may also be a table
    that :func:`~estimates.reconciliation.timeline.timeline` returned (columns ``at``, ``low``,
    ``best``, ``high``): the band then draws exactly that table, as the command line does for the
    table it prints.

    Returns the matplotlib ``Axes`` (a new figure when ``ax`` is None). Raises
    :class:`~estimates.errors.ReconcileError` when the ledger has no claims about ``quantity``.

    >>> from estimates import datasets
    >>> ax = plot_timeline(datasets.dprk(), "containers_shipped", band=False)
    >>> ax.get_title(loc="left")
    'containers shipped'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    plt = _matplotlib()
    line2d: Any = importlib.import_module("matplotlib.lines").Line2D

    table, unit = _claim_table(ledger, quantity, sources)
    cut = None if known_on is None else _cutoff(known_on)
    if ax is None:
        _fig, ax = plt.subplots(figsize=(11, 5.5), layout="constrained")
    axes: Any = ax  # matplotlib's own annotations are looser than mypy --strict wants
    dated = _dodge(table[~pd.isna(table["x"])], cut)
    undated = len(table) - len(dated)

    # colours by first appearance in time: the legend then reads as the story unfolds
    order = list(dict.fromkeys(dated["source"].tolist()))
    colours = dict(zip(order, _palette(len(order)), strict=True))

    finite = np.concatenate([dated[c].to_numpy(dtype=float) for c in ("low", "best", "high")])
    finite = finite[np.isfinite(finite)]
    top = float(finite.max()) if finite.size else 1.0
    bottom = float(min(finite.min(), 0.0)) if finite.size else 0.0
    arrow = 0.09 * ((top - bottom) or 1.0)

    band_frame = _band_frame(band, ledger, quantity, table, cut, method, sources)

    for rec in dated.to_dict("records"):
        later = cut is not None and (pd.isna(rec["stated"]) or rec["stated"] > cut)
        _draw_claim(axes, rec, colours[rec["source"]], 0.25 if later else 0.95, arrow)

    handles: list[Any] = [
        line2d([], [], color=colours[s], marker="o", lw=2.2, label=s) for s in order
    ]
    if band_frame is not None and len(band_frame):
        handles = _draw_band(axes, band_frame, method, line2d, top + 1.6 * arrow) + handles
    if cut is not None:
        axes.axvline(cut, color="#B22222", ls=":", lw=1.5, zorder=1)
        axes.annotate(
            f"known on {str(cut)[:10]}",
            xy=(cut, 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(-4, 4),
            textcoords="offset points",
            va="bottom",
            ha="right",
            color="#B22222",
            fontsize=9,
        )
    # what the marks mean, once, at the end of the legend
    handles += _mark_handles(line2d, dated, cut)

    n_sources = len(order)
    said = f"{len(dated)} claim{'s' if len(dated) != 1 else ''} from {n_sources} source{'s' if n_sources != 1 else ''}"
    if band_frame is not None and len(band_frame):
        said += f"; band: {method}, from what was known on each day"
    _dress(axes, quantity, unit, said, handles, (bottom if bottom < 0 else 0, top + 1.6 * arrow))
    if undated:
        axes.annotate(
            f"{undated} claim(s) without a date not shown",
            xy=(0, -0.16),
            xycoords="axes fraction",
            fontsize=8,
            color="grey",
        )
    return ax


def _band_frame(
    band: bool | pd.DataFrame,
    ledger: Ledger,
    quantity: str,
    table: pd.DataFrame,
    cut: np.datetime64 | None,
    method: str,
    sources: Sources | None,
) -> pd.DataFrame | None:
    """The band to draw: the timeline table given, the one computed, or None (``band=False``)."""
    if isinstance(band, pd.DataFrame):
        missing = {"at", "low", "best", "high"} - set(band.columns)
        if missing:
            raise ReconcileError(
                f"band must be a timeline table with columns at, low, best, high; missing "
                f"{', '.join(sorted(missing))}"
            )
        return band
    if band:
        return _band(ledger, quantity, table, cut=cut, method=method, sources=sources)
    return None


def _mark_handles(line2d: Any, dated: pd.DataFrame, cut: np.datetime64 | None) -> list[Any]:
    """Legend entries saying what the marks mean: a range, an open end, a projection, a claim
    stated after ``known_on`` (the last two only when the plot has one)."""
    handles = [
        line2d([], [], ls="none", label=""),
        line2d([], [], color="grey", marker="o", lw=2, label="range, best as dot"),
        line2d(
            [],
            [],
            color="grey",
            marker=r"$\uparrow$",
            ms=10,
            ls="none",
            label="open end (more than / up to)",
        ),
    ]
    if (dated["kind"] == "projection").any():
        handles.append(
            line2d(
                [],
                [],
                color="grey",
                marker="o",
                markerfacecolor="white",
                ls="--",
                label="projection (plan or forecast)",
            )
        )
    if cut is not None and bool(((dated["stated"] > cut) | pd.isna(dated["stated"])).any()):
        handles.append(
            line2d(
                [], [], color="grey", marker="o", alpha=0.25, lw=2, label="stated after known on"
            )
        )
    return handles


def _dress(
    axes: Any,
    quantity: str,
    unit: str | None,
    said: str,
    handles: list[Any],
    ylim: tuple[float, float],
) -> None:
    """The title, the line under it (``said``), the axes' labels, ticks and limits, the legend."""
    mdates: Any = importlib.import_module("matplotlib.dates")
    ticker: Any = importlib.import_module("matplotlib.ticker")
    axes.set_title(_title(quantity), loc="left", fontsize=13, fontweight="bold", pad=22)
    axes.annotate(said, xy=(0, 1), xycoords="axes fraction", xytext=(0, 6),
                  textcoords="offset points", fontsize=9, color="#555555", va="bottom")  # fmt: skip
    axes.set_ylabel(unit or "value")
    axes.set_xlabel("date the figure describes (as of)")
    axes.yaxis.set_major_formatter(ticker.FuncFormatter(_thousands))
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    axes.xaxis.set_major_locator(locator)
    # "15 Oct", "Nov", "2025": every tick says what it is, with no offset text in a corner
    dates = mdates.ConciseDateFormatter(locator, show_offset=False)
    dates.formats[2] = "%d %b"
    axes.xaxis.set_major_formatter(dates)
    axes.set_ylim(bottom=ylim[0], top=ylim[1])
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=9,
        title="source",
        title_fontsize=9,
        alignment="left",
    )


def _dodge(dated: pd.DataFrame, cut: np.datetime64 | None) -> pd.DataFrame:
    """Spread claims about the same day side by side, so that no mark hides another."""
    if dated.empty:
        return dated
    xs = dated["x"]
    right = xs.max() if cut is None else max(xs.max(), pd.Timestamp(cut))
    span_days = max((right - xs.min()) / pd.Timedelta(days=1), 1.0)
    step = pd.Timedelta(days=max(span_days * 0.007, 0.25))
    day = xs.dt.normalize()
    rank = day.groupby(day).cumcount()
    size = day.map(day.value_counts())
    shift = (rank - (size - 1) / 2).to_numpy(dtype=float)
    return dated.assign(x=xs + shift * step)


def _draw_claim(ax: Any, rec: Mapping[Any, Any], colour: Any, alpha: float, arrow: float) -> None:
    """One claim: its range as a bar, open ends as arrows, best as a dot; hollow if a plan."""
    hollow = rec["kind"] == "projection"
    style = "--" if hollow else "-"
    x = rec["x"]
    lo, be, hi = float(rec["low"]), float(rec["best"]), float(rec["high"])
    has_lo, has_hi, has_be = not math.isnan(lo), not math.isnan(hi), not math.isnan(be)
    if rec["end"] - rec["start"] > pd.Timedelta(days=1):
        # a figure about a period: a faint line across the period it describes
        mid = be if has_be else (lo if has_lo else hi)
        ax.plot([rec["start"], rec["end"]], [mid, mid], color=colour, alpha=alpha * 0.5, lw=1)
    tick = {"marker": "_", "ms": 9, "mew": 2, "color": colour, "alpha": alpha}
    head = {"arrowstyle": "-|>", "color": colour, "alpha": alpha, "lw": 2.2, "ls": style,
            "shrinkA": 0, "shrinkB": 0, "mutation_scale": 14}  # fmt: skip
    if has_lo and has_hi and hi > lo:
        ax.plot([x, x], [lo, hi], color=colour, alpha=alpha, lw=2.2, ls=style)
        ax.plot([x, x], [lo, hi], ls="none", **tick)
    elif has_lo and not has_hi:
        # open above: "more than", "at least", "upwards of"
        ax.annotate("", xy=(x, lo + arrow), xytext=(x, lo), arrowprops=head, annotation_clip=False)
        ax.plot([x], [lo], **tick)
    elif has_hi and not has_lo:
        # open below: "up to", "nearly", "fewer than"
        ax.annotate("", xy=(x, hi - arrow), xytext=(x, hi), arrowprops=head, annotation_clip=False)
        ax.plot([x], [hi], **tick)
    point = be if has_be else (lo if has_lo and has_hi and lo == hi else math.nan)
    if not math.isnan(point):
        face = "white" if hollow else colour
        ax.plot([x], [point], marker="o", ms=7, ls="none", alpha=alpha, markerfacecolor=face,
                markeredgecolor=colour, markeredgewidth=1.6, zorder=4)  # fmt: skip


def _draw_band(ax: Any, band: pd.DataFrame, method: str, line2d: Any, ceiling: float) -> list[Any]:
    """The reconciled range as a shaded step band and the best as a line; legend handles."""
    at = pd.to_datetime(band["at"]).to_numpy(dtype="datetime64[ns]")
    low = band["low"].to_numpy(dtype=float)
    high = band["high"].to_numpy(dtype=float)
    best = band["best"].to_numpy(dtype=float) if "best" in band else np.full(len(band), np.nan)
    # an unbounded side is drawn to the edge of the plot, not to infinity
    lo = np.where(np.isfinite(low), low, 0.0)
    hi = np.where(np.isfinite(high), high, ceiling)
    known = ~(np.isnan(low) & np.isnan(high))
    ax.fill_between(at, np.where(known, lo, np.nan), np.where(known, hi, np.nan), step="post",
                    color=_BAND_COLOUR, alpha=0.16, lw=0, zorder=0)  # fmt: skip
    ax.step(at, best, where="post", color=_BAND_COLOUR, lw=1.6, zorder=3)
    return [
        line2d([], [], color=_BAND_COLOUR, lw=8, alpha=0.25, label=f"reconciled range ({method})"),
        line2d([], [], color=_BAND_COLOUR, lw=1.6, label="reconciled best"),
    ]


def _cutoff(date: object) -> np.datetime64:
    from estimates.values.dates import to_period

    period = to_period(date)
    if period is None:
        raise DateError("known_on must be a date", text=repr(date))
    return np.datetime64(period.end, "ns")


def plot_sources(result: Any, *, ax: Axes | None = None, limit: int = 30) -> Axes:
    """The source weights a method learned, largest first, with each source's prior.

    ``result`` is a reconciliation (its ``sources`` table) or that table itself: a DataFrame
    with columns ``source`` and ``weight`` and optionally ``prior`` and ``claims``. With more
    than ``limit`` sources, the most and the least trusted halves are shown and the count of
    those between is noted: the sources a method distrusts are the ones worth a look.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"source": ["NIS", "HUR", "Vandal"], "weight": [2.0, 1.5, 0.1],
    ...                       "prior": [1.0, 1.0, 1.0], "claims": [12, 9, 3]})
    >>> ax = plot_sources(table)
    >>> [t.get_text() for t in ax.get_yticklabels()][0]
    'NIS (12 claims)'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    plt = _matplotlib()
    ticker: Any = importlib.import_module("matplotlib.ticker")

    table = result if isinstance(result, pd.DataFrame) else getattr(result, "sources", None)
    if table is None or not isinstance(table, pd.DataFrame):
        raise OptionError(
            "result",
            message="plot_sources needs a table of learned source weights: a result from a "
            "truth-discovery method (method='crh' or 'catd') or its .sources DataFrame",
        )
    missing = [c for c in ("source", "weight") if c not in table.columns]
    if missing:
        raise OptionError(
            "result",
            message=f"the source table lacks column(s) {', '.join(missing)}; it has: {', '.join(map(str, table.columns))}",
        )
    order = ["weight", "claims", "source"] if "claims" in table else ["weight", "source"]
    ascending = [False, False, True] if "claims" in table else [False, True]
    t = table.sort_values(order, ascending=ascending, kind="stable").reset_index(drop=True)
    hidden = 0
    if len(t) > limit:
        hidden = len(t) - limit
        t = pd.concat([t.head(limit - limit // 2), t.tail(limit // 2)], ignore_index=True)
    labels = [_short_label(str(s)) for s in t["source"]]
    if "claims" in t:
        labels = [
            f"{s} ({int(n)} claim{'s' if int(n) != 1 else ''})"
            for s, n in zip(labels, t["claims"], strict=True)
        ]
    if ax is None:
        _fig, ax = plt.subplots(figsize=(9, 0.3 * len(t) + 1.6), layout="constrained")
    axes: Any = ax
    y = np.arange(len(t))
    weight = t["weight"].to_numpy(dtype=float)
    axes.barh(y, weight, color=_OKABE_ITO[0], alpha=0.85, label="learned weight")
    for yi, w in zip(y, weight, strict=True):
        axes.annotate(number(w), xy=(w, yi), xytext=(3, 0), textcoords="offset points",
                      va="center", fontsize=8, color="#333333")  # fmt: skip
    prior = (
        pd.to_numeric(t["prior"], errors="coerce").to_numpy(dtype=float) if "prior" in t else None
    )
    if prior is not None and np.isfinite(prior).any():
        axes.plot(prior, y, "|", color="black", ms=12, mew=2, label="prior")
    axes.set_yticks(y, labels, fontsize=9)
    axes.invert_yaxis()
    axes.set_xlabel("source weight (higher = more trusted)")
    axes.set_title("Learned source weights", loc="left", fontweight="bold")
    axes.xaxis.set_major_formatter(ticker.FuncFormatter(_thousands))
    axes.set_xlim(0, float(np.nanmax(weight)) * 1.12 if len(t) and np.nanmax(weight) > 0 else 1)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="lower right", frameon=False, fontsize=9)
    if hidden:
        axes.annotate(f"{hidden} sources between these not shown", xy=(0, 0), xycoords="axes fraction",
                      xytext=(0, -34), textcoords="offset points", fontsize=8, color="grey")  # fmt: skip
    return ax


def _short_label(name: str, n: int = 42) -> str:
    return name if len(name) <= n else name[: n - 1].rstrip() + "…"
