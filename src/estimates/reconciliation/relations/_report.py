"""What checking claims against relations finds: each violation, and the report of them all."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.reconciliation.relations._model import _CONFIG
from estimates.values._model import Model

# -- checking claims --------------------------------------------------------------------------

ObjArray = npt.NDArray[np.object_]
_DAY = np.timedelta64(1, "D")


class Violation(Model):
    """One way a relation fails: the smallest set of claims that cannot all be true.

    ``gap`` is how far apart the figures are (in ``unit``): how much one of them would have to
    move for the set to become possible.

    >>> v = Violation(relation="a ≤ b", kind="at_most", quantities=("a", "b"),
    ...               claim_ids=("x1", "x2"), sources=("S", "T"), dates=("2024-10-31",) * 2,
    ...               figures=("at least 7,000", "at most 3,000"), gap=4000.0, unit="person",
    ...               message="...")
    >>> v.gap
    4000.0
    """

    model_config = _CONFIG

    relation: str
    kind: Literal["at_most", "sum_of", "monotone"]
    quantities: tuple[str, ...]
    claim_ids: tuple[str, ...]
    sources: tuple[str, ...]
    dates: tuple[str, ...]
    figures: tuple[str, ...]
    gap: float
    unit: str | None
    message: str

    def __str__(self) -> str:
        return self.message


_REPORT_COLUMNS = (
    "relation",
    "kind",
    "quantities",
    "claim_ids",
    "sources",
    "dates",
    "figures",
    "gap",
    "unit",
    "message",
)


class Report(Model):
    """The result of :func:`check`: every violation found, and what was checked.

    >>> r = Report(relations=("a ≤ b",), violations=(), at=None, known_on="2024-11-01",
    ...            n_claims=3)
    >>> r.ok, str(r)
    (True, 'As known on 2024-11-01, 3 claims satisfy every relation checked: a ≤ b.')
    """

    model_config = _CONFIG

    relations: tuple[str, ...]
    violations: tuple[Violation, ...]
    at: str | None = None
    known_on: str | None = None
    n_claims: int = 0
    #: violations found beyond ``max_violations`` and left out of ``violations``
    omitted: int = 0

    @property
    def ok(self) -> bool:
        """Whether no relation is violated.

        >>> Report(relations=(), violations=()).ok
        True
        """
        return not self.violations and not self.omitted

    def to_frame(self) -> pd.DataFrame:
        """One row per violation; tuple fields joined with ``"; "``.

        >>> list(Report(relations=(), violations=()).to_frame().columns)[:3]
        ['relation', 'kind', 'quantities']
        """
        rows = [
            {
                name: "; ".join(value) if isinstance(value, tuple) else value
                for name, value in v.model_dump().items()
            }
            for v in self.violations
        ]
        frame = pd.DataFrame(rows, columns=list(_REPORT_COLUMNS))
        return frame.astype({"gap": "float64"})

    def __str__(self) -> str:
        when = []
        if self.known_on is not None:
            when.append(f"as known on {self.known_on}")
        if self.at is not None:
            when.append(f"about moments up to {self.at}")
        head = (", ".join(when) + ", ") if when else ""
        head = head[:1].upper() + head[1:]
        if self.ok:
            checked = "; ".join(self.relations) if self.relations else "none"
            return f"{head}{self.n_claims} claims satisfy every relation checked: {checked}."
        count = len(self.violations) + self.omitted
        lines = [f"{head}{count} violation(s) among {self.n_claims} claims:"]
        lines += [f"- {v.message}" for v in self.violations]
        if self.omitted:
            lines.append(f"... and {self.omitted} more (raise max_violations to see them)")
        return "\n".join(lines)
