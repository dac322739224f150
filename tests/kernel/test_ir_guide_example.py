"""The worked example of the kernel IR in docs/backend-authors.md prints what the guide says
it prints: the program is run as it stands in the guide and its output compared with the
block that follows it."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import theano

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "backend-authors.md"


def _example() -> tuple[str, str]:
    """(program, printed output) of the guide's kernel IR example."""
    section = GUIDE.read_text().split("### The kernel IR", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)
    program = next(body for lang, body in blocks if lang == "python" and "elemwise_kernel" in body)
    printed = next(body for lang, body in blocks if lang == "" and body.startswith("Kernel{"))
    return program, printed


def test_kernel_ir_example_prints_what_the_guide_shows():
    program, printed = _example()
    out = io.StringIO()
    # the example compiles for device=cpu (the C backend), which fuses: the reference declines fusion
    with theano.change_flags(floatX="float64", device="cpu"), contextlib.redirect_stdout(out):
        exec(compile(program, str(GUIDE), "exec"), {"__name__": "guide_example"})
    assert out.getvalue() == printed
