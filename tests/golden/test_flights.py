"""The Flight truth-discovery data: messy times parsed, every method scored against the truth.

Reads ../shared/data/truth/flights in place (skips when absent). The figures asserted below were
checked by hand against the table this test prints (run with ``-s`` to see it).
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / ".." / "shared" / "data" / "truth" / "flights"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_flights", ROOT / "benchmarks" / "bench_flights.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("7:10 a.m.", 430),
        ("12:21 a.m.", 21),
        ("12:35 p.m.", 755),
        ("7:10aDec 1", 430),
        ("11:55aDec 1", 715),
        ("12/2/11 6:35 a.m.", 395),
        ("11/30 8:00 p.m.", 1200),
        ("12:21 a.m.  Fri 02-Dec-2011", 21),
        ("Dec 02 6:55 a.m.", 415),
        ("Fri Dec 2 5:11 a.m.", 311),
        ("6:47 p.m. (Estimated runway)", 1127),
        ("10:39 p.m.&nbsp(Estimated)", 1359),
        ("1:50 p.m. (+8:00)", 830),
        ("1:32 p.m.            Delayed", 812),
        ("2:45P 12-01-11", 885),
        ("10:34A 12-01-11", 634),
        ("Thu  22:15", 1335),
        ("12:00noon", 720),
    ],
)
def test_parse_time(text: str, minutes: int) -> None:
    assert bench.parse_time(text) == minutes


@pytest.mark.parametrize(
    "text", ["Not Available", "Contact Airline", "Dec 02 Not Available", "", None]
)
def test_no_claim(text: str | None) -> None:
    assert math.isnan(bench.parse_time(text))


@pytest.fixture(scope="module")
def flights() -> tuple[object, object]:
    if not (DATA / "claims.csv").exists():
        pytest.skip("flights data not found at ../shared/data/truth/flights")
    return bench.load(DATA)


def test_every_claimed_time_parses(flights) -> None:
    claims, true = flights
    assert len(true) == 400
    assert true.notna().all()
    assert len(claims) == 7192
    # only the "no time" phrases stay without minutes: nothing else is dropped
    unparsed = claims.loc[claims["minutes"].isna(), "text"]
    assert unparsed.str.contains("Not Available|Contact Airline").all()
    assert len(unparsed) == 90


def test_methods_table(flights) -> None:
    claims, true = flights
    table = bench.methods_table(claims, true)
    print()
    print(table.to_string(index=False, float_format="{:.3f}".format))
    share = dict(zip(table["method"], table["share"], strict=True))
    # majority vote scored as the data's README does (76.0 % there; 76.4 % with ties shared)
    assert share["majority vote (string equals the truth's)"] == pytest.approx(0.764, abs=5e-4)
    assert share["majority vote (exact string), within 1 min"] == pytest.approx(0.8475)
    # CATD and CRH answer with the figure a cluster of sources agrees on (not a figure between
    # clusters) and cap each claim's error, so a site that once gives a wrong field's time is not
    # written off: both above the plain median's 0.805, below plurality's 0.8625
    assert share["catd"] == pytest.approx(0.8425)
    assert share["crh"] == pytest.approx(0.85)
    assert share["catd (squared loss)"] >= 0.90
    for name in ("catd", "crh", "plurality"):
        assert share[name] > share["robust"] == pytest.approx(0.805)


def _days() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_flight_days", ROOT / "benchmarks" / "_flight_days.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


days = _days()


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("12/02/2011 01:55 PM", 835),
        ("12/2/2011 2:13PM EST", 853),
        ("12/2/11 2:13 PM (-05:00)", 853),
        ("2011-12-02 02:13 PM", 853),
        ("2011-12-02 13:52", 832),
        ("2011-12-02  3:05P", 905),
        ("2:13 PMDec 02", 853),
        ("1:55pDec 2", 835),
        ("9:05 PM, Dec 02", 1265),
        ("11:50 PM  Thu 01-Dec-2011", -10),
        ("Dec 02 - 3:05pm", 905),
        ("Fri, Dec 2 5:11 AM", 311),
        ("Fri., Dec.02, 2011 9:05 p.m.", 1265),
        ("3:00P 12-02-11", 900),
        ("12:02AM Dec 03", 1442),
        ("12/3/2011 12:23AM PST", 1463),
    ],
)
def test_flight_day_times(text: str, minutes: int) -> None:
    import datetime as dt

    assert days.minutes(text, dt.date(2011, 12, 2)) == minutes


@pytest.mark.parametrize(
    "text", ["Dec 02 - Contact Airline", "Dec 02 - Not Available", "2011-12-02 Cancelled", ""]
)
def test_flight_day_no_time(text: str) -> None:
    import datetime as dt

    assert math.isnan(days.minutes(text, dt.date(2011, 12, 2)))


def test_flight_days_read_whole() -> None:
    if not (days.DATA / "claims").is_dir():
        pytest.skip("flight days not found at ../shared/data/truth/flight_days")
    for day in days.DAYS:
        claims, gold = days.load_day(day)
        # only "no time" phrases stay without minutes: nothing else is dropped
        unparsed = claims.loc[claims["minutes"].isna(), "text"]
        assert unparsed.str.contains("Not Available|Contact Airline|Cancel", case=False).all()
        assert 300 < len(gold) < 420
        assert claims["item"].nunique() > 3_000
