"""Charts of a comparison: matplotlib figures, one function per kind.

Every figure function takes plain data (the JSON dicts of ``gpucalc compare``, of a Monte
Carlo run, a sweep or a tornado) and returns a :class:`matplotlib.figure.Figure` drawn with
the Agg backend. :func:`figure_bytes` turns one into SVG or PNG, :func:`inline_svg` into an
``<svg>`` element to put in a web page.

Buy and build keep the same colour, hatching, marker and line style in every chart
(:data:`PALETTE`), so the charts read in colour and on a greyscale print alike. matplotlib
is an optional extra (``pip install 'gpucalc[plot]'``); :func:`require_matplotlib` says so
when it is missing.

The data helpers (:func:`cumulative_discounted_usd`, :func:`cost_breakdown_usd`,
:func:`silicon_steps_usd`) need no matplotlib.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from gpu_calc.results import Comparison

#: The hint every "matplotlib is missing" error carries.
INSTALL_HINT = "pip install 'gpucalc[plot]'"

#: Kinds of chart, in the order the report shows them.
KINDS = ("cumulative", "breakdown", "resources", "silicon", "tornado", "histogram", "sweep")


@dataclass(frozen=True)
class PlanStyle:
    """How one plan is drawn everywhere: colour, hatch, marker and line style."""

    label: str
    color: str
    hatch: str
    marker: str
    linestyle: str


#: One palette for every chart and the report (Okabe-Ito blue and orange: apart for
#: colour-blind readers, and far apart in grey: dark blue, light orange).
PALETTE: dict[str, PlanStyle] = {
    "buy": PlanStyle("Buy", "#0072B2", "", "o", "-"),
    "build": PlanStyle("Build", "#E69F00", "//", "s", "--"),
}
INK = "#222222"
GRID = "#d9d9d9"

#: Cost components of the stacked breakdown: (key, label, colour, hatch).
COMPONENTS: list[tuple[str, str, str, str]] = [
    ("hardware_usd", "Hardware", "#7f7f7f", ""),
    ("facility_usd", "Facility", "#bcbd22", ".."),
    ("nre_usd", "Chip NRE", "#CC79A7", "xx"),
    ("software_usd", "Software", "#9467bd", "\\\\"),
    ("electricity_usd", "Electricity", "#F0E442", "||"),
    ("other_opex_usd", "Other opex", "#8c564b", "--"),
    ("residual_usd", "Residual value (credit)", "#ffffff", "oo"),
]


class ChartsUnavailable(ImportError):
    """matplotlib is not installed; the message names the extra that brings it."""


#: The largest magnitude a chart draws (a bar's or a stack's): beyond it matplotlib's axis
#: arithmetic (margins, ticks, transforms) overflows. A figure above it, or null (it
#: overflowed), is left out of the chart and labelled n/a.
DRAW_LIMIT = 1e306

#: Why a chart with nothing left to draw is not drawn (``plot`` says it, the report too).
TOO_LARGE = (
    "its figures are too large to draw (a chart shows numbers up to about 1e306; "
    "'gpucalc compare' shows which as n/a)"
)


class NothingToDraw(ValueError):
    """Every figure a chart would show is too large to draw (or null: it overflowed)."""

    def __init__(self, message: str = TOO_LARGE):
        super().__init__(message)


def require_matplotlib() -> None:
    """Import matplotlib with the Agg backend, or raise :class:`ChartsUnavailable`."""
    try:
        import matplotlib
    except ImportError:
        raise ChartsUnavailable(
            f"charts need matplotlib, which is not installed: {INSTALL_HINT}"
        ) from None
    matplotlib.use("Agg", force=True)


def _rc() -> Any:
    return {
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "hatch.linewidth": 0.6,
        "svg.fonttype": "path",  # text as paths: no font needed where the SVG is shown
        "svg.hashsalt": "gpucalc",  # same ids for the same chart: reproducible files
        "figure.dpi": 100,
        "savefig.dpi": 150,
    }


F = TypeVar("F", bound=Callable[..., Any])


def _styled(function: F) -> F:
    """Draw the whole figure under the house style (rcParams are read as artists are made)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        require_matplotlib()
        import matplotlib.pyplot as plt

        with plt.rc_context(_rc()):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _figure(width_in: float, height_in: float, ncols: int = 1, nrows: int = 1) -> Any:
    require_matplotlib()
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=(width_in, height_in), squeeze=False)
    fig.set_layout_engine("constrained")
    for ax in axes.flat:
        ax.grid(True, axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
    return fig, axes


# --------------------------------------------------------------------------- tick labels


def _scale(max_abs: float, steps: Sequence[tuple[float, str]]) -> tuple[float, str]:
    for factor, suffix in steps:
        if max_abs >= factor:
            return factor, suffix
    return 1.0, ""


USD_STEPS = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")]


def usd_tick(x: float, max_abs: float | None = None) -> str:
    """A money tick label, scaled by the axis' largest value: ``$2.5B``, ``-$400M``, ``$0``.

    >>> usd_tick(2.5e9), usd_tick(-4e8), usd_tick(0.0), usd_tick(5e8, 2e9), usd_tick(math.nan)
    ('$2.5B', '-$400M', '$0', '$0.5B', 'n/a')
    """
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "$0"
    factor, suffix = _scale(abs(x) if max_abs is None else max_abs, USD_STEPS)
    value = abs(x) / factor
    text = f"{value:,.3g}" if value < 1000 else f"{value:,.0f}"
    return ("-" if x < 0 else "") + "$" + text + suffix


def _usd_axis(ax: Axes, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: int) -> str:
        lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
        return usd_tick(x, max(abs(lo), abs(hi)))

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(fmt))


def _scaled_axis(ax: Axes, values: Sequence[float], steps: Sequence[tuple[float, str]]) -> str:
    """Scale the y axis of ``values`` by the largest step it reaches; return the unit."""
    from matplotlib.ticker import FuncFormatter

    top = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    factor, unit = _scale(top, steps)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x / factor:,.4g}"))
    return unit


def _years_axis(ax: Axes, horizon_years: int, start_year: int | None = None) -> None:
    from gpu_calc.render.human import year

    ax.set_xticks(range(horizon_years))
    ax.set_xticklabels([year(t, start_year) for t in range(horizon_years)])
    ax.set_xlabel("Year" if start_year is not None else "Year of the horizon")


def _f(x: Any) -> float:
    """A JSON number as a float (``null`` is NaN)."""
    return math.nan if x is None else float(x)


def _drawable(x: Any) -> float:
    """A JSON number as a float to draw: NaN (left out, labelled n/a) when it is null, not
    finite or beyond :data:`DRAW_LIMIT`.

    >>> _drawable(2.5), _drawable(None), _drawable(1.7e308), _drawable(-math.inf)
    (2.5, nan, nan, nan)
    """
    value = _f(x)
    return value if math.isfinite(value) and abs(value) <= DRAW_LIMIT else math.nan


def _finite(values: Any) -> list[float]:
    """The finite ones of ``values``."""
    return [v for v in values if math.isfinite(v)]


def _ratio(a: float, b: float) -> float:
    """``a / b``, NaN when ``b`` is 0 (a yield that underflowed: no good die)."""
    return a / b if b != 0 else math.nan


def _stacked(bottoms: Sequence[float], values: Sequence[float]) -> list[float]:
    """``values`` to stack on ``bottoms``: NaN (left out) where the stack would pass
    :data:`DRAW_LIMIT`."""
    return [
        v if abs(b + v) <= DRAW_LIMIT else math.nan for b, v in zip(bottoms, values, strict=True)
    ]


def _na_note(ax: Axes, what: str = "n/a: too large to draw") -> None:
    """Say in an empty panel why it is empty."""
    ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", color=INK)


# --------------------------------------------------------------------------- data helpers


def cumulative_discounted_usd(result: dict[str, Any]) -> dict[str, list[float]]:
    """Cumulative discounted cost of each plan through the end of each year.

    Capex and NRE of year ``t`` are discounted to its start, opex to its end (MODEL.md
    section 6); the residual value is credited in the last year at ``(1+r)^-H``, so the
    last value of each plan is its ``npv_usd``.

    Parameters
    ----------
    result : dict
        The JSON dict of ``gpucalc compare``.

    Returns
    -------
    dict of str to list of float
        ``{"buy": [...], "build": [...]}``, one value per year. [USD]
    """
    r = float(result["discount_rate"])
    horizon = int(result["horizon_years"])
    out: dict[str, list[float]] = {}
    for name in ("buy", "build"):
        plan = result["plans"][name]
        years = plan["per_year"]
        total = 0.0
        series = []
        for t in range(horizon):
            start = (1 + r) ** -t
            spend = (
                _f(years["hw_capex_usd"][t])
                + _f(years["facility_capex_usd"][t])
                + _f(years["nre_usd"][t])
            )
            total += spend * start + _f(years["opex_usd"][t]) * start / (1 + r)
            if t == horizon - 1:
                total -= _f(plan["residual_usd"]) * (1 + r) ** -horizon
            series.append(total)
        out[name] = series
    return out


def cost_breakdown_usd(
    result: dict[str, Any], software_usd_per_year: float
) -> dict[str, dict[str, float]]:
    """Each plan's undiscounted cost over the horizon, by component; they sum to ``tco_usd``.

    Parameters
    ----------
    result : dict
        The JSON dict of ``gpucalc compare``.
    software_usd_per_year : float
        ``build.nre.software_usd_per_year``, paid by the build plan every year. [USD]

    Returns
    -------
    dict
        ``plan -> {hardware_usd, facility_usd, nre_usd, software_usd, electricity_usd,
        other_opex_usd, residual_usd}``; ``residual_usd`` is negative (a credit). [USD]
    """
    horizon = int(result["horizon_years"])
    out = {}
    for name in ("buy", "build"):
        plan = result["plans"][name]
        software = software_usd_per_year * horizon if name == "build" else 0.0
        electricity = _f(plan["electricity_usd"])
        facility = _f(plan["facility_capex_usd"])
        out[name] = {
            "hardware_usd": _f(plan["capex_usd"]) - facility,
            "facility_usd": facility,
            "nre_usd": _f(plan["nre_usd"]),
            "software_usd": software,
            "electricity_usd": electricity,
            "other_opex_usd": _f(plan["opex_usd"]) - electricity - software,
            "residual_usd": -_f(plan["residual_usd"]),
        }
    return out


def silicon_steps_usd(chip: dict[str, float], silicon: dict[str, Any]) -> list[tuple[str, float]]:
    """The in-house chip's unit price, step by step (MODEL.md section 4), for a waterfall.

    Parameters
    ----------
    chip : dict
        The chip's base inputs: ``wafer_usd``, ``memory_usd``, ``packaging_usd``,
        ``package_yield``, ``board_usd``, ``partner_markup`` and, when the chip has them,
        ``test_assembly_usd`` and ``dies_per_package`` (memory, packaging and test as the
        silicon block gives them: from their parts when the chip has a bill of materials).
    silicon : dict
        The ``silicon`` block of ``gpucalc compare``'s JSON (``dies_per_wafer``,
        ``die_yield``, ``unit_price_usd``).

    Returns
    -------
    list of (str, float)
        ``(label, usd)`` steps that add up to the unit price; a label starting with ``=``
        is a subtotal (its value is the running total, not a step). [USD]

    Examples
    --------
    A $10,000 wafer of 100 dies at 50% yield: $100 of wafer per die, $100 of yield loss.

    >>> chip = dict(wafer_usd=10000, memory_usd=50, packaging_usd=30, package_yield=0.8,
    ...             board_usd=20, partner_markup=0.1)
    >>> steps = silicon_steps_usd(chip, {"dies_per_wafer": 100, "die_yield": 0.5})
    >>> [(label, round(v, 2)) for label, v in steps]  # doctest: +NORMALIZE_WHITESPACE
    [('Wafer share per die', 100.0), ('Die yield loss', 100.0), ('= Good die', 200.0),
     ('Memory', 50.0), ('Packaging', 30.0), ('Package yield loss', 70.0), ('Board', 20.0),
     ('Partner markup', 37.0), ('= Unit price', 407.0)]
    """
    chip = {key: float(value) for key, value in chip.items()}
    dies = _f(silicon["dies_per_wafer"])
    good = _f(silicon["die_yield"])
    # a yield that underflowed to 0 leaves no good die: its cost, and all after it, is NaN
    wafer_per_die = _ratio(chip["wafer_usd"], dies)
    die = _ratio(wafer_per_die, good)
    test = chip.get("test_assembly_usd", 0.0)
    n = chip.get("dies_per_package", 1.0)
    packaged = die * n + chip["memory_usd"] + chip["packaging_usd"] + test
    before_markup = _ratio(packaged, chip["package_yield"]) + chip["board_usd"]
    unit = before_markup * (1 + chip["partner_markup"])
    return [
        ("Wafer share per die", wafer_per_die),
        ("Die yield loss", die - wafer_per_die),
        ("= Good die", die),
        *([("Second die" if n == 2 else "Other dies", die * (n - 1))] if n != 1 else []),
        ("Memory", chip["memory_usd"]),
        ("Packaging", chip["packaging_usd"]),
        *([("Test and assembly", test)] if test else []),
        ("Package yield loss", _ratio(packaged, chip["package_yield"]) - packaged),
        ("Board", chip["board_usd"]),
        ("Partner markup", unit - before_markup),
        ("= Unit price", unit),
    ]


CHIP_KEYS = (
    "wafer_usd",
    "memory_usd",
    "packaging_usd",
    "package_yield",
    "board_usd",
    "partner_markup",
)


def chip_inputs(comparison: Comparison) -> dict[str, float]:
    """The chip's base inputs that :func:`silicon_steps_usd` needs, from a comparison: the
    memory, packaging and test lines as the engine priced them (lump sums or parts)."""
    fields = comparison.inputs.fields
    silicon = comparison.outcome.silicon
    parts = ("memory_usd", "packaging_usd", "test_assembly_usd", "dies_per_package")
    out = {key: float(fields[f"build.chip.{key}"].base) for key in CHIP_KEYS if key not in parts}
    out.update({key: _f(silicon[key]) for key in parts})
    return out


def silicon_note(comparison: Comparison) -> str:
    """``wafer $16,988, 135 dies per wafer, die yield 66.6% (murphy)``."""
    from gpu_calc.render.human import units

    sil = comparison.to_dict()["silicon"]
    wafer = comparison.inputs.fields["build.chip.wafer_usd"].base
    per_package = _f(sil.get("dies_per_package") or 1.0)
    return (
        f"wafer ${wafer:,.0f}, {units(sil['dies_per_wafer'])} dies per wafer, "
        f"die yield {_f(sil['die_yield']) * 100:.1f}% ({comparison.inputs.yield_model})"
        + (f", {units(per_package)} dies per package" if per_package != 1 else "")
    )


def software_usd_per_year(comparison: Comparison) -> float:
    """``build.nre.software_usd_per_year`` at its base value. [USD]"""
    field = comparison.inputs.fields.get("build.nre.software_usd_per_year")
    return 0.0 if field is None else float(field.base)


# --------------------------------------------------------------------------- figures


@_styled
def cumulative_figure(result: dict[str, Any]) -> Figure:
    """Cumulative discounted cost of each plan over the years, the payback year marked."""
    series = {k: [_drawable(v) for v in vs] for k, vs in cumulative_discounted_usd(result).items()}
    if not any(_finite(vs) for vs in series.values()):
        raise NothingToDraw
    horizon = int(result["horizon_years"])
    fig, axes = _figure(8, 4.2)
    ax = axes[0][0]
    years = list(range(horizon))
    for name, values in series.items():
        s = PALETTE[name]
        ax.plot(
            years,
            values,
            color=s.color,
            marker=s.marker,
            linestyle=s.linestyle,
            linewidth=2.2,
            markersize=7,
            markeredgecolor=INK,
            markeredgewidth=0.6,
            label=f"{s.label} (NPV {usd_tick(values[-1])})",
        )
    lows = [min(_finite(v), default=0.0) for v in series.values()]
    ax.set_ylim(bottom=min(0.0, *lows))
    from gpu_calc.render.human import payback as payback_text
    from gpu_calc.render.human import payback_path

    payback = result["comparison"].get("payback_year")
    start_year = result.get("start_year")
    path = payback_path(result["comparison"].get("savings_npv_usd_per_year"))
    if payback is not None and math.isfinite(series["build"][payback]):
        words = payback_text(payback, horizon, start_year, path)
        # the star where building pays back for good, when that is later than MODEL.md's
        # payback year (savings ahead, then behind again)
        if path is not None and path.lasting is not None and path.lasting > payback:
            payback = path.lasting
        y = series["build"][payback]
        ax.axvline(payback, color=INK, linestyle=":", linewidth=1.2)
        # "building is cheaper from the first year...", "building pays back in 2027",
        # "building: ahead in the first year but behind again by the end of the horizon"
        link = {"cheaper": "building is ", "pays": "building "}.get(words.split()[0], "building: ")
        # the text on the side with room: left of a star in the later half of the horizon
        late = payback > (horizon - 1) / 2
        ax.annotate(
            link + words,
            xy=(payback, y),
            xytext=(-12 if late else 12, -28),
            ha="right" if late else "left",
            textcoords="offset points",
            fontsize=9,
            color=INK,
            arrowprops={"arrowstyle": "->", "color": INK, "linewidth": 0.8},
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": GRID},
        )
        ax.plot([payback], [y], marker="*", markersize=16, color=INK, zorder=5, linestyle="none")
    else:
        # top left: cumulative costs start low, and the legend sits bottom right
        ax.text(
            0.01,
            0.97,
            f"building {payback_text(payback, horizon, start_year)}",
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=9,
            color=INK,
        )
    if horizon == 1:
        ax.set_xlim(-0.5, 0.5)
    _years_axis(ax, horizon, start_year)
    _usd_axis(ax)
    ax.set_ylabel("Cumulative discounted cost [USD]")
    rate = float(result["discount_rate"]) * 100
    ax.set_title(f"Cumulative discounted cost (discount rate {rate:.3g}%)", loc="left")
    ax.legend(frameon=False, loc="lower right")
    return fig


@_styled
def breakdown_figure(breakdown: dict[str, dict[str, float]], result: dict[str, Any]) -> Figure:
    """Stacked bars of each plan's undiscounted cost by component, residual below zero."""
    names = ["buy", "build"]
    # a component too large to draw is left out of its stack (its TCO then says n/a)
    breakdown = {n: {k: _drawable(v) for k, v in breakdown[n].items()} for n in names}
    if not any(_finite(breakdown[n].values()) for n in names):
        raise NothingToDraw
    fig, axes = _figure(8, 4.6)
    ax = axes[0][0]
    xs = [0, 1]
    shown = [
        c for c in COMPONENTS if any(abs(breakdown[n][c[0]]) > 0 for n in names)
    ] or COMPONENTS[:1]
    bottoms = [0.0, 0.0]
    for key, label, color, hatch in shown:
        values = [breakdown[n][key] for n in names]
        if key != "residual_usd":
            values = _stacked(bottoms, values)
        if key == "residual_usd":
            ax.bar(xs, values, 0.55, color=color, hatch=hatch, edgecolor=INK, lw=0.6, label=label)
            continue
        ax.bar(
            xs,
            values,
            0.55,
            bottom=bottoms,
            color=color,
            hatch=hatch,
            edgecolor=INK,
            lw=0.6,
            label=label,
        )
        bottoms = [b + v if math.isfinite(v) else b for b, v in zip(bottoms, values, strict=True)]
    for x, n in zip(xs, names, strict=True):
        tco = _drawable(result["plans"][n]["tco_usd"])
        if math.isfinite(tco):
            ax.plot([x - 0.36, x + 0.36], [tco, tco], color=INK, linewidth=2)
        ax.annotate(
            f"TCO {usd_tick(tco)}",
            xy=(x + 0.36, tco if math.isfinite(tco) else 0.0),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.axhline(0, color=INK, linewidth=0.8)
    ax.set_xticks(xs)
    ax.set_xticklabels([PALETTE[n].label + " plan" for n in names], fontweight="bold")
    for tick, n in zip(ax.get_xticklabels(), names, strict=True):
        tick.set_color(PALETTE[n].color)
    ax.set_xlim(-0.6, 1.9)
    _usd_axis(ax)
    ax.set_ylabel("Cost over the horizon, undiscounted [USD]")
    ax.set_title("What each plan pays for", loc="left")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    return fig


RESOURCE_PANELS: list[tuple[str, str, list[tuple[float, str]], str]] = [
    (
        "energy_facility_kwh",
        "Facility energy",
        [(1e9, "TWh"), (1e6, "GWh"), (1e3, "MWh"), (1.0, "kWh")],
        "kWh",
    ),
    ("water_l", "Water", [(1e9, "GL"), (1e6, "ML"), (1e3, "kL"), (1.0, "L")], "L"),
    (
        "co2e_kg",
        "Emissions",
        [(1e9, "Mt CO2e"), (1e6, "kt CO2e"), (1e3, "t CO2e"), (1.0, "kg CO2e")],
        "kg CO2e",
    ),
]


@_styled
def resources_figure(result: dict[str, Any]) -> Figure:
    """Facility energy, water and carbon per year of each plan, side by side."""
    horizon = int(result["horizon_years"])
    data = {
        key: {
            name: [_drawable(v) for v in result["plans"][name]["per_year"][key]]
            for name in ("buy", "build")
        }
        for key, *_ in RESOURCE_PANELS
    }
    if not any(_finite(v) for panel in data.values() for v in panel.values()):
        raise NothingToDraw
    fig, axes = _figure(10, 3.6, ncols=3)
    width = 0.38
    for ax, (key, title, steps, base_unit) in zip(axes[0], RESOURCE_PANELS, strict=True):
        everything = []
        for i, name in enumerate(("buy", "build")):
            s = PALETTE[name]
            values = data[key][name]
            everything += values
            xs = [t + (i - 0.5) * width for t in range(horizon)]
            ax.bar(
                xs,
                values,
                width,
                color=s.color,
                hatch=s.hatch,
                edgecolor=INK,
                linewidth=0.5,
                label=s.label,
            )
        if not _finite(everything):
            _na_note(ax)
        unit = _scaled_axis(ax, everything, steps) or base_unit
        ax.set_ylabel(f"{title} per year [{unit}]")
        ax.set_title(title, loc="left")
        _years_axis(ax, horizon, result.get("start_year"))
        ax.set_xlabel("Year")
    from matplotlib.patches import Patch

    fig.legend(
        handles=[
            Patch(facecolor=s.color, hatch=s.hatch, edgecolor=INK, linewidth=0.5, label=s.label)
            for s in PALETTE.values()
        ],
        loc="outside upper right",
        ncols=2,
        frameon=False,
    )
    return fig


@_styled
def silicon_figure(steps: list[tuple[str, float]], note: str = "") -> Figure:
    """Waterfall of the in-house chip's unit price: wafer, yield, memory, packaging, board.

    ``note`` (e.g. the wafer price and dies per wafer) is shown under the title. A step too
    large to draw (or not computable: no good die) is labelled n/a; a step after an n/a
    subtotal rises from zero."""
    steps = [(label, _drawable(v)) for label, v in steps]
    if not any(_finite(v for _, v in steps)):
        raise NothingToDraw
    fig, axes = _figure(9, 4.4)
    ax = axes[0][0]
    s = PALETTE["build"]
    shown = [
        (label, v)
        for label, v in steps
        if label.startswith("=") or abs(v) > 1e-9 or not math.isfinite(v)
    ]
    running = 0.0
    labels = []

    def figure(x: int, y: float, text: str, total: bool) -> None:
        """The step's figure just above its bar (bold for a total)."""
        ax.annotate(
            text,
            xy=(x, y),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=9,
            fontweight="bold" if total else "normal",
        )

    for x, (label, value) in enumerate(shown):
        total = label.startswith("=")
        if not math.isfinite(value):
            figure(x, running if math.isfinite(running) else 0.0, "n/a", total)
            labels.append(label.lstrip("= "))
            running = math.nan  # the running total is unknown from here
            continue
        if not total and not math.isfinite(running):
            bottom, height = 0.0, value
            style = {"color": s.color, "hatch": s.hatch}
        elif total:
            bottom, height = 0.0, value
            running = value
            style = {"color": "#555555", "hatch": ""}
        else:
            bottom, height = running, value
            running += value
            style = {"color": s.color, "hatch": s.hatch}
        ax.bar(x, height, 0.62, bottom=bottom, edgecolor=INK, linewidth=0.6, **style)
        text = usd_tick(value) if abs(value) >= 1000 else f"${value:,.0f}"
        figure(x, bottom + max(height, 0), text, total)
        labels.append(label.lstrip("= "))
    ax.set_xticks(range(len(shown)))
    ax.set_xticklabels(labels, rotation=25, ha="right")
    ax.margins(y=0.12)
    _usd_axis(ax)
    ax.set_ylabel("Cost per chip [USD]")
    ax.set_title("In-house chip: from wafer to unit price", loc="left", pad=20 if note else 6)
    if note:
        ax.text(0, 1.02, note, transform=ax.transAxes, fontsize=9, color=INK)
    return fig


@_styled
def tornado_figure(tornado: dict[str, Any]) -> Figure:
    """Savings when each input moves to its low or high value, largest swing on top."""
    bars = list(tornado["bars"])[:15]
    base = _drawable(tornado["base_usd"])
    if not math.isfinite(base):  # every bar starts at the base case
        raise NothingToDraw
    fig, axes = _figure(9, 1.2 + 0.42 * max(len(bars), 1))
    ax = axes[0][0]
    ax.grid(False, axis="y")
    ax.grid(True, axis="x", color=GRID, linewidth=0.6)
    low_style: dict[str, Any] = {
        "facecolor": "#bdbdbd",
        "hatch": "..",
        "edgecolor": INK,
        "linewidth": 0.5,
    }
    high_style: dict[str, Any] = {
        "facecolor": "#4d4d4d",
        "hatch": "",
        "edgecolor": INK,
        "linewidth": 0.5,
    }
    ys = list(range(len(bars)))[::-1]
    for y, bar in zip(ys, bars, strict=True):
        for which, style in (("low", low_style), ("high", high_style)):
            value = _drawable(bar[f"{which}_usd"])
            if math.isfinite(value):  # else left out: too large to draw
                ax.barh(y, value - base, 0.6, left=base, **style)
    ax.axvline(base, color=INK, linewidth=1)
    if bars:
        ax.set_yticks(ys)
        ax.set_yticklabels(
            [f"{b['param']}  ({_short(b['low_value'])} – {_short(b['high_value'])})" for b in bars],
            fontsize=9,
        )
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no inputs to vary", transform=ax.transAxes, ha="center")
    _usd_axis(ax, "x")
    ax.set_xlabel("Savings NPV of building (buy NPV − build NPV) [USD]")
    method = {
        "p10_p90": "each uncertain input at its P10 and P90",
        "plus_minus_20pct": "each input at −20% and +20%",
    }.get(str(tornado.get("method")), str(tornado.get("method")))
    ax.set_title(f"What moves the savings most\n({method})", loc="left")
    from matplotlib.patches import Patch

    fig.legend(
        handles=[
            Patch(**low_style, label="input at its low value"),
            Patch(**high_style, label="input at its high value"),
        ],
        frameon=False,
        loc="outside lower right",
        ncols=2,
        fontsize=9,
    )
    return fig


def _short(x: Any) -> str:
    """A compact number for a label: ``0.25``, ``28,571``, ``436M``, ``1.2B``.

    >>> _short(0.25), _short(28571.4), _short(4.36e8), _short(1.2e9)
    ('0.250', '28,571', '436M', '1.2B')
    """
    from gpu_calc.render.human import number

    value = _f(x)
    if abs(value) >= 1e6:
        factor, suffix = _scale(abs(value), [(1e12, "T"), (1e9, "B"), (1e6, "M")])
        return f"{value / factor:.3g}{suffix}"
    return number(value)


@_styled
def histogram_figure(simulation: dict[str, Any]) -> Figure:
    """Histogram of Monte Carlo savings: bins where building is cheaper in the build colour."""
    hist = simulation["histogram"]
    edges = [_drawable(e) for e in hist["edges_usd"]]
    counts = [int(c) for c in hist["counts"]]
    stats = simulation["comparison"]["savings_npv_usd"]
    if not math.isfinite(_drawable(stats["p50"])):
        # the median too large to draw: bins and lines would all be left out
        raise NothingToDraw
    fig, axes = _figure(8, 4.2)
    ax = axes[0][0]
    total = max(sum(counts), 1)
    spread = _f(stats["p95"]) - _f(stats["p5"])
    scale = max(abs(_f(stats["p50"])), 1.0)
    if not spread > 1e-9 * scale:
        # every sample gives (almost) the same savings: one bar, said in words
        value = _f(stats["p50"])
        s = PALETTE["build" if value > 0 else "buy"]
        ax.bar(value, 100, 0.04 * scale, color=s.color, hatch=s.hatch, edgecolor=INK, lw=0.4)
        ax.set_xlim(value - 0.5 * scale, value + 0.5 * scale)
        ax.text(
            0.02,
            0.6,
            f"every sample gives {usd_tick(value)}:\nno input varies enough to move it",
            transform=ax.transAxes,
            fontsize=9,
            va="top",
        )
        stats = {"p50": value}
    bins = zip(edges[:-1], edges[1:], counts, strict=True) if spread > 1e-9 * scale else []
    for lo, hi, count in bins:
        if not (math.isfinite(lo) and math.isfinite(hi)):
            continue  # a bin too large to draw: left out
        mid = (lo + hi) / 2
        s = PALETTE["build" if mid > 0 else "buy"]
        width = hi - lo
        ax.bar(
            lo,
            count / total * 100,
            width if width > 0 else 1.0,
            align="edge",
            color=s.color,
            hatch=s.hatch,
            edgecolor=INK,
            linewidth=0.4,
        )
    for key, style in (("p5", ":"), ("p50", "-"), ("p95", ":")):
        if key not in stats or not math.isfinite(_drawable(stats[key])):
            continue
        x = _f(stats[key])
        ax.axvline(x, color=INK, linestyle=style, linewidth=1.1)
        ax.annotate(
            f"{key.upper()} {usd_tick(x)}",
            xy=(x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize=8.5,
        )
    if edges[0] < 0 < edges[-1]:
        ax.axvline(0, color="#9e9e9e", linewidth=0.8)
    from matplotlib.patches import Patch

    from gpu_calc.render.human import count as count_of
    from gpu_calc.render.human import probability

    p = _f(simulation["comparison"]["probability_build_cheaper"])
    fig.legend(
        handles=[
            Patch(
                facecolor=PALETTE["build"].color,
                hatch=PALETTE["build"].hatch,
                edgecolor=INK,
                label=f"building cheaper ({probability(p)} of samples)",
            ),
            Patch(facecolor=PALETTE["buy"].color, edgecolor=INK, label="buying cheaper"),
        ],
        frameon=False,
        loc="outside lower right",
        ncols=2,
        fontsize=9,
    )
    _usd_axis(ax, "x")
    ax.set_xlabel("Savings NPV of building (buy NPV − build NPV) [USD]")
    ax.set_ylabel("Share of samples [%]")
    ax.set_title(
        f"Monte Carlo: {count_of(int(simulation['samples']), 'sample')}, seed {simulation['seed']}",
        loc="left",
    )
    return fig


def sweep_figure(sweep: dict[str, Any]) -> Figure:
    """One parameter: NPV of each plan and the savings; two: a heatmap of the savings."""
    params = list(sweep["params"])
    if len(params) == 1:
        return _sweep_line(sweep)
    if len(params) == 2:
        return _sweep_heatmap(sweep)
    raise ValueError(f"a sweep chart shows 1 or 2 parameters, got {len(params)}")


@_styled
def _sweep_line(sweep: dict[str, Any]) -> Figure:
    param = sweep["params"][0]
    xs = [_drawable(v) for v in sweep["values"][0]]
    out = sweep["outputs"]
    # a point too large to draw is left out of its line (a panel with none says n/a)
    npv = {name: [_drawable(v) for v in out[f"npv_usd_{name}"]] for name in ("buy", "build")}
    savings = [_drawable(v) for v in out["savings_npv_usd"]]
    if not _finite(xs) or not any(_finite(v) for v in [*npv.values(), savings]):
        raise NothingToDraw
    fig, axes = _figure(8, 6, nrows=2)
    top, bottom = axes[0][0], axes[1][0]
    for name in ("buy", "build"):
        s = PALETTE[name]
        top.plot(
            xs,
            npv[name],
            color=s.color,
            marker=s.marker,
            linestyle=s.linestyle,
            linewidth=2,
            markersize=5,
            markeredgecolor=INK,
            markeredgewidth=0.5,
            label=s.label,
        )
    _usd_axis(top)
    top.set_ylabel("NPV of cost [USD]")
    top.set_title(f"Both plans as {param} varies", loc="left")
    top.legend(frameon=False)
    if not any(_finite(v) for v in npv.values()):
        _na_note(top)
    if not _finite(savings):
        _na_note(bottom)
    bottom.plot(xs, savings, color=INK, marker="o", markersize=4, linewidth=1.8)
    bottom.fill_between(
        xs,
        savings,
        0,
        where=[v > 0 for v in savings],
        color=PALETTE["build"].color,
        alpha=0.35,
        hatch=PALETTE["build"].hatch,
        interpolate=True,
        label="building cheaper",
    )
    bottom.fill_between(
        xs,
        savings,
        0,
        where=[v <= 0 for v in savings],
        color=PALETTE["buy"].color,
        alpha=0.35,
        interpolate=True,
        label="buying cheaper",
    )
    bottom.axhline(0, color=INK, linewidth=0.8)
    _usd_axis(bottom)
    bottom.set_ylabel("Savings NPV [USD]")
    bottom.set_xlabel(param)
    bottom.legend(frameon=False, fontsize=9)
    return fig


def _diverging_cmap() -> Any:
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "gpucalc", [PALETTE["buy"].color, "#ffffff", PALETTE["build"].color]
    )


#: Most grid cells hatched one by one in a heatmap (beyond, the break-even line alone).
MAX_HATCHED_CELLS = 2500


def _edges(centres: Any) -> Any:
    """Cell edges around cell centres (midpoints; the ends mirrored)."""
    import numpy as np

    c = np.asarray(centres, dtype=float)
    if len(c) == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def _hatch_cells(ax: Axes, xs: Any, ys: Any, mask: Any) -> None:
    """Hatch the cells where ``mask`` (rows: ys, columns: xs) holds, as the mesh draws them."""
    import numpy as np
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    if mask.size > MAX_HATCHED_CELLS or not mask.any():
        return
    ex, ey = _edges(xs), _edges(ys)
    cells = [
        Rectangle((ex[i], ey[j]), ex[i + 1] - ex[i], ey[j + 1] - ey[j])
        for j, i in zip(*np.nonzero(mask), strict=True)
    ]
    ax.add_collection(
        PatchCollection(
            cells, facecolor="none", edgecolor=INK, linewidth=0, hatch=PALETTE["build"].hatch
        )
    )


@_styled
def _sweep_heatmap(sweep: dict[str, Any]) -> Figure:
    import numpy as np
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.ticker import FuncFormatter

    px, py = sweep["params"]
    xs = np.asarray([_drawable(v) for v in sweep["values"][0]], dtype=float)
    ys = np.asarray([_drawable(v) for v in sweep["values"][1]], dtype=float)
    grid = np.asarray(
        [[_drawable(v) for v in row] for row in sweep["outputs"]["savings_npv_usd"]], dtype=float
    ).T  # rows: second parameter
    # values of the inputs too large to draw: their rows and columns are left out
    keep_x, keep_y = np.isfinite(xs), np.isfinite(ys)
    xs, ys, grid = xs[keep_x], ys[keep_y], grid[np.ix_(keep_y, keep_x)]
    if not np.isfinite(grid).any():
        raise NothingToDraw
    fig, axes = _figure(8, 5.4)
    ax = axes[0][0]
    ax.grid(False)
    limit = float(np.nanmax(np.abs(grid))) or 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
    mesh = ax.pcolormesh(xs, ys, grid, cmap=_diverging_cmap(), norm=norm, shading="nearest")
    if np.nanmax(grid) > 0 and len(xs) > 1 and len(ys) > 1:
        # hatch where building is cheaper, so the chart reads in greyscale too
        _hatch_cells(ax, xs, ys, grid > 0)
    if np.nanmin(grid) < 0 < np.nanmax(grid) and len(xs) > 1 and len(ys) > 1:
        contour = ax.contour(xs, ys, grid, levels=[0.0], colors=INK, linewidths=1.5)
        ax.clabel(contour, fmt={0.0: "break-even"}, fontsize=8)
    bar = fig.colorbar(mesh, ax=ax)
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: usd_tick(x, limit)))
    bar.set_label("Savings NPV of building [USD] (>0: build cheaper)")
    ax.set_xlabel(px)
    ax.set_ylabel(py)
    ax.set_title("Savings NPV of building over two inputs", loc="left")
    return fig


# --------------------------------------------------------------------------- output


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """The figure as ``svg`` or ``png`` bytes (deterministic: no date in the metadata);
    closes the figure."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
    try:
        with plt.rc_context(_rc()):
            fig.savefig(buffer, format=fmt, metadata=metadata, facecolor="white")
    finally:
        plt.close(fig)
    return buffer.getvalue()


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def inline_svg(svg: bytes | str, prefix: str, label: str) -> str:
    """An SVG file as an ``<svg>`` element for an HTML page.

    Drops the XML prolog and the RDF metadata, prefixes every id (and reference to one)
    with ``prefix`` so several charts can share a page, lets the chart scale to its
    container, and gives it an accessible ``label``.
    """
    import html

    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)  # RDF: no use here
    text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)
    head_end = text.index(">")
    head = text[:head_end]
    head = re.sub(r'\s(width|height)="[^"]*"', "", head, count=2)
    head += f' role="img" aria-label="{html.escape(label)}"'
    return head + text[head_end:]


#: Colours of the fleets in the fleet-composition chart, by side (generations get lighter).
_SIDE_COLORS = {
    "bought": ["#0072B2", "#56B4E9", "#9ecae1", "#c6dbef"],
    "chip": ["#E69F00", "#D55E00", "#F0E442", "#fdd49e"],
    "installed": ["#7f7f7f", "#a6a6a6", "#cccccc", "#e0e0e0"],
}
_SIDE_HATCH = {"bought": "", "chip": "//", "installed": ".."}


def fleet_capacity(comparison: Comparison) -> dict[str, list[tuple[str, str, list[float]]]]:
    """Capacity in service per year (reference-equivalents: units x perf) of every fleet,
    per plan: ``{plan: [(side, name, values per year), ...]}``."""
    from gpu_calc.render.roadmap import fleet_name
    from gpu_calc.results import fleet_dict

    out: dict[str, list[tuple[str, str, list[float]]]] = {}
    for plan_name, plan in comparison.outcome.plans.items():
        rows = []
        for f in plan.fleets:
            perf = float(f.perf)
            capacity = [float(v) * perf for v in f.active]
            rows.append((f.side, fleet_name(fleet_dict(f)), capacity))
        out[plan_name] = rows
    return out


@_styled
def fleet_figure(
    capacity: dict[str, list[tuple[str, str, list[float]]]], result: dict[str, Any]
) -> Figure:
    """Capacity in service by generation (and installed base) per year, for both plans:
    stacked bars in reference-equivalents, one panel per plan on a shared axis. A fleet's
    capacity too large to draw is left out of its stack, and that year's stack says n/a."""
    horizon = int(result["horizon_years"])
    capacity = {
        plan: [(side, name, [_drawable(v) for v in values]) for side, name, values in rows]
        for plan, rows in capacity.items()
    }
    if not any(_finite(values) for rows in capacity.values() for _, _, values in rows):
        raise NothingToDraw
    fig, axes = _figure(10, 4.2, ncols=2)
    top = 0.0
    handles: dict[str, Any] = {}
    from matplotlib.patches import Patch

    for ax, plan in zip(axes[0], ("buy", "build"), strict=True):
        bottom = [0.0] * horizon
        missing = [False] * horizon
        counts: dict[str, int] = {}
        for side, name, drawable in capacity[plan]:
            values = _stacked(bottom, drawable)
            shade = counts.get(side, 0)
            counts[side] = shade + 1
            color = _SIDE_COLORS[side][min(shade, 3)]
            ax.bar(
                range(horizon),
                values,
                0.7,
                bottom=bottom,
                color=color,
                hatch=_SIDE_HATCH[side],
                edgecolor=INK,
                linewidth=0.5,
            )
            handles.setdefault(
                name,
                Patch(
                    facecolor=color,
                    hatch=_SIDE_HATCH[side],
                    edgecolor=INK,
                    linewidth=0.5,
                    label=name,
                ),
            )
            missing = [m or not math.isfinite(v) for m, v in zip(missing, values, strict=True)]
            bottom = [b + v if math.isfinite(v) else b for b, v in zip(bottom, values, strict=True)]
        for t in (t for t in range(horizon) if missing[t]):
            ax.annotate(
                "n/a", xy=(t, bottom[t]), xytext=(0, 3), textcoords="offset points", ha="center"
            )
        top = max(top, *bottom)
        ax.set_title(f"{PALETTE[plan].label} plan", loc="left")
        _years_axis(ax, horizon, result.get("start_year"))
    for ax in axes[0]:
        ax.set_ylim(0, top * 1.05 if top > 0 else 1)
        unit = _scaled_axis(ax, [top], [(1e6, "M"), (1e3, "k")])
        ax.set_ylabel(f"Capacity in service [{unit + ' ' if unit else ''}reference-equivalents]")
    fig.legend(
        handles=list(handles.values()),
        loc="outside lower center",
        ncols=min(5, len(handles)),
        frameon=False,
    )
    return fig


def comparison_figure(kind: str, comparison: Comparison) -> Figure:
    """A deterministic chart of a comparison: cumulative, breakdown, resources or silicon."""
    result = comparison.to_dict()
    builders: dict[str, Callable[[], Figure]] = {
        "cumulative": lambda: cumulative_figure(result),
        "breakdown": lambda: breakdown_figure(
            cost_breakdown_usd(result, software_usd_per_year(comparison)), result
        ),
        "resources": lambda: resources_figure(result),
        "fleet": lambda: fleet_figure(fleet_capacity(comparison), result),
        "silicon": lambda: silicon_figure(
            silicon_steps_usd(chip_inputs(comparison), result["silicon"]),
            silicon_note(comparison),
        ),
    }
    return builders[kind]()
