"""Numbers for people: $10.0B, 1.31 TWh, 350,000 units. JSON and CSV keep exact numbers."""

from __future__ import annotations

import math


def _scaled(x: float, steps: list[tuple[float, str]], digits: int = 3) -> str:
    """``x`` with the largest suffix not above it, to ``digits`` significant figures."""
    if not math.isfinite(x):  # an overflowing figure (absurd inputs): no digits to show
        return "n/a"
    ax = abs(x)
    for factor, suffix in steps:
        if ax >= factor:
            v = x / factor
            decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(v)))))
            return f"{v:,.{decimals}f}{suffix}"
    return f"{x:,.{max(0, digits - 1)}f}" if ax < 1 else f"{x:,.0f}"


def usd(x: float | None) -> str:
    """Money: ``$10.0B``, ``-$350M``, ``$28.6k``, ``$0.52``.

    >>> usd(1e10), usd(-3.5e8), usd(28571.4), usd(0.523)
    ('$10.0B', '-$350M', '$28.6k', '$0.523')
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    ax = abs(x)
    if ax < 1000:
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
        _scaled(x, [(1e9, " TWh"), (1e6, " GWh"), (1e3, " MWh"), (1, " kWh")])
        if abs(x) >= 1
        else f"{x:.3g} kWh"
    )


def water_l(x: float | None) -> str:
    """Water from litres: ``340 ML`` (megalitres), ``1.20 GL``.

    >>> water_l(3.4e8), water_l(1.2e9), water_l(500)
    ('340 ML', '1.20 GL', '500 L')
    """
    if x is None:
        return "n/a"
    return _scaled(x, [(1e9, " GL"), (1e6, " ML"), (1e3, " kL")]) + ("" if abs(x) >= 1e3 else " L")


def co2e_kg(x: float | None) -> str:
    """Emissions from kg: ``497 kt CO2e``, ``1.20 Mt CO2e``.

    >>> co2e_kg(4.97e8), co2e_kg(1.2e9)
    ('497 kt CO2e', '1.20 Mt CO2e')
    """
    if x is None:
        return "n/a"
    text = _scaled(x, [(1e9, " Mt"), (1e6, " kt"), (1e3, " t")])
    return text + (" CO2e" if abs(x) >= 1e3 else " kg CO2e")


def units(x: float | None) -> str:
    """A count of units, rounded up for display (fleet sizes are continuous).

    >>> units(350000.0), units(1234.2)
    ('350,000', '1,235')
    """
    if x is None:
        return "n/a"
    return f"{math.ceil(x - 1e-9):,}"


def number(x: float | None, digits: int = 3) -> str:
    """A plain number to a few significant figures.

    >>> number(0.02075), number(93.33), number(1234567.0)
    ('0.0208', '93.3', '1,234,567')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if x == 0:
        return "0"
    magnitude = int(math.floor(math.log10(abs(x))))
    if magnitude >= digits - 1:
        return f"{x:,.0f}"
    return f"{x:,.{digits - 1 - magnitude}f}"


def percent(x: float | None) -> str:
    """A share already in per cent: ``10.5%``.

    >>> percent(10.456), percent(None)
    ('10.5%', 'n/a')
    """
    return "n/a" if x is None else f"{x:.1f}%"
