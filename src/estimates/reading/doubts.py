"""Warnings of the library's own: a figure read one way where its text allows another."""

from __future__ import annotations

__all__ = ["AmbiguousFigureWarning", "EstimatesWarning"]


class EstimatesWarning(UserWarning):
    """Root of every warning issued by ``estimates``.

    >>> issubclass(AmbiguousFigureWarning, EstimatesWarning)
    True
    """


class AmbiguousFigureWarning(EstimatesWarning):
    """A figure read one way where its text allows another ("1.5m": million or metres?).

    The reading taken is the convention's choice; the message names the others, and
    :attr:`estimates.Figure.alternatives` holds them as ranges. Pass ``strict=True`` to
    ``parse`` to get an :class:`AmbiguousFigureError` instead.
    """
