"""The Python API: what ``import gpu_calc`` offers notebooks and scripts.

Each function takes a scenario as a path (``str`` or :class:`os.PathLike`), as YAML text, as a
mapping (a plain ``dict`` built in Python), or as a scenario already loaded by :func:`load`,
and ``sets=`` overrides like the command line's ``--set``. Results have ``to_dict()`` (exactly
the JSON of the matching command with ``--format json``) and ``to_pandas()`` (DataFrames;
needs ``gpucalc[pandas]``). Every problem with the input raises
:class:`~gpu_calc.errors.InputErrors`, whose ``lines`` are the lines the command line prints.

>>> import gpu_calc
>>> scenario = {
...     "horizon_years": 1,
...     "demand": {"units": 100},
...     "site": {"electricity_usd_per_kwh": 0.1},
...     "buy": {"unit_price_usd": 1000, "power_w": 500},
...     "build": {
...         "share": 0,
...         "chip": {"die_area_mm2": 100, "node": "n5", "power_w": 100},
...         "nre": {"design_usd": 0},
...     },
... }
>>> gpu_calc.compare(scenario).to_dict()["plans"]["buy"]["capex_usd"]
100000.0
>>> gpu_calc.compare(scenario, sets={"buy.unit_price_usd": 2000}).to_dict()["plans"]["buy"][
...     "capex_usd"
... ]
200000.0
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, TypeAlias

from gpu_calc.errors import InputError, InputErrors
from gpu_calc.uncertainty import DEFAULT_CHUNK_SIZE, DEFAULT_SAMPLES, DEFAULT_SEED

if TYPE_CHECKING:
    from gpu_calc.results import Comparison
    from gpu_calc.scenario import LoadedScenario
    from gpu_calc.uncertainty.breakeven import Breakeven
    from gpu_calc.uncertainty.montecarlo import Simulation
    from gpu_calc.uncertainty.sensitivity import Tornado
    from gpu_calc.uncertainty.sweep import Sweep

__all__ = [
    "InputErrors",
    "breakeven",
    "compare",
    "load",
    "sensitivity",
    "simulate",
    "sweep",
]

#: A scenario: a path, YAML text, a mapping, or a scenario from :func:`load`.
ScenarioLike: TypeAlias = "str | os.PathLike[str] | bytes | Mapping[str, Any] | LoadedScenario"
#: Overrides: ``["site.pue=1.3", ...]`` as on the command line, or ``{"site.pue": 1.3}``.
Sets: TypeAlias = "Sequence[str] | Mapping[str, Any] | None"

#: The source named in the errors of a scenario given as a mapping.
MAPPING_SOURCE = "<dict>"
#: Deepest nesting accepted in a mapping (as in a YAML file).
_MAX_DEPTH = 32


def _plain(value: Any, path: tuple[str | int, ...] = ()) -> Any:
    """A deep copy of ``value`` as the plain data YAML gives: dicts with text keys, lists,
    numbers, text, booleans and None (NumPy numbers and arrays become Python ones)."""
    if len(path) > _MAX_DEPTH:
        raise InputError(f"nested deeper than {_MAX_DEPTH} levels", MAPPING_SOURCE, path=path)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError(
                    f"keys must be text, got {type(key).__name__} {key!r}",
                    MAPPING_SOURCE,
                    path=path,
                )
            out[key] = _plain(item, path + (key,))
        return out
    tolist = getattr(value, "tolist", None)  # NumPy arrays and scalars
    if callable(tolist) and type(value).__module__ == "numpy":
        return _plain(tolist(), path)
    if isinstance(value, list | tuple):
        return [_plain(item, path + (i,)) for i, item in enumerate(value)]
    raise InputError(
        f"{type(value).__name__} is not a scenario value (use numbers, text, lists and dicts)",
        MAPPING_SOURCE,
        path=path,
    )


def _set_items(sets: Sets) -> list[str]:
    """``--set`` texts from a list of them or from a mapping of key paths to values."""
    if sets is None:
        return []
    if isinstance(sets, str):
        return [sets]
    if isinstance(sets, Mapping):
        items = []
        for key, value in sets.items():
            try:
                plain = _plain(value)
            except InputError as exc:
                raise InputErrors([InputError(exc.message, f"--set {key}")]) from None
            items.append(f"{key}={json.dumps(plain)}")  # JSON is YAML flow syntax
        return items
    if isinstance(sets, bytes | bytearray) or not isinstance(sets, Iterable):
        raise InputErrors(
            [
                InputError(
                    'expected a list of "key.path=value" texts or a mapping of key paths to '
                    f"values, got {type(sets).__name__}",
                    "sets",
                )
            ]
        )
    items = list(sets)
    for item in items:
        if not isinstance(item, str):
            raise InputErrors(
                [
                    InputError(
                        f'each override is a "key.path=value" text, got {type(item).__name__} '
                        f"{item!r}",
                        "sets",
                    )
                ]
            )
    return items


def _from_mapping(data: Mapping[str, Any], sets: list[str]) -> LoadedScenario:
    from gpu_calc.scenario import apply_sets, validate_data
    from gpu_calc.yamlio import YamlDocument

    try:
        plain = _plain(data)
        doc = YamlDocument(plain, MAPPING_SOURCE)
        plain = apply_sets(plain, doc, sets)
    except InputError as exc:
        raise InputErrors([exc]) from None
    doc.data = plain
    return validate_data(plain, doc)


def _reload(loaded: LoadedScenario, sets: list[str]) -> LoadedScenario:
    """A loaded scenario with more overrides applied to the data it was read from."""
    from gpu_calc.scenario import apply_sets, validate_data
    from gpu_calc.yamlio import YamlDocument

    old = loaded.doc
    data = copy.deepcopy(old.data)
    doc = YamlDocument(data, old.source, dict(old.marks), dict(old.overrides))
    try:
        data = apply_sets(data, doc, sets)
    except InputError as exc:
        raise InputErrors([exc]) from None
    doc.data = data
    return validate_data(data, doc)


def _looks_like_text(text: str) -> bool:
    """YAML text rather than a path: it spans lines, or is one ``{...}`` flow mapping."""
    return "\n" in text or text.lstrip().startswith("{")


def load(scenario: ScenarioLike, *, sets: Sets = None) -> LoadedScenario:
    """Read and validate a scenario.

    Parameters
    ----------
    scenario : str, os.PathLike, bytes, mapping or LoadedScenario
        A path to a YAML file (``"-"``: standard input); YAML text (a ``str`` with a newline,
        or one ``{...}`` flow mapping; ``bytes`` are always text); a mapping such as a plain
        ``dict``; or a scenario returned by :func:`load`, returned as is unless ``sets``
        is given.
    sets : list of str, or mapping, optional
        Overrides applied before validation, like ``--set``: ``["site.pue=1.3"]`` (values
        read as YAML) or ``{"site.pue": 1.3, "demand.units": [1e5, 2e5]}``.

    Raises
    ------
    InputErrors
        Every problem found, each with its file, line, column and key path.
    TypeError
        When ``scenario`` is none of the above.
    """
    from gpu_calc.scenario import LoadedScenario, load_file, load_text

    items = _set_items(sets)
    if isinstance(scenario, LoadedScenario):
        return _reload(scenario, items) if items else scenario
    if isinstance(scenario, Mapping):
        return _from_mapping(scenario, items)
    if isinstance(scenario, bytes):
        return load_text(scenario, sets=items)
    if isinstance(scenario, str) and _looks_like_text(scenario):
        return load_text(scenario, sets=items)
    if isinstance(scenario, str | os.PathLike):
        if not os.fspath(scenario):
            raise InputErrors(
                [InputError("an empty path: give a file, YAML text or a mapping", "scenario")]
            )
        return load_file(os.fspath(scenario), sets=items)
    raise TypeError(
        "a scenario is a path, YAML text, a mapping or a loaded scenario, "
        f"got {type(scenario).__name__}"
    )


def compare(scenario: ScenarioLike, *, sets: Sets = None) -> Comparison:
    """Both plans at the scenario's base values: ``gpucalc compare``.

    ``to_dict()`` is the JSON of ``gpucalc compare --format json`` (MODEL.md section 8);
    ``to_pandas()`` gives ``(metrics, per_year)`` DataFrames.
    """
    from gpu_calc.results import compare as run

    loaded = load(scenario, sets=sets)
    try:
        return run(loaded)
    except InputError as exc:
        raise InputErrors([exc]) from None


def simulate(
    scenario: ScenarioLike,
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    sets: Sets = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    jobs: int = 1,
) -> Simulation:
    """Monte Carlo over the scenario's distributions: ``gpucalc simulate``.

    Same ``samples`` and ``seed``, same numbers as the command line. ``to_pandas()`` gives
    ``(samples, summary)`` DataFrames: every sample, and the percentiles.

    Raises
    ------
    InputErrors
        Bad input. A ``samples``, ``seed``, ``chunk_size`` or ``jobs`` out of range is a
        :class:`ValueError` too, as in :func:`gpu_calc.uncertainty.montecarlo.simulate`.
    """
    from gpu_calc.limits import API_OPTIONS
    from gpu_calc.uncertainty.montecarlo import simulate as run

    samples = _whole("samples", samples, 1)
    seed = _whole("seed", seed, 0)
    chunk_size = _whole("chunk_size", chunk_size, 1)
    jobs = _whole("jobs", jobs, 0) or os.cpu_count() or 1  # 0: one per core, as --jobs 0
    loaded = load(scenario, sets=sets)
    try:
        return run(loaded, samples, seed, chunk_size, workers=jobs, options=API_OPTIONS)
    except InputError as exc:
        raise InputErrors([exc]) from None


def _whole(name: str, value: Any, lowest: int) -> int:
    """A whole-number argument as an ``int``: a whole float such as ``1e4`` is taken, as
    ``--samples 1e4`` is; anything else is an :class:`InputErrors` naming the argument.

    >>> _whole("samples", 1e4, 1), _whole("seed", 7, 0)
    (10000, 7)
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        problem = f"must be a whole number, got {type(value).__name__} {value!r}"
    elif not math.isfinite(float(value)) or not float(value).is_integer():
        problem = f"must be a whole number, got {value}"
    elif float(value) < lowest:
        problem = f"must be >= {lowest}, got {int(float(value))}"
    else:
        return int(value) if isinstance(value, Integral) else int(float(value))
    raise InputErrors([InputError(problem, name)])


Values: TypeAlias = "str | Iterable[float]"


def _grid(params: Mapping[str, Values] | Sequence[tuple[str, Values]]) -> list[tuple[str, Any]]:
    """The sweep's axes from ``params``; errors name the Python arguments, not ``--values``."""
    from gpu_calc.uncertainty.params import API, parse_values

    if isinstance(params, Mapping):
        pairs = list(params.items())
    elif isinstance(params, str | bytes) or not isinstance(params, Iterable):
        raise InputError(
            "expected a mapping of key paths to values, or (key, values) pairs", API.params
        )
    else:
        pairs = list(params)
    grid = []
    for pair in pairs:
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise InputError(
                f"expected (key, values) pairs, got {type(pair).__name__} {pair!r}", API.params
            )
        key, values = pair
        if not isinstance(key, str):
            raise InputError(
                f"a parameter is a key path text, got {type(key).__name__} {key!r}", API.params
            )
        if isinstance(values, str):
            grid.append((key, parse_values(values, f"{API.values(key)}:")))
            continue
        if isinstance(values, Real) and not isinstance(values, bool):
            values = [float(values)]  # one number: a grid of one point
        try:
            grid.append((key, [_number(v) for v in values]))
        except (TypeError, ValueError):
            raise InputError(
                "values must be numbers, or a START:STOP:COUNT text", API.values(key)
            ) from None
    return grid


def _number(value: Any) -> float:
    """A real number (an int, a float, a NumPy number) as a float; TypeError otherwise."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{type(value).__name__} is not a number")
    return float(value)


def sweep(
    scenario: ScenarioLike,
    params: Mapping[str, Values] | Sequence[tuple[str, Values]],
    *,
    sets: Sets = None,
) -> Sweep:
    """Savings, both plans' NPV and the payback year over a grid: ``gpucalc sweep``.

    ``params`` maps each swept key path to its values: a list or array of numbers, or a
    ``"START:STOP:COUNT"`` / ``"0.1,0.2"`` text as ``--values`` reads it; one entry per
    axis of the grid. ``to_pandas()`` gives one row per grid point.
    """
    from gpu_calc.uncertainty.params import API
    from gpu_calc.uncertainty.sweep import sweep as run

    loaded = load(scenario, sets=sets)
    try:
        return run(loaded, _grid(params), API)
    except InputError as exc:
        raise InputErrors([exc]) from None


def sensitivity(scenario: ScenarioLike, *, sets: Sets = None) -> Tornado:
    """The tornado of savings NPV: ``gpucalc sensitivity``."""
    from gpu_calc.uncertainty.sensitivity import tornado

    loaded = load(scenario, sets=sets)
    try:
        return tornado(loaded)
    except InputError as exc:
        raise InputErrors([exc]) from None


def breakeven(
    scenario: ScenarioLike,
    param: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    sets: Sets = None,
) -> Breakeven:
    """The value of ``param`` at which savings NPV is zero: ``gpucalc breakeven``.

    ``lo`` and ``hi`` bound the search (default: the field's valid range within
    ``[0, 10 x base]``, as ``--range`` defaults). No change of sign in the range is an
    :class:`InputErrors` giving the savings at both ends.
    """
    from gpu_calc.uncertainty.breakeven import breakeven as run
    from gpu_calc.uncertainty.params import API

    loaded = load(scenario, sets=sets)
    try:
        if not isinstance(param, str):
            raise InputError(
                f"a parameter is a key path text, got {type(param).__name__} {param!r}", "param"
            )
        bounds = {}
        for name, value in (("lo", lo), ("hi", hi)):
            if value is None:
                continue
            try:
                bounds[name] = _number(value)
            except TypeError:
                raise InputError(
                    f"must be a number, got {type(value).__name__} {value!r}", name
                ) from None
            if not math.isfinite(bounds[name]):
                raise InputError(f"must be a finite number, got {value!r}", name)
        low, high = bounds.get("lo"), bounds.get("hi")
        if low is not None and high is not None and not low < high:
            raise InputError("lo must be below hi", API.range(low, high))
        return run(loaded, param, low, high, API)
    except InputError as exc:
        raise InputErrors([exc]) from None
