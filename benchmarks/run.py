"""Run every benchmark in this folder (``bench_*.py``, each with a ``main()``) and print its figures.

Benchmarks print ratios measured in one run on this machine; they assert nothing.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    """Run the benchmarks named in ``argv`` (all by default); ``--skip NAME`` leaves one out
    (``--skip dask``: the Dask benchmark takes minutes)."""
    here = Path(__file__).parent
    skipped = {argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--skip"}
    wanted = {
        a for i, a in enumerate(argv) if a != "--skip" and (i == 0 or argv[i - 1] != "--skip")
    }
    for path in sorted(here.glob("bench_*.py")):
        if wanted and path.stem not in wanted and path.stem.removeprefix("bench_") not in wanted:
            continue
        if path.stem in skipped or path.stem.removeprefix("bench_") in skipped:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"== {path.stem}", flush=True)
        started = time.perf_counter()
        module.main()
        print(f"   ({time.perf_counter() - started:.1f} s)\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
