"""estimates: numeric claims as honest ranges, kept in a dated ledger, reconciled.

>>> import estimates as est
>>> str(est.Range.between(10_000, 12_000, unit="soldiers"))
'10,000–12,000 person'
"""

from __future__ import annotations

from estimates import datasets, units

# -- foundation: claims and ledger (claims.py, sources.py, ledger.py) --
from estimates.claims import Claim

# -- reading figures (parsing.py, conventions.py, likelihood.py, extract.py) --
from estimates.dates import Period
from estimates.errors import (
    ClaimFileError,
    DateError,
    DimensionError,
    EstimatesError,
    ParseError,
    ReconcileError,
    RelationError,
    UnitError,
    UnknownMethodError,
)
from estimates.ledger import Collected, Ledger
from estimates.parsing import Figure, format, parse, parse_figure
from estimates.ranges import Range, total
from estimates.sources import Source, Sources

# -- reconciliation (reconcile.py, relations.py, timeline) --
# -- at scale (reconcile_all, truth discovery) --

__version__ = "0.1.0"

__all__ = [
    "Claim",
    "ClaimFileError",
    "Collected",
    "DateError",
    "DimensionError",
    "EstimatesError",
    "Figure",
    "Ledger",
    "ParseError",
    "Period",
    "Range",
    "ReconcileError",
    "RelationError",
    "Source",
    "Sources",
    "UnitError",
    "UnknownMethodError",
    "datasets",
    "format",
    "parse",
    "parse_figure",
    "total",
    "units",
]
