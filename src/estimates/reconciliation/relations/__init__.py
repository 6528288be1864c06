"""Relations between quantities, as data: parts within wholes, parts summing to totals, running
totals that never fall.

- :func:`narrow` tightens a set of ranges by interval propagation until nothing changes, and
  says what it narrowed and why.
- :func:`check` finds the claims in a ledger that break a relation, each violation with the
  smallest set of claims that cannot all be true.

>>> from estimates.values.ranges import Range
>>> ranges = {
...     "in_kursk": Range.at_least(7000, unit="person"),
...     "in_russia": Range.between(10_000, 12_000, unit="person"),
... }
>>> narrowed, notes = narrow(ranges, [at_most("in_kursk", "in_russia")])
>>> str(narrowed["in_kursk"])
'7,000–12,000 people'
>>> notes
['in_kursk: high unbounded → 12,000, because in_kursk ≤ in_russia (in_russia is at most 12,000)']
"""

from __future__ import annotations

from estimates.reconciliation.relations._checking import check
from estimates.reconciliation.relations._model import (
    AtMost,
    Monotone,
    Relation,
    SumOf,
    at_most,
    monotone,
    parse_relations,
    relations_from_data,
    sum_of,
    validate,
)
from estimates.reconciliation.relations._narrowing import narrow
from estimates.reconciliation.relations._report import Report, Violation

__all__ = [
    "AtMost",
    "Monotone",
    "Relation",
    "Report",
    "SumOf",
    "Violation",
    "at_most",
    "check",
    "monotone",
    "narrow",
    "parse_relations",
    "relations_from_data",
    "sum_of",
    "validate",
]
