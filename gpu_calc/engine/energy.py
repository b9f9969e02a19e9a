"""Power, energy, water and carbon. MODEL.md sections 3 and 6.

Power in W, energy in kWh, water in litres, emissions in kg CO2e; 8760 hours a year.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def _f(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=np.float64)


HOURS_PER_YEAR = 8760.0


def it_peak_w(
    power_w: ArrayLike, host_power_w_per_server: ArrayLike, chips_per_server: ArrayLike
) -> Array:
    """Peak IT power of one accelerator with its share of the host. [W]

    >>> float(it_peak_w(700.0, 3200.0, 8.0))
    1100.0
    """
    return _f(power_w) + _f(host_power_w_per_server) / _f(chips_per_server)


def energy_kwh_per_year(units: ArrayLike, avg_w: ArrayLike) -> Array:
    """Energy a year of ``units`` drawing ``avg_w`` each. [kWh]

    The seed's H100: 700 W at a 0.61 load factor, 3,740 kWh a year.

    >>> round(float(energy_kwh_per_year(1.0, 700 * 0.61)))
    3741
    """
    kwh = _f(units) * _f(avg_w)
    kwh *= HOURS_PER_YEAR
    kwh /= 1000.0
    return kwh


def water_l(
    energy_it_kwh: ArrayLike,
    energy_facility_kwh: ArrayLike,
    wue_l_per_kwh: ArrayLike,
    water_source_l_per_kwh: ArrayLike,
) -> Array:
    """Water used on site (per IT kWh) and off site (per facility kWh). [L]

    >>> float(water_l(100.0, 110.0, 0.26, 0.5))
    81.0
    """
    return _f(energy_it_kwh) * _f(wue_l_per_kwh) + _f(energy_facility_kwh) * _f(
        water_source_l_per_kwh
    )
