"""Truth discovery on the Flight data: share of items within one minute of the truth, per method.

The data (../shared/data/truth/flights, a subset of the Flight data of Li, Dong, Lyons, Meng and
Srivastava, "Truth finding on the deep web: is the problem solved?", PVLDB 6(2), 2012) are read in
place. An item is one flight and one of its four times; a claim is one source's time for it, as
minutes since midnight. The table compares exact-string majority vote with the methods.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

ATTRIBUTES = ("sched_dep_time", "act_dep_time", "sched_arr_time", "act_arr_time")
DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "truth" / "flights"

# The first clock time in the string: "7:10 a.m.", "7:10aDec 1", "2:45P 12-01-11",
# "12:00noon", "Thu  22:15" (a 24-hour clock when no a.m./p.m. follows). Dates such as
# "12/2/11" have no colon, so they never match.
_TIME = re.compile(r"(\d{1,2}):(\d{2})\s*(?:(noon)|([aApP])(?![a-zA-Z]{2})\.?\s*(?:[mM]\.?)?)?")
_NO_CLAIM = re.compile(r"not available|contact airline", re.IGNORECASE)


def parse_time(text: object) -> float:
    """Minutes since midnight of a messy flight time; NaN when it states no time.

    >>> [parse_time(t) for t in ("7:10 a.m.", "7:10aDec 1", "12/2/11 6:35 a.m.", "12:21 a.m.")]
    [430.0, 430.0, 395.0, 21.0]
    >>> [parse_time(t) for t in ("2:45P 12-01-11", "Thu  22:15", "12:00noon", "Not Available")]
    [885.0, 1335.0, 720.0, nan]
    """
    if not isinstance(text, str) or not text.strip() or _NO_CLAIM.search(text):
        return np.nan
    m = _TIME.search(text)
    if m is None:
        return np.nan
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        return np.nan
    if m.group(3):
        hour = 12
    elif m.group(4):
        pm = m.group(4).lower() == "p"
        hour = hour % 12 + (12 if pm else 0)
    return float(hour * 60 + minute)


def load(data: Path = DATA) -> tuple[pd.DataFrame, pd.Series]:
    """Claims (item, source, raw text, minutes) and the true minutes per item."""
    claims = pd.read_csv(data / "claims.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(data / "truth.csv", dtype=str, keep_default_na=False)
    long = claims.melt(id_vars=["src", "flight"], value_vars=list(ATTRIBUTES), var_name="attr")
    long = long[long["value"].str.strip() != ""]
    long["item"] = long["flight"] + "|" + long["attr"]
    long["minutes"] = long["value"].map(parse_time).astype(float)
    tlong = truth.melt(id_vars=["flight"], value_vars=list(ATTRIBUTES), var_name="attr")
    tlong["item"] = tlong["flight"] + "|" + tlong["attr"]
    tlong["minutes"] = tlong["value"].map(parse_time).astype(float)
    true = tlong.groupby("item")["minutes"].first()
    out = long[["item", "src", "value", "minutes"]].rename(
        columns={"src": "source", "value": "text"}
    )
    return out.reset_index(drop=True), true


def within_minute(estimate: pd.Series, true: pd.Series) -> float:
    """Share of the true items whose estimate is within one minute (on the 24-hour circle)."""
    est = estimate.reindex(true.index).to_numpy(dtype=float)
    d = np.abs(est - true.to_numpy(dtype=float)) % 1440
    d = np.minimum(d, 1440 - d)
    return float(np.mean(np.nan_to_num(d, nan=np.inf) <= 1.0))


def majority_vote(claims: pd.DataFrame) -> pd.Series:
    """The most frequent exact string per item (ties: the first in sorted order), as minutes."""
    counts = claims.groupby(["item", "text"]).size().rename("n").reset_index()
    counts = counts.sort_values(["item", "n", "text"], ascending=[True, False, True])
    top = counts.drop_duplicates("item").set_index("item")["text"]
    return top.map(parse_time)


def methods_table(claims: pd.DataFrame, true: pd.Series) -> pd.DataFrame:
    """Share of items within one minute of the truth, for majority vote and every method.

    Methods run through the registry on one Evidence of all items (each item its own quantity,
    in minutes). ``latest`` needs the day each figure describes, which these data lack.
    """
    from estimates.reconciliation.methods import Evidence, get_method, methods

    vote = majority_vote(claims)
    rows: list[tuple[str, float]] = [
        ("majority vote (string equals the truth's)", string_vote_share(claims)),
        ("majority vote (exact string), within 1 min", within_minute(vote, true)),
    ]
    have = claims.dropna(subset=["minutes"])
    ev = Evidence.from_rows(
        quantity=have["item"].tolist(),
        best=have["minutes"].to_numpy(dtype=float),
        source=have["source"].tolist(),
    )
    runs: dict[str, tuple[str, dict[str, object]]] = {
        name: (name, {}) for name in methods() if name != "latest"
    }
    runs["crh (squared loss)"] = ("crh", {"loss": "squared"})
    runs["catd (squared loss)"] = ("catd", {"loss": "squared"})
    for label, (name, options) in sorted(runs.items()):
        out = get_method(name)(ev, options)
        est = pd.Series(out.best, index=list(ev.quantities))
        rows.append((label, within_minute(est, true)))
    return pd.DataFrame(rows, columns=["method", "share"])


def string_vote_share(claims: pd.DataFrame, data: Path = DATA) -> float:
    """Majority vote scored as ../shared/data/README.md does: the winning string equals the truth's.

    Ties between strings count as the expected share under a random pick among the tied.
    """
    truth = pd.read_csv(data / "truth.csv", dtype=str, keep_default_na=False)
    tlong = truth.melt(id_vars=["flight"], value_vars=list(ATTRIBUTES), var_name="attr")
    true_text = (tlong["flight"] + "|" + tlong["attr"]).to_frame("item").assign(text=tlong["value"])
    true_text = true_text.groupby("item")["text"].first()
    counts = claims.groupby(["item", "text"]).size().rename("n").reset_index()
    top = counts[counts["n"] == counts.groupby("item")["n"].transform("max")]
    hit = (top["text"].to_numpy() == true_text.reindex(top["item"]).to_numpy()).astype(float)
    per_item = pd.Series(hit).groupby(top["item"].to_numpy()).mean()
    return float(per_item.reindex(true_text.index, fill_value=0.0).mean())


def main() -> None:
    if not DATA.exists():
        print("flights data not found; skipped")
        return
    claims, true = load()
    print(
        f"{claims['item'].nunique()} items, {len(claims)} non-empty claims, "
        f"{int(claims['minutes'].notna().sum())} with a time"
    )
    print(methods_table(claims, true).to_string(index=False, float_format="{:.3f}".format))


if __name__ == "__main__":
    main()
