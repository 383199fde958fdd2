"""Golden cases of the evaluation engine (pure: no database).

The capacitor of seed 004 Appendix 1, and one case per rule of GPG 13.0 section 2 / Table 1 / Table 2 /
Appendix 1, each with numbers worked out by hand in the test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from chemicals import composition as tree
from chemicals.evaluation import evaluate
from chemicals.finding_text import explain
from chemicals.formats.registry import read_upload
from chemicals.rules import rules_from_files
from chemicals.validation import validate
from tests.chemicals.declaration_files import capacitor_ai

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "chemicals"
TODAY = date(2026, 11, 21)


@pytest.fixture(scope="module")
def rules():
    return rules_from_files(FIXTURES / "lists" / "gpg-13.0.json", FIXTURES)


def substance(cas, name, mg, *, intentional=None, exemptions=()):
    return tree.Substance(
        cas, name, mass_mg=Decimal(str(mg)), intentional=intentional, exemptions=list(exemptions)
    )


def material(name, mg, *substances, packaging=False):
    return tree.Material(name, mass_mg=Decimal(str(mg)), is_packaging=packaging, substances=list(substances))


def product(*materials, mass_mg=None, parts=(), markets=("EU",)):
    total = mass_mg if mass_mg is not None else sum(m.mass_mg for m in materials)
    return tree.Product(
        "P-1",
        name="Test product",
        mass_mg=Decimal(str(total)),
        materials=list(materials),
        parts=list(parts),
        destination_markets=list(markets),
    )


def only(result, group):
    found = [f for f in result.findings if f.group == group]
    assert len(found) == 1, [f.as_dict() for f in result.findings]
    return found[0]


def exemption(identity, item, list_identity="RoHS_Ver.2.00.00"):
    return tree.Exemption("chemSHERPA", list_identity, "", identity, item)


# -- the seed's capacitor ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def capacitor(rules):
    parsed = read_upload(capacitor_ai(), name="capacitor.shai")
    tolerance = Decimal(str(settings.MASS_BALANCE_TOLERANCE_PERCENT))  # the default, 0.1 %
    problems = parsed.problems + validate(parsed.products, tolerance_percent=tolerance)
    return evaluate(parsed.products[0], rules, TODAY), problems


def test_capacitor_dehp_in_the_sleeve_exceeds_table1_no19(capacitor):
    result, _problems = capacitor
    dehp = only(result, "T1-19")
    assert dehp.status == "EXCEEDS"
    assert dehp.basis == "homogeneous_material"
    assert round(dehp.ppm) == 166_667
    assert dehp.threshold_ppm == 1000
    assert dehp.mass_g == pytest.approx(0.05)
    assert dehp.path[-2:] == ["Sleeve", "PVC (Poly(vinyl chloride))"]
    text = explain(dehp.as_dict())
    assert "166,667 ppm > 1,000 ppm (Table 1 No. 19)" in text
    assert "0.05 g / PVC (Poly(vinyl chloride)) 0.3 g" in text


def test_capacitor_lead_plating_exceeds_and_internal_element_passes(capacitor):
    result, _problems = capacitor
    lead = {tuple(f.path[-2:]): f for f in result.findings if f.group == "T1-3"}
    plating = next(f for path, f in lead.items() if "Solder plating" in path[-1])
    element = next(f for path, f in lead.items() if path[0] == "Internal element")
    assert plating.status == "EXCEEDS"
    assert plating.ppm == pytest.approx(454_545.5, abs=1)
    # Taken as one homogeneous material, the internal element holds 0.0009 g in 2 g: 450 ppm.
    assert element.status == "OK"
    assert element.ppm == pytest.approx(450)


def test_capacitor_pvc_is_declared_and_the_verdict_is_non_compliant(capacitor):
    result, _problems = capacitor
    pvc = only(result, "T2-7")
    assert pvc.status == "DECLARED"
    assert pvc.mass_g == pytest.approx(0.15)
    assert result.verdict == "non_compliant"
    assert result.breached_groups == ["T1-3", "T1-19"]
    # Antimony (7440-36-0, declared as "phthalic anhydride") and copper ("steel") are in no group.
    assert not [f for f in result.findings if f.cas in ("7440-36-0", "7440-50-8")]


def test_capacitor_data_problems_are_warnings(capacitor):
    _result, problems = capacitor
    assert all(p.severity == "warning" for p in problems)
    mismatched = sorted(p.params.get("cas") for p in problems if p.code == "cas.name_mismatch")
    assert mismatched == ["117-81-7", "7439-92-1", "7439-92-1", "7440-36-0", "7440-50-8"]
    rollup = [p for p in problems if p.code == "mass.rollup_mismatch" and p.params.get("what") == "product"]
    assert rollup and rollup[0].params["computed"] == Decimal("2991")
    assert rollup[0].params["declared"] == Decimal("3000")


# -- metals: the element counts ---------------------------------------------------------------------


@pytest.mark.parametrize(("cdo_ppm", "cd_ppm", "status"), [(110, 96.3, "OK"), (140, 122.6, "EXCEEDS")])
def test_cadmium_oxide_counts_as_cadmium(rules, cdo_ppm, cd_ppm, status):
    # CdO is 87.54 % Cd: 110 ppm CdO is 96 ppm Cd (passes 100 ppm), 140 ppm is 123 ppm Cd.
    result = evaluate(
        product(material("Pigmented PP", 1_000_000, substance("1306-19-0", "CdO", cdo_ppm))), rules, TODAY
    )
    cadmium = only(result, "T1-1")
    assert cadmium.status == status
    assert cadmium.ppm == pytest.approx(cd_ppm, abs=0.1)
    assert cadmium.counted_element == "Cd"


def test_lead_chromate_counts_in_both_chromium_vi_and_lead(rules):
    result = evaluate(
        product(material("Paint", 1000, substance("7758-97-6", "Lead chromate", 2))), rules, TODAY
    )
    # 2000 ppm PbCrO4: Cr is 16.09 % (322 ppm, passes 1000), Pb is 64.11 % (1282 ppm, exceeds 1000).
    assert only(result, "T1-2").status == "OK"
    assert only(result, "T1-2").ppm == pytest.approx(321.8, abs=0.1)
    assert only(result, "T1-3").status == "EXCEEDS"
    assert only(result, "T1-3").ppm == pytest.approx(1282.2, abs=0.1)


# -- packaging: the four metals together ----------------------------------------------------------


def test_packaging_sums_cd_crvi_pb_hg(rules):
    box = material(
        "Printed carton",
        1_000_000,
        substance("7439-92-1", "Lead", 40),
        substance("7440-43-9", "Cadmium", 30),
        substance("7439-97-6", "Mercury", 20),
        substance("1333-82-0", "Chromium trioxide", 30),  # Cr is 52.0 % of CrO3: 15.6 ppm
        packaging=True,
    )
    result = evaluate(product(box), rules, TODAY)
    pack = only(result, "T1-1+T1-2+T1-3+T1-4")
    # Each metal alone is far below its own limit, together 105.6 ppm > 100 ppm.
    assert pack.status == "EXCEEDS"
    assert pack.ppm == pytest.approx(105.6, abs=0.1)
    assert {only(result, g).status for g in ("T1-1", "T1-2", "T1-3", "T1-4")} == {"OK"}
    assert result.verdict == "non_compliant"
    same_but_not_packaging = material("Carton", 1_000_000, *box.substances)
    assert evaluate(product(same_but_not_packaging), rules, TODAY).verdict == "compliant"


def test_packaging_at_exactly_100_ppm_passes(rules):
    box = material(
        "Film",
        1_000_000,
        substance("7439-92-1", "Lead", 60),
        substance("7440-43-9", "Cadmium", 40),
        packaging=True,
    )
    assert only(evaluate(product(box), rules, TODAY), "T1-1+T1-2+T1-3+T1-4").status == "OK"


# -- exemptions ----------------------------------------------------------------------------------


def brass(*claims):
    # Copper alloy with 2 % lead: 20,000 ppm Pb, above 1000 ppm unless an exemption applies.
    return product(material("Brass", 1000, substance("7439-92-1", "Lead", 20, exemptions=claims)))


def test_valid_exemption_gives_exempted_and_is_relied_on(rules):
    result = evaluate(brass(exemption("RoHS_0254", "6(c)")), rules, TODAY)
    lead = only(result, "T1-3")
    assert lead.status == "EXEMPTED"
    assert lead.exemption["item"] == "6(c)"
    assert result.verdict == "compliant"
    assert [(e["list"], e["item"], e["group"]) for e in result.exemptions_relied_on] == [
        ("RoHS Annex III", "6(c)", "T1-3")
    ]
    assert "exempted under RoHS Annex III 6(c)" in explain(lead.as_dict())


def test_expired_exemption_exceeds_with_the_reason(rules):
    # 4(d), mercury in HPMV lamps, expired on 13 April 2015.
    lamp = product(
        material(
            "Lamp", 1000, substance("7439-97-6", "Mercury", 5, exemptions=[exemption("RoHS_0247", "4(d)")])
        )
    )
    result = evaluate(lamp, rules, TODAY)
    mercury = only(result, "T1-4")
    assert mercury.status == "EXCEEDS"
    assert mercury.reason == "exemption_expired"
    assert "expired on 2015-04-13" in explain(mercury.as_dict())
    # On a date before the expiry the same declaration was exempted.
    assert only(evaluate(lamp, rules, date(2014, 1, 1)), "T1-4").status == "EXEMPTED"


def test_pseudo_exemption_gives_nothing(rules):
    result = evaluate(brass(exemption("RoHS_0001", "")), rules, TODAY)
    lead = only(result, "T1-3")
    assert lead.status == "EXCEEDS"
    assert lead.reason == "pseudo_exemption"
    assert result.exemptions_relied_on == []


def test_exemption_for_another_substance_does_not_apply(rules):
    # 4(d) is a mercury exemption; claimed for lead it exempts nothing.
    assert only(evaluate(brass(exemption("RoHS_0247", "4(d)")), rules, TODAY), "T1-3").status == "EXCEEDS"


# -- intentional use -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intentional", "status", "verdict"),
    [(True, "PROHIBITED", "non_compliant"), (None, "UNKNOWN", "incomplete"), (False, "OK", "compliant")],
)
def test_pcb_intentional_use(rules, intentional, status, verdict):
    # T1-8 PCBs: intentional use prohibited, no numeric limit.
    result = evaluate(
        product(material("Oil", 1000, substance("1336-36-3", "PCB", 0.001, intentional=intentional))),
        rules,
        TODAY,
    )
    assert only(result, "T1-8").status == status
    assert result.verdict == verdict


def test_intentionally_added_hcb_is_prohibited_whatever_the_amount(rules):
    result = evaluate(
        product(material("Rubber", 1_000_000, substance("118-74-1", "HCB", 1, intentional=True))),
        rules,
        TODAY,
    )
    statuses = sorted(f.status for f in result.findings if f.group == "T1-16")
    assert statuses == ["OK", "PROHIBITED"]  # 1 ppm passes 10 ppm, but it was added on purpose
    assert result.verdict == "non_compliant"


# -- thresholds at their exact value: "at most" means equal passes ---------------------------------


@pytest.mark.parametrize(
    ("cas", "group", "limit_mg", "over_mg"),
    [
        ("335-67-1", "T1-23", "0.025", "0.026"),  # PFOA 0.025 ppm
        ("624-49-7", "T1-17", "0.1", "0.11"),  # DMFu 0.1 ppm
        ("118-74-1", "T1-16", "10", "10.001"),  # HCB 10 ppm
    ],
)
def test_boundaries(rules, cas, group, limit_mg, over_mg):
    # In 1 kg of material, x mg is x ppm.
    at = evaluate(product(material("Coating", 1_000_000, substance(cas, "x", limit_mg))), rules, TODAY)
    over = evaluate(product(material("Coating", 1_000_000, substance(cas, "x", over_mg))), rules, TODAY)
    assert only(at, group).status == "OK"
    assert only(at, group).ppm == float(limit_mg)
    assert at.verdict == "compliant"
    assert only(over, group).status == "EXCEEDS"


def test_strict_less_than_for_c9_c14_pfcas(rules):
    # T1-24 says "< 0.025 ppm": there, exactly 0.025 ppm does not pass.
    result = evaluate(
        product(material("Film", 1_000_000, substance("375-95-1", "PFNA", "0.025"))), rules, TODAY
    )
    assert only(result, "T1-24").status == "EXCEEDS"


# -- denominators: homogeneous material versus the worst layer ----------------------------------------


def test_product_or_layer_reports_the_worst_layer_with_unit_multipliers(rules):
    # HCB 0.004 g in a 200 g gasket: 20 ppm in the gasket (exceeds 10 ppm), 4 ppm in the 1 kg product.
    gasket = tree.Part(
        "Gasket",
        number_of_units=Decimal(2),
        mass_mg=Decimal(200_000),
        materials=[material("EPDM", 200_000, substance("118-74-1", "HCB", 4))],
    )
    result = evaluate(product(mass_mg=1_000_000, parts=[gasket]), rules, TODAY)
    hcb = only(result, "T1-16")
    assert hcb.status == "EXCEEDS"
    assert hcb.basis == "product_or_layer"
    assert hcb.ppm == pytest.approx(20)
    assert hcb.mass_g == pytest.approx(0.008)  # two gaskets per product


def test_homogeneous_basis_ignores_the_product_mass(rules):
    # DEHP 2 mg in a 1 g cable jacket is 2000 ppm there, although only 2 ppm of the 1 kg product.
    jacket = tree.Part(
        "Cable", mass_mg=Decimal(1000), materials=[material("Jacket", 1000, substance("117-81-7", "DEHP", 2))]
    )
    result = evaluate(product(mass_mg=1_000_000, parts=[jacket]), rules, TODAY)
    assert only(result, "T1-19").status == "EXCEEDS"
    assert only(result, "T1-19").ppm == pytest.approx(2000)


# -- Table 2, regions, unknowns --------------------------------------------------------------------


def test_table2_nickel_is_declared_with_its_mass_per_product_unit(rules):
    screw = tree.Part(
        "Screw",
        number_of_units=Decimal(4),
        mass_mg=Decimal(500),
        materials=[material("Stainless steel", 500, substance("7440-02-0", "Nickel", 50))],
    )
    result = evaluate(product(mass_mg=10_000, parts=[screw]), rules, TODAY)
    nickel = only(result, "T2-4")
    assert nickel.status == "DECLARED"
    assert nickel.mass_g == pytest.approx(0.2)  # 50 mg x 4 screws
    assert nickel.ppm == pytest.approx(20_000)  # of the 10 g product
    assert result.verdict == "compliant"


@pytest.mark.parametrize(
    ("markets", "status", "verdict"),
    [
        (("US", "EU"), "PROHIBITED", "non_compliant"),
        (("EU",), None, "compliant"),
        ((), "UNKNOWN", "incomplete"),
    ],
)
def test_decabde_is_prohibited_only_for_the_us(rules, markets, status, verdict):
    # 500 ppm DecaBDE passes the PBDE limit of 1000 ppm; under TSCA its use is prohibited for the US.
    result = evaluate(
        product(material("Housing", 1000, substance("1163-19-5", "DecaBDE", "0.5")), markets=markets),
        rules,
        TODAY,
    )
    regional = [
        f.status
        for f in result.findings
        if f.group == "T1-6" and f.reason in ("region_prohibited", "markets_unknown")
    ]
    assert regional == ([status] if status else [])
    assert [f.status for f in result.findings if f.group == "T1-6" and f.basis == "homogeneous_material"] == [
        "OK"
    ]
    assert result.verdict == verdict


def test_unknown_and_invalid_cas_make_the_verdict_incomplete(rules):
    typo = evaluate(product(material("Resin", 1000, substance("50-00-1", "formaldehyde", 1))), rules, TODAY)
    assert typo.findings[0].status == "UNKNOWN"
    assert typo.findings[0].reason == "invalid_identifier"
    assert typo.verdict == "incomplete"
    unknown = evaluate(product(material("Resin", 1000, substance("999999-99-4", "mystery", 1))), rules, TODAY)
    assert [(f.status, f.reason) for f in unknown.findings] == [("UNKNOWN", "unidentified")]
    tin = evaluate(product(material("Plating", 1000, substance("7440-31-5", "Tin", 900))), rules, TODAY)
    assert tin.findings == [] and tin.verdict == "compliant"


def test_missing_mass_is_unknown_unless_the_rest_already_breaches(rules):
    gap = product(material("Solder", 1000, tree.Substance("7439-92-1", "Lead")))
    assert only(evaluate(gap, rules, TODAY), "T1-3").status == "UNKNOWN"
    assert evaluate(gap, rules, TODAY).verdict == "incomplete"


def test_mixture_in_percentages_without_a_mass(rules):
    mix = tree.Product(
        "M-1", kind="mixture", substances=[tree.Substance("117-81-7", "DEHP", mass_percent=Decimal("0.1"))]
    )
    result = evaluate(mix, rules, TODAY)
    assert only(result, "T1-19").status == "OK"  # 0.1 % is exactly 1000 ppm
    assert only(result, "T1-19").ppm == 1000


def test_file_compliance_section_disagreement_is_a_warning(rules):
    p = product(material("Jacket", 1000, substance("117-81-7", "DEHP", 5)))
    p.compliance = [
        tree.ComplianceAnswer("00038", "DEHP", above_threshold=False),
        tree.ComplianceAnswer("00021", "Lead", above_threshold=True),
    ]
    warnings = evaluate(p, rules, TODAY).warnings
    assert {(w["code"], w["params"]["group"]) for w in warnings} == {
        ("evaluation.file_says_below", "T1-19"),
        ("evaluation.file_says_above", "T1-3"),
    }
