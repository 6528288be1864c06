"""Numerals written in digits: value, the unit of the last significant digit, and doubts."""

from __future__ import annotations

import re

_POWERS = tuple(float(f"1e{k}") for k in range(400))
_INVERSE_POWERS = tuple(float(f"1e-{k}") for k in range(400))
_BLANKS = re.compile(r"[ \u00a0\u202f\u2009]")


def _is_decimal_comma(raw: str) -> bool:
    """Whether a digit token is "2,7" or "1,50": a decimal comma, or two numbers of a list.
    (String tests, not a pattern: this runs for every numeral with a comma.)"""
    k = raw.find(",")
    return 0 < k >= len(raw) - 3 and k < len(raw) - 1 and raw.count(",") == 1 and "." not in raw


def _precision(clean: str) -> float:
    """The unit of the last significant digit of plain digits with an optional decimal part."""
    if "." in clean:
        frac = clean.partition(".")[2]
        return _INVERSE_POWERS[len(frac)] if len(frac) < 400 else float(f"1e-{len(frac)}")
    stripped = clean.rstrip("0")
    # float("1e400") is inf where 10.0 ** 400 raises: a huge numeral fails cleanly later
    return float(f"1e{len(clean) - len(stripped)}") if stripped else 1.0


def _numeral_value(raw: str) -> tuple[float, float]:
    """Value and precision unit of a digit token, as :func:`_numeral` gives them, without the
    note on English grouping that it writes for every "1,500" (for callers that keep no note)."""
    if raw.isdigit():  # digits and nothing else, as _numeral reads them
        clean = raw
    elif (
        "," not in raw
        and (whole_frac := raw.partition("."))[2].isdigit()
        and (whole_frac[0].isdigit() or not whole_frac[0])
    ):  # "2.5", ".5": a decimal point and digits, as _numeral reads them
        frac = whole_frac[2]
        return float(raw), (
            _INVERSE_POWERS[len(frac)] if len(frac) < 400 else float(f"1e-{len(frac)}")
        )
    else:
        comma = raw.find(",")
        if comma < 0 or comma >= len(raw) - 3 or "." in raw:
            value, u, _ = _numeral(raw)
            return value, u
        clean = raw.replace(",", "")  # "1,500", "2,000,000": English groups, nothing else
        if not clean.isdigit():
            value, u, _ = _numeral(raw)
            return value, u
    stripped = clean.rstrip("0")
    zeros = len(clean) - len(stripped)
    u = (_POWERS[zeros] if zeros < 400 else float(f"1e{zeros}")) if stripped else 1.0
    return float(clean), u


def _numeral(raw: str) -> tuple[float, float, str | None]:
    """Value, precision unit and ambiguity note of a digit token."""
    if raw.isdigit():  # the common case: digits and nothing else
        zeros = len(raw) - len(raw.rstrip("0"))
        if zeros == len(raw):
            return float(raw), 1.0, None
        return float(raw), (_POWERS[zeros] if zeros < 400 else float(f"1e{zeros}")), None
    ambiguity = None
    if raw.count(".") > 1:  # "1.000.000", "1.234.567,89": dots group thousands (never a decimal)
        whole, _, frac = raw.partition(",")
        clean = whole.replace(".", "") + (f".{frac}" if frac else "")
        return float(clean), _precision(clean), None
    comma = raw.find(",")
    if comma >= 0:  # English groups, Indian groups or a decimal comma (never an exponent)
        if raw.find(",", comma + 1) < 0 and "." not in raw:
            if comma >= len(raw) - 3:  # "2,7", "1,50": read with a decimal comma; the grammar
                frac = raw[comma + 1 :]  # notes the list reading
                return float(f"{raw[:comma]}.{frac}"), _INVERSE_POWERS[len(frac)], None
            ambiguity = (
                f"{raw!r} read with ',' grouping thousands (English); in a comma-decimal "
                f"locale it would be {raw.replace(',', '.')}"
            )
        clean = raw.replace(",", "")
    elif "e" in raw or "E" in raw:  # "2.4e6": the precision of the mantissa, scaled
        mantissa, _, exponent = raw.lower().partition("e")
        scale = float(f"1e{int(exponent)}")
        return float(raw), _precision(mantissa) * scale, None
    elif "." in raw and not _BLANKS.search(raw):  # "1.5"
        whole, _, frac = raw.partition(".")
        if len(frac) == 3 and whole:
            ambiguity = (
                f"{raw!r} read with '.' as the decimal mark (English); in a dot-grouping "
                f"locale it would be {whole}{frac}"
            )
        u = _INVERSE_POWERS[len(frac)] if len(frac) < 400 else float(f"1e-{len(frac)}")
        return float(raw), u, ambiguity
    else:  # "2 345 678.5": groups set off by blanks (replaced in C, one pass each)
        clean = (
            raw.replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace("\u2009", "")
        )
    if "." in clean:
        whole, _, frac = clean.partition(".")
        if len(frac) == 3 and whole and comma < 0:
            ambiguity = (
                f"{raw!r} read with '.' as the decimal mark (English); in a dot-grouping "
                f"locale it would be {whole}{frac}"
            )
        value = float(clean)
        u = _INVERSE_POWERS[len(frac)] if len(frac) < 400 else float(f"1e-{len(frac)}")
    else:
        value = float(clean)
        stripped = clean.rstrip("0")
        zeros = len(clean) - len(stripped)
        # float("1e400") is inf where 10.0 ** 400 raises: a huge numeral fails cleanly later
        u = (_POWERS[zeros] if zeros < 400 else float(f"1e{zeros}")) if stripped else 1.0
    return value, u, ambiguity
