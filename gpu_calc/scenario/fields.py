"""Numeric fields of a scenario: numbers or distributions, their ranges and messages.

Every numeric field is declared with :func:`Param`, which checks the value (a finite number
or a distribution) and its range, and carries its :class:`~gpu_calc.distributions.Bounds`.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from gpu_calc.distributions import DIST_NAMES, Bounds, Distribution, base_value, round_half_up
from gpu_calc.yamlio import shown

#: Longest horizon accepted: the engine's arrays grow with it, and no plan looks further.
MAX_HORIZON_YEARS = 100
#: Most later generations on each side (``buy.generations``, ``build.generations``) and most
#: ``installed`` entries: a new generation every two years over the longest horizon. Each is
#: a fleet that the engine follows year by year in every plan that has it, and that the
#: fleet chart draws as one bar a year: at the limits (50 + 50 + 50 over 100 years) ``report``
#: takes about 20 s and ``plot -k fleet`` 17 s (about 70 ms a fleet, docs/errors.md),
#: ``compare`` about 1.4 s; beyond, minutes.
MAX_GENERATIONS = 50
MAX_INSTALLED = 50
#: Most workloads (``demand.workloads``): cheap to compute, but each adds two tornado bars
#: per numeric field, and no plan names more.
MAX_WORKLOADS = 100


def _describe(value: Any) -> str:
    """A value as a message shows it: ``the text 'abc'``, ``a list``, ``2.5``."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text '{shown(value)}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, int) and abs(value) >= 10**16:
        return f"a number of {len(str(abs(value)))} digits"
    if isinstance(value, float):
        if not math.isfinite(value):  # as YAML writes them
            return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
        return f"{value:g}"
    return shown(repr(value))


_NUMBER_TEXT = re.compile(r"^[-+]?(?:\d[\d_,]*)?(?:\.\d*)?(?:[eE][-+]?\d+)?$")
_NUMBER_UNIT = re.compile(r"^[-+]?[\d.,_]+\s*[A-Za-z$€£%/]")


def _number_hint(value: Any) -> str:
    """How to fix a value given where a number is expected (with a leading space), or ''."""
    if value is None:
        return " (write a number after the colon)"
    if isinstance(value, bool):
        return " (write a number; true and false are not numbers)"
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if text.endswith("%") and _NUMBER_TEXT.match(text[:-1].strip()):
        return " (write shares and rates as decimals: 50% is 0.5)"
    if text.startswith("$") and _NUMBER_TEXT.match(text[1:]):
        return f" (write the amount alone: {text[1:].replace(',', '')})"
    if _NUMBER_TEXT.match(text) and any(c.isdigit() for c in text):
        if "," in text:
            return f" (write it without commas: {text.replace(',', '')})"
        return " (remove the quotes: numbers are written bare)"
    if _NUMBER_UNIT.match(text):
        return " (write the number alone: the unit is in the key's name)"
    if text.lower() in ("yes", "no", "on", "off", "nan", "inf", "infinity"):
        return " (write a finite number)"
    return ""


def _finite(value: Any) -> float:
    """A finite float from an int or float, or a ValueError saying what is wrong."""
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(
            f"{_describe(value)} is too large (the largest number is about 1.8e308)"
        ) from None
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {_describe(number)}")
    return number


def _number_or_dist(value: Any) -> Any:
    """Reject text and booleans with a clear message; check numbers are finite."""
    if isinstance(value, dict):
        if "dist" not in value:
            raise ValueError(
                f"a mapping here must be a distribution with a 'dist' key ({', '.join(DIST_NAMES)})"
            )
        name = value["dist"]
        if not isinstance(name, str) or name not in DIST_NAMES:
            hint = difflib.get_close_matches(name, DIST_NAMES, n=1) if isinstance(name, str) else []
            what = f"'{shown(name)}'" if isinstance(name, str) else _describe(name)
            extra = f"did you mean '{hint[0]}'? " if hint else ""
            raise ValueError(f"unknown distribution {what} ({extra}known: {', '.join(DIST_NAMES)})")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {_describe(value)}{_number_hint(value)}")
    return _finite(value)


def _checker(bounds: Bounds) -> Any:
    def check(value: Any) -> Any:
        if hasattr(value, "base"):
            from gpu_calc.distributions import Normal

            params = (
                [value.mean_]
                if isinstance(value, Normal)
                else [
                    getattr(value, k)
                    for k in ("low", "mode", "high", "median")
                    if hasattr(value, k)
                ]
            )
            if any(not math.isfinite(p) for p in params):
                raise ValueError("a distribution's parameters must be finite numbers")
        base = written = base_value(value)
        if bounds.integer:  # integer fields are checked after rounding (MODEL.md section 7)
            base = float(round_half_up(base))
        problem = bounds.problem(base)
        if problem:
            problem += rounding_note(written, base)
        if problem:
            if hasattr(value, "base"):
                raise ValueError(
                    f"the distribution's base value {problem} (the base value is its "
                    f"{_BASE_OF.get(value.dist, 'base value')}; valid: {bounds.describe()})"
                )
            if bounds.hi == 1 and 2 <= base <= 100:
                problem += f" (a share: write {base:g}% as {base / 100:g})"
            raise ValueError(problem)
        return value

    return check


_BASE_OF = {
    "normal": "mean",
    "lognormal": "median",
    "uniform": "midpoint",
    "triangular": "mode",
    "pert": "mode",
}


def Param(  # noqa: N802 - reads as a type
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    integer: bool = False,
) -> Any:
    """A numeric field that may be a distribution, with its valid range."""
    bounds = Bounds(lo, hi, lo_open, hi_open, integer)
    return Annotated[
        float | Distribution,
        BeforeValidator(_number_or_dist),
        AfterValidator(_checker(bounds)),
        bounds,
    ]


def rounding_note(written: float, rounded: float) -> str:
    """What a range message adds when an integer field's value was rounded: the rule of
    every integer field (MODEL.md section 7: halves up, checked after rounding).

    >>> rounding_note(4.4, 4.0), rounding_note(4.0, 4.0)
    (' (4.4 rounds to 4)', '')
    """
    return "" if rounded == written else f" ({written:g} rounds to {rounded:g})"


def whole(lo: int, hi: int, beyond: str = "") -> Any:
    """The validator of an integer field that is never uncertain (``horizon_years``,
    ``start_year``): the same rule as every other integer field, rounded halves up and then
    checked against ``[lo, hi]``, ``beyond`` said when above ``hi``."""
    bounds = Bounds(lo, hi, integer=True)

    def check(value: Any) -> int:
        if isinstance(value, dict):
            raise ValueError(
                f"expected a whole number, got {_describe(value)} (this field cannot be uncertain)"
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(
                f"expected a whole number, got {_describe(value)}{_number_hint(value)}"
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {_describe(value)}")
        rounded = value if isinstance(value, int) else math.floor(value + 0.5)
        problem = bounds.problem(rounded)
        if problem:
            problem += rounding_note(value, rounded)
            if beyond and rounded > hi:
                problem += f" ({beyond})"
            raise ValueError(problem)
        return int(rounded)

    return check


def _version(value: Any) -> Any:
    if value == 1 and not isinstance(value, bool):
        return 1
    what = f"'{shown(value)}'" if isinstance(value, str) else _describe(value)
    raise ValueError(f"unsupported version {what} (this gpucalc reads version: 1 files)")


Money = Param(0)
NonNeg = Param(0)
Positive = Param(0, lo_open=True)
Share = Param(0, 1)
LoadFactor = Param(0, 1, lo_open=True)
Years = Param(1, integer=True)
