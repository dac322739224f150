"""The backend under test: its record, device, declared capabilities and expected failures.

Capabilities the suite reads from ``BackendRecord.capabilities`` (all optional):

- ``dtypes``: the dtypes the device supports; a case whose graph uses another is skipped
  and says which dtype;
- ``expected_failures``: path of a text file the backend ships, one case id or glob per
  line (``#`` starts a comment); those cases are reported as xfail, and as xpass when they
  pass;
- ``claims``: op names or globs the backend claims; other ops are reported as not claimed
  (default: every op);
- ``tolerance``: ``{dtype: (rtol, atol)}`` overriding the suite's defaults on this device.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

__all__ = ["Target", "DEFAULT_TOLERANCE", "read_expected_failures"]

# (rtol, atol) per dtype. The atol of each float dtype is above its denormals, so a device
# that flushes denormals to zero passes; rtol allows a few ulps of a different libm.
DEFAULT_TOLERANCE: dict[str, tuple[float, float]] = {
    "float16": (5e-3, 1e-3),
    "float32": (1e-5, 1e-6),
    "float64": (1e-10, 1e-200),
    "complex64": (1e-5, 1e-6),
    "complex128": (1e-10, 1e-200),
}


def read_expected_failures(path: str | os.PathLike | None) -> list[str]:
    """The case ids (or globs) listed in an expected-failures file."""
    if not path:
        return []
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"the backend declares capabilities['expected_failures'] = {str(path)!r}, "
                                f"which is not a file")
    out = []
    for line in p.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


@dataclass
class Target:
    """A backend chosen by name or device string, with what the suite needs to know of it."""

    name: str
    device: str
    version: str = ""
    distribution: str = ""
    dtypes: frozenset[str] | None = None
    expected_failures: list[str] = field(default_factory=list)
    claims: list[str] | None = None
    tolerance: dict[str, tuple[float, float]] = field(default_factory=dict)
    record: Any = None

    @classmethod
    def resolve(cls, device: str) -> "Target":
        """The Target for a device string (``numpy``, ``c``, ``cuda0`` ...); raises
        theano.backend.UnknownDeviceError listing what is installed when it is not usable."""
        from theano.backend.registry import registry

        rec, dev = registry.resolve(device)
        caps = dict(rec.capabilities or {})
        dtypes = caps.get("dtypes")
        claims = caps.get("claims")
        return cls(name=rec.name, device=dev, version=rec.version, distribution=rec.distribution,
                   dtypes=frozenset(dtypes) if dtypes is not None else None,
                   expected_failures=read_expected_failures(caps.get("expected_failures")),
                   claims=list(claims) if claims is not None else None,
                   tolerance=dict(caps.get("tolerance") or {}), record=rec)

    def is_expected_failure(self, case_id: str) -> bool:
        return any(fnmatch.fnmatchcase(case_id, pat) for pat in self.expected_failures)

    def claims_op(self, op: str) -> bool:
        return self.claims is None or any(fnmatch.fnmatchcase(op, pat) for pat in self.claims)

    def unsupported(self, dtypes: Iterable[str]) -> list[str]:
        if self.dtypes is None:
            return []
        return sorted({d for d in dtypes if d not in self.dtypes})

    def tol(self, dtype: str) -> tuple[float, float]:
        if dtype in self.tolerance:
            return tuple(self.tolerance[dtype])  # type: ignore[return-value]
        return DEFAULT_TOLERANCE.get(dtype, (0.0, 0.0))
