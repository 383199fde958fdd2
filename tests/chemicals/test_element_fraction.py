"""Element mass fractions with molmass, and the fixture's stored fractions against them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chemicals.element_fraction import elements_in, mass_fraction

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "chemicals"


def test_fractions_of_known_compounds():
    assert mass_fraction("CrO4Pb", "Pb") == pytest.approx(0.64110, abs=1e-5)  # lead chromate, reference §3
    assert mass_fraction("CrO4Pb", "Cr") == pytest.approx(0.16088, abs=1e-5)
    assert mass_fraction("CdO", "Cd") == pytest.approx(0.87541, abs=1e-4)
    assert mass_fraction("Pb", "Pb") == 1.0
    assert mass_fraction("C24H38O4", "Pb") == 0.0  # DEHP holds no lead


def test_hydrates_count_their_water():
    anhydrous = mass_fraction("Cl2Co", "Co")
    hexahydrate = mass_fraction("Cl2CoH12O6", "Co")
    assert hexahydrate == pytest.approx(0.24769, abs=1e-4)
    assert mass_fraction("CoCl2.6H2O", "Co") == pytest.approx(hexahydrate)
    assert anhydrous > hexahydrate


@pytest.mark.parametrize("formula", ["steel", "T2", "", "   ", None, "Xx", "C(", "h2o", "(C2H3Cl)n"])
def test_unreadable_formulas_give_none_not_an_exception(formula):
    assert mass_fraction(formula, "Pb") is None
    assert elements_in(formula) is None


def test_elements_in():
    assert elements_in("CrO4Pb") == {"Cr", "O", "Pb"}
    assert elements_in("D2O") == {"H", "O"}  # isotopes fold into their element
    assert elements_in("O4S-2") == {"O", "S"}  # the charge's electrons are not an element


def _members_with_fractions() -> list[tuple[str, str, str, float]]:
    gpg = json.loads((FIXTURES / "lists" / "gpg-13.0.json").read_text(encoding="utf-8"))
    return [
        (member["cas"], member["formula"], element, stored)
        for group in gpg["groups"]
        for member in group["members"]["cas"]
        if member.get("formula")
        for element, stored in (member.get("element_mass_fraction") or {}).items()
    ]


def test_every_stored_fraction_in_the_fixture_agrees_with_molmass():
    rows = _members_with_fractions()
    assert len(rows) > 80  # the members of the element-counted groups (Cd, Cr(VI), Pb, Hg, Sn, Bi, ...)
    off = [
        (cas, formula, element, stored, mass_fraction(formula, element))
        for cas, formula, element, stored in rows
        if mass_fraction(formula, element) is None or abs(mass_fraction(formula, element) - stored) > 5e-4
    ]
    assert off == []


def test_every_member_of_an_element_counted_group_with_a_formula_has_its_stored_fraction():
    # The fixture stores fractions where they are the numerator (Appendix 1 metal rule), not everywhere.
    gpg = json.loads((FIXTURES / "lists" / "gpg-13.0.json").read_text(encoding="utf-8"))
    missing = [
        (group["code"], member["cas"])
        for group in gpg["groups"]
        if (group.get("numerator") or {}).get("measure") == "element"
        for member in group["members"]["cas"]
        if member.get("formula")
        and group["numerator"]["element"] not in (member.get("element_mass_fraction") or {})
    ]
    assert missing == []
