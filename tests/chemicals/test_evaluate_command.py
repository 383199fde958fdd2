"""`python manage.py evaluate`: files in, verdicts out, nothing stored; exit 0 / 1 / 2."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from chemicals import composition as tree
from chemicals.formats import json_tree
from chemicals.models import Declaration, Product, RegulatedList
from tests.chemicals import declaration_files as files
from tests.chemicals.hostile import corpus


def run(*args: str, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        call_command("evaluate", *args)
    return exit_info.value.code, capsys.readouterr().out


@pytest.fixture
def capacitor(tmp_path: Path) -> Path:
    path = tmp_path / "capacitor.shai"
    path.write_bytes(files.capacitor_ai())
    return path


@pytest.mark.django_db
def test_json_output_for_the_seed_capacitor(capacitor, capsys):
    # A fresh database: the command loads the shipped reference data itself.
    code, out = run(str(capacitor), "--json", capsys=capsys)
    assert code == 1
    document = json.loads(out)
    assert document["list"] == "GPG-13.0"
    (entry,) = document["files"]
    assert entry["file"] == str(capacitor) and entry["errors"] == []
    (product,) = entry["products"]
    assert product["part_number"] == "AEC-16V47-SEED"
    assert product["mass_g"] == 3.0
    assert product["verdict"] == "non_compliant"
    dehp = next(f for f in product["findings"] if f["group"] == "T1-19")
    assert dehp["status"] == "EXCEEDS"
    assert dehp["cas"] == "117-81-7"
    assert dehp["ppm"] == pytest.approx(166666.7, abs=0.1)
    assert dehp["threshold_ppm"] == 1000.0
    assert dehp["basis"] == "homogeneous_material"
    assert dehp["mass_g"] == pytest.approx(0.05)
    assert dehp["path"][-1] == "PVC (Poly(vinyl chloride))"
    assert dehp["exemption"] is None
    assert "166,667 ppm > 1,000 ppm (Table 1 No. 19)" in dehp["explanation"]
    codes = {w["code"] for w in product["warnings"]}
    assert {"cas.name_mismatch", "mass.rollup_mismatch"} <= codes
    assert all(w["location"] for w in product["warnings"])
    # Nothing was stored.
    assert not Product.objects.exists() and not Declaration.objects.exists()


@pytest.mark.django_db
def test_compliant_file_exits_0_and_prints_a_summary(tmp_path, capsys):
    plated = tree.Product(
        "SCR-1",
        name="Tin-plated screw",
        mass_mg=Decimal(1000),
        materials=[
            tree.Material(
                "Steel",
                mass_mg=Decimal(990),
                substances=[tree.Substance("7439-89-6", "Iron", mass_mg=Decimal(990))],
            ),
            tree.Material(
                "Plating",
                mass_mg=Decimal(10),
                substances=[tree.Substance("7440-31-5", "Tin", mass_mg=Decimal(10))],
            ),
        ],
    )
    path = tmp_path / "screw.json"
    path.write_text(json.dumps(json_tree.dump(plated)), encoding="utf-8")
    code, out = run(str(path), capsys=capsys)
    assert "SCR-1 Tin-plated screw: COMPLIANT" in out
    assert code == 0, out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "make"),
    [("xxe.xml", corpus.xxe_file_entity), ("bomb.shai", corpus.zip_bomb), ("old.xml", files.chemsherpa_1x)],
)
def test_refused_files_exit_2_with_the_reason(tmp_path, capsys, capacitor, name, make):
    bad = tmp_path / name
    bad.write_bytes(make())
    code, out = run(str(capacitor), str(bad), "--json", capsys=capsys)
    assert code == 2
    refused = json.loads(out)["files"][1]
    assert refused["products"] == []
    assert refused["errors"] and all(e["code"] and e["message"] for e in refused["errors"])


@pytest.mark.django_db
def test_list_and_as_of_options(capacitor, capsys):
    call_command("load_reference_data")
    capsys.readouterr()
    code, out = run(str(capacitor), "--list", "13.0", "--as-of", "2015-01-01", "--json", capsys=capsys)
    assert code == 1
    assert json.loads(out)["list"] == RegulatedList.objects.get().code
    with pytest.raises(Exception, match="no list version"):
        call_command("evaluate", str(capacitor), "--list", "GPG-99")


# Verdicts checked by hand against each file's substances (see the issue-5 closing note for the reasoning).
REFERENCE_VERDICTS = {
    "PR1806EZ_001": ("incomplete", []),  # 1330-78-5 tricresyl phosphate is not in the identifier table
    "20241029165455_PWBOAD-001_001": ("compliant", []),
    "HIJ4567_001": ("non_compliant", ["T1-19"]),  # DEHP 15 % of the PVC jacket; "No exemption" claimed
    "Housing-1_002": ("compliant", []),
    "Housing-2_003": ("compliant", []),
    "Housing-3_004": ("compliant", []),
    "Internal-housing_005": ("compliant", []),
    "KLM7890_006": ("compliant", []),  # Pb 2 % in a copper alloy, RoHS Annex III 6(c) (renewal applied)
    "LED-001_007": ("incomplete", []),  # gallium arsenide phosphide cannot be identified
    "20241030151206_PWBOAD-001_008": ("compliant", []),
    "screw_009": ("compliant", []),
    "114117_000-000-000_001": ("compliant", []),
    "114319_000-000-000_001": ("compliant", []),
    "130229_000-000-000_001": ("compliant", []),
    "130558_000-000-000_001": ("incomplete", []),  # arsenic pentoxide hydrate, antimony trioxide unidentified
    "130733_000-000-000_001": ("non_compliant", ["T1-19"]),  # DEHP 15 % of the vinyl compound
    "PP-1_001": ("incomplete", []),  # polymer CAS numbers are not in the identifier table
    "PS-01_002": ("incomplete", []),
}


@pytest.mark.reference
@pytest.mark.django_db
def test_reference_samples_give_the_verdicts_checked_by_hand(capsys):
    from tests.chemicals.test_chemsherpa_reader import _samples

    samples = _samples()
    code, out = run(*map(str, samples), "--as-of", "2026-11-21", "--json", capsys=capsys)
    assert code == 1
    got = {}
    for entry in json.loads(out)["files"]:
        (product,) = entry["products"]
        key = next(k for k in REFERENCE_VERDICTS if entry["file"].endswith(k + ".xml"))
        breached = sorted(
            {f["group"] for f in product["findings"] if f["status"] in ("EXCEEDS", "PROHIBITED")}
        )
        got[key] = (product["verdict"], breached)
    assert got == REFERENCE_VERDICTS
