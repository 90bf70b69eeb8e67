"""The statistics of the report, in pure Python: intervals, Bayesian A/B, SRM, sample size.

* :func:`wilson` — the Wilson score interval of a proportion (95% by default).
* :func:`newcombe` — Newcombe's hybrid score interval of a difference of two proportions
  (method 10 of Newcombe 1998), built from the two Wilson intervals.
* :func:`prob_best` — with a uniform Beta(1, 1) prior, each arm's conversion rate has the
  posterior Beta(1 + x, 1 + n − x); the probability that arm *i* has the highest rate is
  ∫ f_i(p) ∏_{j≠i} F_j(p) dp, integrated numerically on a grid refined around every
  posterior (deterministic; error well under 0.1 percentage point).  :func:`prob_best_mc`
  draws the same probability by Monte Carlo with a fixed seed, as a cross-check.
* :func:`srm` — the sample-ratio-mismatch test: Pearson's χ² goodness of fit of the
  visitors per arm against the split weights, with its p-value.
* :func:`sample_size` — visitors per arm needed to detect a difference between two rates
  with a two-sided 5% test at 80% power (the normal-approximation formula).
"""

from __future__ import annotations

import math
import random
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054


# --------------------------------------------------------------------------- intervals


def wilson(x: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of *x* successes in *n* trials (None when n is 0 or x > n)."""
    if n <= 0 or x < 0 or x > n:
        return None
    p = x / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # Exact ends at 0 and n (floating point leaves ±1e-17 otherwise).
    lo = 0.0 if x == 0 else max(0.0, centre - half)
    hi = 1.0 if x == n else min(1.0, centre + half)
    return lo, hi


def newcombe(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float, float] | None:
    """(difference p1 − p2, lower, upper) by Newcombe's hybrid score method."""
    a, b = wilson(x1, n1, z), wilson(x2, n2, z)
    if a is None or b is None:
        return None
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    lower = d - math.sqrt((p1 - a[0]) ** 2 + (b[1] - p2) ** 2)
    upper = d + math.sqrt((a[1] - p1) ** 2 + (p2 - b[0]) ** 2)
    return d, lower, upper


# --------------------------------------------------------------------------- the Beta distribution


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def beta_pdf(p: float, a: float, b: float) -> float:
    if p <= 0.0 or p >= 1.0:
        if p == 0.0 and a == 1.0:
            return math.exp(-_log_beta(a, b))
        if p == 1.0 and b == 1.0:
            return math.exp(-_log_beta(a, b))
        return 0.0
    return math.exp((a - 1) * math.log(p) + (b - 1) * math.log1p(-p) - _log_beta(a, b))


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        step = d * c
        h *= step
        if abs(step - 1.0) < 1e-15:
            break
    return h


def beta_cdf(p: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_p(a, b)."""
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    front = math.exp(a * math.log(p) + b * math.log1p(-p) - _log_beta(a, b))
    if p < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, p) / a
    return 1.0 - front * _betacf(b, a, 1.0 - p) / b


# --------------------------------------------------------------------------- probability of being best


def _posterior(x: int, n: int) -> tuple[float, float]:
    return 1.0 + x, 1.0 + n - x


def _window(a: float, b: float) -> tuple[float, float]:
    """Where a Beta(a, b) has its mass: mean ± 12 standard deviations, within [0, 1]."""
    mean = a / (a + b)
    sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    return max(0.0, mean - 12 * sd), min(1.0, mean + 12 * sd)


def _grid(params: list[tuple[float, float]]) -> list[float]:
    """Integration points: dense around every posterior's bulk, sparse elsewhere."""
    points = max(80, 2400 // len(params))
    xs = {i / 200 for i in range(201)}
    for a, b in params:
        lo, hi = _window(a, b)
        for i in range(points + 1):
            xs.add(lo + (hi - lo) * i / points)
    return sorted(xs)


def prob_best(arms: list[tuple[int, int]]) -> list[float]:
    """P(arm i has the highest rate) for arms given as (conversions, trials).

    Uniform Beta(1, 1) priors; the integral ∫ f_i ∏ F_j is taken by the trapezoid rule
    on a grid refined around each posterior (outside mean ± 12 sd a posterior's density
    is taken as 0 and its distribution function as 0 or 1).  Arms with n = 0 are
    included: their posterior is the prior.
    """
    if not arms:
        return []
    if len(arms) == 1:
        return [1.0]
    params = [_posterior(x, n) for x, n in arms]
    xs = _grid(params)
    pdf, cdf = [], []
    for a, b in params:
        lo, hi = _window(a, b)
        pdf.append([beta_pdf(p, a, b) if lo <= p <= hi else 0.0 for p in xs])
        cdf.append([(beta_cdf(p, a, b) if p <= hi else 1.0) if p >= lo else 0.0 for p in xs])
    k = len(arms)
    out = []
    for i in range(k):
        values = []
        for t in range(len(xs)):
            v = pdf[i][t]
            if v:
                for j in range(k):
                    if j != i:
                        v *= cdf[j][t]
                        if v == 0.0:
                            break
            values.append(v)
        total = sum((xs[t + 1] - xs[t]) * (values[t] + values[t + 1]) / 2 for t in range(len(xs) - 1))
        out.append(total)
    s = sum(out)
    # The probabilities sum to 1 by construction; the grid's residue (≪ 0.001) is spread
    # proportionally so the figures shown add up.
    return [v / s for v in out] if s > 0 else [1.0 / k] * k


def prob_best_mc(arms: list[tuple[int, int]], draws: int = 20_000, seed: int = 13) -> list[float]:
    """The same probability by Monte Carlo: *draws* joint posterior draws, fixed *seed*."""
    rng = random.Random(seed)
    params = [_posterior(x, n) for x, n in arms]
    wins = [0] * len(arms)
    for _ in range(draws):
        values = [rng.betavariate(a, b) for a, b in params]
        wins[values.index(max(values))] += 1
    return [w / draws for w in wins]


# --------------------------------------------------------------------------- SRM


def _gammq(a: float, x: float) -> float:
    """The regularised upper incomplete gamma function Q(a, x)."""
    if x <= 0:
        return 1.0
    gln = math.lgamma(a)
    if x < a + 1:  # series for P, then Q = 1 - P
        ap, total, delta = a, 1.0 / a, 1.0 / a
        for _ in range(10_000):
            ap += 1
            delta *= x / ap
            total += delta
            if abs(delta) < abs(total) * 1e-16:
                break
        return max(0.0, 1.0 - total * math.exp(-x + a * math.log(x) - gln))
    tiny = 1e-300  # continued fraction for Q (Lentz)
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        step = d * c
        h *= step
        if abs(step - 1) < 1e-16:
            break
    return math.exp(-x + a * math.log(x) - gln) * h


def chi2_sf(x: float, df: int) -> float:
    """P(χ²_df ≥ x)."""
    return _gammq(df / 2.0, x / 2.0)


SRM_ALPHA = 0.001


def srm(observed: list[int], weights: list[float]) -> dict | None:
    """Pearson's χ² test of *observed* counts against shares proportional to *weights*.

    Returns {chi2, df, p, expected, mismatch} (mismatch: p < 0.001), or None when there
    is nothing to test (fewer than two arms or no visitors).
    """
    total = sum(observed)
    if len(observed) < 2 or total == 0:
        return None
    wsum = sum(weights)
    expected = [total * w / wsum for w in weights]
    chi2 = sum((o - e) ** 2 / e for o, e in zip(observed, expected) if e > 0)
    df = len(observed) - 1
    p = chi2_sf(chi2, df)
    return {"chi2": chi2, "df": df, "p": p, "expected": expected, "mismatch": p < SRM_ALPHA,
            "small": min(expected) < 5}


# --------------------------------------------------------------------------- sample size


def sample_size(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8) -> int | None:
    """Visitors per arm to tell rates *p1* and *p2* apart (None when they are equal)."""
    if p1 == p2:
        return None
    za = NormalDist().inv_cdf(1 - alpha / 2)
    zb = NormalDist().inv_cdf(power)
    pbar = (p1 + p2) / 2
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(num * num / ((p1 - p2) ** 2))
