"""The planner's JSON documents out, with orjson: problem, stock, evaluation, curve.

A network's evaluation holds one object per part-location (10⁶ of them for 10,000 parts at
100 locations) and its curve millions of points. What took the time with the standard
library was the encoder (3× orjson's) and, in building the documents, a Python object per
number and per part-location. So the curve is built from lists made in bulk
(``ndarray.tolist``) with the cyclic garbage collector paused (the documents hold no cycles),
and the evaluation's part-locations are not built as objects at all: each field's numbers
are encoded at once by orjson and spliced with the keys into one buffer by a compiled kernel
(``records_json``; ``benchmarks/plan_json.py``).

The JSON is the standard library's, value for value (same keys in the same order, numbers in
their shortest round-trip form); only the spacing differs, and text is written as UTF-8
rather than ``\\u`` escapes.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from fleetcare.planning.kernels.records import splice_groups
from fleetcare.planning.optimise import Curve
from fleetcare.planning.problem import PlanningProblem
from fleetcare.planning.varimetric import Evaluation, evaluation_document, record_fields


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


def print_json(text: bytes | bytearray) -> None:
    """Write JSON text and a newline to standard output as bytes (no decoding of the whole)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text)  # not text + b"\n": that copies the whole text
    sys.stdout.buffer.write(b"\n")
    sys.stdout.buffer.flush()


def evaluation_json(
    problem: PlanningProblem, stock: NDArray[np.int64], result: Evaluation
) -> bytes | bytearray:
    """The ``fleetcare plan evaluate --json`` answer, ``varimetric.evaluation_document``'s
    JSON, with the part-locations' records spliced by ``records_json``."""
    head = dumps(evaluation_document(problem, stock, result, records=False))
    models = dict(zip(problem.part_ids, result.models, strict=True))
    return records_json(
        problem.part_ids,
        problem.location_ids,
        record_fields(stock, result),
        prefix=head[:-1] + b',"parts":',
        suffix=b',"part_models":' + dumps(models) + b"}",
    )


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


def _pieces(texts: list[bytes]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Byte strings as one buffer and the offsets where each starts (and the last ends)."""
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)), out=offsets[1:])
    return np.frombuffer(b"".join(texts), dtype=np.uint8), offsets


GROUPS_PER_TASK = 256  # groups a thread splices at a time


def records_json(
    groups: Sequence[str],
    members: Sequence[str],
    fields: dict[str, NDArray[Any]],
    *,
    prefix: bytes = b"",
    suffix: bytes = b"",
    workers: int | None = None,
    groups_per_task: int = GROUPS_PER_TASK,
) -> bytes | bytearray:
    """``prefix``, then ``{group: {member: {field: fields[field][g, m], …}, …}, …}`` as JSON,
    then ``suffix``: each field's numbers encoded at once by orjson, spliced with the keys by
    ``kernels.records.splice_groups`` on ``workers`` threads (default: one per CPU) — orjson's
    text of the nested dicts, without making a dict per record."""
    names = list(fields)
    if not groups or not members or not names:
        return (
            prefix + dumps({group: {member: {} for member in members} for group in groups}) + suffix
        )
    keys = [dumps(name) + b":" for name in names]
    group_text, group_at = _pieces(
        [(b"," if g else b"") + dumps(group) + b":{" for g, group in enumerate(groups)]
    )
    member_text, member_at = _pieces(
        [(b"," if m else b"") + dumps(member) + b":{" + keys[0] for m, member in enumerate(members)]
    )
    between_text, between_at = _pieces([b"," + key for key in keys[1:]])
    texts = [dumps(np.ascontiguousarray(fields[name]).ravel()) for name in names]  # [a,b,…]
    values, bases = _pieces(texts)
    starts = np.empty((len(names), len(groups) * len(members)), dtype=np.int64)
    ends = np.empty_like(starts)
    record_sizes = np.tile(np.diff(member_at), len(groups))  # a member's opening, field 0's name
    record_sizes += between_at[-1] + 1  # the names of fields 1…, the record's }
    for f, text in enumerate(texts):
        commas = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == ord(","))
        commas += bases[f]
        starts[f, 0], starts[f, 1:] = bases[f] + 1, commas + 1  # past [ and each comma
        ends[f, :-1], ends[f, -1] = commas, bases[f + 1] - 1  # up to each comma and the ]
        record_sizes += ends[f]
        record_sizes -= starts[f]
    group_sizes = record_sizes.reshape(len(groups), len(members)).sum(axis=1)
    group_sizes += np.diff(group_at) + 1  # the group's opening and its }
    offsets = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum(group_sizes, out=offsets[1:])
    offsets += len(prefix) + 1  # prefix, {
    answer = bytearray(int(offsets[-1]) + 1 + len(suffix))  # filled in place, never copied
    out = np.frombuffer(answer, dtype=np.uint8)
    out[: len(prefix) + 1] = np.frombuffer(prefix + b"{", dtype=np.uint8)
    out[offsets[-1] :] = np.frombuffer(b"}" + suffix, dtype=np.uint8)

    def splice(first: int) -> None:
        last = min(first + groups_per_task, len(groups))
        splice_groups(
            out,
            offsets,
            first,
            last,
            values,
            starts,
            ends,
            group_text,
            group_at,
            member_text,
            member_at,
            between_text,
            between_at,
        )

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        list(pool.map(splice, range(0, len(groups), groups_per_task)))
    return answer
