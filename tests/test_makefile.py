"""The Makefile: the demo installs only what it needs; the tests install the development tools.

``make -n`` prints what a target would run on a clean clone (no virtual environment yet),
without running it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def planned(target: str, tmp_path: Path) -> str:
    for name in ("Makefile", "pyproject.toml", ".ci/oldest.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    # run as from a shell, even when the suite itself runs under make (CI): no inherited flags,
    # no "Entering directory" lines
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return done.stdout


def test_demo_installs_the_package_with_its_plot_extra_only(tmp_path: Path) -> None:
    steps = planned("demo", tmp_path)
    assert "-m venv .venv" in steps
    assert 'pip install --quiet -e ".[plot]"' in steps
    assert "[dev]" not in steps and "pytest" not in steps
    assert steps.strip().endswith(".venv/bin/estimates demo")


@pytest.mark.parametrize("target", ["test", "bench"])
def test_tests_and_benchmarks_install_the_development_tools(target: str, tmp_path: Path) -> None:
    steps = planned(target, tmp_path)
    assert "-m venv .venv" in steps
    assert 'pip install --quiet -e ".[dev]"' in steps


def test_benchmarks_install_the_baseline_they_compare_with(tmp_path: Path) -> None:
    # bench_parse times quantulum3 beside parse; without the bench extra it prints no ratio
    assert 'pip install --quiet -e ".[bench]"' in planned("bench", tmp_path)
    assert "[bench]" not in planned("test", tmp_path)


def test_ci_runs_make_test_on_a_clean_clone() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in script and 'cd "$(dirname "$0")/.."' in script


def test_the_oldest_versions_allowed_are_the_floors_of_pyproject(tmp_path: Path) -> None:
    steps = planned("test-oldest", tmp_path)
    assert "-c .ci/oldest.txt" in steps and "pytest -q tests/unit" in steps
    # every pinned package is pinned at the floor pyproject.toml declares
    pins = dict(
        line.split("==")
        for line in (ROOT / ".ci" / "oldest.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    )
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for name, version in pins.items():
        floor = version.rstrip(".*")
        assert f'"{name}>={floor}"' in project, (name, floor)
