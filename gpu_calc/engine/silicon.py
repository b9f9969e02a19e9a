"""Silicon: dies per wafer, die yield, the in-house chip's unit price and its NRE.

MODEL.md section 4. All inputs broadcast; areas in mm², defect densities per cm².
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def _f(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=np.float64)


YIELD_MODELS = ("murphy", "poisson", "negative_binomial")

#: The largest area one lithography exposure prints, 26 x 33 mm (the scanner's field): no
#: single exposure prints a die above it. [mm²]
RETICLE_AREA_MM2 = 26.0 * 33.0


def dies_per_wafer(die_area_mm2: ArrayLike, wafer_diameter_mm: ArrayLike = 300.0) -> Array:
    """Whole dies on a round wafer, with the usual edge-loss correction.

    ``floor(pi (d/2)^2 / A - pi d / sqrt(2 A))``; zero or less means no die fits.

    Parameters
    ----------
    die_area_mm2 : array_like
        Area of one die. [mm²]
    wafer_diameter_mm : array_like
        Wafer diameter. [mm]

    Examples
    --------
    A 100 mm² die on a 300 mm wafer: 70685.8/100 - 942.48/14.142 = 706.86 - 66.64 = 640.2.

    >>> float(dies_per_wafer(100.0))
    640.0
    """
    a, d = _f(die_area_mm2), _f(wafer_diameter_mm)
    return np.floor(np.pi * (d / 2) ** 2 / a - np.pi * d / np.sqrt(2 * a))


def die_yield(
    die_area_mm2: ArrayLike,
    defect_density_per_cm2: ArrayLike,
    model: str = "murphy",
    alpha: ArrayLike = 3.0,
) -> Array:
    """Share of good dies: Murphy (default), Poisson or negative binomial.

    With ``x = A_cm2 * D0``: Murphy ``((1 - e^-x) / x)^2``; Poisson ``e^-x``; negative
    binomial ``(1 + x / alpha)^-alpha``. Every model gives 1 when ``D0 = 0``.

    Examples
    --------
    1 cm² at 0.1 per cm²: x = 0.1, (1 - e^-0.1)/0.1 = 0.951626, squared 0.905592.

    >>> round(float(die_yield(100.0, 0.1)), 6)
    0.905592
    >>> round(float(die_yield(100.0, 0.1, "poisson")), 6)
    0.904837
    """
    x = (
        np.asarray(die_area_mm2, dtype=float)
        / 100.0
        * np.asarray(defect_density_per_cm2, dtype=float)
    )
    if model == "murphy":
        safe = np.where(x > 0, x, 1.0)
        # -expm1(-x) is 1 - e^-x without cancellation: a tiny x gives ~1, not 0
        return np.where(x > 0, (-np.expm1(-safe) / safe) ** 2, 1.0)
    if model == "poisson":
        return np.exp(-x)
    if model == "negative_binomial":
        a = _f(alpha)
        return _f((1.0 + x / a) ** (-a))
    raise ValueError(f"unknown yield model {model!r} (known: {', '.join(YIELD_MODELS)})")


def critical_area_mm2(die_area_mm2: ArrayLike, harvest_area_fraction: ArrayLike = 0.0) -> Array:
    """The area of one die where a defect kills it: ``A * (1 - harvest_area_fraction)``. [mm²]

    A die built with spare units (GPU streaming multiprocessors, cache slices, memory
    controllers) is sold with the broken ones fused off: a defect in that harvestable share
    of the area costs a unit, not the die. The yield models of :func:`die_yield` then take
    this critical area instead of the whole die (docs/model.md, die harvesting).

    Parameters
    ----------
    die_area_mm2 : array_like
        Area of one die. [mm²]
    harvest_area_fraction : array_like
        Share of that area whose defects are tolerated, in ``[0, 1)``; 0 (the default)
        gives the whole die. [1]

    Examples
    --------
    An 814 mm² die with 56% of its area harvestable: 814 x 0.44 = 358.16 mm² can kill it.

    >>> round(float(critical_area_mm2(814.0, 0.56)), 2), float(critical_area_mm2(814.0))
    (358.16, 814.0)
    """
    return _f(die_area_mm2) * (1.0 - _f(harvest_area_fraction))


def die_cost_usd(wafer_usd: ArrayLike, dies: ArrayLike, yield_share: ArrayLike) -> Array:
    """Cost of one good die: ``wafer_usd / (dies_per_wafer * die_yield)``. [USD]

    >>> float(die_cost_usd(10000.0, 100.0, 0.5))
    200.0
    """
    return _f(wafer_usd) / (_f(dies) * _f(yield_share))


def chip_unit_price_usd(
    dies_usd: ArrayLike,
    memory_usd: ArrayLike = 0.0,
    packaging_usd: ArrayLike = 0.0,
    package_yield: ArrayLike = 1.0,
    board_usd: ArrayLike = 0.0,
    partner_markup: ArrayLike = 0.0,
    test_assembly_usd: ArrayLike | None = None,
) -> Array:
    """Unit price of the in-house chip. [USD]

    ``((dies + memory + packaging [+ test_assembly]) / package_yield + board)
    * (1 + partner_markup)``; without ``test_assembly_usd`` the sum is MODEL.md section 4's,
    operation for operation. ``dies_usd`` is the logic silicon of one package: one good
    die's cost (MODEL.md's ``die_usd``), times the dies of a multi-die package
    (``dies_per_package x die_usd``).

    >>> float(chip_unit_price_usd(200.0, 400.0, 200.0, 0.8, 100.0, 0.1))
    1210.0
    >>> float(chip_unit_price_usd(200.0, 400.0, 200.0, 0.8, 100.0, 0.1, 80.0))
    1320.0
    """
    parts = _f(dies_usd) + _f(memory_usd) + _f(packaging_usd)
    if test_assembly_usd is not None:
        parts = parts + _f(test_assembly_usd)
    return (parts / _f(package_yield) + _f(board_usd)) * (1.0 + _f(partner_markup))


def memory_usd(memory_gb: ArrayLike, memory_usd_per_gb: ArrayLike) -> Array:
    """Memory of one chip from its capacity: ``memory_gb * memory_usd_per_gb``. [USD]

    >>> float(memory_usd(80.0, 15.0))
    1200.0
    """
    return _f(memory_gb) * _f(memory_usd_per_gb)


def packaging_usd(
    packaging_base_usd: ArrayLike, packaging_usd_per_mm2: ArrayLike, interposer_area_mm2: ArrayLike
) -> Array:
    """Packaging of one chip: ``base + usd_per_mm2 * interposer_area_mm2``. [USD]

    >>> float(packaging_usd(100.0, 0.25, 2000.0))
    600.0
    """
    return _f(packaging_base_usd) + _f(packaging_usd_per_mm2) * _f(interposer_area_mm2)


def embodied_kg_co2e(
    die_area_mm2: ArrayLike,
    wafer_kg_co2e_per_cm2: ArrayLike,
    die_yield_share: ArrayLike,
    memory_gb: ArrayLike = 0.0,
    memory_kg_co2e_per_gb: ArrayLike = 0.0,
    package_kg_co2e: ArrayLike = 0.0,
    dies_per_package: ArrayLike | None = None,
) -> Array:
    """Manufacturing emissions of one chip from its parts, as ACT (Gupta et al., ISCA 2022)
    counts them. [kg CO2e]

    ``A_cm2 * wafer_kg_co2e_per_cm2 / die_yield [* dies_per_package]
    + memory_gb * memory_kg_co2e_per_gb + package_kg_co2e``: the die's share of processed
    wafer, more for the dies lost to defects (once per die of a multi-die package), then its
    memory and its package. ``die_area_mm2`` is the area of one die.

    A 4.21 cm2 die at 2.431 kg/cm2 and yield 0.7: 4.21 x 2.431 / 0.7 = 14.621; plus
    128 GB x 0.048 = 6.144 and 0.15 for the package: 20.915. Two such dies in the
    package: 2 x 14.6207 + 6.144 + 0.15 = 35.535.

    >>> round(float(embodied_kg_co2e(421.0, 2.431, 0.7, 128.0, 0.048, 0.15)), 3)
    20.915
    >>> round(float(embodied_kg_co2e(421.0, 2.431, 0.7, 128.0, 0.048, 0.15, 2)), 3)
    35.535
    """
    die = _f(die_area_mm2) / 100.0 * _f(wafer_kg_co2e_per_cm2) / _f(die_yield_share)
    if dies_per_package is not None:
        die = die * _f(dies_per_package)
    return die + _f(memory_gb) * _f(memory_kg_co2e_per_gb) + _f(package_kg_co2e)


def nre_usd(
    design_usd: ArrayLike, ip_usd: ArrayLike, mask_set_usd: ArrayLike, respins: ArrayLike
) -> Array:
    """Non-recurring engineering: ``design + ip + mask_set * (1 + respins)``. [USD]

    >>> float(nre_usd(500e6, 10e6, 18e6, 1))
    546000000.0
    """
    return _f(design_usd) + _f(ip_usd) + _f(mask_set_usd) * (1.0 + _f(respins))
