"""The array types the ledger and the reconciliation core share, and the instant that means
"no date".

The ledger hands its columns to the core as numpy arrays (:mod:`estimates.ledger.arrays`) and
the core's stages pass arrays on (:mod:`estimates.reconciliation.stages.arrays`); both name
their arrays' types from here, so that a type is written once. This module imports nothing
from the package.

>>> NO_INSTANT == np.iinfo(np.int64).min
True
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "NO_INSTANT",
    "BoolArray",
    "FloatArray",
    "Int8Array",
    "Int64Array",
    "IntArray",
    "ObjectArray",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]
Int8Array = npt.NDArray[np.int8]
Int64Array = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]

#: An instant (seconds since 1970) meaning "no date": the smallest int64, which is NaT read as
#: an int64.
NO_INSTANT = int(np.iinfo(np.int64).min)
