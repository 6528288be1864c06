"""A pandas accessor for claim tables: ``df.estimates``.

Importing this module registers the accessor. A claim table is a DataFrame with the canonical
column names (:mod:`estimates.ledger.schema`: ``quantity``, ``source`` and ``text`` or
``low``/``best``/``high``, and optionally the rest). Other columns are kept out of the ledger:
name them in ``by=`` to reconcile group by group (per region, per dataset), or pass
``extra="ignore"`` to leave them out; otherwise they are an error, so a misspelt column
(``sorce``) is never silently dropped.

>>> import pandas as pd
>>> import estimates.faces.accessor
>>> df = pd.DataFrame({
...     "quantity": ["troops"] * 4,
...     "region": ["north", "north", "south", "south"],
...     "low": [1000, 1200, 300, 400], "high": [1500, 1400, 500, 450],
...     "unit": "person",
...     "source": ["A", "B", "A", "C"], "stated_on": "2024-10-30",
... })
>>> out = df.estimates.reconcile(by="region", method="consensus")
>>> out[["region", "quantity", "low", "high"]].values.tolist()
[['north', 'troops', 1200.0, 1400.0], ['south', 'troops', 400.0, 450.0]]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from estimates.errors import BadRow, ClaimFileError, OptionError
from estimates.ledger.schema import CLAIM_COLUMNS, REQUIRED_COLUMNS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from estimates.ledger.table import Ledger
    from estimates.reconciliation.reconcile import Reconciliation
    from estimates.reconciliation.relations import Report

__all__ = ["EstimatesAccessor"]

Extra = Literal["raise", "ignore"]
# Between the group values in a combined key: a visible character that real names do not use
# (not a control character: quantity names have their white space folded, and \x1f is white).
_SEP = "\u241f"


@pd.api.extensions.register_dataframe_accessor("estimates")
class EstimatesAccessor:
    """``df.estimates``: a claim table's ledger, reconciliation, checks, timeline and plot.

    >>> import pandas as pd
    >>> import estimates.faces.accessor
    >>> df = pd.DataFrame({"quantity": ["q"], "text": ["about 1,200 soldiers"], "source": ["S"]})
    >>> df.estimates.to_ledger()
    <Ledger: 1 claims about 1 quantities from 1 sources>
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    # -- ledger ---------------------------------------------------------------------------------

    def _claim_frame(self, by: Sequence[str] = (), extra: Extra = "raise") -> pd.DataFrame:
        df = self._frame
        columns = [str(c) for c in df.columns]
        missing_by = [b for b in by if b not in columns]
        if missing_by:
            raise OptionError(
                missing_by[0],
                message=f"group column(s) {', '.join(map(repr, missing_by))} not in the table; "
                f"its columns: {', '.join(columns)}",
            )
        clash = [b for b in by if b in CLAIM_COLUMNS and b != "quantity"]
        if clash:
            raise OptionError(
                clash[0],
                message=f"cannot group by claim column(s) {', '.join(clash)}: reconciliation "
                "already uses them; group by columns of your own (region, dataset, ...)",
            )
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        figures = [c for c in ("text", "low", "best", "high") if c in columns]
        problems = [
            BadRow(
                None, c, None, f"required column is missing (columns found: {', '.join(columns)})"
            )
            for c in missing
        ]
        if not figures:
            problems.append(
                BadRow(
                    None,
                    "text",
                    None,
                    "a claim table needs a text column or one of low, best, high",
                )
            )
        other = [c for c in columns if c not in CLAIM_COLUMNS and c not in by]
        if other and extra == "raise":
            problems += [
                BadRow(
                    None,
                    c,
                    None,
                    "not a claim column; name it in by= to group by it, or pass extra='ignore' "
                    f"to leave it out (claim columns: {', '.join(CLAIM_COLUMNS)})",
                )
                for c in other
            ]
        elif extra not in ("raise", "ignore"):
            raise OptionError("extra", message=f"extra must be 'raise' or 'ignore', got {extra!r}")
        if problems:
            raise ClaimFileError(problems, where="DataFrame")
        keep = [c for c in columns if c in CLAIM_COLUMNS]
        return df.loc[:, keep]

    def to_ledger(self, *, extra: Extra = "raise") -> Ledger:
        """The table as a :class:`~estimates.ledger.table.Ledger` (every row checked).

        Raises :class:`~estimates.errors.ClaimFileError` listing every bad row, every missing
        required column and (with ``extra="raise"``) every column that is not a claim column.

        >>> import pandas as pd
        >>> import estimates.faces.accessor
        >>> pd.DataFrame({"quantity": ["q"], "low": [1], "sorce": ["S"]}).estimates.to_ledger()
        Traceback (most recent call last):
        ...
        estimates.errors.ClaimFileError: 2 bad row(s) in DataFrame:
          header, column 'source': required column is missing (columns found: quantity, low, sorce)
          header, column 'sorce': not a claim column; ...
        """
        from estimates.ledger.table import Ledger

        return Ledger.from_frame(self._claim_frame((), extra))

    def _keyed(self, by: Sequence[str], extra: Extra) -> tuple[Ledger, pd.DataFrame]:
        """One ledger whose quantity names carry the group values; and the key table."""
        from estimates.ledger.table import Ledger

        claims = self._claim_frame(by, extra)
        keys = self._frame.loc[:, list(by)].astype(object)
        if keys.isna().to_numpy().any():
            rows = np.flatnonzero(keys.isna().to_numpy().any(axis=1)) + 1
            raise ClaimFileError(
                [
                    BadRow(int(r), None, None, f"a group column ({', '.join(by)}) is blank")
                    for r in rows
                ],
                where="DataFrame",
            )
        parts = [claims["quantity"].astype(str)] + [keys[b].astype(str) for b in by]
        combined = parts[0]
        for p in parts[1:]:
            combined = combined + _SEP + p
        # the ledger folds white space in quantity names; fold it here too so the keys match
        combined = combined.map(lambda k: " ".join(k.split()))
        ledger = Ledger.from_frame(claims.assign(quantity=combined.to_numpy(dtype=object)))
        table = pd.DataFrame({"_key": combined.to_numpy(dtype=object)})
        for b in by:
            table[b] = keys[b].to_numpy(dtype=object)
        table["quantity"] = claims["quantity"].to_numpy(dtype=object)
        return ledger, table.drop_duplicates("_key").set_index("_key")

    # -- reconciliation -------------------------------------------------------------------------

    def reconcile(
        self,
        quantity: str | None = None,
        *,
        by: str | Sequence[str] | None = None,
        at: object = None,
        known_on: object = None,
        method: str = "robust",
        extra: Extra = "raise",
        **options: Any,
    ) -> pd.DataFrame:
        """Reconcile every quantity (or one), group by group: one row per group and quantity.

        ``by`` names columns of your own (``"region"``) whose values split the claims into
        groups reconciled apart; the result starts with those columns. Everything else is
        passed to :func:`estimates.reconciliation.reconcile.reconcile_all` (``sources``, ``half_life``,
        ``relations``, method options). Truth-discovery methods learn source weights across all
        groups at once, as they do across quantities.

        >>> import pandas as pd
        >>> import estimates.faces.accessor
        >>> df = pd.DataFrame({"quantity": ["q", "q"], "low": [10, 12], "high": [14, 20],
        ...                    "source": ["A", "B"], "stated_on": "2024-01-05"})
        >>> df.estimates.reconcile("q", method="consensus")[["low", "high"]].values.tolist()
        [[12.0, 14.0]]
        """
        from estimates.reconciliation.reconcile import reconcile_all

        groups = [by] if isinstance(by, str) else list(by or ())
        if not groups:
            ledger = self.to_ledger(extra=extra)
            if quantity is not None:
                _known(ledger, quantity)
                ledger = ledger.select(quantity)
            return reconcile_all(ledger, at=at, known_on=known_on, method=method, **options)
        if options.get("relations"):
            raise OptionError(
                "relations",
                message="relations name quantities, not groups: reconcile each group with "
                "relations apart (df[df.region == r].estimates.reconcile(relations=...))",
            )
        ledger, keys = self._keyed(groups, extra)
        if quantity is not None:
            wanted = keys.index[keys["quantity"] == quantity].tolist()
            if not wanted:
                _known(self.to_ledger(extra="ignore"), quantity)
            ledger = ledger.select(wanted)
        out = reconcile_all(ledger, at=at, known_on=known_on, method=method, **options)
        key = out["quantity"].to_numpy(dtype=object)
        front = keys.loc[key].reset_index(drop=True)
        note = out["note"].to_numpy(dtype=object)
        # a note may name the combined key; name the quantity instead
        names = front["quantity"].to_numpy(dtype=object)
        note = np.array(
            [
                n if not isinstance(n, str) else n.replace(k, q)
                for n, k, q in zip(note, key, names, strict=True)
            ],
            dtype=object,
        )
        body = out.drop(columns=["quantity"]).assign(note=note).reset_index(drop=True)
        result = pd.concat([front, body], axis=1)
        return result.sort_values([*groups, "quantity"], kind="stable").reset_index(drop=True)

    def explain(
        self, quantity: str, *, at: object = None, known_on: object = None, method: str = "robust",
        extra: Extra = "raise", **options: Any,
    ) -> Reconciliation:  # fmt: skip
        """The full :class:`~estimates.reconciliation.reconcile.Reconciliation` of one quantity (roles, why).

        >>> import pandas as pd
        >>> import estimates.faces.accessor
        >>> df = pd.DataFrame({"quantity": ["q"], "low": [10], "high": [14], "source": ["A"],
        ...                    "stated_on": "2024-01-05"})
        >>> df.estimates.explain("q").value.high
        14.0
        """
        from estimates.reconciliation.reconcile import reconcile

        ledger = self.to_ledger(extra=extra)
        _known(ledger, quantity)
        return reconcile(ledger, quantity, at=at, known_on=known_on, method=method, **options)

    def check(
        self,
        relations: Iterable[Any],
        *,
        at: object = None,
        known_on: object = None,
        extra: Extra = "raise",
        **options: Any,
    ) -> Report:
        """Check the claims against relations (:func:`estimates.reconciliation.relations.check`).

        >>> import pandas as pd
        >>> import estimates.faces.accessor
        >>> from estimates.reconciliation.relations import at_most
        >>> df = pd.DataFrame({"quantity": ["kursk", "russia"], "low": [7000, None],
        ...                    "high": [None, 3000], "unit": "person", "source": ["HUR", "NIS"],
        ...                    "stated_on": "2024-10-31"})
        >>> df.estimates.check([at_most("kursk", "russia")]).ok
        False
        """
        from estimates.reconciliation.relations import check

        ledger = self.to_ledger(extra=extra)
        return check(ledger, relations, at=at, known_on=known_on, **options)

    def timeline(self, quantity: str, *, extra: Extra = "raise", **options: Any) -> pd.DataFrame:
        """The reconciled range of ``quantity`` over time (:func:`estimates.reconciliation.timeline.timeline`).

        >>> import pandas as pd
        >>> import estimates.faces.accessor
        >>> df = pd.DataFrame({"quantity": ["q", "q"], "low": [10, 12], "high": [14, 20],
        ...                    "source": ["A", "B"], "stated_on": ["2024-01-05", "2024-02-01"]})
        >>> df.estimates.timeline("q")["at"].tolist()
        ['2024-01-05', '2024-02-01']
        """
        from estimates.reconciliation.timeline import timeline

        ledger = self.to_ledger(extra=extra)
        _known(ledger, quantity)
        return timeline(ledger, quantity, **options)

    def plot(self, quantity: str, *, extra: Extra = "raise", **options: Any) -> Axes:
        """Plot the claims about ``quantity`` over time (:func:`estimates.faces.plotting.plot_timeline`).

        >>> import pandas as pd
        >>> import estimates.faces.accessor
        >>> df = pd.DataFrame({"quantity": ["q"], "low": [10], "high": [14], "source": ["A"],
        ...                    "stated_on": "2024-01-05"})
        >>> ax = df.estimates.plot("q", band=False)
        >>> ax.get_ylabel()
        'value'
        >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
        """
        from estimates.faces.plotting import plot_timeline

        return plot_timeline(self.to_ledger(extra=extra), quantity, **options)


def _known(ledger: Ledger, quantity: str) -> None:
    from estimates.errors import ReconcileError

    if quantity not in ledger.quantities:
        shown = ", ".join(ledger.quantities[:20]) or "none"
        raise ReconcileError(
            f"no claims about {quantity!r}; the table's quantities: {shown}", quantity=quantity
        )
