"""The package's closed vocabularies, each defined once: closed words, kinds, grades, weights.

Every module that checks, stores, codes or writes one of these words imports it from here: the
``Range`` and its rules, conventions, the claim table's validation, the columnar core (which
codes kinds as :class:`KindCode`), truth discovery and the faces. This module imports nothing
but the standard library, so every layer can use it.

>>> CLOSED, KINDS, GRADES
(('both', 'left', 'right', 'neither'), ('stock', 'cumulative', 'flow', 'projection'), ('A', 'B', 'C', 'D', 'E', 'F'))
>>> KindCode.CUMULATIVE, KINDS[KindCode.CUMULATIVE]
(<KindCode.CUMULATIVE: 1>, 'cumulative')
>>> RELIABILITY_WEIGHT["B"], NO_GRADE_WEIGHT
(0.8, 0.6)
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "CLOSED",
    "CREDIBILITY",
    "GRADES",
    "KINDS",
    "NO_GRADE_WEIGHT",
    "NO_JUDGEMENT",
    "RELIABILITY_WEIGHT",
    "Closed",
    "Kind",
    "KindCode",
    "Reliability",
]

#: Which ends of a range belong to it, in pandas' ``Interval`` words.
Closed = Literal["both", "left", "right", "neither"]
CLOSED: Final[tuple[Closed, ...]] = ("both", "left", "right", "neither")

#: What a claim's figure measures: present at a time, a running total to date (never falls),
#: an amount within a window, a plan or forecast (never mixed with observations).
Kind = Literal["stock", "cumulative", "flow", "projection"]
KINDS: Final[tuple[Kind, ...]] = ("stock", "cumulative", "flow", "projection")


class KindCode(IntEnum):
    """A kind as the columnar core codes it: its position in :data:`KINDS`."""

    STOCK = 0
    CUMULATIVE = 1
    FLOW = 2
    PROJECTION = 3


#: Source reliability letters of the Admiralty code (NATO AJP-2.1 / STANAG 2511), A completely
#: reliable ... E unreliable, F reliability cannot be judged.
Reliability = Literal["A", "B", "C", "D", "E", "F"]
GRADES: Final[tuple[Reliability, ...]] = ("A", "B", "C", "D", "E", "F")
#: Information credibility digits of the same code, 1 confirmed ... 6 truth cannot be judged.
CREDIBILITY: Final[tuple[int, ...]] = (1, 2, 3, 4, 5, 6)
#: The letter and digit that carry no judgement: "no prior", not "poor".
NO_JUDGEMENT: Final = ("F", 6)

#: Prior weight of a reliability letter. The Admiralty code itself gives words, not numbers
#: (NATO AJP-2.1; US Army FM 2-22.3, 2006, Appendix B); these are this library's evenly spaced
#: reading of them. F ("reliability cannot be judged") and a missing grade mean "no prior",
#: not "low": they get the middle weight, C's.
RELIABILITY_WEIGHT: Final[Mapping[str, float]] = MappingProxyType(
    {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.6}
)
#: The weight of a claim whose source has no grade: that of F, no prior.
NO_GRADE_WEIGHT: Final = RELIABILITY_WEIGHT["F"]
