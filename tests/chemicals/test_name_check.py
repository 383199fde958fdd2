"""Declared substance name against declared CAS: the capacitor example's mismatches, and no false alarms."""

from __future__ import annotations

import json
import time

import pytest

from chemicals.cas import check_digit_ok, normalize
from chemicals.name_check import ALIASES_PATH, NameVerdict, Verdict, alias_table_from_json, name_matches_cas
from chemicals.pypi_chemicals import normalize_name


def fullwidth(text: str) -> str:
    """The text as a Japanese IME types it: ASCII letters, digits and "-" in their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    ("name", "cas", "name_cas", "cas_name"),
    [
        # GPG 13.0 Appendix 1, aluminium electrolytic capacitor (reference/substances.md §6.1).
        ("phthalic anhydride", "7440-36-0", "85-44-9", "antimony"),
        ("tin", "7439-92-1", "7440-31-5", "lead"),
        ("steel", "7440-50-8", "12597-69-2", "copper"),
        ("flame retardant", "117-81-7", None, "dehp"),  # a plasticiser under a flame-retardant label
    ],
)
def test_capacitor_example_mismatches(name, cas, name_cas, cas_name):
    verdict = name_matches_cas(name, cas)
    assert verdict.verdict is Verdict.MISMATCH
    assert verdict.name_cas == name_cas
    assert verdict.cas_name == cas_name


@pytest.mark.parametrize(
    ("name", "cas"),
    [
        ("PVC", "9002-86-2"),
        ("Lead; Lead powder; Lead massive", "7439-92-1"),
        ("Toluene", "108-88-3"),
        ("DEHP", "117-81-7"),
        ("Bis(2-ethylhexyl) phthalate", "117-81-7"),
        ("bis(2-ethylhexyl) phthalate", fullwidth("117-81-7")),
        ("Lead (Pb)", "7439-92-1"),
        ("Pb", "7439-92-1"),
        ("tin", "7440-31-5"),
        ("Tin; 錫", "7440-31-5"),
        ("phthalic anhydride", "85-44-9"),
        ("Polyvinyl chloride", "9003-22-9"),  # PVC copolymer, curated alias
        ("SUS304", "12597-68-1"),
        ("steel", "7439-89-6"),
        ("PBT", "24968-12-5"),
        ("tin; lead", "7439-92-1"),  # one fitting part is enough
    ],
)
def test_matches(name, cas):
    assert name_matches_cas(name, cas).verdict is Verdict.MATCH


@pytest.mark.parametrize(
    ("name", "cas"),
    [
        ("鉛", "7440-50-8"),  # Japanese / Chinese names cannot be checked against the table
        ("锡", "7439-92-1"),
        ("スズ", "7439-92-1"),
        ("other", "7439-92-1"),
        ("Others", "7440-36-0"),
        ("その他", "117-81-7"),
        ("其他", "117-81-7"),
        ("", "7439-92-1"),
        ("   ", "7439-92-1"),
        (None, "7439-92-1"),
        ("Proprietary resin XR-7", "7439-92-1"),
        ("Confidential", "7440-50-8"),
        ("Hardener HX-3000", "7440-36-0"),  # a trade name the table does not know
        ("SN0015", "79-94-7"),
        ("SN0015", "7439-92-1"),
        ("Epoxy resin", "7439-92-1"),  # polymer alias without a composition envelope: never accuses
        ("Phenolic resin", "7440-36-0"),
        ("Polyurethane", "7440-50-8"),
        ("Glass fibre", "7440-50-8"),
        ("balance", "7439-89-6"),  # PubChem lists "balance" for chlordiazepoxide
        ("mica", "7440-50-8"),  # ... and "mica" for phthalocyanine
        ("SN", "7439-92-1"),  # "sn" is a synonym of streptonigrin, not tin
        ("flame retardant", "1163-19-5"),  # DecaBDE is one
        ("flame retardant", "26040-51-7"),  # TBPH, a brominated phthalate, is one too
        ("flame retardant", "115-77-5"),  # pentaerythritol, a C/H/O char former: not judged
        ("plasticizer", "7439-92-1"),  # function labels are not judged
        ("lead", "7758-97-6"),  # lead chromate: a lead compound called "lead" is related, not wrong
        ("PFOS", "2795-39-3"),  # the potassium salt
        ("Toluene", "71-43-2"),  # both hydrocarbons: not provable from formulas
        ("brass", "7439-92-1"),  # leaded brass declares its lead
        ("stainless steel", "7440-50-8"),  # 17-4PH carries copper
        ("steel", "7440-47-3"),  # chromium: a plausible alloying line
        ("Tin", "12597-71-6"),  # brass number: not in the identifier table
        ("PVC", "75-01-4"),
        ("Lead (Pb)", "7440-43-8"),  # invalid check digit: reported by the CAS check, not here
        ("tin", "not a cas"),
    ],
)
def test_unknown_never_mismatch(name, cas):
    assert name_matches_cas(name, cas).verdict is Verdict.UNKNOWN


@pytest.mark.parametrize(
    ("name", "cas"),
    [
        ("Sn", "7439-92-1"),  # element symbols in their own case accuse
        ("tin (Sn)", "7439-92-1"),
        ("zinc", "7439-92-1"),
        ("7440-31-5", "7439-92-1"),  # a CAS number written in the name field
        ("Tin; Tin powder", "7439-92-1"),
        ("copper", "7440-02-0"),
        ("tin", "7440-36-0"),
        ("brass", "7440-44-0"),  # carbon is outside brass's composition envelope
    ],
)
def test_other_mismatches(name, cas):
    assert name_matches_cas(name, cas).verdict is Verdict.MISMATCH


def test_no_curated_name_is_called_a_mismatch_of_its_own_cas():
    # 274 list members and 236 ODS / F-gas entries with their names (and refrigerant codes): the false-alarm
    # rate on names that are right must be zero.
    gpg = json.loads((ALIASES_PATH.parent / "lists" / "gpg-13.0.json").read_text(encoding="utf-8"))
    register = json.loads((ALIASES_PATH.parent / "ods-fgas.json").read_text(encoding="utf-8"))
    pairs = [(m["name"], m["cas"]) for g in gpg["groups"] for m in g["members"]["cas"]]
    entries = register["ods"] + register["fgas"]
    pairs += [(e["name"], e["cas"]) for e in entries] + [(e["code"], e["cas"]) for e in entries if e["code"]]
    verdicts = {pair: name_matches_cas(*pair).verdict for pair in pairs}
    assert [pair for pair, verdict in verdicts.items() if verdict is Verdict.MISMATCH] == []
    assert sum(verdict is Verdict.MATCH for verdict in verdicts.values()) > 300


def test_a_related_part_vetoes_a_mismatching_one():
    # "lead" fits lead chromate as a lead compound, so "tin" in the same list is not enough to accuse.
    assert name_matches_cas("tin; lead", "7758-97-6").verdict is Verdict.UNKNOWN


def test_verdicts_carry_stable_reasons():
    assert name_matches_cas("tin", "7439-92-1").reason == "name_check.mismatch.different_substance"
    assert name_matches_cas("steel", "7440-50-8").reason == "name_check.mismatch.alias"
    assert name_matches_cas("flame retardant", "117-81-7").reason == "name_check.mismatch.function_label"
    assert name_matches_cas("other", "7439-92-1").reason == "name_check.unknown.placeholder"
    assert name_matches_cas("その他", "7439-92-1").reason == "name_check.unknown.not_latin_script"
    assert name_matches_cas("SN0015", "79-94-7").reason == "name_check.unknown.sn_group"
    assert name_matches_cas("tin", "7440-43-8").reason == "name_check.unknown.cas_invalid"
    assert name_matches_cas("PVC", "9002-86-2").reason == "name_check.match.alias"


def test_mismatch_message_names_both_substances():
    verdict = name_matches_cas("tin", "7439-92-1")
    message = verdict.message("tin", "7439-92-1")
    assert "tin" in message and "7439-92-1" in message and "lead" in message and "7440-31-5" in message
    assert name_matches_cas("Toluene", "108-88-3").message("Toluene", "108-88-3") == ""


def test_alias_file_is_well_formed():
    data = json.loads(ALIASES_PATH.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1
    for name, entry in data["aliases"].items():
        assert entry["cas"] or entry.get("elements"), name
        assert all(normalize(c) == c and check_digit_ok(c) for c in entry["cas"]), name
        assert entry["source"].strip() and entry["why"].strip(), name
    spellings = [normalize_name(s) for name, e in data["aliases"].items() for s in [name, *e.get("also", [])]]
    assert len(spellings) == len(set(spellings)), "one spelling must not stand for two materials"
    table = alias_table_from_json(data)
    assert not set(table.aliases) & table.placeholders
    assert not set(table.aliases) & set(table.function_labels)


def test_alias_table_rejects_a_malformed_cas():
    with pytest.raises(ValueError, match="malformed CAS"):
        alias_table_from_json({"aliases": {"X": {"cas": ["12-3"], "source": "s", "why": "w"}}})


def test_verdict_is_immutable_and_cached():
    first = name_matches_cas("tin", "7439-92-1")
    assert isinstance(first, NameVerdict)
    assert name_matches_cas("tin", "7439-92-1") is first
    with pytest.raises(AttributeError):
        first.verdict = Verdict.MATCH  # type: ignore[misc]


def test_twenty_thousand_checks_with_fifty_cas_numbers_are_fast():
    pairs = [
        ("Lead", "7439-92-1"),
        ("tin", "7439-92-1"),
        ("DEHP", "117-81-7"),
        ("other", "7440-50-8"),
        ("PVC", "9002-86-2"),
    ]
    gpg = json.loads((ALIASES_PATH.parent / "lists" / "gpg-13.0.json").read_text(encoding="utf-8"))
    members = [(m["name"], m["cas"]) for g in gpg["groups"] for m in g["members"]["cas"]]
    pairs += members[: 50 - len(pairs)]
    assert len({cas for _, cas in pairs}) >= 45
    for name, cas in pairs:  # warm the identifier table, which loads once per process
        name_matches_cas(name + " ", cas)
    name_matches_cas.cache_clear()
    started = time.perf_counter()
    verdicts = [name_matches_cas(*pairs[i % len(pairs)]) for i in range(20_000)]
    elapsed = time.perf_counter() - started
    assert len(verdicts) == 20_000
    assert elapsed < 2.0, f"{elapsed:.3f} s"
