"""Loading the regulated list, exemptions and ODS / F-gas registers from fixtures/chemicals/."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from chemicals import reference_data
from chemicals.models import ControlledSubstance, Exemption, GroupMember, RegulatedList, SubstanceGroup
from chemicals.reference_data import ReferenceDataError, load_regulated_list
from chemicals.selectors import active_list, diff_against_active
from chemicals.services import regulated_list_activate

GPG = reference_data.FIXTURES / "lists" / "gpg-13.0.json"


@pytest.fixture
def loaded(db):
    call_command("load_reference_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return RegulatedList.objects.get(code="GPG-13.0")


def test_list_loads_with_27_plus_27_groups_and_becomes_active(loaded):
    assert loaded.status == RegulatedList.Status.ACTIVE
    assert loaded.groups.filter(table=1).count() == 27
    assert loaded.groups.filter(table=2).count() == 27
    assert GroupMember.objects.filter(group__regulated_list=loaded).count() > 200


def test_seed_facts_survive_the_load(loaded):
    groups = {g.code: g for g in loaded.groups.all()}
    assert groups["T1-1"].counted_element == "Cd"
    assert groups["T1-1"].basis == SubstanceGroup.Basis.HOMOGENEOUS_MATERIAL
    assert groups["T1-3"].members.filter(cas="7439-92-1").exists()  # lead
    assert groups["T1-19"].members.filter(cas="117-81-7").exists()  # DEHP
    assert 1000 in [t["ppm"] for t in groups["T1-19"].thresholds]
    assert sorted(t["ppm"] for t in groups["T1-23"].thresholds) == [0.025, 1]
    cdo = groups["T1-1"].members.get(cas="1306-19-0")
    assert cdo.element_mass_fraction == pytest.approx(0.8754, abs=1e-3)
    assert loaded.packaging_rule["max_ppm_sum"] == 100


def test_exemptions_and_pseudo_exemptions(loaded):
    assert Exemption.objects.filter(list_name="RoHS Annex III").count() > 50
    assert Exemption.objects.get(list_name="Pseudo", item="No exemption").is_exemption is False
    assert Exemption.objects.get(list_name="Pseudo", item="RepAp-Unknown").is_exemption is False
    assert ControlledSubstance.objects.get(register="ods", cas="56-23-5").group == "Class I"


def test_loading_twice_changes_nothing(loaded):
    counts = (SubstanceGroup.objects.count(), GroupMember.objects.count(), Exemption.objects.count())
    _, changed = load_regulated_list(GPG)
    assert changed is False
    call_command("load_reference_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (SubstanceGroup.objects.count(), GroupMember.objects.count(), Exemption.objects.count()) == counts


def test_an_active_list_cannot_be_changed_in_place(loaded, tmp_path):
    data = json.loads(GPG.read_text(encoding="utf-8"))
    data["groups"][0]["thresholds"][0]["ppm"] = 50
    changed = tmp_path / "gpg.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="cannot change"):
        load_regulated_list(changed)
    assert loaded.groups.get(code="T1-1").thresholds[0]["ppm"] == 100


def test_a_new_version_is_drafted_compared_and_activated(loaded, tmp_path, world):
    data = json.loads(GPG.read_text(encoding="utf-8"))
    data["code"] = "GPG-13.1"
    data["groups"][0]["thresholds"][0]["ppm"] = 50  # T1-1 tightened
    assert data["groups"][18]["code"] == "T1-19"
    data["groups"][18]["members"]["cas"].append({"cas": "50-00-0", "name": "Formaldehyde", "formula": "CH2O"})
    del data["groups"][-1]
    path = tmp_path / "gpg-13.1.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    draft, _ = load_regulated_list(path)
    assert draft.status == RegulatedList.Status.DRAFT
    diff = diff_against_active(draft)
    by_code = {c.code: c for c in diff.changes}
    assert by_code["T1-1"].fields == ("thresholds",)
    assert by_code["T1-19"].members_added == ("50-00-0",)
    assert by_code["T2-27"].change == "removed"
    with pytest.raises(Exception):  # noqa: B017 - auditors may not activate
        regulated_list_activate(regulated_list=draft, by=world.auditor_a)
    regulated_list_activate(regulated_list=draft, by=world.admin)
    assert active_list() == draft
    loaded.refresh_from_db()
    assert loaded.status == RegulatedList.Status.RETIRED
    with pytest.raises(ValidationError):
        regulated_list_activate(regulated_list=loaded, by=world.admin)
