"""Numbers for people: $10.0B, 1.31 TWh, 350,000 units, 7.6%. JSON and CSV keep exact numbers.

The one place that says how a number reads: every human view (tables, Markdown, the HTML
report, charts, the verdict line) formats through these functions. :func:`quantity` formats
any field or output by the unit in its key; :func:`payback` and :func:`year` say when.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

#: Numbers from here on have no word or suffix: they are written ``1.99 × 10^17``.
BIG = 1e15


def power_of_ten(x: float, digits: int = 3) -> str:
    """A number too big for a suffix, to ``digits`` significant figures: ``1.99 × 10^17``.

    >>> power_of_ten(1.986768e17), power_of_ten(-1e306), power_of_ten(9.996e20)
    ('1.99 × 10^17', '-1.00 × 10^306', '1.00 × 10^21')
    """
    if not math.isfinite(x):
        return "n/a"
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return f"{mantissa} × 10^{int(exponent)}"


def _scaled(x: float, steps: list[tuple[float, str]], digits: int = 3, unit: str = "") -> str:
    """``x`` with the largest suffix not above it, to ``digits`` significant figures; from
    1,000 of the largest suffix on, a power of ten followed by ``unit`` (that of ``x``)."""
    if not math.isfinite(x):  # an overflowing figure (absurd inputs): no digits to show
        return "n/a"
    if x and steps:
        # rounded first, so that 999.7M is 1.00B, not 1,000M
        x = float(f"{x:.{digits}g}")
    ax = abs(x)
    if steps and ax >= steps[0][0] * 1000:
        return power_of_ten(x, digits) + unit
    for factor, suffix in steps:
        if ax >= factor:
            v = x / factor
            decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(v)))))
            return f"{v:,.{decimals}f}{suffix}"
    return f"{x:,.{max(0, digits - 1)}f}" if ax < 1 else f"{x:,.0f}"


def count(n: int, word: str) -> str:
    """``n`` and ``word``, plural unless n is 1: ``1 year``, ``4 years``, ``1,000 samples``.

    >>> count(1, "year"), count(4, "year"), count(1000, "sample"), count(1, "point")
    ('1 year', '4 years', '1,000 samples', '1 point')
    """
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def probability(p: float) -> str:
    """A probability in per cent, one decimal, never rounded to a certainty it is not:
    ``62.5%``, ``>99.9%`` for 0.99965, ``<0.1%`` for 0.0004, ``100.0%`` only for 1.

    >>> probability(0.625), probability(0.99965), probability(0.0004), probability(1.0)
    ('62.5%', '>99.9%', '<0.1%', '100.0%')
    """
    if 0.999 < p < 1:
        return ">99.9%"
    if 0 < p < 0.001:
        return "<0.1%"
    return f"{p * 100:.1f}%"


def usd(x: float | None) -> str:
    """Money: ``$10.0B``, ``-$350M``, ``$28.6k``, ``$0.52``; three significant figures below
    $100, trailing zeros kept (``$2.20``, not ``$2.2``), whole dollars as they are.

    >>> usd(1e10), usd(-3.5e8), usd(28571.4), usd(0.523), usd(1e306)
    ('$10.0B', '-$350M', '$28.6k', '$0.523', '$1.00 × 10^306')
    >>> usd(2.2), usd(13.449), usd(15.0), usd(99.96)
    ('$2.20', '$13.4', '$15', '$100')
    >>> usd(999.7), usd(999_700.0), usd(999.6e6), usd(-999.6e9)
    ('$1.00k', '$1.00M', '$1.00B', '-$1.00T')
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    ax = abs(x)
    if 1 <= ax < 100 and not float(ax).is_integer():
        text = f"{ax:#.3g}"
        return f"{sign}${text.rstrip('.')}"
    if ax < 999.5:  # from 999.5 on, $1.00k
        return f"{sign}${ax:.3g}" if ax < 100 else f"{sign}${ax:,.0f}"
    return sign + "$" + _scaled(ax, [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")])


def energy_kwh(x: float | None) -> str:
    """Energy from kWh: ``1.31 TWh``, ``450 GWh``, ``12.0 MWh``.

    >>> energy_kwh(1.309e9), energy_kwh(4.5e8), energy_kwh(12000)
    ('1.31 TWh', '450 GWh', '12.0 MWh')
    """
    if x is None:
        return "n/a"
    return (
        _scaled(x, [(1e9, " TWh"), (1e6, " GWh"), (1e3, " MWh"), (1, " kWh")], unit=" kWh")
        if abs(x) >= 1
        else f"{x:.3g} kWh"
    )


def _small(x: float) -> str:
    """A figure below 1 to three significant figures: ``0.999``, ``0.0500``, and a power of
    ten below a thousandth (``5.00 × 10^-5``).

    >>> _small(0.999), _small(0.05), _small(5e-5)
    ('0.999', '0.0500', '5.00 × 10^-5')
    """
    if abs(x) < 1e-3:
        return power_of_ten(x)
    return f"{x:#.3g}"


def water_l(x: float | None) -> str:
    """Water from litres: ``340 ML`` (megalitres), ``1.20 GL``.

    >>> water_l(3.4e8), water_l(1.2e9), water_l(500), water_l(0.0)
    ('340 ML', '1.20 GL', '500 L', '0 L')
    >>> water_l(999.7), water_l(999.6e9), water_l(0.25)
    ('1.00 kL', '1.00 × 10^12 L', '0.250 L')
    """
    if x is None:
        return "n/a"
    if abs(x) < 1:
        return "0 L" if x == 0 else _small(x) + " L"
    return _scaled(x, [(1e9, " GL"), (1e6, " ML"), (1e3, " kL"), (1, " L")], unit=" L")


def co2e_kg(x: float | None) -> str:
    """Emissions from kg: ``497 kt CO2e``, ``1.20 Mt CO2e``.

    >>> co2e_kg(4.97e8), co2e_kg(1.2e9), co2e_kg(0.0), co2e_kg(42.0)
    ('497 kt CO2e', '1.20 Mt CO2e', '0 kg CO2e', '42.0 kg CO2e')
    >>> co2e_kg(999.7), co2e_kg(999.6e9), co2e_kg(2e13)
    ('1.00 t CO2e', '1.00 × 10^12 kg CO2e', '2.00 × 10^13 kg CO2e')
    """
    if x is None:
        return "n/a"
    if abs(x) < 1:
        return "0 kg CO2e" if x == 0 else _small(x) + " kg CO2e"
    steps = [(1e9, " Mt CO2e"), (1e6, " kt CO2e"), (1e3, " t CO2e"), (1, " kg CO2e")]
    return _scaled(x, steps, unit=" kg CO2e")


def units(x: float | None) -> str:
    """A count of units (fleet sizes are continuous), to the nearest whole unit, halves away
    from zero as a spreadsheet's ``#,##0`` shows it: the table and the workbook agree.

    >>> units(350000.0), units(1234.2), units(1234.5), units(-2637.36), units(1e308)
    ('350,000', '1,234', '1,235', '-2,637', '1.00 × 10^308')
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    if abs(x) >= BIG:
        return power_of_ten(x)
    whole = math.floor(abs(x) + 0.5)
    return f"{'-' if x < 0 and whole else ''}{whole:,}"


def number(x: float | None, digits: int = 3) -> str:
    """A plain number to a few significant figures.

    >>> number(0.02075), number(93.33), number(1234567.0), number(6.1e-07), number(2e20)
    ('0.0208', '93.3', '1,234,567', '6.10 × 10^-7', '2.00 × 10^20')
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) >= BIG or abs(x) < 1e-4:
        return power_of_ten(x, digits)
    magnitude = int(math.floor(math.log10(abs(x))))
    if magnitude >= digits - 1:
        return f"{x:,.0f}"
    return f"{x:,.{digits - 1 - magnitude}f}"


def percent(x: float | None) -> str:
    """A share already in per cent: ``10.5%``; thousands separated, and from a million per
    cent on (a plan that costs next to nothing, beside one that costs billions) a power of
    ten, not forty digits.

    >>> percent(10.456), percent(None), percent(-0.0004), percent(float("inf"))
    ('10.5%', 'n/a', '0.0%', 'n/a')
    >>> percent(123456.78), percent(4.07e41), percent(999999.96)
    ('123,456.8%', '4.07 × 10^41%', '1.00 × 10^6%')
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    if abs(round(x, 1)) >= 1e6:  # 999,999.96 rounds up into the powers of ten too
        return f"{power_of_ten(x)}%"
    text = f"{x:,.1f}%"
    return "0.0%" if text == "-0.0%" else text


def share(x: float | None) -> str:
    """A share given as a fraction, in per cent: ``7.6%``, ``25.0%``, ``0.052%``.

    One decimal from 1% on; two significant figures below, so that small shares do not
    show as ``0.0%``.

    >>> share(0.0760033), share(0.25), share(0.00052), share(0), share(None)
    ('7.6%', '25.0%', '0.052%', '0.0%', 'n/a')
    >>> share(6.1e-07), share(1e-300)
    ('0.000061%', '1.0 × 10^-298%')
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    pct = x * 100
    if pct == 0 or abs(pct) >= 1:
        return f"{pct:,.1f}%"
    if abs(pct) < 1e-6:
        return power_of_ten(pct, 2) + "%"
    decimals = 1 - int(math.floor(math.log10(abs(pct))))
    return f"{pct:.{decimals}f}%"


def ratio(x: float | None) -> str:
    """How big one figure is beside another: a share below 1 (``2.1%``), else a multiple
    (``25.3x``).

    >>> ratio(0.020748), ratio(0.8), ratio(25.32), ratio(1.0), ratio(None)
    ('2.1%', '80.0%', '25.3x', '1.00x', 'n/a')
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    return share(x) if abs(x) < 1 else number(x) + "x"


def _whole(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < BIG else number(x)


#: Unit suffix of a key's last part -> formatter: the unit its name carries (MODEL.md
#: section 1). Longest suffixes first; names that are shares are listed in
#: :data:`SHARE_NAMES`. :func:`unit_of` picks the suffix, for every view that formats by
#: unit (the workbook's number formats and the presets' column headers too).
SUFFIXES: list[tuple[str, Callable[[float], str]]] = [
    ("_usd_per_kwh", lambda x: (f"${x:.4g}" if abs(x) < BIG else usd(x)) + "/kWh"),
    ("_usd_per_reference_hour", usd),
    ("_usd_per_million_tokens", usd),
    ("_kwh_per_year", energy_kwh),
    ("_usd_per_kw_month", lambda x: usd(x) + "/kW-month"),
    ("_usd_per_unit_year", lambda x: usd(x) + "/unit/yr"),
    ("_usd_per_mw", lambda x: usd(x) + "/MW"),
    ("_usd_per_year", lambda x: usd(x) + "/yr"),
    ("_usd_per_server", lambda x: usd(x) + "/server"),
    ("_usd_per_unit", lambda x: usd(x) + "/unit"),
    ("_usd", usd),
    ("_usd_per_mm2", lambda x: usd(x) + "/mm2"),
    ("_usd_per_gb", lambda x: usd(x) + "/GB"),
    ("_kg_co2e_per_kwh", lambda x: f"{number(x)} kg/kWh"),
    ("_kg_co2e_per_gb", lambda x: f"{number(x)} kg CO2e/GB"),
    ("_kg_co2e_per_cm2", lambda x: f"{number(x)} kg CO2e/cm2"),
    ("_l_per_kwh", lambda x: f"{number(x)} L/kWh"),
    ("_per_cm2", lambda x: f"{number(x)} /cm2"),
    ("_kg_co2e", co2e_kg),
    ("_w_per_server", lambda x: f"{_whole(x)} W/server"),
    ("_gb", lambda x: f"{_whole(x)} GB"),
    ("_mm2", lambda x: f"{_whole(x)} mm2"),
    ("_mm", lambda x: f"{_whole(x)} mm"),
    ("_mw", lambda x: f"{number(x)} MW"),
    ("_km", lambda x: f"{number(x)} km"),
    ("_w", lambda x: f"{_whole(x)} W"),
    ("_kwh", energy_kwh),
    ("_l", water_l),
    ("_kg", co2e_kg),
    ("_pct", percent),
    ("_tokens_per_s", lambda x: f"{number(x)} tokens/s"),
    ("_years", lambda x: f"{_whole(x)} yr"),
    ("_year", lambda x: _whole(x)),
    ("units", units),
    ("respins", _whole),
    ("per_server", _whole),
    ("per_package", _whole),
]
_FORMATTERS = dict(SUFFIXES)
#: Fields that are a share of something, written as a fraction (0.25): shown in per cent.
SHARE_NAMES = frozenset(
    {
        "share",
        "load_factor",
        "package_yield",
        "partner_markup",
        "discount_rate",
        "die_yield",
        "harvest_area_fraction",
    }
)


#: Plan names an output's key may end with (a sweep's ``npv_usd_buy``): not a unit.
_PLAN_SUFFIXES = ("_buy", "_build")


def key_name(key: str) -> str:
    """The last part of a key path, without an index: ``site.electricity_usd_per_kwh[2]``
    is ``electricity_usd_per_kwh``."""
    return key.rsplit(".", 1)[-1].split("[", 1)[0]


def unit_of(key: str) -> str | None:
    """The unit a key's name carries: the first suffix of :data:`SUFFIXES` it ends with
    (a name that is a suffix itself, such as ``usd_per_million_tokens``, counts), ``share``
    for :data:`SHARE_NAMES`, None for a plain number.

    >>> unit_of("site.electricity_usd_per_kwh[0]"), unit_of("usd_per_million_tokens")
    ('_usd_per_kwh', '_usd_per_million_tokens')
    >>> unit_of("build.share"), unit_of("bought_units"), unit_of("site.pue")
    ('share', 'units', None)
    >>> unit_of("npv_usd_build")  # a sweep's output: the plan's name is not a unit
    '_usd'
    """
    name = key_name(key)
    for plan in _PLAN_SUFFIXES:
        name = name.removesuffix(plan)
    if name in SHARE_NAMES:
        return "share"
    name = "_" + name
    return next((suffix for suffix, _ in SUFFIXES if name.endswith(suffix)), None)


def formatter(key: str) -> Callable[[float | None], str]:
    """The formatter of a field or output by its key path, from the unit in its name
    (:func:`unit_of`); a missing or non-finite figure is ``n/a`` alone (not ``n/a km``).

    >>> formatter("build.nre.software_usd_per_year")(34040723.0)
    '$34.0M/yr'
    >>> formatter("demand.units[4]")(977526.2), formatter("build.share")(0.173991)
    ('977,526', '17.4%')
    >>> formatter("fleet_length_km")(None), formatter("fleet_length_km")(125.0)
    ('n/a', '125 km')
    >>> formatter("packaging_usd_per_mm2")(0.0893), formatter("memory_usd_per_gb")(15.0)
    ('$0.0893/mm2', '$15/GB')
    >>> formatter("memory_kg_co2e_per_gb")(0.065), formatter("wafer_kg_co2e_per_cm2")(2.431)
    ('0.0650 kg CO2e/GB', '2.43 kg CO2e/cm2')
    >>> formatter("usd_per_million_tokens")(0.1234), formatter("savings_pct")(12.34)
    ('$0.123', '12.3%')
    """
    unit = unit_of(key)
    fmt = share if unit == "share" else _FORMATTERS.get(unit or "", number)

    def shown(x: float | None) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "n/a"
        return fmt(x)

    return shown


def quantity(key: str, x: float | None) -> str:
    """A value of the field or output ``key`` for people, with its unit.

    >>> quantity("buy.unit_price_usd", 25500), quantity("site.pue", 1.082)
    ('$25.5k', '1.08')
    >>> quantity("build.chip.wafer_usd", 16098.8), quantity("site.electricity_usd_per_kwh", 0.07564)
    ('$16.1k', '$0.07564/kWh')
    >>> quantity("buy.power_w", 700), quantity("build.share", None)
    ('700 W', 'n/a')
    """
    return formatter(key)(x)


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def year(t: int, start_year: int | None = None) -> str:
    """Year ``t`` of the horizon (0-based, as in the JSON) for people: the calendar year
    when ``start_year`` (the calendar year of t = 0) is known, else counted from 1.

    A year too far to write out (a first silicon pushed back by 10^30 respins, say) is a
    power of ten.

    >>> year(0), year(2), year(2, start_year=2025), year(10**30)
    ('1', '3', '2027', '1.00 × 10^30')
    """
    n = start_year + t if start_year is not None else t + 1
    return str(n) if abs(n) < 1_000_000 else power_of_ten(float(n))


class PaybackPath(NamedTuple):
    """How the cumulative discounted savings (``comparison.savings_npv_usd_per_year``,
    summed) move, for words that do not mistake MODEL.md's payback year (the first year they
    are >= 0) for a lasting one."""

    #: the first year from which they stay >= 0 to the end; None when they end below 0
    lasting: int | None
    #: the cumulative savings in each year
    cumulative: tuple[float, ...]

    def level(self, t: int) -> str:
        """``ahead`` or ``even`` in year t (cumulative savings above 0, or exactly 0)."""
        return "even" if self.cumulative[t] == 0 else "ahead"


def payback_path(savings_per_year: Any) -> PaybackPath | None:
    """The :class:`PaybackPath` of the savings per year (None when there are none or one is
    missing: the plain words then).

    >>> payback_path([5, -10, 20]).lasting, payback_path([5, -10]).lasting
    (2, None)
    >>> payback_path([0, -4, 9]).lasting, payback_path([-1, 3]).lasting, payback_path(None)
    (2, 1, None)
    """
    if not savings_per_year or any(x is None for x in savings_per_year):
        return None
    import numpy as np

    from gpu_calc.engine.finance import lasting_payback_year  # the engine's one definition

    cumulative, total = [], 0.0
    for x in savings_per_year:
        total += float(x)
        cumulative.append(total)
    # savings near the largest float may overflow when summed: inf, as the engine allows
    with np.errstate(over="ignore", invalid="ignore"):
        lasting = float(lasting_payback_year([float(x) for x in savings_per_year]))
    return PaybackPath(None if math.isnan(lasting) else int(lasting), tuple(cumulative))


def payback(
    year_index: int | None,
    horizon: int,
    start_year: int | None = None,
    path: PaybackPath | None = None,
) -> str:
    """When building pays back, as a phrase for a sentence.

    ``year_index`` is ``comparison.payback_year`` (0-based; None when building never pays
    back: the first year whose cumulative discounted savings are >= 0); ``start_year`` is the
    calendar year of t = 0 when the scenario gives one; ``path`` (:func:`payback_path`) says
    how the cumulative savings move after it: a payback that does not last, or that is only
    a tie, is not called one.

    >>> payback(0, 4)
    'cheaper from the first year: no payback period'
    >>> payback(2, 4), payback(2, 4, start_year=2025)
    ('pays back in year 3 of 4', 'pays back in 2027')
    >>> payback(None, 4), payback(None, 1)
    ('does not pay back within 4 years', 'does not pay back within 1 year')
    >>> payback(0, 2, path=payback_path([5, -10]))
    'ahead in the first year but behind again by the end of the horizon'
    >>> payback(0, 3, start_year=2024, path=payback_path([5, -10, 20]))
    'pays back for good in 2026, after being ahead in the first year'
    >>> payback(0, 3, path=payback_path([0, -4, 9]))
    'pays back for good in year 3 of 3, after being even in the first year'
    >>> payback(0, 2, path=payback_path([0, 0])), payback(0, 2, path=payback_path([0, 3]))
    ('even every year: the plans cost the same', 'even in the first year, ahead from then on')
    """
    if year_index is None:
        return f"does not pay back within {count(horizon, 'year')}"

    def when(t: int) -> str:
        return str(start_year + t) if start_year is not None else f"year {t + 1} of {horizon}"

    first = "the first year" if year_index == 0 else when(year_index)
    if path is not None:
        level = path.level(year_index)
        if path.lasting is None:
            return f"{level} in {first} but behind again by the end of the horizon"
        if path.lasting > year_index:
            return f"pays back for good in {when(path.lasting)}, after being {level} in {first}"
        if all(c == 0 for c in path.cumulative):
            return "even every year: the plans cost the same"
        if level == "even":
            return f"even in {first}, ahead from then on"
    if year_index == 0:
        return "cheaper from the first year: no payback period"
    return f"pays back in {when(year_index)}"


def payback_short(
    year_index: int | None,
    start_year: int | None = None,
    savings_usd: float | None = None,
    lasting: int | None = None,
) -> str:
    """When building pays back, for a table cell: ``from the start``, ``year 3``,
    ``2027`` or ``never``; ``behind at end`` when the savings (``savings_usd``, the NPV)
    are negative though the cumulative savings were ahead in some year, ``even`` when they
    are exactly 0 (the plans cost the same); with ``lasting`` (``lasting_payback_year`` of
    the JSON), the year from which building stays ahead when the savings dip after
    ``year_index``.

    >>> payback_short(0), payback_short(2), payback_short(2, 2025), payback_short(None)
    ('from the start', 'year 3', '2027', 'never')
    >>> payback_short(0, savings_usd=-1.0), payback_short(0, savings_usd=0.0)
    ('behind at end', 'even')
    >>> payback_short(0, 2024, 10.0, payback_path([5, -10, 20]).lasting)
    '2026'
    """
    if year_index is None:
        return "never"
    if savings_usd is not None and savings_usd < 0:
        return "behind at end"
    if savings_usd is not None and savings_usd == 0:
        return "even"
    if lasting is not None and lasting > year_index:
        year_index = lasting
    if year_index == 0:
        return "from the start"
    if start_year is not None:
        return str(start_year + year_index)
    return f"year {year_index + 1}"
