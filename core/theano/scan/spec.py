"""The layout of a Scan: which inner inputs and outputs are sequences' taps, states' taps,
shared variables, free variables, stacked outputs and the stop condition."""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ScanSpec"]


@dataclass
class ScanSpec:
    """The layout of a Scan's inner inputs and outputs.

    Inner inputs, in order: one per (sequence, tap), one per (state, tap), one per shared
    state, one per free variable. Inner outputs: the nit-sot outputs (not fed back), the
    states' new values, the shared states' new values, then the `until` condition if any.
    Outer inputs: n_steps, sequences, state initial values, shared variables, free variables.
    """

    seq_taps: list[list[int]]
    state_taps: list[list[int]]
    state_is_single: list[bool]  # taps == [-1] with an initial value of the state's own shape
    n_nitsot: int
    n_shared: int
    n_free: int
    has_until: bool
    truncate_gradient: int = -1
    output_order: list[tuple[str, int]] = field(default_factory=list)  # ('nitsot'|'state', k)

    @property
    def n_seq(self) -> int:
        return len(self.seq_taps)

    @property
    def n_state(self) -> int:
        return len(self.state_taps)
