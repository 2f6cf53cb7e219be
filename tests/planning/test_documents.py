"""The planner's JSON in and out with orjson: the standard library's documents, value for value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.planning import OptimiseParams, optimise
from fleetcare.planning.documents import (
    collector_paused,
    curve_json,
    evaluation_json,
    records_json,
)
from fleetcare.planning.exact import Model, evaluate
from fleetcare.planning.problem import (
    PlanningProblem,
    ProblemError,
    parse_problem,
    parse_stock,
    read_problem,
    stock_document,
)
from fleetcare.planning.varimetric import Evaluation

# non-ASCII ids, slow and fast movers (numbers from 1e-9 to hundreds), a part with no demand
PROBLEM: dict[str, Any] = {
    "format": "fleetcare-plan/1",
    "locations": [
        {"id": "WERK", "parent": None, "resupply_days": 120},
        {"id": "Хаб-1", "parent": "WERK", "resupply_days": 14},
        {"id": "DÉPÔT-A", "parent": "Хаб-1", "resupply_days": 3, "units": 150},
        {"id": "DEPOT-B", "parent": "Хаб-1", "resupply_days": 5, "units": 7},
        {"id": "DEPOT-C", "parent": "WERK", "resupply_days": 9, "units": 40},
    ],
    "parts": [
        {
            "id": "Ölpumpe Ø12",
            "unit_cost": 850.0,
            "qty_per_unit": 2,
            "demand_per_day": {"DÉPÔT-A": 0.004, "DEPOT-B": 1e-7, "DEPOT-C": 0.05},
        },
        {
            "id": "P-2",
            "unit_cost": 12.5,
            "qty_per_unit": 4,
            "vmr": 2.5,
            "demand_per_day": {"DÉPÔT-A": 3.0, "DEPOT-C": 0.7},
            "resupply_days": {"WERK": 200},
        },
        {"id": "P-idle", "unit_cost": 99.0, "demand_per_day": {}},
    ],
}
STOCK = {"Ölpumpe Ø12": {"DÉPÔT-A": 1, "WERK": 2}, "P-2": {"Хаб-1": 40, "DEPOT-C": 3}}


def reference_document(
    problem: PlanningProblem, stock: np.ndarray[Any, Any], result: Evaluation
) -> dict[str, object]:
    """The evaluation document as first written: a NumPy scalar per part-location."""
    parts = {
        part: {
            loc: {
                "stock": int(stock[i, j]),
                "pipeline_mean": float(term.mean[j]),
                "pipeline_variance": float(term.variance[j]),
                "ebo": float(term.ebo[j]),
                "vbo": float(term.vbo[j]),
            }
            for j, loc in enumerate(problem.location_ids)
        }
        for i, (part, term) in enumerate(zip(problem.part_ids, result.terms, strict=True))
    }
    return {
        "availability": result.availability,
        "cost": result.cost,
        "locations": {loc: {"availability": a} for loc, a in result.leaf_availability.items()},
        "parts": parts,
        "part_models": dict(zip(problem.part_ids, result.models, strict=True)),
    }


@pytest.mark.parametrize("model", ["exact", "vari-metric"])
def test_evaluation_json_is_the_standard_librarys_value_for_value(model: Model) -> None:
    """orjson's evaluation, read back and written by the standard library, is the standard
    library's text of the first implementation: same keys in the same order, same numbers."""
    problem = parse_problem(PROBLEM)
    stock = parse_stock(STOCK, problem)
    result = evaluate(problem, stock, model)
    text = evaluation_json(problem, stock, result)
    assert json.dumps(json.loads(text)) == json.dumps(reference_document(problem, stock, result))
    assert "DÉPÔT-A".encode() in text  # UTF-8, not \u escapes


def test_curve_json_is_the_curve_point_for_point() -> None:
    """The written curve is ``Curve.as_json()``: every point, cost then availability."""
    problem = parse_problem(PROBLEM)
    curve = optimise(problem, OptimiseParams(target_availability=0.99))
    assert curve.costs.size > 10
    assert json.dumps(json.loads(curve_json(curve))) == json.dumps(curve.as_json())


@settings(max_examples=40, deadline=None)
@given(arrays(np.int64, (3, 5), elements=st.integers(0, 3)))
def test_stock_document_leaves_out_zeros_in_problem_order(stock: np.ndarray[Any, Any]) -> None:
    """The stock document holds every positive level, parts and locations in the problem's
    order, and reads back as the same array."""
    problem = parse_problem(PROBLEM)
    document = stock_document(stock, problem)
    expected = {
        part: {loc: int(stock[i, j]) for j, loc in enumerate(problem.location_ids) if stock[i, j]}
        for i, part in enumerate(problem.part_ids)
        if stock[i].any()
    }
    assert json.dumps(document) == json.dumps(expected)
    assert (parse_stock(orjson.loads(orjson.dumps(document)), problem) == stock).all()


def test_collector_paused_restores_the_collector() -> None:
    """The collector is off inside, and back as it was after, an error included."""
    import gc

    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"format": "fleetcare-plan/1",\n "parts": [}', "not JSON: line 2"),
        (b'{"format": NaN}', "not JSON: line 1"),
        (b'{"format": "\xff"}', "not JSON: line 1"),
        (b'{"units": 1e400}', "not JSON: line 1"),
    ],
)
def test_unreadable_files_are_refused_with_the_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    """Broken JSON, NaN, bytes that are not UTF-8 and numbers beyond a float's range are
    refused naming the line, never an uncaught error."""
    path = tmp_path / "problem.json"
    path.write_bytes(content)
    with pytest.raises(ProblemError) as caught:
        read_problem(path)
    assert caught.value.messages[0].startswith(message), caught.value.messages


def test_cli_files_and_answers_read_back(tmp_path: Path, runner: CliRunner) -> None:
    """``plan evaluate --json`` and ``plan optimise --out --curve --json`` write JSON that
    reads back as the same plan and curve, non-ASCII ids as UTF-8."""
    problem_file = tmp_path / "problem.json"
    problem_file.write_bytes(orjson.dumps(PROBLEM))
    out, curve = tmp_path / "stock.json", tmp_path / "curve.json"
    flags = ["--target-availability", "0.95", "--out", str(out), "--curve", str(curve)]
    optimised = runner.invoke(app, ["plan", "optimise", str(problem_file), *flags, "--json"])
    assert optimised.exit_code == 0, optimised.stderr
    answer = json.loads(optimised.stdout)
    assert json.loads(curve.read_text(encoding="utf-8")) == answer["curve"]
    assert answer["curve"][-1] == {"cost": answer["cost"], "availability": answer["availability"]}
    evaluated = runner.invoke(
        app, ["plan", "evaluate", str(problem_file), "--stock", str(out), "--json"]
    )
    assert evaluated.exit_code == 0, evaluated.stderr
    body = json.loads(evaluated.stdout)
    assert body["availability"] == pytest.approx(answer["availability"], abs=1e-12)
    assert body["cost"] == pytest.approx(answer["cost"])
    assert "DÉPÔT-A" in body["parts"]["Ölpumpe Ø12"]


KEYS = st.text(st.characters(codec="utf-8"), max_size=6)  # quotes, backslashes, controls, 𝄞
NUMBERS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e-300])


@settings(max_examples=150, deadline=None)
@given(
    groups=st.lists(KEYS, max_size=6, unique=True),
    members=st.lists(KEYS, max_size=5, unique=True),
    names=st.lists(KEYS, min_size=1, max_size=4, unique=True),
    per_task=st.integers(1, 3),
    data=st.data(),
)
def test_records_json_is_orjsons_text_of_the_nested_dicts(
    groups: list[str], members: list[str], names: list[str], per_task: int, data: st.DataObject
) -> None:
    """The spliced text is byte for byte what orjson writes of the dict per record, whatever
    the keys (escapes, non-BMP), the numbers (NaN and ±∞ as null, −0.0, subnormals, 64-bit
    integers) and however the groups fall to threads; prefix and suffix around it."""
    shape = (len(groups), len(members))
    fields: dict[str, np.ndarray[Any, Any]] = {}
    for k, name in enumerate(names):
        if k % 2:
            fields[name] = data.draw(arrays(np.int64, shape), label=name)
        else:
            fields[name] = data.draw(arrays(np.float64, shape, elements=NUMBERS), label=name)
    expected = {
        group: {
            member: {name: values[g, m].item() for name, values in fields.items()}
            for m, member in enumerate(members)
        }
        for g, group in enumerate(groups)
    }
    text = records_json(
        groups, members, fields, prefix=b"[", suffix=b"]", workers=2, groups_per_task=per_task
    )
    assert text == b"[" + orjson.dumps(expected) + b"]"


def test_evaluation_json_of_many_parts_on_threads() -> None:
    """600 parts (three tasks of splicing): the answer is the reference document's."""
    document = json.loads(json.dumps(PROBLEM))
    base = document["parts"][1]
    document["parts"] = [{**base, "id": f"P-{k}"} for k in range(600)]
    problem = parse_problem(document)
    stock = np.random.default_rng(4).integers(0, 3, (600, len(problem.location_ids)))
    result = evaluate(problem, stock, "vari-metric")
    text = evaluation_json(problem, stock, result)
    assert json.loads(text) == json.loads(json.dumps(reference_document(problem, stock, result)))


def test_evaluation_json_of_no_parts() -> None:
    """A problem without parts (only a Python caller can make one): every leaf available,
    nothing spent, no records — the document the dicts give."""
    import dataclasses

    problem = parse_problem(PROBLEM)
    empty = dataclasses.replace(
        problem,
        part_ids=(),
        **{
            name: getattr(problem, name)[:0]
            for name in ("unit_cost", "qty_per_unit", "vmr", "demand", "resupply_days")
        },
        weight_kg=problem.weight_kg[:0],
        grey_price=problem.grey_price[:0],
    )
    stock = np.zeros((0, len(problem.location_ids)), dtype=np.int64)
    for model in ("exact", "vari-metric"):
        result = evaluate(empty, stock, model)
        text = evaluation_json(empty, stock, result)
        assert json.loads(text) == json.loads(json.dumps(reference_document(empty, stock, result)))
        assert json.loads(text)["parts"] == {} and json.loads(text)["availability"] == 1.0
