"""The README's Python code blocks run, in order, in one namespace: examples cannot go stale."""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

import pytest

# the package exports functions named like these modules, so fetch the modules themselves
conventions = importlib.import_module("estimates.reading.conventions")
methods = importlib.import_module("estimates.reconciliation.methods")

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_readme_code_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    assert blocks, "the README has no python code blocks"
    monkeypatch.chdir(tmp_path)  # blocks that write files write them here
    os.environ.setdefault("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "readme"}
    # the README registers a convention and a method of its own; other tests must not see them
    conventions_before = {c.name for c in conventions.conventions()}  # loads the built-in ones
    methods_before = dict(methods._registry)
    try:
        for number, block in enumerate(blocks, start=1):
            try:
                exec(compile(block, f"README.md block {number}", "exec"), namespace)
            except Exception as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"README block {number} failed: {exc!r}\n{block}")
    finally:
        for name in set(conventions._registry) - conventions_before:
            conventions.unregister_convention(name)
        methods._registry.clear()
        methods._registry.update(methods_before)
