"""Element mass fractions of a formula, with molmass (pure: no database).

For "X and its compounds" groups the numerator is the mass of element X, not of the substance (GPG 13.0
Appendix 1): 1 g of lead chromate (CrO4Pb) counts 0.641 g towards lead. molmass uses IUPAC standard atomic
weights, so the fractions agree with the fixture's `element_mass_fraction` to about 2e-4.
"""

from __future__ import annotations

import functools
import re

import molmass

_ISOTOPE_PREFIX = re.compile(r"^\d+")


@functools.lru_cache(maxsize=8192)
def _composition(formula: str) -> dict[str, float] | None:
    """{element symbol: mass fraction}, isotopes folded into their element, electrons of a charge left out."""
    if not formula or not formula.strip():
        return None
    try:
        items = molmass.Formula(formula.strip()).composition().items()
    except Exception:
        # FormulaError (a ValueError) for most bad text, other errors for some; unreadable means unknown.
        return None
    fractions: dict[str, float] = {}
    for symbol, item in items:
        if symbol == "e-":
            continue
        element = _ISOTOPE_PREFIX.sub("", symbol)  # "2H" (deuterium) counts as hydrogen
        fractions[element] = fractions.get(element, 0.0) + item.fraction
    return fractions or None


def mass_fraction(formula: str | None, element: str) -> float | None:
    """Mass fraction of `element` in `formula` (0.0 if absent), or None if the formula cannot be parsed.

    >>> round(mass_fraction("CrO4Pb", "Pb"), 4)
    0.6411
    """
    fractions = _composition(formula or "")
    if fractions is None:
        return None
    return fractions.get(element, 0.0)


def elements_in(formula: str | None) -> frozenset[str] | None:
    """The element symbols in `formula`, or None if it cannot be parsed."""
    fractions = _composition(formula or "")
    return None if fractions is None else frozenset(fractions)
