"""Stocks change: a figure every later figure contradicts was overtaken, not disputed (DESIGN §3)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from scipy import stats

import estimates as est
from estimates.reconciliation.stages import change
from estimates.reconciliation.stages.arrays import NO_DAY
from estimates.reconciliation.stages.change import _suffix_min, in_conflict, overtaken

C = est.Claim


def troops(*rows: tuple[float, str, str]) -> est.Ledger:
    return est.Ledger(
        [
            C(quantity="troops", value=est.Range.exactly(v, unit="person"), source=s, stated_on=d)
            for v, s, d in rows
        ]
    )


def test_a_deployment_that_grows_is_not_a_disagreement() -> None:
    # 3,000 in October; by December two other sources say 11,000 and 12,000: the level changed
    led = troops((3000, "NIS", "2024-10-23"), (11_000, "DoD", "2024-12-01"),
                 (12_000, "HUR", "2024-12-10"))  # fmt: skip
    r = est.reconcile(led, "troops", known_on="2025-01-15")
    assert not r.conflict and r.conflicts == ()
    roles = dict(zip(r.claims["source"], r.claims["role"], strict=True))
    assert roles == {"NIS": "overtaken", "DoD": "used", "HUR": "used"}
    assert r.value is not None and r.value.low == 11_000.0
    assert "was overtaken" in r.explain()


def test_one_later_source_cannot_overtake_the_rest() -> None:
    led = troops((10_000, "NIS", "2024-10-23"), (11_000, "DoD", "2024-10-24"),
                 (3_000, "Blog", "2024-12-10"))  # fmt: skip
    r = est.reconcile(led, "troops", known_on="2025-01-15")
    roles = dict(zip(r.claims["source"], r.claims["role"], strict=True))
    assert "overtaken" not in roles.values()


def test_figures_about_the_same_days_that_cannot_both_hold_still_conflict() -> None:
    led = troops((10_000, "NIS", "2024-10-23"), (12_000, "HUR", "2024-10-25"))
    r = est.reconcile(led, "troops")
    assert r.conflict and r.conflicts[0].gap == 2000.0
    # the same two figures two months apart are change, not conflict
    apart = troops((10_000, "NIS", "2024-10-23"), (12_000, "HUR", "2024-12-25"))
    assert not est.reconcile(apart, "troops").conflict


def test_the_rule_can_be_turned_off() -> None:
    led = troops((3000, "NIS", "2024-10-23"), (11_000, "DoD", "2024-12-01"),
                 (12_000, "HUR", "2024-12-10"))  # fmt: skip
    r = est.reconcile(led, "troops", change_days=None)
    assert "overtaken" not in set(r.claims["role"]) and r.conflict


@pytest.mark.parametrize("apart", [7, 0])
def test_overtaken_is_independent_of_row_order(apart: int) -> None:
    # (with apart 0, rows about one moment tie: none is later than another, whatever the order)
    rng = np.random.default_rng(7)
    n = 60
    kw = {
        "q": rng.integers(0, 4, n), "moment": rng.integers(0, 60, n).astype(np.int64),
        "source": rng.integers(0, 6, n), "low": rng.uniform(0, 100, n),
    }  # fmt: skip
    kw["high"] = kw["low"] + rng.uniform(0, 10, n)
    a = overtaken(**kw, apart=apart)  # type: ignore[arg-type]
    perm = rng.permutation(n)
    b = overtaken(**{k: v[perm] for k, v in kw.items()}, apart=apart)  # type: ignore[arg-type]
    np.testing.assert_array_equal(a[perm], b)


def test_in_conflict_needs_two_figures_about_nearby_moments() -> None:
    starts = np.array([0, 3])
    moment = np.array([0, 20, 40, 0, 1, 2], dtype=np.int64)
    low = np.array([1.0, 5.0, 9.0, 1.0, 5.0, 1.5])
    high = np.array([2.0, 6.0, 10.0, 2.0, 6.0, 1.8])
    got = in_conflict(starts=starts, moment=moment, low=low, high=high, apart=7)
    assert got.tolist() == [False, True]
    every = in_conflict(starts=starts, moment=moment, low=low, high=high, apart=None)
    assert every.tolist() == [True, True]


def test_noise_is_not_change() -> None:
    # an older 10,400 against later 9,800 and 10,100: further from neither than they are from
    # each other by much more than their own spread, so it is kept (a noisy source, not a change)
    led = troops((10_400, "NIS", "2024-10-01"), (9_800, "DoD", "2024-12-01"),
                 (10_100, "HUR", "2024-12-10"))  # fmt: skip
    r = est.reconcile(led, "troops", known_on="2025-01-15")
    assert "overtaken" not in set(r.claims["role"])
    # 3,000 against the same later figures is a change
    grown = troops((3_000, "NIS", "2024-10-01"), (9_800, "DoD", "2024-12-01"),
                   (10_100, "HUR", "2024-12-10"))  # fmt: skip
    assert "overtaken" in set(est.reconcile(grown, "troops", known_on="2025-01-15").claims["role"])


def test_two_close_later_figures_do_not_overtake_a_figure_a_few_percent_away() -> None:
    # 10,500 against later 10,000 and 10,050 lies outside their hull by more than its width,
    # but two figures that close say little about how far a third source strays: 10,500 is
    # inside their 95 % prediction interval, and it is kept
    led = troops((10_500, "NIS", "2024-10-01"), (10_000, "DoD", "2024-12-01"),
                 (10_050, "HUR", "2024-12-10"))  # fmt: skip
    r = est.reconcile(led, "troops", known_on="2025-01-15")
    assert "overtaken" not in set(r.claims["role"])
    # six later figures as close together say more: the same 10,500 was overtaken
    rows = [(10_500.0, "NIS", "2024-10-01")] + [
        (10_000.0 + d, s, "2024-12-01")
        for d, s in zip((0, 50, 20, 30, 10, 40), "ABCDEF", strict=True)
    ]
    r = est.reconcile(troops(*rows), "troops", known_on="2025-01-15")
    roles = dict(zip(r.claims["source"], r.claims["role"], strict=True))
    assert roles["NIS"] == "overtaken"


def _pairwise_conflict(
    starts: npt.NDArray[np.intp],
    moment: npt.NDArray[np.int64],
    low: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    apart: int,
) -> list[bool]:
    """The rule of ``in_conflict`` written pair by pair: per segment, its figures cannot all
    hold, and (when all are dated and span ``apart`` or more) two about moments less than
    ``apart`` apart do not overlap."""
    ends = np.r_[starts[1:], low.size]
    out = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        lo, hi, t = low[a:b], high[a:b], moment[a:b]
        plain = bool(lo.max() > hi.min())
        if not plain or (t == NO_DAY).any() or int(t.max()) - int(t.min()) < apart:
            out.append(plain)
            continue
        out.append(any(
            abs(int(t[i]) - int(t[j])) < apart and hi[i] < lo[j]
            for i in range(b - a) for j in range(b - a)
        ))  # fmt: skip
    return out


@pytest.mark.parametrize("range_rows", [8, 0])
@pytest.mark.parametrize("scale", [1, 86_400, 2**56])
def test_in_conflict_agrees_with_the_pairwise_rule(
    scale: int, range_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # moments in days, in seconds, and so far apart that they cannot be packed as they are;
    # windows reduced row by row, and (no rows allowed for that) through the table of minima
    monkeypatch.setattr(change, "_RANGE_ROWS", range_rows)
    rng = np.random.default_rng(scale % 1000)
    for _ in range(300):
        lengths = rng.integers(1, 8, rng.integers(1, 6))
        starts = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.intp)
        n = int(lengths.sum())
        moment = rng.integers(0, 30, n).astype(np.int64) * scale
        if rng.uniform() < 0.2:
            moment[rng.integers(0, n)] = NO_DAY
        low = rng.integers(0, 20, n).astype(float)
        high = low + rng.integers(0, 5, n)
        if rng.uniform() < 0.2:
            high[rng.integers(0, n)] = np.inf
        apart = int(rng.integers(1, 10)) * scale
        got = in_conflict(starts=starts, moment=moment, low=low, high=high, apart=apart)
        assert got.tolist() == _pairwise_conflict(starts, moment, low, high, apart)


@pytest.mark.parametrize("first", [0, 1, 2])
def test_with_apart_zero_figures_about_one_moment_never_overtake_each_other(first: int) -> None:
    # three sources about one day: a conflict, not a change, whichever row comes first
    order = [first, *(i for i in range(3) if i != first)]
    figures = np.array([3000.0, 11_000.0, 12_000.0])[order]
    got = overtaken(
        q=np.zeros(3, dtype=np.intp), moment=np.full(3, 100, dtype=np.int64),
        source=np.array(order, dtype=np.intp), low=figures, high=figures, apart=0,
    )  # fmt: skip
    assert not got.any()
    # a day later, two sources' 11,000 and 12,000 do overtake 3,000
    later = overtaken(
        q=np.zeros(3, dtype=np.intp), moment=np.array([100, 101, 101], dtype=np.int64),
        source=np.arange(3, dtype=np.intp), low=np.array([3000.0, 11_000.0, 12_000.0]),
        high=np.array([3000.0, 11_000.0, 12_000.0]), apart=0,
    )  # fmt: skip
    assert later.tolist() == [True, False, False]


@pytest.mark.parametrize("before", [0.0, 1.0, -5.0])
def test_an_earlier_zero_does_not_change_how_later_figures_are_judged(before: float) -> None:
    # "none yet" (0) or any figure before the one judged is neither it nor a later figure: the
    # scale (logarithms for positive figures) is theirs alone, so 3,000 is judged alike
    low = np.array([before, 3000.0, 11_000.0, 12_000.0])
    got = overtaken(
        q=np.zeros(4, dtype=np.intp), moment=np.array([0, 10, 40, 45], dtype=np.int64),
        source=np.arange(4, dtype=np.intp), low=low, high=low.copy(), apart=7,
    )  # fmt: skip
    assert got[1:].tolist() == [True, False, False]


def _pairwise_overtaken(
    q: npt.NDArray[np.intp],
    moment: npt.NDArray[np.int64],
    source: npt.NDArray[np.intp],
    low: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    apart: int,
) -> list[bool]:
    """The rule of ``overtaken`` written row by row: the figures about moments ``apart`` or more
    later, and later (as points, finite ones only), come from two sources, and this figure lies outside
    their hull by more than the hull's width and outside the 95 % prediction interval of their
    points (of their logarithms when its point and theirs are positive)."""
    with np.errstate(invalid="ignore"):
        point = np.where(
            np.isfinite(low) & np.isfinite(high),
            (low + high) / 2,
            np.where(np.isfinite(low), low, high),
        )
    out = []
    for i in range(q.size):
        if moment[i] == NO_DAY:
            out.append(False)
            continue
        later = [
            j
            for j in range(q.size)
            if q[j] == q[i]
            and moment[j] != NO_DAY
            and int(moment[j]) >= int(moment[i]) + apart
            and int(moment[j]) > int(moment[i])
            and np.isfinite(point[j])
        ]
        if len({int(source[j]) for j in later}) < 2:
            out.append(False)
            continue
        h_lo, h_hi = min(point[j] for j in later), max(point[j] for j in later)
        spread = h_hi - h_lo
        if not (high[i] < h_lo - spread or low[i] > h_hi + spread):
            out.append(False)
            continue
        mine = np.array([point[i], *(point[j] for j in later)])
        scale = np.log if bool((mine > 0).all()) else (lambda x: x)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = scale(np.array([point[j] for j in later]))
            margin = stats.t.ppf(0.975, y.size - 1) * y.std(ddof=1) * np.sqrt(1 + 1 / y.size)
            out.append(
                bool(scale(high[i]) < y.mean() - margin or scale(low[i]) > y.mean() + margin)
            )
    return out


@pytest.mark.parametrize("range_rows", [8, 0])
@pytest.mark.parametrize("scale", [1, 86_400, 2**56])
def test_overtaken_agrees_with_the_rule_row_by_row(
    scale: int, range_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # moments in days, in seconds, and so far apart that they cannot be packed as they are;
    # runs of one quantity long enough to need several doublings of the later figures' window
    # (the later figures reduced row by row, and, no rows allowed for that, by those doublings)
    monkeypatch.setattr(change, "_RANGE_ROWS", range_rows)
    rng = np.random.default_rng(scale % 1000 + 1)
    for _ in range(150):
        n = int(rng.integers(2, 40))
        q = rng.integers(0, int(rng.integers(1, 4)), n).astype(np.intp)
        moment = rng.integers(0, 40, n).astype(np.int64) * scale
        moment[rng.uniform(size=n) < 0.1] = NO_DAY
        low = rng.integers(0, 50, n).astype(float)
        high = low + rng.integers(0, 5, n).astype(float)
        low[rng.uniform(size=n) < 0.1] = -np.inf
        high[rng.uniform(size=n) < 0.1] = np.inf
        source = rng.integers(0, 4, n).astype(np.intp)
        apart = int(rng.integers(0, 10)) * scale
        got = overtaken(q=q, moment=moment, source=source, low=low, high=high, apart=apart)
        assert got.tolist() == _pairwise_overtaken(q, moment, source, low, high, apart)


@pytest.mark.parametrize("scale", [1, 2**40])
def test_the_least_later_source_of_each_quantity(scale: int) -> None:
    # sources numbered near and far apart, some rows without one (the largest int64)
    rng = np.random.default_rng(scale % 97)
    seg = np.sort(rng.integers(0, 30, 400)).astype(np.intp)
    seg = np.unique(seg, return_inverse=True)[1].astype(np.intp)
    values = rng.integers(0, 50, 400).astype(np.int64) * scale
    valid = rng.uniform(size=400) < 0.7
    none = np.iinfo(np.int64).max
    got = _suffix_min([np.where(valid, values, none)], seg)[0]
    want = [
        min((int(values[j]) for j in range(i, 400) if seg[j] == seg[i] and valid[j]), default=none)
        for i in range(400)
    ]
    assert got.tolist() == want


def test_the_last_row_from_which_two_sources_follow() -> None:
    # per segment, the last row at or after which the rows with a point come from two sources
    rng = np.random.default_rng(11)
    for _ in range(50):
        n = int(rng.integers(1, 60))
        seg = np.sort(rng.integers(0, 8, n))
        seg = np.unique(seg, return_inverse=True)[1].astype(np.intp)
        starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
        source = rng.integers(0, 3, n).astype(np.intp)
        finite = rng.uniform(size=n) < 0.8
        got = change._two_sources_after(source, finite, seg, starts)
        for s in range(starts.size):
            rows = np.flatnonzero(seg == s)
            two = [
                int(k)
                for k in rows
                if len({int(source[j]) for j in rows if j >= k and finite[j]}) >= 2
            ]
            assert int(got[s]) == max(two, default=-1)


def test_a_quantity_is_judged_alone_however_large_the_figures_of_others() -> None:
    # 5,120 against later 4,873 and 4,859 (10 days and more later) lies outside their 95 %
    # prediction interval; figures in the hundreds of thousands about another quantity (with a zero, so read
    # on their own scale) must not change that through the arithmetic of running sums
    q1 = {"q": [1, 1, 1], "moment": [0, 20, 34], "source": [0, 1, 2], "v": [5120.0, 4873.0, 4859.0]}
    alone = overtaken(
        q=np.array(q1["q"]), moment=np.array(q1["moment"], dtype=np.int64),
        source=np.array(q1["source"]), low=np.array(q1["v"]), high=np.array(q1["v"]), apart=7,
    )  # fmt: skip
    assert alone.tolist() == [True, False, False]
    big = [0.0, 3.3e5, 1.1e5, 7.7e5] * 10
    q = np.r_[np.zeros(len(big), dtype=np.intp), q1["q"]]
    moment = np.r_[np.arange(len(big)) * 3, q1["moment"]].astype(np.int64)
    source = np.r_[np.arange(len(big)) % 7 + 10, q1["source"]]
    v = np.r_[big, q1["v"]]
    got = overtaken(q=q, moment=moment, source=source, low=v, high=v, apart=7)
    assert got[-3:].tolist() == [True, False, False]


@pytest.mark.parametrize("steps", [0, 1, 8])
def test_search_near_is_searchsorted(steps: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # every answer, whether a few steps from its start or found by bisection
    monkeypatch.setattr(change, "_NEAR_STEPS", steps)
    rng = np.random.default_rng(steps)
    for _ in range(200):
        key = np.sort(rng.integers(0, 30, int(rng.integers(1, 40)))).astype(np.int64)
        gap = int(rng.integers(1, 6))
        start = np.arange(1, key.size + 1)
        for right in (False, True):
            got = change._search_near(key, key + gap, start, right=right)
            side = "right" if right else "left"
            assert got.tolist() == np.searchsorted(key, key + gap, side=side).tolist()


def test_figures_near_the_largest_float_are_judged_like_small_ones() -> None:
    # the same figures scaled by 1e300: the middle of a range near 1.8e308 must not overflow
    low = np.array([2900.0, 11_000.0, 12_000.0, 10_500.0])
    high = np.array([3000.0, 11_000.0, 12_000.0, 1.7e4])
    kw = {
        "q": np.zeros(4, dtype=np.intp), "moment": np.array([0, 40, 45, 50], dtype=np.int64),
        "source": np.arange(4, dtype=np.intp), "apart": 7,
    }  # fmt: skip
    small = overtaken(low=low, high=high, **kw)  # type: ignore[arg-type]
    large = overtaken(low=low * 1e304, high=high * 1e304, **kw)  # type: ignore[arg-type]
    assert small.tolist() == large.tolist() == [True, False, False, False]
