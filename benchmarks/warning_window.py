"""The early warning over its window: the chance that a series whose claims run exactly as
expected is flagged within the window (a false alarm), and that one running at 2× and 3× its
expectation is caught, by simulation, as a Markdown table.

An accuracy check, not a speed test: ``docs/analytics.md`` shows a run with the defaults (the
36 complete months of ``fleetcare analytics warnings``).

    .venv/bin/python benchmarks/warning_window.py [--months 36] [--runs 20000] [--seed 1] [--h 4]
"""

from __future__ import annotations

import argparse
import math

from fleetcare.analytics.warning import CusumParams, simulate_run_lengths

EXPECTED = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)  # claims a month the fleet's exposure predicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--h", type=float, default=CusumParams.decision_interval)
    args = parser.parse_args()
    params = CusumParams(decision_interval=args.h)
    print(
        f"Poisson CUSUM γ = {params.shift:g}, h = {params.decision_interval:g}, "
        f"window {args.months} months, {args.runs:,} runs\n"
    )
    print("| μ (claims a month) | flagged in control (± 1 SE) | caught at 2μ | caught at 3μ |")
    print("|---|---|---|---|")
    for mu in EXPECTED:
        rows = []
        for n, ratio in enumerate((1.0, 2.0, 3.0)):
            # a run silent for the whole window stops at months + 1: not flagged
            lengths = simulate_run_lengths(
                mu, params, rate_ratio=ratio, runs=args.runs, max_months=args.months + 1,
                seed=args.seed + n,
            )  # fmt: skip
            rows.append(float((lengths <= args.months).mean()))
        p = rows[0]
        se = math.sqrt(p * (1 - p) / args.runs)
        print(f"| {mu:g} | {p:.2%} ± {se:.2%} | {rows[1]:.1%} | {rows[2]:.1%} |")


if __name__ == "__main__":
    main()
