"""Rich display in notebooks: what the HTML shows, and that user text is escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import ClassVar

from estimates import datasets
from estimates.ledger.claims import Claim
from estimates.ledger.table import Ledger
from estimates.reconciliation.reconcile import reconcile
from estimates.values._html import (
    PREVIEW_ROWS,
    claim_html,
    ledger_html,
    range_html,
    reconciliation_html,
)
from estimates.values.ranges import Range


class _Balance(HTMLParser):
    """Counts open tags, to check the HTML is well nested."""

    VOID: ClassVar[frozenset[str]] = frozenset({"br", "img", "hr", "meta", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.ok = False


def _balanced(html: str) -> bool:
    parser = _Balance()
    parser.feed(html)
    return parser.ok and not parser.stack


def test_range_html_shows_words_numbers_and_open_ends() -> None:
    html = range_html(Range.more_than(13_000, unit="container"))
    assert "more than 13,000 container" in html
    assert "high unbounded" in html and "ends ( )" in html
    assert "▶" in html and "◀" not in html  # open above only
    assert _balanced(html)


def test_claim_html_escapes_user_text() -> None:
    c = Claim(
        quantity="q",
        value=Range.exactly(1500, unit="person"),
        text='<script>alert("x")</script> 1,500',
        source="NIS & <friends>",
        url='https://example.org/"onmouseover="x',
        stated_on="2024-10-18",
    )
    html = claim_html(c)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "NIS &amp; &lt;friends&gt;" in html
    assert '"onmouseover' not in html
    assert _balanced(html)


def test_ledger_preview_is_short_and_sorted_by_date() -> None:
    ledger = datasets.dprk()
    html = ledger_html(ledger)
    assert "85 claims about 25 quantities" in html
    assert html.count("<tr>") == PREVIEW_ROWS + 1  # the header and the rows shown
    assert f"and {len(ledger) - PREVIEW_ROWS} more" in html
    stated = sorted(ledger.to_frame()["stated_on"].dropna())
    shown = re.findall(r">(20\d\d-\d\d(?:-\d\d)?)<", html)
    assert stated[0] in shown and stated[-1] not in shown  # the earliest statements first
    assert _balanced(html)
    assert "0 claims" in ledger_html(Ledger())


def test_reconciliation_html_has_range_explanation_and_roles() -> None:
    r = reconcile(datasets.dprk(), "dprk_troops_in_russia", known_on="2025-01-15",
                  sources=datasets.dprk_sources())  # fmt: skip
    html = reconciliation_html(r)
    assert "12,000 (at least 11,000) people" in html
    assert "superseded" in html and "used" in html and "overtaken" in html
    assert "As known on 15 Jan 2025" in html
    assert f"{len(r.claims)} claims and their roles" in html
    assert _balanced(html)


def test_unknown_reconciliation_says_why() -> None:
    r = reconcile(datasets.dprk(), "dprk_troops_in_russia", at="2020-01-01")
    html = reconciliation_html(r)
    assert "<strong>unknown</strong>" in html


def test_repr_html_hooks_use_these_functions() -> None:
    r = Range.between(1, 2)
    assert r._repr_html_() == range_html(r)
    ledger = datasets.dprk()
    assert ledger._repr_html_() == ledger_html(ledger)
    assert ledger[0]._repr_html_() == claim_html(ledger[0])
