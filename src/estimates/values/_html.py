"""Rich display in Jupyter: small, self-contained HTML for ranges, claims, ledgers and results.

The ``_repr_html_`` hooks on :class:`~estimates.values.ranges.Range`, :class:`~estimates.ledger.claims.Claim`,
:class:`~estimates.ledger.table.Ledger` and the reconciliation result call these functions, so the
notebook face loads only in notebooks. Every piece of user text is escaped; styles are inline
and use ``currentColor`` and translucent fills so that light and dark themes both read well.

>>> from estimates.values.ranges import Range
>>> html = range_html(Range.more_than(13_000, unit="container"))
>>> "more than 13,000 containers" in html and "<script" not in html
True
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd

from estimates.values.words import claims_step, number, range_words, step_of

if TYPE_CHECKING:
    from estimates.ledger.claims import Claim
    from estimates.ledger.table import Ledger
    from estimates.values.ranges import Range

__all__ = ["claim_html", "ledger_html", "range_html", "reconciliation_html"]

#: Rows shown by a ledger preview; a ledger can hold millions of claims.
PREVIEW_ROWS = 10

_BOX = "font-family:system-ui,sans-serif;line-height:1.4;"
_MUTED = "opacity:0.7;"
_TABLE = "border-collapse:collapse;font-size:0.9em;"
_CELL = "padding:2px 8px;text-align:left;vertical-align:top;border-bottom:1px solid rgba(128,128,128,0.3);"
_NUM = "padding:2px 8px;text-align:right;font-variant-numeric:tabular-nums;border-bottom:1px solid rgba(128,128,128,0.3);"
_BADGE = (
    "display:inline-block;padding:0 6px;border-radius:8px;font-size:0.85em;"
    "background:rgba(128,128,128,0.18);"
)
_ROLE_COLOURS = {
    "used": "rgba(40,160,70,0.25)",
    "bound": "rgba(40,120,200,0.25)",
    "outlier": "rgba(220,60,60,0.28)",
    "stale": "rgba(200,150,40,0.28)",
}


def _num(x: object, step: float | None = None) -> str:
    """A figure as every face writes it (:func:`estimates.values.words.number`); blank if missing."""
    if x is None:
        return ""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return escape(str(x))
    if math.isnan(v):
        return ""
    return escape(number(v, step=step))


def _text(x: object) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return escape(str(x))


def _bar(low: float | None, best: float | None, high: float | None, closed: str) -> str:
    """A one-line picture of a range: the interval as a bar, open ends as arrows, best a dot."""
    points = [x for x in (low, best, high) if x is not None]
    if not points:
        return ""
    lo_v = min(points)
    hi_v = max(points)
    pad = (hi_v - lo_v) * 0.15 or max(abs(hi_v), 1.0) * 0.15
    span_lo, span_hi = lo_v - pad, hi_v + pad

    def pos(x: float) -> float:
        return 100.0 * (x - span_lo) / (span_hi - span_lo)

    left = 0.0 if low is None else pos(low)
    right = 100.0 if high is None else pos(high)
    parts = [
        '<div style="position:relative;width:220px;height:14px;margin:4px 0;">',
        '<div style="position:absolute;top:6px;height:2px;width:100%;'
        'background:rgba(128,128,128,0.25);"></div>',
        f'<div style="position:absolute;top:3px;height:8px;left:{left:.1f}%;'
        f'width:{max(right - left, 0.8):.1f}%;background:rgba(31,119,180,0.55);border-radius:2px;"></div>',
    ]
    if low is None:
        parts.append('<div style="position:absolute;left:-2px;top:-3px;font-size:12px;">◀</div>')
    if high is None:
        parts.append('<div style="position:absolute;right:-2px;top:-3px;font-size:12px;">▶</div>')
    if best is not None:
        parts.append(
            f'<div style="position:absolute;top:2px;left:calc({pos(best):.1f}% - 5px);width:10px;'
            'height:10px;border-radius:5px;background:currentColor;"></div>'
        )
    parts.append("</div>")
    return "".join(parts)


def _kv_table(rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f'<tr><th style="{_CELL}{_MUTED}font-weight:normal;">{escape(k)}</th>'
        f'<td style="{_CELL}">{v}</td></tr>'
        for k, v in rows
        if v
    )
    return f'<table style="{_TABLE}">{body}</table>'


def range_html(r: Range, *, step: float | None = None) -> str:
    """HTML for one range: the words, a bar (open ends as arrows, best as a dot), the numbers.

    ``step`` is the precision of the figures the range rests on
    (:func:`estimates.values.words.step_of`); by default, that of the range's own figures.

    >>> from estimates.values.ranges import Range
    >>> html = range_html(Range.between(10_000, 12_000, unit="person"))
    >>> "10,000–12,000 people" in html and "12,000" in html
    True
    """
    if step is None:
        step = step_of((r.low, r.best, r.high))
    closed = {"both": "[ ]", "left": "[ )", "right": "( ]", "neither": "( )"}[r.closed]
    numbers = (
        f"low {_num(r.low, step) or 'unbounded'} · best {_num(r.best, step) or '—'} · "
        f"high {_num(r.high, step) or 'unbounded'} · ends {closed}"
    )
    conv = f" · convention {_text(r.convention)}" if r.convention else ""
    words = range_words(r.low, r.best, r.high, r.closed, r.unit, step=step)
    return (
        f'<div style="{_BOX}"><strong>{_text(words)}</strong>'
        f"{_bar(r.low, r.best, r.high, r.closed)}"
        f'<div style="{_MUTED}font-size:0.85em;">{numbers}{conv}</div></div>'
    )


def claim_html(c: Claim) -> str:
    """HTML for one claim: the figure, the quoted words, who said it via whom, and when.

    >>> from estimates.ledger.claims import Claim
    >>> from estimates.values.ranges import Range
    >>> c = Claim(quantity="q", value=Range.exactly(1500, unit="person"), source="NIS <Seoul>",
    ...           stated_on="2024-10-18")
    >>> html = claim_html(c)
    >>> "NIS &lt;Seoul&gt;" in html and "2024-10-18" in html
    True
    """
    link = ""
    if c.url:
        link = f'<a href="{escape(c.url, quote=True)}" target="_blank" rel="noopener">link</a>'
    rows = [
        ("quantity", f"<code>{_text(c.quantity)}</code>"),
        ("said", f"“{_text(c.text)}”" if c.text else ""),
        ("source", _text(c.source)),
        ("via", _text("; ".join(c.via))),
        ("stated on", _text(c.stated_on)),
        ("as of", _text(c.as_of)),
        ("since", _text(c.since)),
        ("kind", f'<span style="{_BADGE}">{_text(c.kind)}</span>'),
        ("hedge", _text(c.hedge)),
        ("confidence", _num(c.confidence)),
        ("reliability", _text(c.reliability)),
        ("quote", _text(c.quote)),
        ("note", _text(c.note)),
        ("url", link),
        ("claim id", f"<code>{_text(c.claim_id)}</code>"),
    ]
    return f'<div style="{_BOX}">{range_html(c.value)}{_kv_table(rows)}</div>'


def _figure_cell(rec: dict[str, Any]) -> str:
    """A row's figure in words, as every face writes it."""
    unit = rec.get("unit")
    closed = rec.get("closed")
    return _text(
        range_words(
            rec.get("low"),
            rec.get("best"),
            rec.get("high"),
            closed if isinstance(closed, str) else "both",
            unit if isinstance(unit, str) else None,
        )
    )


def _frame_table(
    frame: Any, columns: list[tuple[str, str]], *, figure: bool = True, role: bool = False
) -> str:
    """An HTML table of ``frame``'s rows: a figure column and then ``columns`` (name, header)."""
    head = "".join(f'<th style="{_CELL}">{escape(h)}</th>' for _, h in columns)
    if figure:
        head = f'<th style="{_NUM}">figure</th>' + head
    rows = []
    for rec in frame.to_dict("records"):
        cells = []
        if figure:
            fig = _figure_cell(rec)
            cells.append(f'<td style="{_NUM}">{fig}</td>')
        for name, _ in columns:
            value = rec.get(name)
            if role and name == "role":
                colour = _ROLE_COLOURS.get(str(value), "rgba(128,128,128,0.15)")
                cells.append(
                    f'<td style="{_CELL}"><span style="{_BADGE}background:{colour};">'
                    f"{_text(value)}</span></td>"
                )
            elif isinstance(value, float):
                cells.append(f'<td style="{_NUM}">{_num(value)}</td>')
            else:
                cells.append(f'<td style="{_CELL}">{_text(value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def ledger_html(ledger: Ledger) -> str:
    """A preview of a ledger: its size, and its first rows with the figure, source and dates.

    >>> from estimates.ledger.claims import Claim
    >>> from estimates.ledger.table import Ledger
    >>> from estimates.values.ranges import Range
    >>> claims = [Claim(quantity="q", value=Range.exactly(i, unit="person"), source=f"S{i}")
    ...           for i in range(1, 15)]
    >>> html = ledger_html(Ledger(claims))
    >>> "14 claims" in html and "4 more" in html
    True
    """
    n = len(ledger)
    head = (
        f"<strong>Ledger</strong>: {n:,} claim{'s' if n != 1 else ''} about "
        f"{len(ledger.quantities):,} quantit{'ies' if len(ledger.quantities) != 1 else 'y'} "
        f"from {len(ledger.sources):,} source{'s' if len(ledger.sources) != 1 else ''}"
    )
    if n == 0:
        return f'<div style="{_BOX}">{head}</div>'
    frame = ledger.to_frame()
    # earliest statements first reads as a story; ties by claim id keep it deterministic
    frame = frame.sort_values(["stated_on", "claim_id"], na_position="last", kind="stable")
    shown = frame.head(PREVIEW_ROWS)
    table = _frame_table(
        shown,
        [
            ("quantity", "quantity"),
            ("text", "said"),
            ("source", "source"),
            ("stated_on", "stated on"),
            ("as_of", "as of"),
            ("kind", "kind"),
        ],
    )
    more = ""
    if n > PREVIEW_ROWS:
        more = f'<div style="{_MUTED}font-size:0.85em;">… and {n - PREVIEW_ROWS:,} more (ledger.to_frame() shows all)</div>'
    return f'<div style="{_BOX}">{head}{table}{more}</div>'


def reconciliation_html(result: Any) -> str:
    """HTML for a reconciliation: the range, the explanation, and the claims with their roles.

    ``result`` is a :class:`estimates.reconciliation.reconcile.Reconciliation`.

    >>> from estimates.ledger.claims import Claim
    >>> from estimates.ledger.table import Ledger
    >>> from estimates.values.ranges import Range
    >>> from estimates.reconciliation.reconcile import reconcile
    >>> ledger = Ledger([
    ...     Claim(quantity="troops", value=Range.exactly(3000, unit="person"), source="NIS",
    ...           stated_on="2024-10-23"),
    ...     Claim(quantity="troops", value=Range.exactly(11000, unit="person"), source="NIS",
    ...           stated_on="2024-10-31"),
    ... ])
    >>> html = reconciliation_html(reconcile(ledger, "troops"))
    >>> "superseded" in html and "11,000 people" in html
    True
    """
    quantity = _text(getattr(result, "quantity", ""))
    value = getattr(result, "value", None)
    when = []
    for name, label in (("at", "at"), ("known_on", "as known on"), ("method", "method")):
        got = getattr(result, name, None)
        if got is not None:
            when.append(f"{label} {_text(got)}")
    head = f"<strong><code>{quantity}</code></strong>"
    if when:
        head += f' <span style="{_MUTED}">({", ".join(when)})</span>'
    parts = [head]
    claims = getattr(result, "claims", None)
    if value is not None:
        # the answer at the precision of the claims behind it, as the explanation writes it
        parts.append(range_html(value, step=claims_step(claims)))
    else:
        note = getattr(result, "note", None)
        parts.append(f"<div><strong>unknown</strong>{': ' + _text(note) if note else ''}</div>")
    explain = getattr(result, "explain", None)
    if callable(explain):
        text = str(explain())
        paras = "".join(f"<p style='margin:4px 0;'>{escape(p)}</p>" for p in text.split("\n") if p)
        parts.append(f"<div>{paras}</div>")
    if isinstance(claims, pd.DataFrame) and len(claims):
        wanted = [
            ("role", "role"),
            ("weight", "weight"),
            ("resolved_source", "source"),
            ("text", "said"),
            ("stated_on", "stated on"),
            ("as_of", "as of"),
            ("kind", "kind"),
        ]
        present = [(c, h) for c, h in wanted if c in claims.columns]
        shown = claims
        if "weight" in claims.columns:
            # the figures that carry weight first, heaviest first; then the rest
            shown = claims.sort_values(["weight"], ascending=False, kind="stable")
        parts.append(
            f"<details open><summary>{len(claims)} claims and their roles</summary>"
            + _frame_table(shown, present, role=True)
            + "</details>"
        )
    return f'<div style="{_BOX}">{"".join(parts)}</div>'
