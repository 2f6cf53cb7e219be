"""What both simulation engines do to machines and pieces: a resupply time, the machine a
failing piece belongs to, and a machine's wait noted. Time is in days.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def resupply_days(days: float, spread: float) -> float:
    """One resupply time: ``days``, or with a ``spread`` a gamma draw with that mean and
    standard deviation (shape (L/σ)², scale σ²/L)."""
    if spread <= 0.0:
        return days
    return float(np.random.gamma((days / spread) ** 2, spread**2 / days))


@njit(cache=True, nogil=True)
def working_machine(first: int, machines: int, z: int, broken: NDArray[np.int64]) -> int:
    """The machine of a failing piece: a slot drawn uniformly among the depot's N·Z fitted
    pieces still working (a machine with all Z of them broken cannot break another)."""
    for _try in range(1000):
        slot = np.random.randint(0, machines * z)
        machine = first + slot // z
        if slot % z >= broken[machine]:
            return machine
    return first + np.random.randint(0, machines)  # (nearly) every piece is broken already


@njit(cache=True, nogil=True)
def note_wait(
    machine: int,
    start: float,
    end: float,
    machines: NDArray[np.int64],
    starts: NDArray[np.float64],
    ends: NDArray[np.float64],
    count: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], int]:
    """Append a machine's wait (arrays doubled when full); returns them and the new count."""
    if count >= machines.size:
        size = 2 * machines.size
        grown_machines = np.empty(size, dtype=np.int64)
        grown_starts = np.empty(size)
        grown_ends = np.empty(size)
        grown_machines[:count] = machines[:count]
        grown_starts[:count] = starts[:count]
        grown_ends[:count] = ends[:count]
        machines, starts, ends = grown_machines, grown_starts, grown_ends
    machines[count] = machine
    starts[count] = start
    ends[count] = end
    return machines, starts, ends, count + 1
