"""Other libraries' phrase tables, read in place from ../shared/data/phrases.

quantulum3's quantity examples and duckling's English numeral and quantity examples carry an
expected value for each phrase. The share of in-scope phrases (numbers, ranges, bounds,
approximators) that ``parse`` reads to that value must be 90 % or more; every miss is printed
(run with ``-s`` to see them), none is hidden.

Out of scope, by rule and listed here rather than filtered silently:
- scientific notation and arithmetic ("2.48×10−5", "4e14", "8x2^10");
- accounting negatives in parentheses ("($99.99)");
- a unit named without a number ("a gallon", "A kibibyte", "absolute zero");
- sums of mixed units ("7 feet 10 inches", "$20 and 43c"): a figure here is one number, range
  or bound (duckling's expected values of this kind are listed in ``_COMPOSITE``).
These tables follow other libraries' conventions (duckling reads "a few" as 3); we compare with
the ``literal`` convention, which is closest to them.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from estimates.errors import EstimatesError
from estimates.reading.parsing import parse
from estimates.values.ranges import Range

_OUT_OF_SCOPE = re.compile(r"\d[eE][-+]?\d|×|\^|\dx\d|^\(|^(?:a|an|A|An|absolute)\b")

# duckling units, as the package's registry spells them (for conversion of what we read).
_DUCKLING_UNITS = {
    "Kilometre": "kilometer",
    "Mile": "mile",
    "M": "meter",
    "Metre": "meter",
    "Centimetre": "centimeter",
    "Millimetre": "millimeter",
    "Inch": "inch",
    "Foot": "foot",
    "Litre": "liter",
    "Millilitre": "milliliter",
    "Hectolitre": "hectoliter",
    "Gallon": "gallon",
    "Gram": "gram",
    "Pound": "pound",
    "Ounce": "ounce",
    "Cup": "cup",
    "Dollar": "USD",
    "EUR": "EUR",
}
# duckling expectations that are sums of several measures in different units.
_COMPOSITE = {
    "simple Inch 94",
    "simple Metre 2001",
    "simple Inch 166",
    "simple Foot 13",
    "simple Centimetre 1000806",
    "simple Metre 1.3048",
    "simple Kilometre 2.609344",
    "simple Centimetre 305",
    "simple Foot 5281",
    "simple INR 20.43",
    "simple Dollar 20.43",
    "simple GBP 3.01",
    "simple CAD 3.03",
    "simple CHF 3.04",
    "simple MYR 20.43",
    "simple UAH 3.04",
    "above Dollar 1.42",
}


def _phrases(shared_data: Path) -> Path:
    folder = shared_data / "phrases"
    if not folder.is_dir():
        pytest.skip("../shared/data/phrases is not present")
    return folder


def _close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _center(r: Range) -> float | None:
    return r.best if r.best is not None else r.midpoint


def _in_unit(r: Range, unit: str | None) -> Range:
    if unit is None or r.unit is None or r.unit == unit:
        return r
    try:
        return r.to(unit)
    except EstimatesError:
        return r


def _quantulum_cases(folder: Path) -> list[tuple[str, str, Any]]:
    cases = []
    items = json.loads((folder / "quantulum3_quantities.json").read_text(encoding="utf-8"))
    for item in items:
        for res in item["res"]:
            surface = res["surface"]
            if _OUT_OF_SCOPE.search(surface):
                continue
            cases.append(("quantulum3", surface, res))
    return cases


def _duckling_cases(folder: Path) -> list[tuple[str, str, Any]]:
    cases = []
    data = json.loads((folder / "duckling_en_examples.json").read_text(encoding="utf-8"))
    for dimension, groups in data.items():
        for group in groups.get("positive", []):
            expected = group["expected"]
            if expected in _COMPOSITE:
                continue
            for text in group["inputs"]:
                if _OUT_OF_SCOPE.search(text):
                    continue
                cases.append((f"duckling {dimension}", text, expected))
    return cases


def _quantulum_hit(surface: str, res: dict[str, Any]) -> tuple[bool, str]:
    r = parse(surface, convention="literal")
    value, unc = float(res["value"]), res.get("uncertainty")
    if unc:
        ok = _close(r.low, value - unc) and _close(r.high, value + unc)
    else:
        ok = _close(_center(r), value)
    return ok, f"read {r!r}; expected {value}" + (f" ± {unc}" if unc else "")


def _duckling_hit(text: str, expected: str) -> tuple[bool, str]:
    head, _, rest = expected.partition(" ")
    if head == "NumeralValue":
        kind, unit_name = "simple", ""
    else:
        kind = head
        unit_name, _, rest = rest.partition(" ")
    numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e\d+)?", rest)]
    r = parse(text, convention="literal")
    r = _in_unit(r, _DUCKLING_UNITS.get(unit_name))
    x = numbers[0]
    if kind == "simple":
        ok = _close(_center(r), x)
    elif kind == "between":
        ok = _close(r.low, x) and _close(r.high, numbers[1])
    elif kind == "under":
        ok = _close(r.high, x) and (r.low is None or r.low == 0)
    else:
        ok = _close(r.low, x) and r.high is None
    return ok, f"read {r!r}; expected {expected}"


# The tables hold letters that are multipliers and units at once ("9m"): the warning that says so
# is expected here; the reading taken is what is measured.
@pytest.mark.filterwarnings("ignore::estimates.reading.doubts.AmbiguousFigureWarning")
def test_phrase_tables_are_read_to_their_expected_values(shared_data: Path) -> None:
    folder = _phrases(shared_data)
    cases = _quantulum_cases(folder) + _duckling_cases(folder)
    assert len(cases) > 300
    hits: dict[str, list[int]] = {}
    misses: list[str] = []
    for origin, text, expected in cases:
        try:
            if origin == "quantulum3":
                ok, why = _quantulum_hit(text, expected)
            else:
                ok, why = _duckling_hit(text, expected)
        except EstimatesError as exc:
            ok, why = False, f"{type(exc).__name__}: {exc}"
        tally = hits.setdefault(origin.split()[0], [0, 0])
        tally[0] += ok
        tally[1] += 1
        if not ok:
            misses.append(f"  [{origin}] {text!r}: {why}")
    total = sum(h for h, _ in hits.values()), sum(n for _, n in hits.values())
    print(f"\nphrase tables: {total[0]}/{total[1]} in scope read to the expected value")
    for origin, (h, n) in sorted(hits.items()):
        print(f"  {origin}: {h}/{n} = {h / n:.1%}")
    print(f"misses ({len(misses)}):")
    print("\n".join(misses))
    assert total[0] / total[1] >= 0.90


@pytest.mark.filterwarnings("ignore::estimates.reading.doubts.AmbiguousFigureWarning")
def test_duckling_negative_example_is_not_read(shared_data: Path) -> None:
    folder = _phrases(shared_data)
    data = json.loads((folder / "duckling_en_examples.json").read_text(encoding="utf-8"))
    negatives = [t for groups in data.values() for t in groups.get("negative", [])]
    assert negatives
    for text in negatives:
        with pytest.raises(EstimatesError):
            parse(text)
