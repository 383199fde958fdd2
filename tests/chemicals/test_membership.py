"""Group membership by CAS, SN number, element rule and referenced register, built from the fixture files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from chemicals.membership import GroupIndex, GroupMatch, GroupSpec, group_specs_from_fixture

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "chemicals"
GPG = json.loads((FIXTURES / "lists" / "gpg-13.0.json").read_text(encoding="utf-8"))
CONTROLLED = json.loads((FIXTURES / "ods-fgas.json").read_text(encoding="utf-8"))


def fullwidth(text: str) -> str:
    """The text as a Japanese IME types it: ASCII letters, digits and "-" in their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.fixture(scope="module")
def index() -> GroupIndex:
    return GroupIndex(group_specs_from_fixture(GPG, CONTROLLED))


def _by_code(matches: list[GroupMatch]) -> dict[str, GroupMatch]:
    return {m.code: m for m in matches}


def test_specs_follow_the_fixture():
    specs = {s.code: s for s in group_specs_from_fixture(GPG, CONTROLLED)}
    assert len(specs) == 54
    element_rules = {s.code: s.counted_element for s in specs.values() if s.element_rule}
    assert element_rules == {
        "T1-1": "Cd", "T1-3": "Pb", "T1-4": "Hg",
        "T2-1": "Bi", "T2-2": "As", "T2-3": "Be", "T2-4": "Ni", "T2-5": "Se", "T2-12": "Co",
    }  # fmt: skip
    # Cr(VI) and organotins count an element but are not element rules (README: oxidation state, structure).
    assert specs["T1-2"].counted_element == "Cr" and not specs["T1-2"].element_rule
    assert specs["T1-7"].counted_element == "Sn" and not specs["T1-7"].element_rule
    assert specs["T2-11"].counted_element == "Sn" and not specs["T2-11"].element_rule
    assert specs["T2-6"].sn_groups == {"SN0015"}
    assert len(specs["T1-13"].list_ref_cas) == 37  # ODS Class I
    assert len(specs["T2-9"].list_ref_cas) == 34  # ODS Class II (HCFCs)
    assert len(specs["T2-16"].list_ref_cas) == 165  # F-gases
    assert specs["T1-19"].counted_element is None and specs["T1-19"].kind == "prohibited"


def test_lead_chromate_counts_in_two_groups(index):
    matches = _by_code(index.match("7758-97-6"))
    assert set(matches) == {"T1-2", "T1-3"}
    assert matches["T1-2"].fraction == pytest.approx(0.16088, abs=5e-4)
    assert matches["T1-3"].fraction == pytest.approx(0.64110, abs=5e-4)
    assert {m.how for m in matches.values()} == {"cas"}


def test_elements_and_alloys_count_whole(index):
    assert index.match("7439-92-1") == [GroupMatch("T1-3", "Pb", 1.0, "cas")]
    assert index.match(None, "Pb") == [GroupMatch("T1-3", "Pb", 1.0, "element")]  # formula only, no CAS


def test_unlisted_compound_joins_its_element_group_by_formula_from_the_identifier_table(index):
    # Lead acetate trihydrate is not listed; its formula (C4H12O7Pb) comes from the `chemicals` table.
    [match] = index.match("6080-56-4")
    assert (match.code, match.how) == ("T1-3", "element")
    assert match.fraction == pytest.approx(207.2 / 379.3, abs=5e-4)


def test_a_compound_of_two_counted_elements_joins_both(index):
    # Cadmium selenide: listed in T1-1; T2-5 (selenium) takes it by element rule.
    matches = _by_code(index.match("1306-24-7"))
    assert matches["T1-1"].how == "cas" and matches["T2-5"].how == "element"
    assert matches["T1-1"].fraction + matches["T2-5"].fraction == pytest.approx(1.0, abs=1e-6)


def test_chromium_without_cr6_is_not_in_t1_2(index):
    assert index.match("7440-47-3") == []  # chromium metal
    assert index.match("1308-38-9") == []  # chromium(III) oxide
    assert _by_code(index.match("1333-82-0"))["T1-2"].fraction == pytest.approx(0.52, abs=5e-4)  # CrO3


def test_organotins_match_only_by_list(index):
    assert index.match("1461-25-2") == []  # tetrabutyltin: tetra-substituted, in neither list
    assert index.match("7440-31-5") == []  # tin metal
    [tbto] = index.match("56-35-9")
    assert (tbto.code, tbto.counted_element, tbto.how) == ("T1-7", "Sn", "cas")
    assert tbto.fraction == pytest.approx(0.39828, abs=5e-4)


def test_listed_member_without_formula_has_unknown_fraction(index):
    # C.I. Pigment Yellow 34 (lead sulfochromate): a UVCB, so the Cr share is unknown, not guessed.
    assert index.match("1344-37-2") == [GroupMatch("T1-2", "Cr", None, "cas")]


def test_substance_groups_count_the_whole_mass(index):
    assert index.match("117-81-7") == [GroupMatch("T1-19", None, 1.0, "cas")]
    assert index.match("9002-86-2") == [GroupMatch("T2-7", None, 1.0, "cas")]


def test_sn_group_numbers(index):
    assert index.match("SN0015") == [GroupMatch("T2-6", None, 1.0, "sn")]
    assert index.match("sn0015") == [GroupMatch("T2-6", None, 1.0, "sn")]
    assert index.match("SN9999") == []


def test_registers_referenced_by_list_ref(index):
    assert index.match("76-14-2") == [GroupMatch("T1-13", None, 1.0, "list_ref")]  # CFC-114, Class I
    assert index.match("75-43-4") == [GroupMatch("T2-9", None, 1.0, "list_ref")]  # HCFC-21, Class II
    assert index.match("420-46-2") == [GroupMatch("T2-16", None, 1.0, "list_ref")]  # HFC-143a
    assert index.match("75-69-4") == [GroupMatch("T1-13", None, 1.0, "cas")]  # CFC-11 is also a listed member


def test_nothing_for_unknown_or_bad_identifiers(index):
    assert index.match("7732-18-5") == []  # water
    assert index.match("7439-92-2") == []  # lead's number with a wrong check digit
    assert index.match("") == []
    assert index.match(None) == []
    assert index.match("steel") == []


def test_identifiers_are_normalised(index):
    assert index.match(fullwidth("7758-97-6")) == index.match("7758-97-6")
    assert index.match("7758976") == index.match("7758-97-6")


def test_formula_sources_in_order(index):
    # A valid number the identifier table lacks: the supplier's formula decides.
    assert index.match("1234-56-6", "OPb") == [
        GroupMatch("T1-3", "Pb", pytest.approx(0.92832, abs=5e-4), "element")
    ]
    assert index.match("1234-56-6") == []
    # A listed member keeps the curated formula whatever the supplier writes.
    assert index.match("1306-19-0", "CdO4S")[0].fraction == pytest.approx(0.87541, abs=5e-4)


def test_every_listed_fraction_matches_the_fixture(index):
    checked = 0
    for group in GPG["groups"]:
        element = (group.get("numerator") or {}).get("element")
        for member in group["members"]["cas"]:
            stored = (member.get("element_mass_fraction") or {}).get(element) if element else None
            match = _by_code(index.match(member["cas"]))[group["code"]]
            if stored is None:
                assert match.fraction == (1.0 if not element else None), member["cas"]
            else:
                assert match.fraction == pytest.approx(stored, abs=5e-4), member["cas"]
                checked += 1
    assert checked > 80


def test_group_spec_validation():
    with pytest.raises(ValueError, match="counted element"):
        GroupSpec("X-1", "prohibited", None, element_rule=True)
    spec = GroupSpec("X-1", "prohibited", "Pb", element_rule=True)
    with pytest.raises(ValueError, match="unique"):
        GroupIndex([spec, spec])


def test_fixture_builder_needs_the_register_for_list_refs():
    with pytest.raises(ValueError, match="ods"):
        group_specs_from_fixture(GPG, None)


def test_fixture_builder_rejects_a_bad_member_cas():
    broken = {"groups": [{**GPG["groups"][0], "members": {"cas": [{"cas": "7440-43-8", "name": "x"}]}}]}
    with pytest.raises(ValueError, match="7440-43-8"):
        group_specs_from_fixture(broken, CONTROLLED)


def test_twenty_thousand_matches_with_fifty_cas_numbers_are_fast(index):
    members = list(dict.fromkeys(m["cas"] for g in GPG["groups"] for m in g["members"]["cas"]))
    numbers = [*members[:45], "6080-56-4", "7732-18-5", "SN0015", "76-14-2", "7440-31-5"]
    assert len(set(numbers)) == 50
    for cas in numbers:  # warm the identifier table, which loads once per process
        index.match(cas, "")
    fresh = GroupIndex(index.specs)
    started = time.perf_counter()
    results = [fresh.match(numbers[i % 50]) for i in range(20_000)]
    elapsed = time.perf_counter() - started
    assert sum(map(bool, results)) > 15_000
    assert elapsed < 2.0, f"{elapsed:.3f} s"
