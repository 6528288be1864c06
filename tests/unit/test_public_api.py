"""The front door: every public name imports, has a docstring, and import stays cheap."""

from __future__ import annotations

import subprocess
import sys

import estimates


def test_all_is_sorted_and_every_name_is_documented() -> None:
    assert list(estimates.__all__) == sorted(estimates.__all__)
    for name in estimates.__all__:
        obj = getattr(estimates, name)
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_import_does_not_load_extras_or_build_the_registry() -> None:
    code = (
        "import sys, estimates, estimates.values.units as u;"
        "bad = [m for m in ('matplotlib', 'hypothesis', 'pint', 'scipy') if m in sys.modules];"
        "assert not bad, bad; assert u._registry is None"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_reading_and_reconciling_counts_do_not_build_the_registry() -> None:
    # the package's count units in their canonical spelling are known from its definitions
    # file: a ledger of people is read and reconciled without pint's registry
    code = (
        "import io, estimates as est, estimates.values.units as u;"
        "led = est.Ledger.read_csv(io.StringIO("
        "'quantity,best,unit,source\\nq,10,person,a\\nq,12,person,b\\n'));"
        "t = est.reconcile_all(led); assert t['best'].tolist() == [11.0], t;"
        "assert u._registry is None"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_strategies_register_with_from_type() -> None:
    from hypothesis import find
    from hypothesis import strategies as st

    import estimates.strategies

    r = find(st.from_type(estimates.Range), lambda r: r.low is not None)
    assert isinstance(r, estimates.Range)
