"""Bundled example data.

``dprk()`` is a real, dated, sourced timeline of 85 public claims (Oct 2023 – Nov 2025) about
North Korean troops sent to Russia and munitions shipped, beginning with the AFP report of
18 October 2024. Each row keeps the figure, its short wording, source, relaying outlet, dates and
URL. ``dprk_sources()`` declares which raw source spellings are the same originator.

>>> from estimates import datasets
>>> ledger = datasets.dprk()
>>> len(ledger), "dprk_troops_in_russia" in ledger.quantities
(85, True)
>>> datasets.dprk_sources().resolve("South Korean officials (NIS briefing)")
'South Korea NIS'
"""

from __future__ import annotations

import functools
from importlib import resources

from estimates.ledger.table import Ledger
from estimates.values.sources import Source, Sources

__all__ = ["dprk", "dprk_path", "dprk_sources"]


def dprk_path() -> str:
    """The path of the bundled CSV (for the command line and for reading it yourself).

    >>> dprk_path().endswith("dprk_claims.csv")
    True
    """
    return str(resources.files("estimates").joinpath("data", "dprk_claims.csv"))


@functools.lru_cache(maxsize=1)
def dprk() -> Ledger:
    """The bundled DPRK-in-Russia claims as a :class:`Ledger`.

    >>> dprk().select("dprk_troops_in_kursk").summary().loc[0, "claims"]
    np.int64(10)
    """
    return Ledger.read_csv(dprk_path())


def dprk_sources() -> Sources:
    """Source declarations for the bundled example: which raw spellings are one originator.

    Trailing qualifiers such as "(via lawmaker Lee Seong-kweun)" or "(per Yonhap)" are removed
    by default resolution; these declarations join the spellings that differ in other ways.

    >>> s = dprk_sources()
    >>> s.resolve("Shin Won-sik (South Korean defence minister) via Sky News")
    'Shin Won-sik'
    >>> s.resolve("Andriy Chernyak (Ukraine HUR) to RFE/RL")
    'Ukraine HUR'
    >>> s.resolve("Ukraine HUR spokesperson")
    'Ukraine HUR'
    """
    sources = Sources()
    sources.add(
        Source(name="South Korea NIS", kind="intelligence", affiliation="South Korea"),
        "South Korean officials",
        "NIS",
        "South Korea's National Intelligence Service",
    )
    sources.add(Source(name="Shin Won-sik", kind="government", affiliation="South Korea"))
    sources.add(Source(name="South Korea JCS", kind="military", affiliation="South Korea"))
    sources.add(
        Source(
            name="South Korea Defense Intelligence Agency",
            kind="intelligence",
            affiliation="South Korea",
        )
    )
    sources.add(
        Source(name="Ukraine HUR", kind="intelligence", affiliation="Ukraine"),
        "Ukraine HUR spokesperson",
        "Kyrylo Budanov",
        "Andriy Chernyak",
        "Ukrainian military intelligence officials",
    )
    sources.add(Source(name="Zelensky", kind="government", affiliation="Ukraine"))
    sources.add(
        Source(name="US DoD", kind="military", affiliation="United States"),
        "Maj. Gen. Pat Ryder",
        "Sabrina Singh",
    )
    sources.add(
        Source(name="US State Department", kind="government", affiliation="United States"),
        "Antony Blinken",
        "Matthew Miller",
        "Vedant Patel",
    )
    sources.add(Source(name="John Kirby", kind="government", affiliation="United States"))
    sources.add(Source(name="Dorothy Shea", kind="government", affiliation="United States"))
    sources.add(Source(name="Sergei Shoigu", kind="government", affiliation="Russia"))
    return sources
