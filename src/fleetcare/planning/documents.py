"""The planner's JSON documents out, with orjson: problem, stock, evaluation, curve.

A network's evaluation holds one object per part-location (10⁶ of them for 10,000 parts at
100 locations) and its curve millions of points. What took the time with the standard
library was the encoder (3× orjson's) and, in building the documents, a NumPy scalar per
number and the cyclic garbage collector walking the millions of new dicts again and again.
So the documents are built from lists made in bulk (``ndarray.tolist``), with the collector
paused (the documents hold no cycles), and written by orjson. Measured against a dict per
part-location of Python floats with the collector on, this was faster than writing the
table's JSON text column-wise from NumPy (see ``benchmarks/plan_json.py``).

The JSON is the standard library's, value for value (same keys in the same order, numbers in
their shortest round-trip form); only the spacing differs, and text is written as UTF-8
rather than ``\\u`` escapes.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from fleetcare.planning.optimise import Curve
from fleetcare.planning.problem import PlanningProblem
from fleetcare.planning.varimetric import Evaluation, evaluation_document


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while acyclic documents of millions of objects are
    built (reference counting still frees them); restore it as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def dumps(document: Any, *, indent: bool = False) -> bytes:
    """``document`` as UTF-8 JSON (NumPy arrays and scalars allowed), indented by two spaces
    when ``indent``."""
    option = orjson.OPT_SERIALIZE_NUMPY | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(document, option=option)


def built(make: Callable[[], Any], *, indent: bool = False) -> bytes:
    """The JSON of the document ``make()`` builds, built and written with the collector
    paused."""
    with collector_paused():
        return dumps(make(), indent=indent)


def write(path: Path, document: Any, *, indent: bool = False) -> None:
    """Write ``document`` as JSON to ``path``, with a final newline."""
    path.write_bytes(dumps(document, indent=indent) + b"\n")


def print_json(text: bytes) -> None:
    """Write JSON text and a newline to standard output as bytes (no decoding of the whole)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text + b"\n")
    sys.stdout.buffer.flush()


def evaluation_json(
    problem: PlanningProblem, stock: NDArray[np.int64], result: Evaluation
) -> bytes:
    """The ``fleetcare plan evaluate --json`` answer (``varimetric.evaluation_document``)."""
    return built(lambda: evaluation_document(problem, stock, result))


def curve_json(curve: Curve) -> bytes:
    """Every point of the curve, ``[{"cost", "availability"}, ...]`` (``Curve.as_json``)."""
    return built(curve.as_json)


def optimise_json(curve: Curve, points: bytes, part_models: dict[str, str]) -> bytes:
    """The ``fleetcare plan optimise --json`` answer: the chosen plan's availability and
    cost, the curve (``points``, the JSON from ``curve_json``) and each part's model."""
    last = curve.last
    return dumps(
        {
            "availability": last.availability,
            "cost": last.cost,
            "curve": orjson.Fragment(points),
            "part_models": part_models,
        }
    )
