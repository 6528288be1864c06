"""``estimates demo``: the bundled example reconciled on three dates, one answer explained and
drawn."""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import textwrap
from pathlib import Path
from typing import IO, Any

import pandas as pd

from estimates.faces._cli_read import _Progress
from estimates.faces._cli_write import _check_plot_path, _save_plot, render_table
from estimates.values.words import claims_step, range_words

#: The dates the demo reconciles the bundled example on: early (a week after the first
#: reports), mid-winter (after the Kursk fighting began), and the following summer.
DEMO_DATES = ("2024-11-01", "2025-01-15", "2025-06-01")
DEMO_QUANTITY = "dprk_troops_in_russia"
#: The date the demo explains and draws: the last figure about troops in Russia came a week
#: before it, so the plot is not mostly empty months.
DEMO_EXPLAIN_ON = "2025-01-15"


def _cmd_demo(args: argparse.Namespace) -> int:
    from estimates import datasets
    from estimates.reconciliation.reconcile import reconcile

    if Path(args.out).is_dir():  # a folder: the picture goes into it under its usual name
        args.out = str(Path(args.out) / "demo-timeline.png")
    _check_plot_path(args.out)  # before printing anything: bad input leaves stdout empty
    can_draw = importlib.util.find_spec("matplotlib") is not None
    out: IO[str] = sys.stdout
    ledger = datasets.dprk()
    sources = datasets.dprk_sources()
    progress = _Progress()
    resolved = set(sources.resolve_many(ledger.sources).tolist())
    w = min(shutil.get_terminal_size((120, 24)).columns, 120)
    print(_banner("estimates demo", w), file=out)
    print(
        textwrap.fill(
            f"The bundled example: {len(ledger)} public claims about {len(ledger.quantities)} "
            f"quantities from {len(resolved)} sources, about North Korean troops and munitions "
            "sent to Russia, beginning with the AFP report of 18 October 2024. The same figure "
            "is stated by many sources, relayed by many outlets, revised over months, and they "
            "disagree. Here is what could honestly be said on three dates, using only what was "
            "known on each (method: robust, a weighted median with weighted quantiles).",
            w,
        ),
        file=out,
    )
    explained = None
    try:
        for date in DEMO_DATES:
            progress(f"reconciling as known on {date} ...")
            rows = []
            unknown = 0
            for q in ledger.quantities:
                r = reconcile(ledger, q, known_on=date, sources=sources)
                if not r.known:
                    unknown += 1
                    continue
                rows.append(_demo_row(r))
                if q == DEMO_QUANTITY and date == DEMO_EXPLAIN_ON:
                    explained = r
            progress.done()
            print(file=out)
            print(_banner(f"As known on {_long_date(date)}", w, "─"), file=out)
            header = ["quantity", "figure", "sources", "conflicts"]
            out.write(render_table(rows, header, align="lrll", width=w, wrap=(2, 3)))
            if unknown:
                print(f"({unknown} more quantities had no claim stated yet.)", file=out)
    finally:
        progress.done()
    if explained is not None:
        print(file=out)
        print(
            _banner(f"Why: {DEMO_QUANTITY}, as known on {_long_date(DEMO_EXPLAIN_ON)}", w, "─"),
            file=out,
        )
        for para in explained.explain().split("\n"):
            print(textwrap.fill(para, w, subsequent_indent="  "), file=out)
    if not can_draw:
        print(file=out)
        print(
            'The picture needs the plot extra: pip install "estimates[plot]" (then run '
            "estimates demo again).",
            file=out,
        )
        return 0
    progress(f"drawing {args.out} ...")
    try:
        _save_plot(ledger, DEMO_QUANTITY, args.out, DEMO_EXPLAIN_ON, "robust", sources)
    finally:
        progress.done()
    where = Path(args.out).resolve()
    print(file=out)
    print(f"Wrote {where}", file=out)
    print(
        textwrap.fill(
            f"{DEMO_QUANTITY} over time: every claim at the date it describes (bars are ranges, "
            "arrows open ends, dots best values, one colour per source) and the reconciled band "
            "as it could be stated on each day.",
            w,
            initial_indent="  ",
            subsequent_indent="  ",
        ),
        file=out,
    )
    print(file=out)
    print("Next:", file=out)
    path = datasets.dprk_path()
    print(
        f"  estimates reconcile {path} --quantity {DEMO_QUANTITY} --known-on 2025-01-15", file=out
    )
    print(f"  estimates timeline {path} --quantity dprk_troops_in_kursk --plot kursk.png", file=out)
    print("  estimates methods", file=out)
    out.flush()
    return 0


def _banner(text: str, width: int, rule: str = "═") -> str:
    return f"{text}\n{rule * min(max(len(text), 20), width)}"


def _long_date(iso: str) -> str:
    d = pd.Timestamp(iso)
    return f"{d.day} {d.strftime('%B %Y')}"


def _short(name: str, n: int) -> str:
    return name if len(name) <= n else name[: n - 1].rstrip() + "…"


def _demo_row(r: Any) -> list[str]:
    v = r.value
    claims = r.claims
    used = claims[claims["used"]] if "used" in claims else claims
    # the sources that weigh most in the answer first
    weights = used.groupby("resolved_source")["weight"].sum() if len(used) else pd.Series()
    names = sorted(weights.index.tolist(), key=lambda n: (-float(weights[n]), str(n)))
    shown = "; ".join(_short(n, 30) for n in names[:3])
    if len(names) > 3:
        shown += f" +{len(names) - 3}"
    if r.conflicts:
        c = r.conflicts[0]
        more = f" (+{len(r.conflicts) - 1})" if len(r.conflicts) > 1 else ""
        conflict = (
            f"{_short(c.low_source, 24)} {c.low_text} vs "
            f"{_short(c.high_source, 24)} {c.high_text}{more}"
        )
    else:
        conflict = ""
    figure = range_words(v.low, v.best, v.high, v.closed, v.unit, step=claims_step(claims))
    return [r.quantity, figure, shown, conflict]
