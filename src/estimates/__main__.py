"""``python -m estimates``: the command line (see :mod:`estimates.faces.cli`).

>>> main(["--version"])  # doctest: +SKIP
"""

from __future__ import annotations

import sys

from estimates.faces.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
