"""The one error tree: every error the library raises derives from EstimatesError and the builtin
it resembles, carries its fields, pickles, and says what is allowed."""

from __future__ import annotations

import ast
import builtins
import inspect
import pickle
import unicodedata
from pathlib import Path

import pytest

import estimates as est
from estimates import errors
from estimates.errors import (
    EstimatesError,
    InvalidValueError,
    OptionError,
    ParseError,
)
from estimates.faces.cli import UsageError
from estimates.reading.conventions import ConventionError


def _error_classes() -> list[type[BaseException]]:
    found = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, Exception)]
    return [c for c in (*found, ConventionError, UsageError) if c is not EstimatesError]


_BUILTIN_ERRORS = {
    name
    for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, Exception)
}


def test_the_library_raises_no_bare_builtin_error() -> None:
    """``raise ValueError(...)`` and kin are refused in the source: each error is the library's."""
    root = Path(est.__file__).parent
    bare = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                if isinstance(func, ast.Name) and func.id in _BUILTIN_ERRORS:
                    bare.append(f"{path.relative_to(root)}:{node.lineno} {func.id}")
    # AssertionError states what the code itself guarantees, never input; the file system's
    # errors stay OSError (as open() raises them), each naming its path
    allowed = {"AssertionError", "FileNotFoundError", "IsADirectoryError", "PermissionError"}
    assert [b for b in bare if b.split()[-1] not in allowed] == []


@pytest.mark.parametrize("cls", _error_classes(), ids=lambda c: c.__name__)
def test_every_error_is_in_the_tree_with_a_builtin(cls: type[BaseException]) -> None:
    assert issubclass(cls, EstimatesError)
    builtins = [b for b in cls.__mro__ if b.__module__ == "builtins" and b is not Exception]
    assert any(b is not BaseException and b is not object for b in builtins), cls


def test_broken_range_rules_are_the_librarys_error_with_their_code_and_field() -> None:
    with pytest.raises(InvalidValueError) as info:
        est.Range(low=-1, high=1, unit="person")
    assert isinstance(info.value, ValueError)
    assert info.value.code == "negative_count"
    assert info.value.field == "low"
    assert "cannot be negative" in str(info.value)


def test_a_claim_read_from_text_keeps_the_parse_errors_span() -> None:
    with pytest.raises(ParseError) as info:
        est.Claim(quantity="q", text="lots of troops", source="s")
    assert info.value.span is not None
    assert info.value.text == "lots of troops"


def test_a_frozen_value_refuses_a_write_with_the_librarys_error() -> None:
    r = est.Range.exactly(1)
    with pytest.raises(InvalidValueError):
        r.low = 2.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "err",
    [
        InvalidValueError("Range", ({"loc": ("low",), "type": "x", "msg": "m", "input": 1},)),
        InvalidValueError("Range", message="total() needs at least one range"),
        OptionError("levle", allowed=("level", "hk"), where="method 'pooled'"),
        OptionError("how", message="how must be one of ..."),
    ],
)
def test_new_errors_pickle(err: EstimatesError) -> None:
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err) and str(back) == str(err)


def _ledger() -> est.Ledger:
    return est.Ledger(
        [
            est.Claim(quantity="q", value=est.Range.exactly(v, unit="person"), source=s)
            for v, s in ((10, "a"), (12, "b"), (30, "c"))
        ]
    )


def test_a_misspelt_method_option_is_refused_with_did_you_mean() -> None:
    with pytest.raises(OptionError, match="did you mean 'level'"):
        est.reconcile_all(_ledger(), method="pooled", levle=0.5)
    with pytest.raises(OptionError, match="allowed: change_days, q, relay_days"):
        est.reconcile_all(_ledger(), method="robust", levle=0.5)
    with pytest.raises(OptionError):
        est.reconcile(_ledger(), "q", method="consensus", q=0.1)


def test_declared_options_still_work() -> None:
    a = est.reconcile_all(_ledger(), method="robust", q=0.1, relay_days=3)
    b = est.reconcile_all(_ledger(), method="robust", q=0.4)
    assert a["low"].iloc[0] < b["low"].iloc[0]


def test_a_method_registered_without_options_declared_takes_any(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from estimates.reconciliation import methods
    from estimates.reconciliation.methods import check_options, register_method

    monkeypatch.setattr(methods, "_registry", dict(methods._registry))  # left as it was

    register_method("anything_goes", "estimates.reconciliation.methods:envelope",
                    description="test", replace=True)  # fmt: skip
    check_options("anything_goes", ["whatever"])
    register_method("strict_one", "estimates.reconciliation.methods:envelope",
                    description="test", replace=True, options=["width"])  # fmt: skip
    with pytest.raises(OptionError, match="did you mean 'width'"):
        check_options("strict_one", ["widht"])


def test_nfc_and_nfd_spellings_of_a_source_are_one_source() -> None:
    name = "Agência Lusa"
    claims = [
        est.Claim(
            quantity="q",
            value=est.Range.exactly(v),
            source=unicodedata.normalize(form, name),
            stated_on="2024-01-01",
        )
        for v, form in ((1, "NFC"), (2, "NFD"))
    ]
    out = est.reconcile_all(est.Ledger(claims))
    assert out["n_sources"].tolist() == [1]
