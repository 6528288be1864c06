"""The canonical column names of claim tables and reconciliation tables, in one place.

>>> "quantity" in CLAIM_COLUMNS and "claim_id" in CLAIM_COLUMNS
True
>>> OUTPUT_COLUMNS[:4]
('quantity', 'at', 'known_on', 'method')
"""

from __future__ import annotations

__all__ = [
    "CLAIM_COLUMNS",
    "DATE_COLUMNS",
    "NUMBER_COLUMNS",
    "OUTPUT_COLUMNS",
    "REQUIRED_COLUMNS",
    "TEXT_COLUMNS",
]

#: Columns of a claim table (CSV, JSON Lines, Parquet, DataFrame), in their canonical order.
CLAIM_COLUMNS: tuple[str, ...] = (
    "quantity", "text", "low", "best", "high", "closed", "unit", "convention", "source", "via",
    "stated_on", "as_of", "since", "kind", "hedge", "confidence", "reliability", "level", "url",
    "quote", "note", "claim_id",
)  # fmt: skip
#: Columns a claim table must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("quantity", "source")
#: Number columns (blank = not stated; for low/high, unbounded). ``level`` is the probability
#: that the stated range was meant to carry (an expert's 5–95 % range is 0.9), in (0, 1).
NUMBER_COLUMNS: tuple[str, ...] = ("low", "best", "high", "confidence", "level")
#: Date columns (a day, a month, a year or an ISO interval).
DATE_COLUMNS: tuple[str, ...] = ("stated_on", "as_of", "since")
#: Free-text columns kept exactly as given (a blank cell is "not stated").
TEXT_COLUMNS: tuple[str, ...] = ("text", "hedge", "url", "quote", "note")
#: Columns of a reconciliation table (one row per quantity).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "quantity", "at", "known_on", "method", "low", "best", "high", "closed", "unit",
    "level", "n_claims", "n_sources", "conflict", "note",
)  # fmt: skip
