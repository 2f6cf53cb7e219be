"""Two-parameter Weibull fits by maximum likelihood with right-censoring, many cohorts at once.

A unit of a cohort either failed at age ``t`` (δ = 1) or is still running at age ``t``
(δ = 0, right-censored). Any time unit (engine hours, days) — the scale and B10 life come back
in the same unit. The model is F(t) = 1 − exp(−(t/η)^β), shape β > 0, scale η > 0; the
log-likelihood of a cohort with r failures (Meeker & Escobar 1998, §8.2; Lawless 2003, §5.2)

    ℓ(β, η) = r ln β − r β ln η + (β − 1) Σ_failed ln tᵢ − Σ_all (tᵢ/η)^β.

Profile likelihood: for a fixed β the MLE of η is closed-form, η(β) = (Σ_all tᵢ^β / r)^(1/β),
and β solves the one-dimensional score equation (Lawless 2003, eq. 5.2.7)

    g(β) = 1/β + (1/r) Σ_failed ln tᵢ − Σ_all tᵢ^β ln tᵢ / Σ_all tᵢ^β = 0,

whose left side falls strictly in β (g′(β) = −1/β² − Var_w(ln t) < 0, weights ∝ t^β), so the
root is unique when it exists (Farnum & Booth 1997). It exists unless every failure is at the
cohort's greatest age (then the likelihood keeps rising as β → ∞). The root is found by
Newton's method in ln β with a bisection safeguard, for all cohorts at once on flat arrays
(cohort c is rows ``indptr[c]:indptr[c+1]``, as statsforecast's ``GroupedArray``). Ages are
taken relative to each cohort's greatest age (u = ln t − ln t_max ≤ 0), so t^β never
overflows whatever β and the time unit.

Confidence bounds (Meeker & Escobar 1998, §8.4.3, "normal-approximation intervals" on the log
scale): the observed information of (ln β, ln η) at the MLE, inverted, gives the standard
errors se(ln β), se(ln η); the bounds are β·exp(±z·se(ln β)) and η·exp(±z·se(ln η)), z the
normal quantile (1.96 for 95 %). They are the Wald bounds lifelines reports
(``WeibullFitter.confidence_intervals_``, β ± z·se(β)) carried to the log scale by the delta
method (se(ln β) = se(β)/β): same information, but always positive and better centred for
small r. In closed form, with weights wᵢ = tᵢ^β / Σ t^β and v = ln η − ln t_max:

    Var(ln β) = 1 / (r (1 + β² Var_w(u))),
    Var(ln η) = (1 + β² E_w[(u − v)²]) / (r β² (1 + β² Var_w(u))).

B10 life, the age by which 10 % have failed: B10 = η (−ln 0.9)^(1/β).
A unit censored at age 0 adds nothing to the likelihood (S(0) = 1): it is counted in
``n_censored`` and otherwise ignored. A failure at age 0 makes ℓ = −∞ for every β > 1 and is
refused (``WeibullError``), as are negative or non-finite ages.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri

from fleetcare.core.i18n import _, ngettext

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MIN_FAILURES = 2  # fewer failures leave β unidentified
B10_FRACTION = 0.10
X_TOL = 1e-12  # Newton/bisection stops when ln β moves less than this
MAX_ITERATIONS = 200
LN_BETA_RANGE = (-12.0, 12.0)  # β from about 6e-6 to 1.6e5: beyond, the fit is refused


class FitStatus(IntEnum):
    """Why a cohort has (or has no) estimates."""

    OK = 0
    TOO_FEW_FAILURES = 1  # r < MIN_FAILURES
    UNBOUNDED = 2  # every failure at the cohort's greatest age: β̂ → ∞
    NOT_CONVERGED = 3  # β outside LN_BETA_RANGE or the iteration did not settle


class WeibullError(ValueError):
    """Data a Weibull fit cannot use: a bad age or ``failed`` flag, or too few failures."""


@dataclass(frozen=True)
class WeibullFits:
    """One entry per cohort; NaN where ``status`` is not OK. Ages' unit throughout."""

    shape: FloatArray  # β
    scale: FloatArray  # η
    b10: FloatArray  # η (−ln 0.9)^(1/β)
    shape_lower: FloatArray
    shape_upper: FloatArray
    scale_lower: FloatArray
    scale_upper: FloatArray
    se_log_shape: FloatArray  # se(ln β)
    se_log_scale: FloatArray  # se(ln η)
    n_failed: IntArray
    n_censored: IntArray
    status: NDArray[np.int8]
    confidence: float


@dataclass(frozen=True)
class WeibullFit:
    """The fit of one cohort (``fit``)."""

    shape: float
    scale: float
    b10: float
    shape_ci: tuple[float, float]
    scale_ci: tuple[float, float]
    n_failed: int
    n_censored: int
    confidence: float

    def as_json(self) -> dict[str, object]:
        """The ``fleetcare analytics weibull --json`` document (95 % bounds by default)."""
        return {
            "shape": self.shape,
            "scale": self.scale,
            "b10": self.b10,
            "shape_ci95": list(self.shape_ci),
            "scale_ci95": list(self.scale_ci),
            "n_failed": self.n_failed,
            "n_censored": self.n_censored,
        }


def check_ages(ages: FloatArray, failed: NDArray[np.bool_]) -> None:
    """Refuse negative, non-finite ages and failures at age 0 (``WeibullError``)."""
    if not np.all(np.isfinite(ages)) or np.any(ages < 0):
        raise WeibullError(_("every age must be a finite number ≥ 0"))
    if np.any(failed & (ages == 0)):
        raise WeibullError(_("a failure at age 0 makes the Weibull likelihood degenerate"))


def fit_cohorts(
    ages: ArrayLike, failed: ArrayLike, indptr: ArrayLike, *, confidence: float = 0.95
) -> WeibullFits:
    """Weibull MLE (β, η), B10 and ``confidence`` bounds of every cohort (see the module).

    ``ages`` [any time unit] and ``failed`` (bool) are flat, cohort c being rows
    ``indptr[c]:indptr[c+1]`` (``indptr`` non-decreasing, from 0 to len(ages)).
    """
    t = np.asarray(ages, dtype=np.float64)
    d = np.asarray(failed, dtype=bool)
    ptr = np.asarray(indptr, dtype=np.int64)
    if t.ndim != 1 or d.shape != t.shape or ptr.ndim != 1 or ptr.size < 1:
        raise ValueError("ages and failed must be 1-D of one length, indptr 1-D")
    if ptr[0] != 0 or ptr[-1] != t.size or np.any(np.diff(ptr) < 0):
        raise ValueError("indptr must rise from 0 to len(ages)")
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie in (0, 1)")
    check_ages(t, d)
    cohorts = ptr.size - 1
    cohort_of = np.repeat(np.arange(cohorts), np.diff(ptr))
    n_failed = np.bincount(cohort_of, weights=d, minlength=cohorts).astype(np.int64)
    n_censored = np.diff(ptr) - n_failed
    status = np.where(n_failed < MIN_FAILURES, FitStatus.TOO_FEW_FAILURES, FitStatus.OK)
    status = status.astype(np.int8)
    nan = np.full(cohorts, np.nan)
    out = {name: nan.copy() for name in ("shape", "scale", "se_log_shape", "se_log_scale")}

    # The fitted rows: cohorts with enough failures, units of age 0 (censored) left out.
    take = (status == FitStatus.OK)[cohort_of] & (t > 0)
    fitted = np.flatnonzero(status == FitStatus.OK)
    if fitted.size:
        sizes = np.bincount(cohort_of[take], minlength=cohorts)[fitted]
        estimates, state = _solve(t[take], d[take], sizes)
        status[fitted] = state
        for name, values in estimates.items():
            out[name][fitted] = values

    z = float(ndtri(0.5 + confidence / 2))
    shape, scale = out["shape"], out["scale"]
    return WeibullFits(
        shape=shape,
        scale=scale,
        b10=scale * (-np.log1p(-B10_FRACTION)) ** (1 / shape),
        shape_lower=shape * np.exp(-z * out["se_log_shape"]),
        shape_upper=shape * np.exp(z * out["se_log_shape"]),
        scale_lower=scale * np.exp(-z * out["se_log_scale"]),
        scale_upper=scale * np.exp(z * out["se_log_scale"]),
        se_log_shape=out["se_log_shape"],
        se_log_scale=out["se_log_scale"],
        n_failed=n_failed,
        n_censored=n_censored,
        status=status,
        confidence=confidence,
    )


def fit(ages: ArrayLike, failed: ArrayLike, *, confidence: float = 0.95) -> WeibullFit:
    """The fit of one cohort; ``WeibullError`` when it has none (too few failures, β → ∞)."""
    t = np.asarray(ages, dtype=np.float64)
    with np.errstate(over="ignore"):  # an overflow is refused below, by name
        fits = fit_cohorts(t, failed, [0, t.size], confidence=confidence)
    status = FitStatus(int(fits.status[0]))
    if status is FitStatus.TOO_FEW_FAILURES:
        count = int(fits.n_failed[0])
        message = ngettext(
            "{count} failure; a Weibull fit needs at least {least}",
            "{count} failures; a Weibull fit needs at least {least}",
            count,
        )
        raise WeibullError(message.format(count=count, least=MIN_FAILURES))
    if status is FitStatus.UNBOUNDED:
        raise WeibullError(
            _("every failure is at the greatest age: the shape has no finite estimate")
        )
    if status is FitStatus.NOT_CONVERGED:
        raise WeibullError(_("the ages are too close together for a finite shape estimate"))
    estimates = (fits.scale[0], fits.b10[0], fits.scale_lower[0], fits.scale_upper[0])
    if not np.all(np.isfinite(estimates)):  # ages so large that η^β overflows
        raise WeibullError(_("the ages are too large for a finite scale estimate"))
    return WeibullFit(
        shape=float(fits.shape[0]),
        scale=float(fits.scale[0]),
        b10=float(fits.b10[0]),
        shape_ci=(float(fits.shape_lower[0]), float(fits.shape_upper[0])),
        scale_ci=(float(fits.scale_lower[0]), float(fits.scale_upper[0])),
        n_failed=int(fits.n_failed[0]),
        n_censored=int(fits.n_censored[0]),
        confidence=confidence,
    )


def _moments(
    beta: FloatArray, u: FloatArray, seg: IntArray, starts: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per cohort Σ e^{βu}, and the weighted mean and variance of u (weights ∝ e^{βu})."""
    e = np.exp(beta[seg] * u)
    s0 = np.add.reduceat(e, starts)
    eu = e * u
    m1 = np.add.reduceat(eu, starts) / s0
    m2 = np.add.reduceat(eu * u, starts) / s0
    return s0, m1, np.maximum(m2 - m1 * m1, 0.0)


def _solve(
    t: FloatArray, d: NDArray[np.bool_], sizes: IntArray
) -> tuple[dict[str, FloatArray], NDArray[np.int8]]:
    """Estimates and standard errors of cohorts of ``sizes`` rows each (all sizes ≥ 2)."""
    cohorts = sizes.size
    starts = np.zeros(cohorts, dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    seg = np.repeat(np.arange(cohorts), sizes)
    log_t = np.log(t)
    log_max = np.maximum.reduceat(log_t, starts)
    u = log_t - log_max[seg]  # ≤ 0, exactly 0 at the greatest age
    df = d.astype(np.float64)
    r = np.add.reduceat(df, starts)
    mean_failed = np.add.reduceat(df * u, starts) / r
    lowest_failed = np.minimum.reduceat(np.where(d, u, 0.0), starts)
    unbounded = lowest_failed == 0.0  # every failure at u = 0

    # Start from Menon's moment estimate β ≈ π / (√6 sd(ln t)) over the failures.
    var_failed = np.add.reduceat(df * u * u, starts) / r - mean_failed**2
    sd = np.sqrt(np.maximum(var_failed, 0.0))
    x = np.log(np.clip(np.pi / (np.sqrt(6.0) * np.where(sd > 0, sd, 1.0)), 1e-3, 1e3))
    lo = np.full(cohorts, LN_BETA_RANGE[0])
    hi = np.full(cohorts, LN_BETA_RANGE[1])
    active = ~unbounded
    converged = np.zeros(cohorts, dtype=bool)
    for _iteration in range(MAX_ITERATIONS):
        beta = np.exp(x)
        _s0, m1, var_w = _moments(beta, u, seg, starts)
        g = 1.0 / beta + mean_failed - m1  # the profile score, falling in β
        slope = beta * (-1.0 / beta**2 - var_w)  # dg/d(ln β) < 0
        lo = np.where(g > 0, x, lo)
        hi = np.where(g < 0, x, hi)
        step = -g / slope
        settled = np.abs(step) <= X_TOL  # a Newton step this short: the root, to rounding
        proposal = x + step
        outside = ~((proposal > lo) & (proposal < hi)) & ~settled
        proposal = np.where(outside, 0.5 * (lo + hi), proposal)
        converged |= active & settled
        x = np.where(active & ~converged, proposal, x)
        active &= ~converged
        if not active.any():
            break
    beta = np.exp(x)
    s0, m1, var_w = _moments(beta, u, seg, starts)
    v = np.log(s0 / r) / beta  # ln η − ln t_max, from η^β = Σ t^β / r
    spread = var_w + (m1 - v) ** 2  # E_w[(u − v)²]
    info = 1.0 + beta**2 * var_w
    edge = (x <= LN_BETA_RANGE[0] + X_TOL) | (x >= LN_BETA_RANGE[1] - X_TOL)
    status = np.where(
        unbounded,
        FitStatus.UNBOUNDED,
        np.where(converged & ~edge, FitStatus.OK, FitStatus.NOT_CONVERGED),
    ).astype(np.int8)
    good = status == FitStatus.OK
    estimates = {
        "shape": np.where(good, beta, np.nan),
        "scale": np.where(good, np.exp(log_max + v), np.nan),
        "se_log_shape": np.where(good, np.sqrt(1.0 / (r * info)), np.nan),
        "se_log_scale": np.where(
            good, np.sqrt((1.0 + beta**2 * spread) / (r * beta**2 * info)), np.nan
        ),
    }
    return estimates, status
