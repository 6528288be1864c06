"""estimates: numeric claims as honest ranges, kept in a dated ledger, reconciled.

The front door re-exports the public names. Some functions share their module's name
(``reconcile``, ``timeline``, ``likelihood``, ``conventions``, ``extract``): on the package the
name is the function; import other names of those modules with ``from estimates.reconciliation.reconcile
import reconcile_all``.

>>> import estimates as est
>>> str(est.Range.between(10_000, 12_000, unit="soldiers"))
'10,000–12,000 people'
"""

from __future__ import annotations

from estimates import datasets
from estimates._version import __version__ as __version__
from estimates.errors import (
    AmbiguousFigureError,
    ClaimFileError,
    ClaimTableTypeError,
    DateError,
    DimensionError,
    EstimatesError,
    MissingExtraError,
    ParseError,
    ReconcileError,
    RelationError,
    UnitError,
    UnknownMethodError,
)
from estimates.faces import accessor as _accessor  # noqa: F401  (registers ``df.estimates``)
from estimates.ledger.claims import Claim
from estimates.ledger.excalibur import ExcaliburError, ExcaliburPanel, read_excalibur
from estimates.ledger.extract import extract
from estimates.ledger.table import Collected, Ledger
from estimates.reading.conventions import Convention, conventions, register_convention
from estimates.reading.doubts import AmbiguousFigureWarning, EstimatesWarning
from estimates.reading.likelihood import admiralty, likelihood
from estimates.reading.parsing import Figure, find_figures, format, parse, parse_figure
from estimates.reconciliation.methods import (
    Combined,
    Evidence,
    describe_method,
    get_method,
    register_method,
)
from estimates.reconciliation.reconcile import Conflict, Reconciliation, reconcile, reconcile_all
from estimates.reconciliation.relations import (
    Relation,
    Report,
    Violation,
    at_most,
    check,
    monotone,
    narrow,
    parse_relations,
    sum_of,
)
from estimates.reconciliation.timeline import timeline
from estimates.values import units
from estimates.values.dates import Period
from estimates.values.ranges import Range, total
from estimates.values.sources import Source, Sources

__all__ = [
    "AmbiguousFigureError",
    "AmbiguousFigureWarning",
    "Claim",
    "ClaimFileError",
    "ClaimTableTypeError",
    "Collected",
    "Combined",
    "Conflict",
    "Convention",
    "DateError",
    "DimensionError",
    "EstimatesError",
    "EstimatesWarning",
    "Evidence",
    "ExcaliburError",
    "ExcaliburPanel",
    "Figure",
    "Ledger",
    "MissingExtraError",
    "ParseError",
    "Period",
    "Range",
    "ReconcileError",
    "Reconciliation",
    "Relation",
    "RelationError",
    "Report",
    "Source",
    "Sources",
    "UnitError",
    "UnknownMethodError",
    "Violation",
    "admiralty",
    "at_most",
    "check",
    "conventions",
    "datasets",
    "describe_method",
    "extract",
    "find_figures",
    "format",
    "get_method",
    "likelihood",
    "monotone",
    "narrow",
    "parse",
    "parse_figure",
    "parse_relations",
    "read_excalibur",
    "reconcile",
    "reconcile_all",
    "register_convention",
    "register_method",
    "sum_of",
    "timeline",
    "total",
    "units",
]
