"""The simulation runner: Palm's theorem, reproducibility across workers, policies, downtime."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetcare.core.cluster import dask_client
from fleetcare.planning import evaluate
from fleetcare.planning.problem import parse_problem
from fleetcare.simulation import compare as compare_module
from fleetcare.simulation import runner as runner_module
from fleetcare.simulation.compare import compare
from fleetcare.simulation.runner import (
    SimulationError,
    SimulationParams,
    consolidated,
    machine_down_days,
    run,
)
from fleetcare.simulation.summary import summary
from tests.simulation.networks import NETWORK


def test_palm_theorem_stock_only_at_the_leaves() -> None:
    """Poisson demand, deterministic times, no stock upstream: the model is exact, and the
    simulated time-average backorders agree with VARI-METRIC's EBO within the CI."""
    problem = parse_problem(NETWORK)
    stock = np.array([[0, 0, 4, 7], [0, 0, 2, 3]], dtype=np.int64)
    params = SimulationParams(years=60, warmup_years=2, replications=16, seed=3)
    results = run(problem, stock, params)
    document = summary(problem, stock, params, results).document()
    model = evaluate(problem, stock)
    parts: dict[str, Any] = document["parts"]  # type: ignore[assignment]
    for i, part in enumerate(problem.part_ids):
        for j, location in enumerate(problem.location_ids):
            lo, hi = parts[part][location]["backorders_ci95"]
            ebo = float(model.terms[i].ebo[j])
            slack = 0.1 * (hi - lo) + 1e-9  # the interval is itself an estimate
            assert lo - slack <= ebo <= hi + slack, (part, location, lo, ebo, hi)


def test_availability_agrees_with_the_model_when_each_machine_holds_one_piece() -> None:
    """Z = 1, Poisson, stock only at the depots: A = 1 − EBO/N is exact in expectation while
    a depot practically never has more backorders than machines (here P < 1e-3), so the
    simulated availability (failures hit only working machines) must agree with it. (With
    five machines a depot it does not: no more than N machines can be down, and the
    simulation is higher — what a real depot would see.)"""
    document = {**NETWORK, "parts": [{**NETWORK["parts"][0], "qty_per_unit": 1}]}
    document["locations"] = [
        {**loc, "units": 12} if "units" in loc else loc for loc in NETWORK["locations"]
    ]
    problem = parse_problem(document)
    stock = np.array([[0, 0, 2, 3]], dtype=np.int64)
    params = SimulationParams(years=60, warmup_years=2, replications=12, seed=4)
    document_out = summary(
        problem, stock, params, run(problem, stock, params, threads=2)
    ).document()
    lo, hi = document_out["availability"]["ci95"]  # type: ignore[index]
    model = evaluate(problem, stock).availability
    assert lo - 0.1 * (hi - lo) <= model <= hi + 0.1 * (hi - lo), (lo, model, hi)


def test_a_deep_chain_with_lumpy_demand_grows_its_queues_safely() -> None:
    """A batch can need more queue room than one doubling gives (VMR 400, 60 locations)."""
    locations: list[dict[str, Any]] = [{"id": "L0", "parent": None, "resupply_days": 30}]
    locations += [{"id": f"L{k}", "parent": f"L{k - 1}", "resupply_days": 2} for k in range(1, 60)]
    locations[-1]["units"] = 10
    problem = parse_problem(
        {
            "format": "fleetcare-plan/1",
            "locations": locations,
            "parts": [
                {
                    "id": "P",
                    "unit_cost": 1.0,
                    "qty_per_unit": 1,
                    "vmr": 400.0,
                    "demand_per_day": {"L59": 0.5},
                }
            ],
        }
    )
    stock = np.zeros((1, 60), dtype=np.int64)
    results = run(problem, stock, SimulationParams(years=3, warmup_years=1, replications=2))
    assert all(0.0 <= r.availability <= 1.0 for r in results)


def test_the_same_seed_gives_the_same_numbers_on_any_number_of_workers() -> None:
    """In-process and on two Dask workers: the same replications, to float noise."""
    problem = parse_problem(NETWORK)
    stock = np.array([[1, 1, 2, 3], [0, 1, 1, 1]], dtype=np.int64)
    params = SimulationParams(years=6, warmup_years=1, replications=4, seed=11)
    here = run(problem, stock, params)
    there = run(problem, stock, params, workers=2)
    assert [r.availability for r in here] == pytest.approx(
        [r.availability for r in there], abs=1e-12
    )
    other_seed = run(
        problem, stock, SimulationParams(years=6, warmup_years=1, replications=4, seed=12)
    )
    assert [r.availability for r in other_seed] != [r.availability for r in here]


def test_a_comparison_runs_every_plan_on_one_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """``compare`` on two Dask workers simulates each plan as it does in this process; the
    plans share one cluster (one started for the whole comparison, none per plan), and the
    problem scattered for one plan is not lost to the next (the same problem object is
    scattered for every plan)."""
    problem = parse_problem(NETWORK)
    params = SimulationParams(years=4, warmup_years=1, replications=2, seed=5)
    here = compare(problem, params, target_availability=0.9)
    started: list[int | None] = []

    def counted(workers: int | None, *args: Any) -> Any:
        started.append(workers)
        return dask_client(workers, *args)

    monkeypatch.setattr(compare_module, "dask_client", counted)
    monkeypatch.setattr(runner_module, "dask_client", counted)
    there = compare(problem, params, target_availability=0.9, workers=2)
    assert started == [2]
    assert len(there) == len(here) > 2
    assert [row.availability for row in there] == pytest.approx(
        [row.availability for row in here], abs=1e-12
    )


def test_emergency_and_grey_shorten_the_waits() -> None:
    """With no stock, waiting loses most machine-days; emergency or grey pieces cut that and
    are counted and priced (grey at five times the unit cost)."""
    problem = parse_problem(NETWORK)
    stock = np.zeros((2, 4), dtype=np.int64)
    outcome = {}
    for policy in ("wait", "emergency", "grey"):
        params = SimulationParams(years=5, warmup_years=1, replications=3, seed=5, policy=policy)
        outcome[policy] = summary(problem, stock, params, run(problem, stock, params)).document()
    wait, emergency, grey = (outcome[p] for p in ("wait", "emergency", "grey"))
    assert wait["availability"]["mean"] < emergency["availability"]["mean"]  # type: ignore[index]
    assert grey["availability"]["mean"] < emergency["availability"]["mean"]  # type: ignore[index]
    # every failure is bought grey: about Σ λ × 365 pieces a year at 5 × unit cost
    yearly = 365 * (0.13 + 0.05)
    assert grey["grey_purchases"] == pytest.approx(yearly, rel=0.15)
    assert grey["grey_spend"] == pytest.approx(365 * (0.13 * 500 + 0.05 * 200), rel=0.15)
    assert emergency["emergency_shipments"] == pytest.approx(yearly, rel=0.15)
    assert wait["grey_purchases"] == 0 and wait["emergency_shipments"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        (SimulationParams(years=1, warmup_years=1), "years"),
        (SimulationParams(years=float("nan")), "years"),
        (SimulationParams(warmup_years=float("nan")), "years"),
        (SimulationParams(years=float("inf")), "years"),
        (SimulationParams(years=1e4), "years"),
        (SimulationParams(replications=1), "replications"),
        (SimulationParams(replications=10**6), "replications"),
        (SimulationParams(policy="pray"), "policy"),
    ],
)
def test_bad_parameters_are_refused(params: SimulationParams, field: str) -> None:
    """Years ≤ warm-up, not finite or past the most; fewer than two replications or past the
    most; an unknown rule: refused, field named."""
    with pytest.raises(SimulationError) as refused:
        params.check()
    assert refused.value.field == field and field in str(refused.value)


def test_cannibalisation_by_hand() -> None:
    """One depot, two parts with Z = 1: part 0 short from day 1 to 3, part 1 from day 2 to 5.
    Waiting, two machines are down from day 2 to 3 (5 machine-days); cannibalising, the
    machine down for part 0 gives its part 1 to the machine that failed on day 2, so one
    machine is down throughout (4 machine-days) and there is one cannibalisation."""
    depot = np.zeros(4, dtype=np.int64)
    part = np.array([0, 1, 0, 1])
    time = np.array([1.0, 2.0, 3.0, 5.0])
    step = np.array([1, 1, -1, -1])
    z = np.array([1, 1])
    machines = np.array([5])
    assert consolidated(depot, part, time, step, z, machines, 0.0) == (4.0, 1)
    assert consolidated(depot, part, time, step, z, machines, 2.5) == (2.5, 0)  # warm-up
    # a depot of one machine: it is down from day 1 to 5 either way, and the second failure
    # (day 2) cannot happen on a working machine, so it is no cannibalisation
    assert consolidated(depot, part, time, step, z, np.array([1]), 0.0) == (4.0, 0)
    # more pieces short than machines: never more than the depot's machines down
    many = consolidated(
        np.zeros(6, dtype=np.int64),
        np.zeros(6, dtype=np.int64),
        np.arange(6.0),
        np.array([1, 1, 1, -1, -1, -1]),
        np.array([1]),
        np.array([2]),
        0.0,
    )
    assert many == (1 + 2 + 2 + 2 + 1, 0)


@st.composite
def shortages(draw: Any) -> tuple[list[tuple[int, int, float, float]], list[int]]:
    """Waits (depot, part, start, end) at two depots for three parts with Z of 1 to 3."""
    z = [draw(st.integers(1, 3)) for _ in range(3)]
    waits = []
    for _ in range(draw(st.integers(0, 25))):
        start = draw(st.integers(0, 40))
        waits.append(
            (
                draw(st.integers(0, 1)),
                draw(st.integers(0, 2)),
                float(start),
                float(start + draw(st.integers(1, 15))),
            )
        )
    return waits, z


@settings(max_examples=80, deadline=None)
@given(case=shortages(), warmup=st.sampled_from([0.0, 10.5]))
def test_cannibalisation_against_a_sweep_over_days(
    case: tuple[list[tuple[int, int, float, float]], list[int]], warmup: float
) -> None:
    """Down machine-days = ∫ max_i ⌈B_i(t)/Z_i⌉ dt per depot, checked on every half-day
    (all times are whole days) by counting the waits that cover it."""
    waits, z = case
    rows = [(d, i, t, s) for d, i, a, b in waits for t, s in ((a, 1), (b, -1))]
    rows.sort(key=lambda row: (row[0], row[2], row[3]))
    columns = [np.array(c) for c in zip(*rows, strict=True)] if rows else [np.empty(0)] * 4
    down, _ = consolidated(
        columns[0].astype(np.int64),
        columns[1].astype(np.int64),
        columns[2].astype(float),
        columns[3].astype(np.int64),
        np.array(z),
        np.array([1000, 1000]),
        warmup,
    )
    expected = 0.0
    for moment in np.arange(0.25, 60, 0.5):
        if moment < warmup:
            continue
        for depot in (0, 1):
            short = [
                sum(1 for d, i, a, b in waits if d == depot and i == p and a < moment < b)
                for p in range(3)
            ]
            expected += 0.5 * max(-(-s // zp) for s, zp in zip(short, z, strict=True))
    assert down == pytest.approx(expected)


def test_cannibalising_keeps_more_machines_running() -> None:
    """Same seeds: the same shortages per part, never more machines down than waiting, and
    with several parts short at once, fewer; one part with Z = 1 changes nothing."""
    problem = parse_problem(NETWORK)
    stock = np.array([[0, 0, 1, 1], [0, 0, 0, 1]], dtype=np.int64)
    outcome = {}
    for policy in ("wait", "cannibalise"):
        params = SimulationParams(years=5, warmup_years=1, replications=3, seed=9, policy=policy)
        outcome[policy] = run(problem, stock, params)
    for waiting, cannibalising in zip(outcome["wait"], outcome["cannibalise"], strict=True):
        assert np.array_equal(waiting.backorders, cannibalising.backorders)
        assert cannibalising.availability >= waiting.availability
    assert sum(r.availability for r in outcome["cannibalise"]) > sum(
        r.availability for r in outcome["wait"]
    )
    params = SimulationParams(years=5, warmup_years=1, replications=3, seed=9, policy="cannibalise")
    document = summary(problem, stock, params, outcome["cannibalise"]).document()
    assert document["cannibalisations"] > 0  # type: ignore[operator]

    single = parse_problem({**NETWORK, "parts": [NETWORK["parts"][0]]})
    one = stock[:1]
    for waiting, cannibalising in zip(
        run(single, one, SimulationParams(years=5, replications=2, seed=2)),
        run(single, one, SimulationParams(years=5, replications=2, seed=2, policy="cannibalise")),
        strict=True,
    ):
        assert cannibalising.availability == pytest.approx(waiting.availability, abs=1e-12)
        assert cannibalising.cannibalisations == 0


def test_palm_theorem_holds_with_resupply_spread() -> None:
    """Resupply times drawn with a spread (gamma) at the plant and the depot, stock only at
    the depot: the pipeline is still Poisson with mean λ × (mean days along the path)
    (infinite-server queues in tandem), so the model's EBO — which reads only the mean days —
    stays within the simulation's interval; a wide spread makes pieces overtake each other."""
    document = {
        "format": "fleetcare-plan/1",
        "locations": [
            {"id": "PLANT", "parent": None, "resupply_days": 30, "resupply_sd_days": 20},
            {"id": "D", "parent": "PLANT", "resupply_days": 5, "resupply_sd_days": 4, "units": 40},
        ],
        "parts": [{"id": "P", "unit_cost": 10.0, "demand_per_day": {"D": 0.1}}],
    }
    problem = parse_problem(document)
    stock = np.array([[0, 3]], dtype=np.int64)
    params = SimulationParams(years=80, warmup_years=2, replications=8, seed=21)
    parts: Any = summary(problem, stock, params, run(problem, stock, params, threads=2)).document()[
        "parts"
    ]
    lo, hi = parts["P"]["D"]["backorders_ci95"]
    ebo = float(evaluate(problem, stock).terms[0].ebo[1])
    slack = 0.1 * (hi - lo)
    assert lo - slack <= ebo <= hi + slack, (lo, ebo, hi)
    deterministic = parse_problem(
        {
            **document,
            "locations": [
                {k: v for k, v in loc.items() if k != "resupply_sd_days"}
                for loc in document["locations"]
            ],
        }
    )
    spread_run = run(problem, stock, SimulationParams(years=3, replications=2, seed=5))
    fixed_run = run(deterministic, stock, SimulationParams(years=3, replications=2, seed=5))
    assert [r.availability for r in spread_run] != [r.availability for r in fixed_run]


def test_emergency_and_grey_terms_come_from_the_problem() -> None:
    """A depot's emergency lane (days, money per kg) with the part's weight prices each
    emergency piece; a part's grey price prices each grey piece; the defaults stay for
    depots and parts the file says nothing about."""
    document = json.loads(json.dumps(NETWORK))
    document["locations"][2].update(emergency_days=1.0, emergency_cost_per_kg=300.0)
    document["parts"][0].update(weight_kg=2.5, grey_price=900.0)
    problem = parse_problem(document)
    stock = np.zeros((2, 4), dtype=np.int64)
    for policy in ("emergency", "grey"):
        params = SimulationParams(years=4, warmup_years=1, replications=2, seed=8, policy=policy)
        results = run(problem, stock, params)
        outside = np.mean([r.outside for r in results], axis=0) / 3  # a year
        body = summary(problem, stock, params, results).document()
        a, b = 2, 3  # depots A (lane given) and B (defaults)
        if policy == "emergency":
            expected = (
                outside[0, a] * 2.5 * 300.0  # part P1 at A: weight × money per kg
                + outside[0, b] * 0.5 * 100.0  # at B: half the unit cost
                + (outside[1, a] + outside[1, b]) * 0.5 * 40.0  # P2 has no weight
            )
            assert body["emergency_spend"] == pytest.approx(expected)
        else:
            expected = outside[0].sum() * 900.0 + outside[1].sum() * 5 * 40.0
            assert body["grey_spend"] == pytest.approx(expected)
        assert outside[0, a] > 0 and outside[1, b] > 0


@settings(max_examples=60, deadline=None)
@given(
    intervals=st.lists(
        st.tuples(st.integers(0, 4), st.floats(0, 50), st.floats(0, 20)), max_size=30
    )
)
def test_down_days_is_the_length_of_each_machines_union(
    intervals: list[tuple[int, float, float]],
) -> None:
    """Overlapping waits of one machine count once (checked on a fine grid)."""
    machine = np.array([m for m, _, _ in intervals], dtype=np.int64)
    start = np.array([a for _, a, _ in intervals])
    end = start + np.array([d for _, _, d in intervals])
    grid = np.linspace(0, 70, 70_001)[:-1] + 0.0005  # midpoints of 0.001-day cells
    expected = sum(
        0.001
        * np.any(
            (start[machine == m, None] <= grid) & (grid < end[machine == m, None]), axis=0
        ).sum()
        for m in range(5)
    )
    assert machine_down_days(machine, start, end, 5) == pytest.approx(
        expected, abs=0.001 * 2 * len(intervals) + 1e-9
    )


def test_an_availability_is_never_below_zero_or_outside_its_interval() -> None:
    """Replications whose availabilities sum to a rounding below zero: the mean is 0 and lies
    in its interval."""
    from fleetcare.simulation.summary import _mean_ci

    mean, interval = _mean_ci(np.array([-1e-15, 0.0, 0.0]))
    assert mean == 0.0 and interval[0] <= mean <= interval[1]
