"""The role of a claim in a reconciliation: why it counted, or why it did not.

Each stage that sets claims apart returns the roles it gave; a role is an :class:`Role`
(an ``IntEnum``, stored as int8 codes in arrays), and :data:`ROLES` spells them out.

>>> Role.RELAY, ROLES[Role.RELAY], Role.STALE in USED_ROLES
(<Role.RELAY: 3>, 'relay', True)
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

__all__ = ["ROLES", "USED_ROLES", "Role", "used"]


class Role(IntEnum):
    """A claim's role; the codes index :data:`ROLES`."""

    #: counted in the answer
    USED = 0
    #: its source said something later (at or before ``at``) about the same quantity
    SUPERSEDED = 1
    #: the same figure, from the same source, on the same day
    DUPLICATE = 2
    #: a later report, within ``relay_days``, of a figure its source gave
    RELAY = 3
    #: counted, but older than two half-lives
    STALE = 4
    #: counted, but its range does not meet the answer
    OUTLIER = 5
    #: counted as a lower or an upper bound (a running total)
    BOUND = 6
    #: a projection, set apart when the quantity has observations
    PROJECTION = 7
    #: another kind, another window, another start, or a moment after ``at``
    OUT_OF_WINDOW = 8
    #: a figure about a moment after ``at``, used with hindsight
    FUTURE = 9
    #: a running total its source revised down
    REVISED = 10
    #: a stock figure every later figure contradicts (the level changed)
    OVERTAKEN = 11


#: The role of a claim, by code.
ROLES: tuple[str, ...] = tuple(r.name.lower().replace("_", " ") for r in Role)
#: Roles of claims that carry weight in the answer.
USED_ROLES: frozenset[Role] = frozenset(
    {Role.USED, Role.STALE, Role.OUTLIER, Role.BOUND, Role.FUTURE}
)

# whether each role code is one of USED_ROLES, looked up by code
_USED_CODE = np.array([r in USED_ROLES for r in Role], dtype=bool)


def used(role: npt.NDArray[np.int8]) -> npt.NDArray[np.bool_]:
    """Per role code, whether it is one of :data:`USED_ROLES` (one lookup per code).

    >>> used(np.array([Role.USED, Role.RELAY, Role.BOUND], dtype=np.int8)).tolist()
    [True, False, True]
    """
    result: npt.NDArray[np.bool_] = _USED_CODE.take(role)
    return result
