"""Expectations: bounds on outputs of a comparison, checked in batch runs (CI).

An expectation names a value of the ``gpucalc compare --format json`` output by its dotted
path (``comparison.savings_npv_usd``, ``plans.buy.energy_it_kwh_per_year[0]``) and bounds
it with ``min`` and/or ``max`` (inclusive) and/or ``equals``. They come from a scenario's
``expect:`` block or from ``--expect PATH=BOUNDS`` on the command line, where BOUNDS is a
YAML flow mapping such as ``{max: 3}``.

A path that is not in the output, or a bound that cannot apply to the value it names (a
``min`` on a text), is an input error (:class:`~gpu_calc.errors.InputError`); a value out of
its bounds is a failed expectation (:class:`Outcome` with ``passed`` false).

>>> result = {"comparison": {"payback_year": 2, "cheaper": "build"}}
>>> check(result, Expectation.parse("comparison.payback_year={max: 3}")).passed
True
>>> check(result, Expectation.parse("comparison.cheaper={equals: buy}")).reason
"expected 'buy', got 'build'"
>>> check(result, Expectation.parse("comparison.payback={max: 3}"))
Traceback (most recent call last):
...
gpu_calc.errors.InputError: --expect comparison.payback={max: 3}: unknown output path \
'comparison.payback' (did you mean 'comparison.payback_year'?)
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Literal

from gpu_calc.errors import InputError, format_path

#: Relative tolerance of ``equals`` between numbers (outputs are computed in floating point).
EQUALS_REL_TOL = 1e-9

Origin = Literal["file", "cli"]


@dataclass(frozen=True)
class Expectation:
    """Bounds on one output value.

    Parameters
    ----------
    path_text : str
        The dotted path as written, e.g. ``plans.build.co2e_kg``.
    path : tuple
        The same path split into keys and list indices.
    min, max : float or None
        Inclusive bounds on a number.
    equals : float, str, bool or None
        The exact value expected (numbers compare with a relative tolerance of 1e-9).
    null : bool
        ``equals: null`` was written: the value must be null (``comparison.payback_year``
        of a plan that never pays back, a figure that overflows).
    origin : {"file", "cli"}
        Where it was written: a scenario's ``expect:`` block, or ``--expect``.
    where : InputError or None
        A template error at the place it was written (file, line, column, key path), used
        for every message about this expectation.
    """

    path_text: str
    path: tuple[str | int, ...]
    min: float | None = None
    max: float | None = None
    equals: float | str | bool | None = None
    origin: Origin = "file"
    where: InputError | None = None
    null: bool = False

    @property
    def option(self) -> str:
        """The ``--expect`` text that gives this expectation (for messages and reports)."""
        return f"--expect {self.path_text}={bounds_text(self)}"

    def error(self, message: str) -> InputError:
        """An input error about this expectation, at the place it was written."""
        if self.where is None:
            return InputError(message, self.option)
        w = self.where
        return InputError(message, w.file, w.line, w.col, w.path)

    @classmethod
    def parse(cls, text: str) -> Expectation:
        """An expectation from ``PATH=BOUNDS`` (``--expect``); InputError naming the option.

        >>> Expectation.parse("plans.buy.energy_it_kwh_per_year[0]={min: 0, max: 1e9}").path
        ('plans', 'buy', 'energy_it_kwh_per_year', 0)
        """
        from gpu_calc.yamlio import parse_yaml

        where = f"--expect {text}"
        if "=" not in text:
            raise InputError(
                "expected PATH=BOUNDS, e.g. --expect 'comparison.payback_year={max: 3}'", where
            )
        path_text, bounds_text_ = (part.strip() for part in text.split("=", 1))
        try:
            bounds = parse_yaml(bounds_text_, where).data
        except InputError as exc:
            raise InputError(f"BOUNDS: {exc.message}", where) from None
        if not isinstance(bounds, dict):
            raise InputError(
                "BOUNDS must be a YAML mapping like {min: 0}, {max: 3} or {equals: build}", where
            )
        template = InputError("", where)
        return from_mapping(path_text, bounds, "cli", template)


def bounds_text(e: Expectation) -> str:
    """The bounds as a YAML flow mapping: ``{min: 0, max: 3}``."""
    if e.null:
        return "{equals: null}"
    parts = []
    for key in ("min", "max", "equals"):
        value = getattr(e, key)
        if value is None:
            continue
        if isinstance(value, bool):
            shown = str(value).lower()
        elif isinstance(value, float):
            shown = f"{value:g}"
        else:
            shown = str(value)
        parts.append(f"{key}: {shown}")
    return "{" + ", ".join(parts) + "}"


def _number(value: Any, key: str, fail: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(f"{key} must be a number, got {value!r}")
    number = float(value)
    if math.isnan(number):
        raise fail(f"{key} must be a number, got NaN")
    return number


def from_mapping(
    path_text: str, bounds: dict[str, Any], origin: Origin, where: InputError
) -> Expectation:
    """An expectation from its path and a mapping of bounds; InputError at ``where``."""
    from gpu_calc.scenario import parse_key_path

    def fail(message: str) -> InputError:
        return InputError(message, where.file, where.line, where.col, where.path)

    try:
        path = parse_key_path(path_text)
    except ValueError as exc:
        raise fail(str(exc)) from None
    unknown = sorted(set(bounds) - {"min", "max", "equals"})
    if unknown:
        known = ["min", "max", "equals"]
        hint = difflib.get_close_matches(str(unknown[0]), known, n=1)
        extra = f" (did you mean '{hint[0]}'?)" if hint else " (known: min, max, equals)"
        raise fail(f"unknown bound '{unknown[0]}'{extra}")
    low = _number(bounds.get("min"), "min", fail)
    high = _number(bounds.get("max"), "max", fail)
    equals = bounds.get("equals")
    if isinstance(equals, dict | list):
        raise fail("equals must be a number, a text or a boolean")
    if isinstance(equals, float) and not math.isfinite(equals):
        # no output is NaN or infinite (a figure that overflows is null): it could never hold
        written = ".nan" if math.isnan(equals) else ("-" if equals < 0 else "") + ".inf"
        raise fail(f"equals must be a finite number, got {written}")
    if isinstance(equals, int) and not isinstance(equals, bool):
        equals = float(equals)
    null = "equals" in bounds and equals is None
    if null and (low is not None or high is not None):
        raise fail("equals: null expects no value: min and max cannot go with it")
    if low is None and high is None and equals is None and not null:
        raise fail("give at least one bound: min, max or equals")
    if low is not None and high is not None and low > high:
        raise fail(f"min ({low:g}) is above max ({high:g}): nothing can pass")
    return Expectation(path_text, path, low, high, equals, origin, where, null)


def from_scenario(loaded: Any) -> list[Expectation]:
    """The expectations of a loaded scenario's ``expect:`` block, each at its place."""
    out = []
    for path_text, bound in loaded.scenario.expect.items():
        where = loaded.doc.error(("expect", path_text), "")
        # the bounds as written: an `equals: null` is kept, an absent equals is not
        out.append(from_mapping(path_text, bound.model_dump(exclude_unset=True), "file", where))
    return out


def path_problems(loaded: Any, result: dict[str, Any]) -> list[InputError]:
    """The ``expect:`` entries of ``loaded`` whose path names no value of ``result`` (the
    ``compare --format json`` output) or whose bounds cannot apply to it: the same
    :func:`applicable` check ``batch`` makes, for ``compare`` and ``validate`` too."""
    problems = []
    for e in from_scenario(loaded):
        try:
            applicable(result, e)
        except InputError as exc:
            problems.append(exc)
    return problems


# --------------------------------------------------------------------------- paths


def output_paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[str]:
    """Every path into ``value`` (mappings and lists included), in dotted form."""
    out = [format_path(prefix)] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += output_paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += output_paths(item, prefix + (i,))
    return out


def _unknown(e: Expectation, result: dict[str, Any], upto: int) -> InputError:
    bad = format_path(e.path[: upto + 1])
    candidates = output_paths(result)
    hint = difflib.get_close_matches(e.path_text, candidates, n=1, cutoff=0.6)
    if not hint:
        hint = difflib.get_close_matches(bad, candidates, n=1, cutoff=0.6)
    text = f"unknown output path '{e.path_text}'"
    if hint:
        return e.error(text + f" (did you mean '{hint[0]}'?)")
    here = e.path[:upto]
    node = lookup(result, here)
    if isinstance(node, dict):
        where = f"under '{format_path(here)}'" if here else "at the top level"
        return e.error(text + f" (keys {where}: {', '.join(map(str, node))})")
    return e.error(text)


def lookup(result: Any, path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` in ``result``; KeyError when there is none."""
    node = result
    for part in path:
        inside_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        inside_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (inside_dict or inside_list):
            raise KeyError(part)
        node = node[part]
    return node


def resolve(result: dict[str, Any], e: Expectation) -> Any:
    """The value ``e`` names in ``result``; InputError when the path names no single value."""
    node: Any = result
    for i, part in enumerate(e.path):
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int):
            if not 0 <= part < len(node):
                raise e.error(
                    f"index [{part}] is out of range: "
                    f"'{format_path(e.path[:i])}' has {len(node)} values ([0] to [{len(node) - 1}])"
                )
            node = node[part]
        elif isinstance(node, list):
            raise e.error(f"'{format_path(e.path[:i])}' is a list; index it, e.g. [0]")
        else:
            raise _unknown(e, result, i)
    if isinstance(node, dict):
        keys = ", ".join(map(str, node))
        raise e.error(f"'{e.path_text}' is a mapping, not a value; name one of its keys: {keys}")
    if isinstance(node, list):
        raise e.error(f"'{e.path_text}' is a list of {len(node)} values; index it, e.g. [0]")
    return node


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class Outcome:
    """One checked expectation: the value found, and why it failed (None: it held)."""

    expectation: Expectation
    value: Any
    reason: str | None

    @property
    def passed(self) -> bool:
        return self.reason is None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: path, bounds, origin, value, passed, reason."""
        e = self.expectation
        return {
            "path": e.path_text,
            "min": e.min,
            "max": e.max,
            "equals": e.equals,
            "origin": e.origin,
            # extension: true for `equals: null` (the value must be null), which `equals`
            # alone cannot tell from no equals at all
            "equals_null": e.null,
            "value": self.value,
            "passed": self.passed,
            "reason": self.reason,
        }


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value) if isinstance(value, str) else str(value)


def _equal(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(value, bool):
        return isinstance(wanted, bool) and isinstance(value, bool) and value is wanted
    if isinstance(wanted, float):
        return isinstance(value, int | float) and math.isclose(
            value, wanted, rel_tol=EQUALS_REL_TOL, abs_tol=0.0
        )
    return bool(value == wanted)


def applicable(result: dict[str, Any], e: Expectation) -> Any:
    """The value ``e`` names in ``result``, when its bounds can apply to it: the input
    errors of an expectation, made by every command that reads an ``expect:`` block
    (``batch``, ``compare``, ``validate``) before any is checked.

    >>> e = Expectation.parse("comparison.verdict={min: 1}")
    >>> applicable({"comparison": {"verdict": "Buy"}}, e)
    Traceback (most recent call last):
    ...
    gpu_calc.errors.InputError: --expect comparison.verdict={min: 1}: 'comparison.verdict' is \
'Buy', not a number: min and max cannot apply (use equals)

    Raises
    ------
    InputError
        When the path names no value of the output, or min/max bound a text or boolean.
    """
    value = resolve(result, e)
    if (e.min is not None or e.max is not None) and isinstance(value, bool | str):
        raise e.error(
            f"'{e.path_text}' is {_shown(value)}, not a number: min and max cannot apply "
            "(use equals)"
        )
    return value


def check(result: dict[str, Any], e: Expectation) -> Outcome:
    """Check ``e`` against a comparison's JSON dict.

    Raises
    ------
    InputError
        When :func:`applicable` does.
    """
    value = applicable(result, e)
    reasons = []
    if e.min is not None or e.max is not None:
        if value is None:
            bounds = " and ".join(
                f"{k} {_shown(getattr(e, k))}" for k in ("min", "max") if getattr(e, k) is not None
            )
            why = (
                "building never pays back"
                if e.path_text == "comparison.payback_year"
                else "no value"
            )
            reasons.append(f"is null ({why}), so it cannot be checked against {bounds}")
        else:
            if e.min is not None and value < e.min:
                reasons.append(f"expected >= {_shown(e.min)}, got {_shown(value)}")
            if e.max is not None and value > e.max:
                reasons.append(f"expected <= {_shown(e.max)}, got {_shown(value)}")
    if e.equals is not None and not _equal(value, e.equals):
        reasons.append(f"expected {_shown(e.equals)}, got {_shown(value)}")
    if e.null and value is not None:
        reasons.append(f"expected null, got {_shown(value)}")
    return Outcome(e, value, "; ".join(reasons) if reasons else None)
