"""Benchmark: Weibull fits (right-censored) of 10,000 cohorts of a few hundred units each.

Goal: ≤ 1 s on one core for ``analytics.weibull.fit_cohorts`` over all cohorts at once, every
fit equal to lifelines' ``WeibullFitter`` to 1e-4 (relative, shape and scale). lifelines costs
tens of milliseconds a cohort, so it is timed on a sample (``--sample``) and extrapolated; the
equality is checked on that sample. Prints both timings and the ratio.

    .venv/bin/python benchmarks/weibull_scale.py [--cohorts 10000] [--sample 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

# One core: NumPy's (and lifelines') BLAS threads are pinned before NumPy is imported.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402

from fleetcare.analytics.weibull import FitStatus, fit_cohorts  # noqa: E402

GOAL_SECONDS = 1.0
TOLERANCE = 1e-4


def cohorts(count: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``count`` cohorts of 200–400 units in engine hours: β from 0.7 to 4, η from 2,000 to
    30,000 h, each unit censored at a uniform age below 1.5 η (about 40–70 % still running)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(200, 401, count)
    shape = np.repeat(rng.uniform(0.7, 4.0, count), sizes)
    scale = np.repeat(rng.uniform(2_000, 30_000, count), sizes)
    life = scale * rng.weibull(1.0, sizes.sum()) ** (1 / shape)
    stop = rng.uniform(0, 1.5 * scale)
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    return np.minimum(life, stop), life <= stop, indptr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohorts", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=200, help="cohorts fitted by lifelines")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    ages, failed, indptr = cohorts(args.cohorts, args.seed)
    print(f"{args.cohorts:,} cohorts, {ages.size:,} units, {failed.mean():.0%} failed")

    fit_cohorts(ages[: indptr[10]], failed[: indptr[10]], indptr[:11])  # warm the caches
    times = []
    for _ in range(3):
        start = time.perf_counter()
        fits = fit_cohorts(ages, failed, indptr)
        times.append(time.perf_counter() - start)
    ours = min(times)
    ok = int(np.sum(fits.status == FitStatus.OK))
    print(
        f"fit_cohorts: {ours:.3f} s for all (best of 3: {', '.join(f'{t:.3f}' for t in times)})"
        f"; {ok:,} fitted; goal ≤ {GOAL_SECONDS:g} s: {'met' if ours <= GOAL_SECONDS else 'MISSED'}"
    )

    from lifelines import WeibullFitter

    rng = np.random.default_rng(args.seed + 1)
    sample = rng.choice(args.cohorts, size=min(args.sample, args.cohorts), replace=False)
    worst_shape = worst_scale = 0.0
    start = time.perf_counter()
    for c in sample:
        rows = slice(indptr[c], indptr[c + 1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = WeibullFitter().fit(ages[rows], failed[rows].astype(int))
        worst_shape = max(worst_shape, abs(fits.shape[c] / reference.rho_ - 1))
        worst_scale = max(worst_scale, abs(fits.scale[c] / reference.lambda_ - 1))
    theirs = (time.perf_counter() - start) / sample.size
    print(
        f"lifelines: {theirs * 1000:.1f} ms a cohort on {sample.size} cohorts → "
        f"{theirs * args.cohorts:.0f} s for {args.cohorts:,} (extrapolated)"
    )
    print(f"ratio: {theirs * args.cohorts / ours:,.0f}× faster than lifelines")
    equal = max(worst_shape, worst_scale) <= TOLERANCE
    print(
        f"largest relative difference to lifelines on the sample: shape {worst_shape:.1e}, "
        f"scale {worst_scale:.1e} (≤ {TOLERANCE:g}: {'yes' if equal else 'NO'})"
    )


if __name__ == "__main__":
    main()
