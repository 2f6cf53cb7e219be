"""The early warning's run lengths: months to a false alarm (ARL₀) and to the signal after the
rate doubles (ARL₁), exact (Brook–Evans chain) and simulated, as a Markdown table.

An accuracy check, not a speed test: ``docs/analytics.md`` shows a run with the defaults.

    .venv/bin/python benchmarks/warning_arl.py [--runs 10000] [--seed 1] [--shift 2] [--h 4]
"""

from __future__ import annotations

import argparse
import math

from fleetcare.analytics.warning import CusumParams, average_run_length, simulate_run_lengths

EXPECTED = (0.25, 0.5, 1.0, 2.0, 5.0)  # claims a month the fleet's exposure predicts


def bounds(pair: tuple[float, float], digits: int) -> str:
    """One figure when the chain's bounds agree to the digits shown, else the range."""
    low, high = (f"{value:.{digits}f}" for value in pair)
    return low if low == high else f"{low}–{high}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shift", type=float, default=CusumParams.shift)
    parser.add_argument("--h", type=float, default=CusumParams.decision_interval)
    args = parser.parse_args()
    params = CusumParams(shift=args.shift, decision_interval=args.h)
    print(f"Poisson CUSUM, shift γ = {params.shift:g}, h = {params.decision_interval:g}\n")
    print(
        "| μ (claims a month) | k | ARL₀, chain | ARL₀, simulated (± 1 SE) "
        "| ARL₁ at γμ, chain | ARL₁, simulated |"
    )
    print("|---|---|---|---|---|---|")
    for mu in EXPECTED:
        in_control = simulate_run_lengths(mu, params, runs=args.runs, seed=args.seed)
        shifted = simulate_run_lengths(
            mu, params, rate_ratio=params.shift, runs=args.runs, seed=args.seed + 1
        )
        se = in_control.std() / math.sqrt(in_control.size)
        print(
            f"| {mu:g} | {float(params.reference(mu)):.3f} "
            f"| {bounds(average_run_length(mu, params), 1)} "
            f"| {in_control.mean():.1f} ± {se:.1f} "
            f"| {bounds(average_run_length(mu, params, rate_ratio=params.shift), 1)} "
            f"| {shifted.mean():.1f} |"
        )


if __name__ == "__main__":
    main()
