"""Reading runs in time linear in the text: four times the text costs about four times the time.

Each case times one call on a text and on the same text four times as long (CPU time, the best
of two runs with the garbage collector paused, so other work on the machine and collection
pauses count little) and asserts the *ratio*: linear work gives about 4, quadratic work 16. No
absolute time is asserted.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable

import pytest

from estimates.errors import ParseError
from estimates.ledger.extract import extract
from estimates.reading.parsing import find_figures, parse

# Pieces that made reading quadratic, or could: speaker verbs with nothing to attribute, figures
# in one endless clause, digit groups that never close, abbreviations that never end a sentence,
# quotation marks, start words that start nothing.
PIECES = (
    "said ",
    "1,",
    "the army said 1,500 soldiers and about 300 tanks were near the town and ",
    "U.S. ",
    '" ',
    "between ",
    "according to ",
    "highly likely ",
    "a ",
    "Gen. Kim, ",
    "(Kyiv) ",
    "more than ",
    "1 ",
)
RATIO = 9.0  # linear is 4; quadratic 16


def _cpu(fn: Callable[[str], object], text: str) -> float:
    best = float("inf")
    for _ in range(2):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            with contextlib.suppress(ParseError):
                fn(text)
            best = min(best, time.process_time() - start)
        finally:
            gc.enable()
    return best


def _ratio(fn: Callable[[str], object], piece: str, size: int) -> float:
    small = piece * max(1, size // len(piece))
    _cpu(fn, small)  # anything built once (registries, patterns) is built outside the timing
    t1 = _cpu(fn, small)
    t4 = _cpu(fn, small * 4)
    # below five milliseconds the clock's grain dominates: anything that fast is linear enough
    return t4 / max(t1, 0.005)


@pytest.mark.parametrize("piece", PIECES)
def test_extract_is_linear(piece: str) -> None:
    assert _ratio(extract, piece, 800) < RATIO


@pytest.mark.parametrize("piece", PIECES)
def test_find_figures_is_linear(piece: str) -> None:
    assert _ratio(find_figures, piece, 1_500) < RATIO


@pytest.mark.parametrize("piece", PIECES)
def test_parse_is_linear(piece: str) -> None:
    assert _ratio(parse, piece, 25_000) < RATIO


# Texts of a megabyte, the size the reader is held to: a number of 750,000 digits in groups,
# words that are never a figure, a figure at the very end, text outside ASCII. Each is read at
# half a megabyte and at one; linear work doubles (2), quadratic work quadruples (4).
LARGE = {
    "a grouped number": lambda n: "1" + ",000" * (n // 4),
    "a number grouped with thin spaces": lambda n: "1" + "\u202f000" * (n // 4),
    "start words that start nothing": lambda n: "a " * (n // 2),
    "speaker verbs": lambda n: "said " * (n // 5),
    "a figure at the end": lambda n: "a " * (n // 2) + "a few",
    "news without a figure, outside ASCII": lambda n: (
        "The ministry’s spokesman said that the troops would stay — for now. " * (n // 68)
    ),
    "commas": lambda n: "," * n,
}
DOUBLING_RATIO = 3.0  # linear is 2; quadratic 4


def _cpu_paused(half: str, whole: str) -> tuple[float, float]:
    """The best of seven CPU times of ``parse`` on each text with the collector paused (not run
    first: a full collection here costs more than the reading), the two texts read in turn, so
    that a burst of other work on the machine falls on both alike."""
    best = [float("inf"), float("inf")]
    for _ in range(7):
        for i, text in enumerate((half, whole)):
            gc.disable()
            try:
                start = time.process_time()
                with contextlib.suppress(ParseError):
                    parse(text)
                best[i] = min(best[i], time.process_time() - start)
            finally:
                gc.enable()
    return best[0], best[1]


@pytest.mark.parametrize("name", sorted(LARGE))
def test_parse_of_a_megabyte_doubles_with_its_size(name: str) -> None:
    half, whole = LARGE[name](500_000), LARGE[name](1_000_000)
    t1, t2 = _cpu_paused(half, whole)
    # below ten milliseconds the clock's grain and the machine's other work dominate
    assert t2 / max(t1, 0.01) < DOUBLING_RATIO, (name, t1, t2)
