"""A reader of the whole-day Flight crawl (../shared/data/truth/flight_days), as a user would write it.

The data (Li, Dong, Lyons, Meng and Srivastava, "Truth finding on the deep web: is the problem
solved?", PVLDB 6(2), 2012; two days as shipped with Orange-OpenSource/trustfuse) are read in
place, never copied. ``claims/DAY.txt`` is a TSV without header: source, flight, scheduled
departure, actual departure, departure gate, scheduled arrival, actual arrival, arrival gate;
``gold/DAY.txt`` is the same without the source. An item is one flight and one of its four times;
a figure is minutes since midnight of the crawl's day (a stated date of the day before or after
shifts it by a day; a time with no date belongs to the crawl's day).

Times come in about fifteen shapes, read here by two small patterns (a clock time, a date):

>>> day = dt.date(2011, 12, 2)
>>> [minutes(t, day) for t in ("12/02/2011 01:55 PM", "12/2/2011 2:13PM EST", "2:13 PMDec 02")]
[835.0, 853.0, 853.0]
>>> [minutes(t, day) for t in ("1:55pDec 2", "Dec 02 - 3:05pm", "2011-12-02  3:05P", "3:00P 12-02-11")]
[835.0, 905.0, 905.0, 900.0]
>>> [minutes(t, day) for t in ("12:02AM Dec 03", "11:50 PM  Thu 01-Dec-2011", "2011-12-02 13:52")]
[1442.0, -10.0, 832.0]
>>> [minutes(t, day) for t in ("Fri., Dec.02, 2011 9:05 p.m.", "Dec 02 - Contact Airline", "")]
[1265.0, nan, nan]
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["DATA", "DAYS", "TIMES", "load_day", "minutes", "within_minute"]


def _shared_data() -> Path:
    """``shared/data`` beside the project (or beside a folder holding its checkout)."""
    root = Path(__file__).resolve().parents[1]
    for parent in root.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return root.parent / "shared" / "data"


DATA = _shared_data() / "truth" / "flight_days"
#: The development day (tuning) and the held-out day (reported, never tuned on).
DAYS = ("20111202", "20111203")
TIMES = ("sched_dep", "act_dep", "sched_arr", "act_arr")
_COLUMNS = ("flight", "sched_dep", "act_dep", "dep_gate", "sched_arr", "act_arr", "arr_gate")

# a clock time, with an optional a.m./p.m. mark ("2:13 PM", "1:55p", "9:05 p.m.", "13:52")
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?!\d)\s*(?:([AaPp])\.?\s*(?:[Mm](?![a-z])\.?)?)?")
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
# dates: 12/2/11 or 12/02/2011; 2011-12-02; 12-02-11; Dec 02 / Dec.02 / 02-Dec-2011
_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DASHED = re.compile(r"\b(\d{2})-(\d{2})-(\d{2})\b")
_NAMED = re.compile(r"\b([A-Za-z]{3})\.?\s*(\d{1,2})\b(?!:)")
_DAY_NAMED = re.compile(r"\b(\d{1,2})-([A-Za-z]{3})-(\d{4})\b")


def _date(text: str, day: dt.date) -> dt.date | None:
    if m := _ISO.search(text):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := _SLASH.search(text):
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return dt.date(year, int(m[1]), int(m[2]))
    if m := _DASHED.search(text):
        return dt.date(2000 + int(m[3]), int(m[1]), int(m[2]))
    if m := _DAY_NAMED.search(text):
        month = _MONTHS.get(m[2].lower())
        return dt.date(int(m[3]), month, int(m[1])) if month else None
    for m in _NAMED.finditer(text):
        month = _MONTHS.get(m[1].lower())
        if month:
            return dt.date(day.year, month, int(m[2]))
    return None


def minutes(text: object, day: dt.date) -> float:
    """Minutes since midnight of ``day`` of a messy flight time; NaN when it states no time."""
    if not isinstance(text, str):
        return np.nan
    m = _CLOCK.search(text)
    if m is None:
        return np.nan
    hour, minute = int(m[1]), int(m[2])
    if m[3]:
        if not 1 <= hour <= 12:
            return np.nan
        hour = hour % 12 + (12 if m[3].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return np.nan
    # the date is read from the text without the clock time
    date = _date(text[: m.start()] + " " + text[m.end() :], day) or day
    return float((date - day).days * 1440 + hour * 60 + minute)


def load_day(day: str, data: Path = DATA) -> tuple[pd.DataFrame, pd.Series]:
    """One day's claims (item, source, text, minutes) and the airlines' minutes per item."""
    date = dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
    raw = pd.read_csv(
        data / "claims" / f"{day}.txt",
        sep="\t",
        header=None,
        names=["source", *_COLUMNS],
        dtype=str,
        keep_default_na=False,
        quoting=3,
    )
    long = raw.melt(id_vars=["source", "flight"], value_vars=list(TIMES), var_name="attr")
    long = long[long["value"].str.strip() != ""]
    long = long.assign(
        item=long["flight"] + "|" + long["attr"],
        minutes=[minutes(t, date) for t in long["value"]],
    )
    claims = long[["item", "source", "value", "minutes"]].rename(columns={"value": "text"})
    gold = pd.read_csv(
        data / "gold" / f"{day}.txt",
        sep="\t",
        header=None,
        names=list(_COLUMNS),
        dtype=str,
        keep_default_na=False,
        quoting=3,
    )
    glong = gold.melt(id_vars=["flight"], value_vars=list(TIMES), var_name="attr")
    glong = glong.assign(
        item=glong["flight"] + "|" + glong["attr"],
        minutes=[minutes(t, date) for t in glong["value"]],
    )
    true = glong.dropna(subset=["minutes"]).groupby("item")["minutes"].first()
    return claims.reset_index(drop=True), true


def within_minute(estimate: pd.Series, true: pd.Series) -> float:
    """Share of the gold items whose estimate is within one minute (on the 24-hour circle)."""
    est = estimate.reindex(true.index).to_numpy(dtype=float)
    d = np.abs(est - true.to_numpy(dtype=float)) % 1440
    d = np.minimum(d, 1440 - d)
    return float(np.mean(np.nan_to_num(d, nan=np.inf) <= 1.0))
