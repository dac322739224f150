"""The op x backend coverage table of docs/coverage.md, from the suite's --json files:
``python conformance/coverage_table.py numpy.json c.json -o docs/coverage.md``. The code is
the installed package's (theano_conformance.coverage); this script is its command line
for a checkout."""
from __future__ import annotations

import sys

from theano_conformance.coverage import coverage_markdown, main

__all__ = ["coverage_markdown", "main"]

if __name__ == "__main__":
    sys.exit(main())
