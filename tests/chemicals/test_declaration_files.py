"""The project's own declaration test files are what they claim to be.

Everything here reads the generated XML back with lxml and recomputes what matters (mass roll-ups, CAS check
digits, percentage sums) independently of the builders, so a wrong builder fails here before it misleads a
parser test. Tests marked `reference` also hold the files against the IEC 62474 XSD and the real chemSHERPA
samples in ../shared/reference; they skip when that folder is absent unless REQUIRE_SHARED_REFERENCE=1.
"""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from tests.chemicals import declaration_files as df

NS = {"i": df.IEC62474_NS}
MG = {"mg": Decimal(1), "g": Decimal(1000), "kg": Decimal(1_000_000)}
# Hardened like the application's parser should be: no entities, no network.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
MEMBER_NAME = re.compile(r"^SHAI_\d{14}_([^_]+)_\d{3}\.xml$")

SINGLE_XML: dict[str, Callable[[], bytes]] = {
    "touch_switch_ai": df.touch_switch_ai,
    "wire_ai": df.wire_ai,
    "capacitor_ai": df.capacitor_ai,
    "adhesive_ci": df.adhesive_ci,
    "chemsherpa_1x": df.chemsherpa_1x,
    "jamp_ais": df.jamp_ais,
    "ipc1752a": df.ipc1752a,
    "iec62474_generic": df.iec62474_generic,
    "unknown_xml": df.unknown_xml,
    "ai_with_bad_cas_check_digit": df.ai_with_bad_cas_check_digit,
    "ai_with_bad_unit": df.ai_with_bad_unit,
    "ai_with_negative_mass": df.ai_with_negative_mass,
    "ai_with_percent_over_100": df.ai_with_percent_over_100,
    "ai_with_percents_summing_over_100": df.ai_with_percents_summing_over_100,
    "ai_mass_rollup_off": df.ai_mass_rollup_off,
}
ZIPS: dict[str, Callable[[], bytes]] = {
    "touch_switch_shai": df.touch_switch_shai,
    "ai_with_duplicate_part_numbers": df.ai_with_duplicate_part_numbers,
}
# chemSHERPA 2.x files that must be valid IEC 62474 (the other broken variants break rules the XSD does not
# know: check digits, signs, sums).
SCHEMA_VALID: dict[str, Callable[[], bytes]] = {
    "touch_switch_ai": df.touch_switch_ai,
    "wire_ai": df.wire_ai,
    "capacitor_ai": df.capacitor_ai,
    "adhesive_ci": df.adhesive_ci,
    "iec62474_generic": df.iec62474_generic,
    "ai_with_bad_cas_check_digit": df.ai_with_bad_cas_check_digit,
    "ai_with_negative_mass": df.ai_with_negative_mass,
    "ai_with_percent_over_100": df.ai_with_percent_over_100,
    "ai_with_percents_summing_over_100": df.ai_with_percents_summing_over_100,
    "ai_mass_rollup_off": df.ai_mass_rollup_off,
    "touch_switch_ai_without_compliance": lambda: df.build_ai(df.touch_switch_spec(), with_compliance=False),
    "touch_switch_ai_scheme_2.00": lambda: df.build_ai(df.touch_switch_spec(), scheme="2.00.00"),
}


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, PARSER)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def mass_mg(holder: etree._Element) -> Decimal:
    (mass,) = holder.findall("i:Mass", NS)
    return Decimal(mass.get("mass")) * MG[mass.get("unitOfMeasure")]


def part_rollup_mg(part: etree._Element) -> Decimal:
    """Mass of ONE unit of `part` from its contents: its materials plus numberOfUnits x each child's declared
    mass. Also asserts, recursively, that every child's declared mass equals its own roll-up."""
    total = sum((mass_mg(m) for m in part.findall("i:Material", NS)), Decimal(0))
    for child in part.findall("i:ProductPart", NS):
        declared = mass_mg(child.find("i:ProductID", NS))
        assert part_rollup_mg(child) == declared, child.find("i:ProductID", NS).get("name")
        total += Decimal(child.get("numberOfUnits")) * declared
    return total


def product_rollup_mg(root: etree._Element) -> Decimal:
    composition = root.find("i:Product/i:Composition", NS)
    return part_rollup_mg(composition)


def cas_check_digit_ok(cas: str) -> bool:
    digits = cas.replace("-", "")
    body, check = digits[:-1], int(digits[-1])
    return sum(int(d) * w for w, d in enumerate(reversed(body), start=1)) % 10 == check


def substance_mass_mg(root: etree._Element, cas: str) -> Decimal:
    """Σ material mass x percent x numberOfUnits of every ancestor part, for one CAS (formats.md 7)."""
    total = Decimal(0)
    for entry in root.iterfind(".//i:Material/i:Substance/i:SubstanceID/i:EntryID", NS):
        if entry.get("entryIdentity") != cas:
            continue
        substance = entry.getparent().getparent()
        material = substance.getparent()
        mass = mass_mg(material) * Decimal(substance.find("i:MassPercent", NS).get("massPercent")) / 100
        for part in material.iterancestors(f"{{{df.IEC62474_NS}}}ProductPart"):
            mass *= Decimal(part.get("numberOfUnits"))
        total += mass
    return total


# --- every file -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SINGLE_XML))
def test_every_single_file_is_well_formed_xml(name):
    data = SINGLE_XML[name]()
    root = parse(data)
    assert isinstance(root.tag, str)
    assert data.startswith(b"<?xml version=")


@pytest.mark.parametrize("name", sorted(ZIPS))
def test_every_container_holds_well_formed_xml_at_its_root(name):
    files = members(ZIPS[name]())
    assert len(files) == 2
    for member, data in files.items():
        assert MEMBER_NAME.match(member), member
        assert parse(data).tag == f"{{{df.IEC62474_NS}}}Main"


@pytest.mark.parametrize("name", ["touch_switch_ai", "capacitor_ai", "adhesive_ci", "chemsherpa_1x"])
def test_chemsherpa_files_use_the_tools_layout(name):
    data = SINGLE_XML[name]()
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\r\n<Main schemaDatabaseVersion="X')
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    assert data.endswith(b"</Main>")  # no newline after the root, like the tool
    assert not data.startswith(b"\xef\xbb\xbf")
    assert df.with_bom(data).startswith(b"\xef\xbb\xbf<?xml")


def test_builders_are_deterministic():
    assert df.touch_switch_shai() == df.touch_switch_shai()
    assert df.large_ai(300, 200_000) == df.large_ai(300, 200_000)
    assert df.large_ai(300, 200_000) != df.large_ai(300, 200_000, seed=1)


# --- touch switch -----------------------------------------------------------------------------------------


def test_touch_switch_product_mass_equals_the_rollup():
    root = parse(df.touch_switch_ai())
    declared = mass_mg(root.find("i:Product/i:ProductID", NS))
    assert declared == Decimal("3778.4")
    assert product_rollup_mg(root) == declared


def test_touch_switch_has_what_the_parser_tests_need():
    data = df.touch_switch_ai()
    root = parse(data)
    parts = root.findall(".//i:ProductPart", NS)
    assert {p.get("numberOfUnits") for p in parts} >= {"1", "2", "0.15"}
    assert root.findall(".//i:ProductPart/i:ProductPart/i:ProductPart", NS), "three levels of parts"
    assert {m.get("unitOfMeasure") for m in root.iterfind(".//i:Mass", NS)} == {"g", "mg"}
    (lead,) = root.xpath(
        ".//i:Material/i:Substance[i:SubstanceID/i:EntryID/@entryIdentity='7439-92-1']", namespaces=NS
    )
    assert lead.find("i:MassPercent", NS).get("massPercent") == "2"
    assert lead.getparent().find("i:MaterialID/i:EntryID", NS).get("entryIdentity") == "R312"
    assert set(lead.xpath(".//i:Exemption/@regIndex", namespaces=NS)) == {"6(c)", "3"}
    reg_indexes = set(root.xpath(".//i:Exemption/@regIndex", namespaces=NS))
    assert {"No exemption", "RepAp-Unknown"} <= reg_indexes
    flags = {s.get("comment").rsplit("@", 1)[1] for s in root.iterfind(".//i:Substance", NS)}
    assert flags == {"0", "1"}
    assert root.find("i:ToolNameVersionID", NS).get("identity") == "chemSHERPA-AI-V2R1.00.1@2.10.00"
    assert root.get("schemaDatabaseVersion") == "X8.00ex2.0"


def test_touch_switch_compliance_masses_match_the_composition():
    root = parse(df.touch_switch_ai())
    answers = {d.find("i:DsDsgID", NS).get("entryIdentity"): d for d in root.iterfind(".//i:DsDsg", NS)}
    assert substance_mass_mg(root, "7439-92-1") == Decimal("3.736")
    assert substance_mass_mg(root, "117-81-7") == Decimal("21.6")
    for entry, cas in (("00021", "7439-92-1"), ("00154", "7439-92-1"), ("00038", "117-81-7")):
        assert mass_mg(answers[entry]) == substance_mass_mg(root, cas)
        assert answers[entry].find("i:ComplianceThreshold", NS).get("aboveComplianceThreshold") == "true"
    # SVHC lead: % of the 100 mg terminal article; CPSIA lead: % of the whole product.
    assert Decimal(answers["00154"].find("i:MassPercent", NS).get("massPercent")) == Decimal("1.868")
    product_percent = (
        substance_mass_mg(root, "7439-92-1") / mass_mg(root.find("i:Product/i:ProductID", NS)) * 100
    )
    assert abs(
        Decimal(answers["00022"].find("i:MassPercent", NS).get("massPercent")) - product_percent
    ) < Decimal("1e-9")


def test_wire_is_declared_per_metre_and_used_as_0_15_m():
    wire = parse(df.wire_ai())
    assert wire.find("i:Product", NS).get("unitType") == "m"
    assert product_rollup_mg(wire) == mass_mg(wire.find("i:Product/i:ProductID", NS)) == Decimal(6400)
    switch = parse(df.touch_switch_ai())
    (used,) = switch.xpath(".//i:ProductPart[i:ProductID/@identifier='LW-24AWG-BK']", namespaces=NS)
    assert used.get("numberOfUnits") == "0.15"


# --- capacitor (seed example) -----------------------------------------------------------------------------


def test_capacitor_declares_3_g_while_its_layers_sum_to_2_991_g():
    root = parse(df.capacitor_ai())
    assert mass_mg(root.find("i:Product/i:ProductID", NS)) == Decimal(3000)
    assert product_rollup_mg(root) == Decimal(2991)
    assert root.find("i:Product/i:Compliance", NS) is None


def test_capacitor_keeps_the_seeds_names_cas_numbers_and_masses():
    root = parse(df.capacitor_ai())
    declared = {}
    for substance in root.iterfind(".//i:Substance", NS):
        material = substance.getparent()
        percent = substance.find("i:MassPercent", NS)
        mass_g = (
            None if percent is None else mass_mg(material) * Decimal(percent.get("massPercent")) / 100 / 1000
        )
        cas = substance.find("i:SubstanceID/i:EntryID", NS).get("entryIdentity")
        declared[(material.get("name"), substance.get("name"), cas)] = mass_g
    seed = {
        ("PVC (Poly(vinyl chloride))", "PVC", "9002-86-2"): Decimal("0.15"),
        ("PVC (Poly(vinyl chloride))", "flame retardant", "117-81-7"): Decimal("0.05"),
        ("Other materials", "phthalic anhydride", "7440-36-0"): Decimal("0.02"),
        ("Other materials", "tin", "7439-92-1"): Decimal("0.0009"),
        ("Solder plating", "tin", "7439-92-1"): Decimal("0.005"),
        ("Core wire", "steel", "7440-50-8"): None,  # the seed's missing mass
    }
    assert declared.keys() == seed.keys()
    for key, expected in seed.items():
        if expected is None:
            assert declared[key] is None
        else:
            assert abs(declared[key] - expected) < Decimal("1e-10"), key


# --- CI and the formats that are only recognised ---------------------------------------------------------


def test_adhesive_ci_lists_substances_of_the_mixture():
    root = parse(df.adhesive_ci())
    composition = root.find("i:Product/i:Composition", NS)
    ids = composition.xpath("i:Substance/i:SubstanceID/i:EntryID/@entryIdentity", namespaces=NS)
    assert {"108-88-3", "SN0015"} <= set(ids)
    assert composition.find("i:ProductPart", NS) is None
    assert root.find("i:Product/i:Compliance", NS) is None
    assert root.find("i:Product/i:ProductID/i:Mass", NS) is None
    assert root.find("i:ToolNameVersionID", NS).get("identity").startswith("chemSHERPA-CI-")
    assert [s.get("nameOfSectional") for s in root.iterfind("i:Include/i:Sectional", NS)] == ["Composition"]


def test_other_formats_carry_their_distinguishing_marks():
    v1 = parse(df.chemsherpa_1x())
    assert v1.get("schemaDatabaseVersion") == "X6.01ex1.0"
    assert v1.find("i:ToolNameVersionID", NS).get("identity").startswith("chemSHERPA-A1.")
    ais = parse(df.jamp_ais())
    assert ais.tag == "DESCRIPT"
    (version,) = ais.xpath("//PROPERTY_SNAME[.='Use format']/following-sibling::PROPERTY_VALUE/text()")
    assert version[4] == "4"
    ipc = parse(df.ipc1752a())
    assert ipc.tag == f"{{{df.IPC1752_NS}}}MainDeclaration" and ipc.get("version") == "2.0"
    assert (
        ipc.find(".//{*}HomogeneousMaterial/{*}SubstanceCategoryList/{*}SubstanceCategory/{*}Substance")
        is not None
    )
    generic = parse(df.iec62474_generic())
    assert generic.tag == f"{{{df.IEC62474_NS}}}Main"
    assert not generic.xpath("i:ToolNameVersionID[@authority='chemSHERPA']", namespaces=NS)
    assert len(generic.findall("i:Product", NS)) == 2
    assert etree.QName(parse(df.unknown_xml())).localname == "PurchaseOrder"


# --- broken variants --------------------------------------------------------------------------------------


def test_bad_cas_check_digit_is_the_only_one_and_where_the_docstring_says():
    data = df.ai_with_bad_cas_check_digit()
    root = parse(data)
    ids = root.xpath("//i:SubstanceID/i:EntryID/@entryIdentity", namespaces=NS)
    bad = [cas for cas in ids if not cas.startswith("SN") and not cas_check_digit_ok(cas)]
    assert bad == ["7439-92-7"]
    assert "7439-92-7" in df.ai_with_bad_cas_check_digit.__doc__
    line = df.line_of(data, 'entryIdentity="7439-92-7"')
    (element,) = [e for e in root.iter() if e.sourceline == line]
    assert etree.QName(element).localname == "EntryID"
    good = parse(df.touch_switch_ai()).xpath("//i:SubstanceID/i:EntryID/@entryIdentity", namespaces=NS)
    assert all(cas_check_digit_ok(cas) for cas in good if not cas.startswith("SN"))


def test_bad_unit_negative_mass_and_percent_over_100():
    units = parse(df.ai_with_bad_unit()).xpath("//i:Mass/@unitOfMeasure", namespaces=NS)
    assert [u for u in units if u not in MG] == ["lb"]
    masses = parse(df.ai_with_negative_mass()).xpath("//i:Mass/@mass", namespaces=NS)
    assert [m for m in masses if Decimal(m) < 0] == ["-2"]
    percents = parse(df.ai_with_percent_over_100()).xpath("//i:MassPercent/@massPercent", namespaces=NS)
    assert [p for p in percents if Decimal(p) > 100] == ["120"]
    for builder, needle in (
        (df.ai_with_bad_unit, 'unitOfMeasure="lb"'),
        (df.ai_with_negative_mass, 'mass="-2"'),
        (df.ai_with_percent_over_100, 'massPercent="120"'),
    ):
        assert needle in builder.__doc__
        assert df.line_of(builder(), needle) > 1


def test_percents_summing_over_100_in_exactly_one_material():
    def over(root):
        found = []
        for material in root.iterfind(".//i:Material", NS):
            values = [
                Decimal(p) for p in material.xpath("i:Substance/i:MassPercent/@massPercent", namespaces=NS)
            ]
            if sum(values) > 100:
                found.append((material.get("name"), max(values)))
        return found

    assert over(parse(df.ai_with_percents_summing_over_100())) == [("Copper alloys", Decimal(61))]
    assert over(parse(df.touch_switch_ai())) == []


def test_duplicate_part_numbers_in_one_container():
    files = members(df.ai_with_duplicate_part_numbers())
    identifiers = [parse(data).find("i:Product/i:ProductID", NS).get("identifier") for data in files.values()]
    assert identifiers == ["TS-4410-A", "TS-4410-A"]
    assert [MEMBER_NAME.match(name).group(1) for name in files] == ["TS-4410-A", "TS-4410-A"]


@pytest.mark.parametrize(
    ("by_percent", "expected_g"), [("5", "3.96732"), ("12.5", "4.2507"), ("-10", "3.40056")]
)
def test_mass_rollup_off_by_the_given_percentage(by_percent, expected_g):
    root = parse(df.ai_mass_rollup_off(by_percent))
    declared = mass_mg(root.find("i:Product/i:ProductID", NS))
    rollup = product_rollup_mg(root)  # also proves every part below is still consistent
    assert declared == Decimal(expected_g) * 1000
    assert (declared / rollup - 1) * 100 == Decimal(by_percent)


def test_shai_container_is_a_plain_zip_with_tool_names():
    data = df.touch_switch_shai()
    assert data.startswith(b"PK\x03\x04")
    names = list(members(data))
    assert names == ["SHAI_20250328101500_TS-4410-A_001.xml", "SHAI_20250328101500_LW-24AWG-BK_002.xml"]
    assert df.shai_member_name("AD-2K-EP", 3, kind="SHCI") == "SHCI_20250328101500_AD-2K-EP_003.xml"


# --- large file -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def large() -> tuple[bytes, float]:
    started = time.perf_counter()
    data = df.large_ai()
    return data, time.perf_counter() - started


def test_large_file_size_count_and_speed(large):
    data, seconds = large
    target = 10 * 2**20
    assert abs(len(data) - target) <= target // 10
    root = parse(data)
    assert sum(1 for _ in root.iter(f"{{{df.IEC62474_NS}}}Substance")) == 20_000
    assert seconds < 3.0, f"large_ai took {seconds:.2f} s"


def test_large_file_rolls_up_and_nests_three_levels(large):
    root = parse(large[0])
    assert product_rollup_mg(root) == mass_mg(root.find("i:Product/i:ProductID", NS))
    assert root.findall("i:Product/i:Composition/i:ProductPart/i:ProductPart/i:ProductPart/i:Material", NS)
    assert not root.findall(".//i:ProductPart/i:ProductPart/i:ProductPart/i:ProductPart", NS)
    for material in root.iterfind(".//i:Material", NS):
        assert (
            sum(Decimal(p) for p in material.xpath("i:Substance/i:MassPercent/@massPercent", namespaces=NS))
            <= 95
        )


# --- against ../shared/reference (IEC 62474 XSD and the real samples) --------------------------------------

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"

# The XSD imports the W3C xmldsig schema by absolute http URL (for the optional Main/Signature). Tests must
# not touch the network, and nothing we validate carries a signature, so the import is pointed at this stub,
# written to a temporary file at test time.
XMLDSIG_STUB = """<?xml version="1.0" encoding="utf-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/2000/09/xmldsig#"
            elementFormDefault="qualified">
  <xsd:complexType name="SignatureType">
    <xsd:sequence><xsd:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xsd:sequence>
  </xsd:complexType>
</xsd:schema>
"""


@pytest.fixture(scope="module")
def samples_dir() -> Path:
    samples = REFERENCE / "samples"
    if not samples.is_dir():
        if os.environ.get("REQUIRE_SHARED_REFERENCE") == "1":
            pytest.fail(f"{samples} is missing and REQUIRE_SHARED_REFERENCE=1")
        pytest.skip("../shared/reference is not available")
    return samples


@pytest.fixture(scope="module")
def iec62474_schema(samples_dir, tmp_path_factory) -> etree.XMLSchema:
    (xsd_path,) = samples_dir.glob("*.xsd")
    stub = tmp_path_factory.mktemp("xsd") / "xmldsig-core-schema-stub.xsd"
    stub.write_text(XMLDSIG_STUB, encoding="utf-8")
    doc = etree.parse(str(xsd_path), PARSER)
    imports = doc.getroot().findall("{http://www.w3.org/2001/XMLSchema}import")
    for imported in imports:
        if imported.get("namespace") == "http://www.w3.org/2000/09/xmldsig#":
            imported.set("schemaLocation", stub.as_uri())
    assert imports, "the XSD no longer imports xmldsig: drop the stub"
    return etree.XMLSchema(doc)


def element_paths(root: etree._Element) -> dict[str, set[str]]:
    """Element path -> attribute names used there; runs of nested ProductPart count as one step, because the
    samples nest one level and our files three."""
    paths: dict[str, set[str]] = {}

    def walk(element: etree._Element, parent: str) -> None:
        name = etree.QName(element).localname
        if name == "ProductPart" and parent.endswith("/ProductPart"):
            path = parent
        else:
            path = f"{parent}/{name}" if parent else name
        paths.setdefault(path, set()).update(element.attrib.keys())
        for child in element:
            if isinstance(child.tag, str):
                walk(child, path)

    walk(root, "")
    return paths


@pytest.mark.reference
@pytest.mark.parametrize("name", sorted(SCHEMA_VALID))
def test_chemsherpa_2_files_validate_against_the_iec62474_xsd(iec62474_schema, name):
    root = parse(SCHEMA_VALID[name]())
    assert iec62474_schema.validate(root), iec62474_schema.error_log


@pytest.mark.reference
def test_large_file_and_containers_validate_against_the_iec62474_xsd(iec62474_schema, large):
    assert iec62474_schema.validate(parse(large[0])), iec62474_schema.error_log
    for data in (df.touch_switch_shai(), df.ai_with_duplicate_part_numbers()):
        for member in members(data).values():
            assert iec62474_schema.validate(parse(member)), iec62474_schema.error_log


@pytest.mark.reference
def test_the_xsd_rejects_what_it_should(iec62474_schema):
    assert not iec62474_schema.validate(parse(df.ai_with_bad_unit()))
    assert "unitOfMeasure" in str(iec62474_schema.error_log)
    assert iec62474_schema.validate(parse(df.chemsherpa_1x())) is False  # V1 layout is not X8.21


@pytest.mark.reference
def test_real_samples_validate_with_the_same_schema_setup(iec62474_schema, samples_dir):
    samples = sorted(samples_dir.glob("*.xml"))
    assert len(samples) >= 10
    for sample in samples:
        assert iec62474_schema.validate(etree.parse(str(sample), PARSER)), sample.name


@pytest.mark.reference
def test_our_files_use_the_same_structure_as_the_real_samples(samples_dir):
    ai_samples = sorted(samples_dir.glob("chemsherpa-ai_*.xml"))
    ci_samples = sorted(samples_dir.glob("chemsherpa-ci_*.xml"))
    assert ai_samples and ci_samples

    def union(roots):
        merged: dict[str, set[str]] = {}
        for root in roots:
            for path, attrs in element_paths(root).items():
                merged.setdefault(path, set()).update(attrs)
        return merged

    for samples, ours in ((ai_samples, [df.touch_switch_ai()]), (ci_samples, [df.adhesive_ci()])):
        sample_roots = [etree.parse(str(s), PARSER).getroot() for s in samples]
        our_roots = [parse(data) for data in ours]
        # Same root: namespace, prefixes and attribute names.
        for root in sample_roots:
            assert root.tag == our_roots[0].tag
            assert root.nsmap == our_roots[0].nsmap
            assert set(root.attrib) == set(our_roots[0].attrib)
        expected, actual = union(sample_roots), union(our_roots)
        # Every element path and attribute the tool writes, and nothing it does not, except that the seed-
        # derived structure never needs more than what is listed.
        assert actual.keys() == expected.keys(), sorted(actual.keys() ^ expected.keys())
        for path in expected:
            assert actual[path] == expected[path], (path, sorted(actual[path] ^ expected[path]))
