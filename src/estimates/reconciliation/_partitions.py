"""What the Dask modules share: the ``dask`` extra's modules, and a partition's claims as a
ledger holds them (one row per claim id, in claim-id order)."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pandas as pd

from estimates.errors import MissingExtraError

__all__ = ["dask_core", "dask_frames", "distinct"]


def dask_frames() -> Any:
    """``dask.dataframe``, or an error naming the extra to install."""
    try:
        return importlib.import_module("dask.dataframe")
    except ImportError as exc:
        raise MissingExtraError("dask", "dask") from exc


def dask_core() -> Any:
    """The ``dask`` module (its ``delayed``, ``persist`` and ``compute``), untyped on purpose:
    only this module and its helpers touch it."""
    try:
        return importlib.import_module("dask")
    except ImportError as exc:
        raise MissingExtraError("dask", "dask") from exc


def distinct(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per claim id (a ledger is a set), in the ledger's order (by claim id).

    The order matters where the pipeline keeps one row of several (the letter of a source's
    figures merged into one interval is its first row's): sorted as a ledger sorts, a
    partition's rows of a quantity come in the order the in-memory ledger holds them.
    """
    from estimates.ledger._frame import id_order

    frame = frame.reset_index(drop=True)
    if len(frame) > 1:
        ids = frame["claim_id"].to_numpy(dtype=object)
        order = id_order(ids)
        repeat = np.zeros(order.size, dtype=bool)
        repeat[1:] = ids[order][1:] == ids[order][:-1]
        order = order[~repeat]
        if order.size != len(frame) or not (order == np.arange(order.size)).all():
            frame = frame.take(order).reset_index(drop=True)
    return frame
