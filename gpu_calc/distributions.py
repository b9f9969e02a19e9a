"""Uncertain inputs: the distributions of MODEL.md section 7, their base values and draws.

A numeric scenario field is either a number or one of these mappings::

    {dist: normal, mean, sd}
    {dist: lognormal, median, sigma}
    {dist: uniform, low, high}
    {dist: triangular, low, mode, high}
    {dist: pert, low, mode, high}

A deterministic run uses the *base value* (mean, median, midpoint, mode, mode). A Monte
Carlo run draws from the distribution and clips each draw to its field's valid range
(:class:`Bounds`).

>>> Pert(dist="pert", low=0, mode=1, high=5).base()
1.0
>>> float(Pert(dist="pert", low=0, mode=1, high=5).mean())
1.5
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

#: z-scores of the 10th and 90th percentiles of the standard normal distribution.
Z90 = 1.2815515655446004


class _Dist(BaseModel):
    # strict: a parameter is a number, never the boolean true or the text "1"
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    def base(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def ppf(self, q: float) -> float:  # pragma: no cover
        raise NotImplementedError

    def mean(self) -> float:  # pragma: no cover
        raise NotImplementedError


class Normal(_Dist):
    """Normal distribution; base value: the mean."""

    dist: Literal["normal"]
    mean_: float = Field(alias="mean")
    sd: float = Field(ge=0)

    # ``mean`` is its only name in a file: ``mean_`` is an unknown key like any other
    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=False, strict=True
    )

    def base(self) -> float:
        return self.mean_

    def mean(self) -> float:
        return self.mean_

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.normal(self.mean_, self.sd, n)

    def ppf(self, q: float) -> float:
        return self.mean_ + self.sd * _norm_ppf(q)


class LogNormal(_Dist):
    """Log-normal distribution ``median * exp(sigma * Z)``; base value: the median."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(ge=0)

    def base(self) -> float:
        return self.median

    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        with np.errstate(over="ignore"):  # a draw beyond the largest float is inf (clipped)
            return self.median * np.exp(self.sigma * rng.standard_normal(n))

    def ppf(self, q: float) -> float:
        """The quantile; beyond the largest float it is infinite (a wide sigma's P90)."""
        try:
            return self.median * math.exp(self.sigma * _norm_ppf(q))
        except OverflowError:  # shown as n/a (null in JSON), never a traceback
            return math.inf


def _between(low: float, high: float, x: Any) -> Any:
    """The point a share ``x`` (a number or an array in [0, 1]) of the way from ``low`` to
    ``high``; through ``low * (1 - x) + high * x`` when the range is wider than the largest
    float (``high - low`` would be infinite).

    >>> _between(2.0, 4.0, 0.25), _between(-1e308, 1e308, 0.75)
    (2.5, 5e+307)
    """
    if not math.isfinite(high - low):
        return low * (1 - x) + high * x
    return low + (high - low) * x


class Uniform(_Dist):
    """Uniform distribution on [low, high]; base value: the midpoint."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low ({exact(self.low)}) is above high ({exact(self.high)})")
        return self

    def base(self) -> float:
        return (self.low + self.high) / 2

    def mean(self) -> float:
        return self.base()

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if not math.isfinite(self.high - self.low):  # a range wider than the largest float
            return rng.uniform(self.low / 2, self.high / 2, n) * 2
        return rng.uniform(self.low, self.high, n)

    def ppf(self, q: float) -> float:
        return float(_between(self.low, self.high, q))


class _ThreePoint(_Dist):
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> _ThreePoint:
        if self.low > self.mode:
            raise ValueError(f"low ({exact(self.low)}) is above mode ({exact(self.mode)})")
        if self.mode > self.high:
            raise ValueError(f"mode ({exact(self.mode)}) is above high ({exact(self.high)})")
        return self

    def base(self) -> float:
        return self.mode


class Triangular(_ThreePoint):
    """Triangular distribution; base value: the mode."""

    dist: Literal["triangular"]

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def _scale(self) -> float:
        """1, or the factor that brings a range whose square overflows (about 1e154 and
        wider) within reach: the sampler and the quantiles work on the range squared."""
        span = self.high - self.low
        if math.isfinite(span * span):
            return 1.0
        return max(abs(self.low), abs(self.mode), abs(self.high))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.high == self.low:
            return np.full(n, self.low)
        s = self._scale()
        if s != 1.0:
            return rng.triangular(self.low / s, self.mode / s, self.high / s, n) * s
        return rng.triangular(self.low, self.mode, self.high, n)

    def ppf(self, q: float) -> float:
        a, c, b = self.low, self.mode, self.high
        if b == a:
            return a
        s = self._scale()
        if s != 1.0:
            scaled = Triangular(dist="triangular", low=a / s, mode=c / s, high=b / s)
            return scaled.ppf(q) * s
        fc = (c - a) / (b - a)
        if q < fc:
            return a + math.sqrt(q * (b - a) * (c - a))
        return b - math.sqrt((1 - q) * (b - a) * (b - c))


class Pert(_ThreePoint):
    """Beta-PERT distribution (shape 4); base value: the mode."""

    dist: Literal["pert"]

    def _shape(self) -> tuple[float, float]:
        low, mode, high = self.low, self.mode, self.high
        span = high - low
        if not math.isfinite(4 * span):  # a range near the largest float: shares first
            left = (mode / 2 - low / 2) / (high / 2 - low / 2)
            return 1 + 4 * left, 1 + 4 * (1 - left)
        return 1 + 4 * (mode - low) / span, 1 + 4 * (high - mode) / span

    def mean(self) -> float:
        return (self.low + 4 * self.mode + self.high) / 6

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.high == self.low:
            return np.full(n, self.low)
        alpha, beta = self._shape()
        return np.asarray(_between(self.low, self.high, rng.beta(alpha, beta, n)))

    def ppf(self, q: float) -> float:
        if self.high == self.low:
            return self.low
        alpha, beta = self._shape()
        # The beta CDF by the trapezoid rule on a fine grid: exact enough (1e-7) for a
        # tornado chart, and no SciPy needed.
        x = np.linspace(0.0, 1.0, 20001)
        pdf = x ** (alpha - 1) * (1 - x) ** (beta - 1)
        cdf = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2)])
        cdf /= cdf[-1]
        return float(_between(self.low, self.high, float(np.interp(q, cdf, x))))


Distribution = Annotated[
    Normal | LogNormal | Uniform | Triangular | Pert, Field(discriminator="dist")
]
DIST_NAMES = ("normal", "lognormal", "uniform", "triangular", "pert")


def _norm_ppf(q: float) -> float:
    """Inverse CDF of the standard normal (Acklam's rational approximation, |err| < 1.2e-9).

    >>> round(_norm_ppf(0.9), 6)
    1.281552
    """
    if not 0 < q < 1:
        raise ValueError("q must be in (0, 1)")
    a = (
        -3.969683028665376e01,
        2.209460984245205e02,
        -2.759285104469687e02,
        1.383577518672690e02,
        -3.066479806614716e01,
        2.506628277459239e00,
    )
    b = (
        -5.447609879822406e01,
        1.615858368580409e02,
        -1.556989798598866e02,
        6.680131188771972e01,
        -1.328068155288572e01,
    )
    c = (
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e00,
        -2.549732539343734e00,
        4.374664141464968e00,
        2.938163982698783e00,
    )
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    lo = 0.02425
    if q < lo:
        r = math.sqrt(-2 * math.log(q))
        return (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / (
            (((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1
        )
    if q > 1 - lo:
        return -_norm_ppf(1 - q)
    r = q - 0.5
    s = r * r
    return (
        (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5])
        * r
        / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1)
    )


def exact(x: float) -> str:
    """``x`` short (``%g``) when that is still ``x``, else every digit it needs: two
    numbers a message compares never read the same.

    >>> exact(0.5), exact(1.0), exact(1.0000000000000002), exact(1e23), exact(123456789.0)
    ('0.5', '1', '1.0000000000000002', '1e+23', '123456789.0')
    """
    if isinstance(x, int) and not isinstance(x, bool):  # a whole number as written in YAML
        digits = len(str(abs(x)))
        return str(x) if digits <= 21 else f"a number of {digits} digits"
    short = f"{x:g}"
    return short if float(short) == x else repr(float(x))


@dataclass(frozen=True)
class Bounds:
    """The valid range of a numeric field, and whether it takes whole numbers.

    >>> Bounds(lo=1).problem(0.5)
    'must be >= 1, got 0.5'
    >>> Bounds(lo=0, lo_open=True, hi=1).problem(0.0)
    'must be > 0, got 0'
    """

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False

    def problem(self, x: float) -> str | None:
        """Why ``x`` is outside the range, or None."""
        if self.lo is not None and (x < self.lo or (self.lo_open and x == self.lo)):
            return f"must be {'>' if self.lo_open else '>='} {self.lo:g}, got {exact(x)}"
        if self.hi is not None and (x > self.hi or (self.hi_open and x == self.hi)):
            return f"must be {'<' if self.hi_open else '<='} {self.hi:g}, got {exact(x)}"
        return None

    def describe(self) -> str:
        """The range in words, e.g. ``> 0 and <= 1``."""
        parts = []
        if self.lo is not None:
            parts.append(f"{'>' if self.lo_open else '>='} {self.lo:g}")
        if self.hi is not None:
            parts.append(f"{'<' if self.hi_open else '<='} {self.hi:g}")
        return " and ".join(parts) or "any number"

    def clip(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """Draws clipped into the range (open ends: the nearest float inside), and how many;
        an integer field's draws are rounded first (halves up), and one that rounding brings
        into range is not counted: 0.6 for a lifetime of at least 1 is 1, as drawn.

        >>> Bounds(lo=0, hi=1).clip(np.array([-1.0, 0.5, 2.0]))
        (array([0. , 0.5, 1. ]), 2)
        >>> Bounds(lo=1, integer=True).clip(np.array([0.2, 2.5, 0.6]))
        (array([1., 3., 1.]), 1)
        """
        lo = -np.inf if self.lo is None else self.lo
        hi = np.inf if self.hi is None else self.hi
        if self.lo_open and self.lo is not None:
            lo = float(np.nextafter(lo, np.inf))
        if self.hi_open and self.hi is not None:
            hi = float(np.nextafter(hi, -np.inf))
        if self.integer:
            x = round_half_up(x)
            lo = math.ceil(lo) if math.isfinite(lo) else lo
            hi = math.floor(hi) if math.isfinite(hi) else hi
        outside = int(np.count_nonzero((x < lo) | (x > hi)))
        return np.clip(x, lo, hi), outside


def round_half_up(x: np.ndarray | float) -> np.ndarray:
    """Nearest integer, halves up (MODEL.md section 7): 2.5 -> 3, -2.5 -> -2.

    >>> round_half_up(np.array([2.5, 3.49, -2.5]))
    array([ 3.,  3., -2.])
    """
    return np.floor(np.asarray(x, dtype=float) + 0.5)


def base_value(value: float | _Dist) -> float:
    """The deterministic value of a field: the number, or its distribution's base value."""
    return value.base() if isinstance(value, _Dist) else float(value)


def is_uncertain(value: object) -> bool:
    """True when a field holds a distribution rather than a number."""
    return isinstance(value, _Dist)
