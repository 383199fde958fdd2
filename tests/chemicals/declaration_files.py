"""The project's own material-declaration test files, written from a small spec language.

Why this module exists: the real chemSHERPA files in ../shared/reference/samples have an unclear licence and
must not be copied into the project, yet the parsers need realistic input. Everything here is invented data
(company "Hoshizora Denshi", customer "Aozora Appliance", products TS-4410-A, LW-24AWG-BK, ...) laid out the
way the official chemSHERPA tools lay out their files: the element and attribute names, their order, the
`@`-separated comment fields, CRLF line endings, `<x />` empty elements and the absence of a final newline
were taken from reading the real samples (formats.md sections 1.2-1.6). Facts used verbatim are public list
identifiers: CAS / chemSHERPA SN numbers, IEC 62474 DSL entry ids and thresholds, chemSHERPA material codes,
IEC 62474 MCL classes and exemption list ids / item numbers.

Numbers are kept as strings (or Decimals) from spec to XML, so each file says exactly what the parser is meant
to read; no float ever touches a mass.

Public interface:
- spec dataclasses: ExemptionSpec, SubstanceSpec, MaterialSpec, PartSpec, DsDsgSpec, ContactSpec,
  ResponderSpec, ProductSpec;
- writers: build_ai, build_ci, shai_zip, shai_member_name, line_of, with_bom;
- ready-made files: touch_switch_ai, wire_ai, touch_switch_shai, capacitor_ai, adhesive_ci, chemsherpa_1x,
  jamp_ais, ipc1752a, iec62474_generic, unknown_xml, the ai_with_* / ai_mass_rollup_off broken variants and
  large_ai.
"""

from __future__ import annotations

import copy
import io
import random
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

Num = str | Decimal | int

IEC62474_NS = "http://std.iec.ch/iec62474"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
IPC1752_NS = "http://webstds.ipc.org/175x/2.0"

MG_PER = {"mg": Decimal(1), "g": Decimal(1000), "kg": Decimal(1_000_000)}

# List versions the chemSHERPA 2.10 tools write (formats.md 1.1).
MATERIAL_LIST_VERSION = "2.00.03"
MCL_VERSION = "M2.00"
DSL_VERSION = "D29.00"
CHEMSHERPA_EXEMPTION_LIST_VERSION = "2.07.00"

# The tool's fixed Japanese labels for material use codes, as they appear in DsDsg/@comment field 4.
USE_LABELS = {
    "1": "1.母材",
    "2": "2.被覆",
    "3": "3.付着剤",
    "4": "4.内包剤",
    "5": "5.はんだ接合",
    "6": "6.めっき",
    "12": "12.マーキング",
}


# ---------------------------------------------------------------------------------------------------------
# Spec language
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExemptionSpec:
    """One exemption claim; consecutive claims from the same list share one <Exemptions> block."""

    authority: str
    list_identity: str
    list_version: str
    identity: str
    reg_index: str | None
    description: str


# EU RoHS Annex III item 6(c) as listed by IEC 62474 (E2.0) and ELV Annex II item 3 as listed by chemSHERPA.
ROHS_6C = ExemptionSpec(
    "IEC62474",
    "EU-RoHS-AnnexIII",
    "E2.0",
    "00040-B-00",
    "6(c)",
    "Copper alloy containing up to 4 % lead by weight",
)
ROHS_7A = ExemptionSpec(
    "IEC62474",
    "EU-RoHS-AnnexIII",
    "E2.0",
    "00042-B-00",
    "7(a)",
    "Lead in high melting temperature type solders"
    " (i.e. lead-based alloys containing 85 % by weight or more lead)",
)
ELV_3 = ExemptionSpec(
    "chemSHERPA",
    "ELV_Ver.2.00.00",
    CHEMSHERPA_EXEMPTION_LIST_VERSION,
    "ELV_0046",
    "3",
    "Copper alloy containing up to 4 % lead by weight",
)
# Pseudo-exemptions: they say "none applies" / "application unknown" and must never count as exemptions.
NO_EXEMPTION = ExemptionSpec(
    "chemSHERPA",
    "RoHS_Ver.2.00.00",
    CHEMSHERPA_EXEMPTION_LIST_VERSION,
    "RoHS_0001",
    "No exemption",
    "No exemption",
)
REPAP_UNKNOWN = ExemptionSpec(
    "chemSHERPA",
    "ZZ_Ver.2.00.00",
    CHEMSHERPA_EXEMPTION_LIST_VERSION,
    "RepAp0_0001",
    "RepAp-Unknown",
    'The "reportable application" cannot be determined from the information available.',
)


@dataclass
class SubstanceSpec:
    """A declared substance. `percent` is % of the parent Material (AI) or of the mixture (CI); None writes
    no MassPercent at all (the "missing mass" case). `arbitrary` sets the tool's "@1" flag for substances
    reported voluntarily; `note` is the free text the tool puts before that flag."""

    cas_or_sn: str | None
    name: str
    percent: Num | None
    exemptions: list[ExemptionSpec] = field(default_factory=list)
    arbitrary: bool = False
    note: str = ""
    description_of_use: str = ""

    @property
    def comment(self) -> str:
        return f"{self.note}@{1 if self.arbitrary else 0}"


@dataclass
class MaterialSpec:
    """A homogeneous material: mass per ONE unit of the parent part, chemSHERPA material code, IEC 62474
    MCL class."""

    name: str
    code: str | None
    mcl: str | None
    mass: Num | None
    unit: str = "mg"
    use_code: str = "1"
    substances: list[SubstanceSpec] = field(default_factory=list)
    standard: str = ""
    remark: str = ""
    scip_category: str = ""
    is_article: bool | None = None  # None: the tool's habit, base material (use 1) is an article, others not

    @property
    def comment(self) -> str:
        # Material/@comment as the tool writes it: use code @ (empty) @ standard @ remark @ numeric category
        return f"{self.use_code}@@{self.standard}@{self.remark}@{self.scip_category}"

    @property
    def article(self) -> bool:
        return self.use_code == "1" if self.is_article is None else self.is_article


@dataclass
class PartSpec:
    """A ProductPart: `mass` is the mass of ONE unit; `number_of_units` multiplies it into the parent."""

    name: str
    identifier: str
    mass: Num | None
    unit: str = "g"
    number_of_units: Num = "1"
    parts: list[PartSpec] = field(default_factory=list)
    materials: list[MaterialSpec] = field(default_factory=list)
    is_article: bool = True
    comment: str | None = None


@dataclass
class DsDsgSpec:
    """One answer of the compliance section against an IEC 62474 DSL entry."""

    entry_id: str
    name: str
    reportable_application: str
    reporting_threshold: str
    above: bool = False
    mass: Num | None = None
    unit: str = "mg"
    percent: Num | None = None
    exemptions: list[ExemptionSpec] = field(default_factory=list)
    comment: str = "@" * 11


@dataclass
class ContactSpec:
    name: str
    title: str
    email: str
    phone: str
    division: str = ""
    street: str = ""
    city: str = ""
    state_province: str = ""
    country: str = "JP"
    postal_code: str = ""
    name_local: str = ""
    division_local: str = ""
    title_local: str = ""
    street_local: str = ""
    city_local: str = ""
    state_province_local: str = ""


def _default_authorizer() -> ContactSpec:
    return ContactSpec(
        name="Keiko Mizuhara",
        title="General Manager",
        email="k.mizuhara@hoshizora-denshi.example",
        phone="042-000-1200",
        division="Quality Assurance Division",
        street="2-14-5, Kawasemi-cho",
        city="Hachioji-shi",
        state_province="Tokyo",
        postal_code="192-0099",
        name_local="水原恵子",
        division_local="品質保証部",
        title_local="部長",
        street_local="かわせみ町2-14-5",
        city_local="八王子市",
        state_province_local="東京都",
    )


def _default_contact() -> ContactSpec:
    return ContactSpec(
        name="Daichi Arai",
        title="Engineer",
        email="d.arai@hoshizora-denshi.example",
        phone="042-000-1234",
        division="Environmental Compliance Section",
        street="2-14-5, Kawasemi-cho",
        city="Hachioji-shi",
        state_province="Tokyo",
        postal_code="192-0099",
        name_local="新井大地",
        division_local="環境管理課",
        title_local="技師",
        street_local="かわせみ町2-14-5",
        city_local="八王子市",
        state_province_local="東京都",
    )


@dataclass
class ResponderSpec:
    company: str = "HOSHIZORA DENSHI CO., LTD."
    company_local: str = "星空電子株式会社"
    duns: str | None = "690001234"
    date: str = "2025-03-28"
    doc_id: str = "HZD-CS-2025-0042"
    authorizer: ContactSpec = field(default_factory=_default_authorizer)
    contact: ContactSpec = field(default_factory=_default_contact)


@dataclass
class ProductSpec:
    """The declared product (one <Product> per file, as the chemSHERPA tools write it).

    AI: `parts` (+ optional `compliance`); CI: `substances` directly under Composition. `comment` None means
    "write the tool's usual Product/@comment for this format"."""

    identifier: str
    name: str
    mass: Num | None
    unit: str = "g"
    unit_type: str = "each"
    parts: list[PartSpec] = field(default_factory=list)
    substances: list[SubstanceSpec] = field(default_factory=list)
    compliance: list[DsDsgSpec] = field(default_factory=list)
    version: str = "1"
    effective_date: str = "2025-04-01"
    requester_name: str = ""
    requester_identifier: str = ""
    product_family_name: str = ""
    requester_company: str = "Aozora Appliance Corp."
    comment: str | None = None
    responder: ResponderSpec = field(default_factory=ResponderSpec)


# ---------------------------------------------------------------------------------------------------------
# Serialisation
# ---------------------------------------------------------------------------------------------------------

_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"}
)
Attrs = Iterable[tuple[str, object]]


def _num(value: Num) -> str:
    """A spec number as XML text: strings verbatim (they are what the parser must read), Decimals without an
    exponent."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return format(value.normalize(), "f")


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int):
        return _num(value)
    return str(value)


class _Writer:
    """Line-oriented XML writer giving the tool's layout: two-space indent, `<x a="1" />`, CRLF, and no
    newline after the root's end tag. Attributes whose value is None are left out; "" is written (the tool
    does)."""

    def __init__(self, *, newline: str = "\r\n", declaration: str = '<?xml version="1.0" encoding="utf-8"?>'):
        self.lines: list[str] = [declaration] if declaration else []
        self.depth = 0
        self.newline = newline

    @staticmethod
    def _attrs(attrs: Attrs) -> str:
        return "".join(f' {k}="{_text(v).translate(_ESCAPES)}"' for k, v in attrs if v is not None)

    def open(self, tag: str, attrs: Attrs = ()) -> None:
        self.lines.append(f"{'  ' * self.depth}<{tag}{self._attrs(attrs)}>")
        self.depth += 1

    def leaf(self, tag: str, attrs: Attrs = ()) -> None:
        self.lines.append(f"{'  ' * self.depth}<{tag}{self._attrs(attrs)} />")

    def text(self, tag: str, text: str, attrs: Attrs = ()) -> None:
        body = text.translate(_ESCAPES)
        self.lines.append(f"{'  ' * self.depth}<{tag}{self._attrs(attrs)}>{body}</{tag}>")

    def close(self, tag: str) -> None:
        self.depth -= 1
        self.lines.append(f"{'  ' * self.depth}</{tag}>")

    def getvalue(self) -> bytes:
        return self.newline.join(self.lines).encode("utf-8")


def _contact(
    w: _Writer, tag: str, c: ContactSpec, *, comment: bool = True, comment_local: bool = True
) -> None:
    # Attribute order as the tools write it. Contact carries comment + commentLocal; Authorizer never has
    # commentLocal, and only the CI tool writes its (empty) comment.
    w.leaf(
        tag,
        [
            ("division", c.division),
            ("name", c.name),
            ("title", c.title),
            ("email", c.email),
            ("phone", c.phone),
            ("internalAddress", ""),
            ("street", c.street),
            ("city", c.city),
            ("stateProvince", c.state_province),
            ("country", c.country),
            ("postalCode", c.postal_code),
            ("comment", "" if comment else None),
            ("nameLocal", c.name_local),
            ("divisionLocal", c.division_local),
            ("titleLocal", c.title_local),
            ("commentLocal", "" if comment_local else None),
            ("streetLocal", c.street_local),
            ("cityLocal", c.city_local),
            ("stateProvinceLocal", c.state_province_local),
        ],
    )


def _open_main(w: _Writer, schema_version: str, extra: Attrs = ()) -> None:
    w.open(
        "Main",
        [
            ("schemaDatabaseVersion", schema_version),
            ("xmlns", IEC62474_NS),
            ("xmlns:xsi", XSI_NS),
            *extra,
            ("charaLocal", "JPN"),
            ("declarationComplete", True),
        ],
    )


def _include(w: _Writer, sectionals: Sequence[str]) -> None:
    w.open("Include")
    for name in sectionals:
        w.leaf("Sectional", [("nameOfSectional", name)])
    w.close("Include")


def _business_info(w: _Writer, r: ResponderSpec, *, mode: str = "Distribution", ci: bool = False) -> None:
    w.open("BusinessInfo", [("mode", mode)])
    w.open("Response", [("date", r.date), ("docID", r.doc_id), ("comment", f"{r.date}@1@0")])
    _contact(w, "Authorizer", r.authorizer, comment=ci, comment_local=False)
    _contact(w, "Contact", r.contact)
    if r.duns:
        w.open("SupplyCompany", [("name", r.company), ("nameLocal", r.company_local)])
        w.leaf("UniqueID", [("authority", "DUNS"), ("identity", r.duns), ("version", "0")])
        w.close("SupplyCompany")
    else:
        w.leaf("SupplyCompany", [("name", r.company), ("nameLocal", r.company_local)])
    w.close("Response")
    w.close("BusinessInfo")


def _mass(w: _Writer, mass: Num | None, unit: str) -> None:
    if mass is not None:
        w.leaf("Mass", [("mass", _num(mass)), ("unitOfMeasure", unit)])


def _exemptions(w: _Writer, claims: Sequence[ExemptionSpec]) -> None:
    groups: list[list[ExemptionSpec]] = []
    for claim in claims:
        key = (claim.authority, claim.list_identity, claim.list_version)
        if (
            groups
            and (groups[-1][0].authority, groups[-1][0].list_identity, groups[-1][0].list_version) == key
        ):
            groups[-1].append(claim)
        else:
            groups.append([claim])
    for group in groups:
        head = group[0]
        w.open("Exemptions")
        w.leaf(
            "UniqueID",
            [("identity", head.list_identity), ("authority", head.authority), ("version", head.list_version)],
        )
        for claim in group:
            w.leaf(
                "Exemption",
                [
                    ("identity", claim.identity),
                    ("regIndex", claim.reg_index),
                    ("description", claim.description),
                ],
            )
        w.close("Exemptions")


def _substance(w: _Writer, s: SubstanceSpec, *, ci: bool) -> None:
    attrs: list[tuple[str, object]] = [("name", s.name)]
    if ci:
        attrs.append(("descriptionOfUse", s.description_of_use))
    attrs.append(("comment", s.comment))
    w.open("Substance", attrs)
    if s.cas_or_sn is not None:
        w.open("SubstanceID")
        w.leaf("EntryID", [("entryIdentity", s.cas_or_sn)])
        w.close("SubstanceID")
    if s.percent is not None:
        w.leaf("MassPercent", [("massPercent", _num(s.percent))])
    _exemptions(w, s.exemptions)
    w.close("Substance")


def _list_entry(w: _Writer, tag: str, identity: str, authority: str, version: str, entry: str) -> None:
    w.open(tag)
    w.leaf("ListID", [("identity", identity), ("authority", authority), ("version", version)])
    w.leaf("EntryID", [("entryIdentity", entry)])
    w.close(tag)


def _material(w: _Writer, m: MaterialSpec) -> None:
    w.open("Material", [("name", m.name), ("comment", m.comment), ("isArticle", m.article)])
    if m.code:
        _list_entry(w, "MaterialID", "chemSHERPA_MaterialList", "chemSHERPA", MATERIAL_LIST_VERSION, m.code)
    if m.mcl:
        _list_entry(w, "MaterialClassID", "MCL", "IEC62474", MCL_VERSION, m.mcl)
    _mass(w, m.mass, m.unit)
    for s in m.substances:
        _substance(w, s, ci=False)
    w.close("Material")


def _part(w: _Writer, p: PartSpec) -> None:
    w.open(
        "ProductPart",
        [("numberOfUnits", _num(p.number_of_units)), ("isArticle", p.is_article), ("comment", p.comment)],
    )
    w.open("ProductID", [("name", p.name), ("identifier", p.identifier)])
    _mass(w, p.mass, p.unit)
    w.close("ProductID")
    for child in p.parts:
        _part(w, child)
    for m in p.materials:
        _material(w, m)
    w.close("ProductPart")


def _dsdsg(w: _Writer, d: DsDsgSpec) -> None:
    w.open("DsDsg", [("name", d.name), ("comment", d.comment)])
    w.leaf("DsDsgID", [("entryIdentity", d.entry_id)])
    _mass(w, d.mass, d.unit)
    if d.percent is not None:
        w.leaf("MassPercent", [("massPercent", _num(d.percent))])
    w.leaf(
        "ComplianceThreshold",
        [
            ("aboveComplianceThreshold", d.above),
            ("reportableApplication", d.reportable_application),
            ("reportingThreshold", d.reporting_threshold),
        ],
    )
    _exemptions(w, d.exemptions)
    w.close("DsDsg")


def dsdsg_comment(
    use_code: str = "",
    part_name: str = "",
    article_id: str = "",
    article_name: str = "",
    safe_use: str = "",
    material_code: str = "",
) -> str:
    """DsDsg/@comment in the tool's 12-field layout: fields 4-7 locate the substance (use label, part,
    article), field 10 is the safe-use statement, field 12 the chemSHERPA material code."""
    fields = ["", "", "", USE_LABELS.get(use_code, ""), part_name, article_id, article_name, "", ""]
    return "@".join([*fields, safe_use, "", material_code])


# Product/@comment (AI) starts with confirmation flags and times; then the requester company and SCIP-type
# article data follow (formats.md 1.6).
_CONFIRMED_AT = "1@2025-03-27 10:12@1@2025-03-27 10:05@1"


def _schema_for(scheme: str) -> str:
    # chemSHERPA 2.00.xx wrote the first extension of X8.00; later 2.x releases the second (formats.md 1.1).
    return "X8.00ex1.0" if scheme.startswith("2.00") else "X8.00ex2.0"


def build_ai(
    spec: ProductSpec,
    *,
    with_compliance: bool = True,
    scheme: str = "2.10.00",
    schema_version: str | None = None,
    tool_version: str = "V2R1.00.1",
    dsl_version: str = DSL_VERSION,
) -> bytes:
    """A chemSHERPA-AI (article) XML file, data scheme `scheme`, as the tool would write it."""
    w = _Writer()
    _open_main(w, schema_version or _schema_for(scheme))
    compliance = with_compliance and bool(spec.compliance)
    _include(w, ["Compliance", "Composition"] if compliance else ["Composition"])
    _business_info(w, spec.responder)
    comment = spec.comment
    if comment is None:
        comment = f"{_CONFIRMED_AT}@@{spec.requester_company}@@1@1@{spec.identifier}@{spec.name}@@@"
    w.open(
        "Product",
        [
            ("unitType", spec.unit_type),
            ("productFamilyName", spec.product_family_name),
            ("isArticle", True),
            ("comment", comment),
        ],
    )
    _product_id(w, spec)
    if compliance:
        w.open("Compliance")
        w.leaf(
            "DeclarableSubstanceList",
            [("identity", "DSL"), ("authority", "IEC62474"), ("version", dsl_version)],
        )
        for d in spec.compliance:
            _dsdsg(w, d)
        w.close("Compliance")
    w.open("Composition", [("isFMD", False)])
    _composition_list(w, scheme)
    for p in spec.parts:
        _part(w, p)
    w.close("Composition")
    w.close("Product")
    _tool(w, f"chemSHERPA-AI-{tool_version}@{scheme}")
    w.close("Main")
    return w.getvalue()


def build_ci(spec: ProductSpec, *, scheme: str = "2.10.00", tool_version: str = "V2R1.00.0") -> bytes:
    """A chemSHERPA-CI (chemical product / mixture) XML file: Composition only, substances directly under it
    with MassPercent of the whole mixture. The CI tool writes no Mass; one is written only if `spec.mass` is
    set."""
    w = _Writer()
    _open_main(w, _schema_for(scheme))
    _include(w, ["Composition"])
    _business_info(w, spec.responder, ci=True)
    comment = spec.comment
    if comment is None:
        comment = f"1@2025-03-20 09:41@1@1@@{spec.requester_company}@@"
    w.open(
        "Product",
        [("productFamilyName", spec.product_family_name), ("comment", comment), ("unitType", spec.unit_type)],
    )
    _product_id(w, spec)
    w.open("Composition", [("isFMD", False)])
    _composition_list(w, scheme)
    for s in spec.substances:
        _substance(w, s, ci=True)
    w.close("Composition")
    w.close("Product")
    _tool(w, f"chemSHERPA-CI-{tool_version}@{scheme}")
    w.close("Main")
    return w.getvalue()


def _product_id(w: _Writer, spec: ProductSpec) -> None:
    attrs = [
        ("name", spec.name),
        ("identifier", spec.identifier),
        ("effectiveDate", spec.effective_date),
        ("version", spec.version),
        ("requesterName", spec.requester_name),
        ("requesterIdentifier", spec.requester_identifier),
    ]
    if spec.mass is None:
        w.leaf("ProductID", attrs)
    else:
        w.open("ProductID", attrs)
        _mass(w, spec.mass, spec.unit)
        w.close("ProductID")


def _composition_list(w: _Writer, scheme: str) -> None:
    w.leaf(
        "DeclarableSubstanceList",
        [("identity", "chemSHERPA_SubstanceList"), ("authority", "chemSHERPA"), ("version", scheme)],
    )


def _tool(w: _Writer, identity: str) -> None:
    w.leaf("ToolNameVersionID", [("identity", identity), ("authority", "chemSHERPA"), ("version", "0")])


# ---------------------------------------------------------------------------------------------------------
# Container and small helpers
# ---------------------------------------------------------------------------------------------------------

_MEMBER = re.compile(r"^SH[AC]I_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_")


def shai_member_name(
    identifier: str, seq: int = 1, *, stamp: str = "20250328101500", kind: str = "SHAI"
) -> str:
    """`SHAI_<yyyyMMddHHmmss>_<identifier>_<nnn>.xml`: the tool's name for one product in a .shai/.shci."""
    return f"{kind}_{stamp}_{identifier}_{seq:03d}.xml"


def shai_zip(files: dict[str, bytes]) -> bytes:
    """The .shai / .shci container: a plain ZIP with the XML files at its root. Entry times come from the
    timestamp in the member name so the bytes are reproducible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            match = _MEMBER.match(name.rsplit("/", 1)[-1])
            stamp = tuple(int(g) for g in match.groups()) if match else (2025, 1, 1, 0, 0, 0)
            info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def line_of(data: bytes, needle: str) -> int:
    """1-based number of the first line of `data` containing `needle` (for asserting error locations)."""
    for number, line in enumerate(data.decode("utf-8-sig").splitlines(), start=1):
        if needle in line:
            return number
    raise ValueError(f"{needle!r} not found")


def with_bom(data: bytes) -> bytes:
    """The same file with a UTF-8 byte-order mark, as some editors save it."""
    return b"\xef\xbb\xbf" + data


# ---------------------------------------------------------------------------------------------------------
# Ready-made files
# ---------------------------------------------------------------------------------------------------------

# DSL entries used by the examples (IEC 62474 DSL D29.00 identities, names and thresholds: public facts).
_RoHS_PB = ("00021", "Lead/Lead Compounds", "All, except batteries")
_PB_MATERIAL = "0.1 mass% of total Pb in homogenous material [ReportingLevel:Material]"
_ARTICLE_01 = "0.1 mass% of article [ReportingLevel:Article]"
_SAFE_USE = "Identification of the Candidate List substance is sufficient to allow safe use"


def _false(entry: str, name: str, application: str, threshold: str) -> DsDsgSpec:
    return DsDsgSpec(entry, name, application, threshold)


def _wire_part(number_of_units: Num) -> PartSpec:
    """The black 24 AWG lead wire, per metre: 5.2 g copper + 1.2 g PVC (12 % DEHP) = 6.4 g."""
    return PartSpec(
        "Lead wire",
        "LW-24AWG-BK",
        "6.4",
        "g",
        number_of_units,
        comment=f"LW-24AWG-BK@Lead wire@@@{_SAFE_USE}",
        materials=[
            MaterialSpec(
                "Copper (e.g. copper amounts in cable harnesses)",
                "R311",
                "M-121",
                "5.2",
                "g",
                "1",
                [SubstanceSpec("7440-50-8", "Copper", "99.9")],
                remark="7 strands",
            ),
            MaterialSpec(
                "PVC (Poly(vinyl chloride))",
                "P514",
                "M-200",
                "1.2",
                "g",
                "2",
                [
                    SubstanceSpec("9002-86-2", "Poly(vinyl chloride)", "55", arbitrary=True),
                    SubstanceSpec(
                        "117-81-7",
                        "Bis(2-ethylhexyl) phthalate; DEHP",
                        "12",
                        exemptions=[NO_EXEMPTION, REPAP_UNKNOWN],
                    ),
                ],
                scip_category="66494",
            ),
        ],
    )


def touch_switch_spec() -> ProductSpec:
    """TS-4410-A, a panel touch switch (3.7784 g), as a spec.

    Tree (mass of ONE unit; x n = numberOfUnits):

        Housing HSG-4410           1.84 g   x1  filled PBT 1812.5 mg (Sb2O3 2.5 %, SN0015 8 %) + ink 27.5 mg
        Contact assembly CA-220    228.4 mg x1  = 2 x 100 + 2 x 12.5 + 3.4 (its own solder joint)
          Terminal TRM-7           100 mg   x2  copper alloy 93.4 mg (Cu 61 %, Pb 2 % under ELV 3 / RoHS 6(c))
                                                + tin plating 0.4 mg + rivet 6.2
            Contact rivet RVT-1    6.2 mg   x1  AgNi
          Contact spring SPR-3     12.5 mg  x2  stainless steel
        Lead wire LW-24AWG-BK      6.4 g    x0.15  (per metre; 0.15 m used) Cu 5.2 g + PVC 1.2 g (DEHP 12 %)
        Screw SCR-M2x4             0.215 g  x2  stainless 213 mg + Ni plating 2 mg
        Light guide LG-4410        0.32 g   x1  PMMA reported voluntarily ("@1")

    Product: 1.84 + 0.2284 + 0.15 x 6.4 + 2 x 0.215 + 0.32 = 3.7784 g. Pb: 2 x 93.4 mg x 2 % = 3.736 mg
    (1.868 % of each 100 mg terminal); DEHP: 0.15 x 1.2 g x 12 % = 21.6 mg.
    """
    terminal = PartSpec(
        "Terminal",
        "TRM-7",
        "100",
        "mg",
        "2",
        comment=f"TRM-7@Terminal@@@{_SAFE_USE}",
        parts=[
            PartSpec(
                "Contact rivet",
                "RVT-1",
                "6.2",
                "mg",
                "1",
                materials=[
                    MaterialSpec(
                        "Other special metals",
                        "V412",
                        "M-159",
                        "6.2",
                        "mg",
                        "1",
                        [
                            SubstanceSpec("7440-22-4", "Silver", "90"),
                            SubstanceSpec("7440-02-0", "Nickel", "10"),
                        ],
                    )
                ],
            )
        ],
        materials=[
            MaterialSpec(
                "Copper alloys",
                "R312",
                "M-121",
                "93.4",
                "mg",
                "1",
                [
                    SubstanceSpec("7440-50-8", "Copper", "61"),
                    SubstanceSpec("7439-92-1", "Lead", "2", exemptions=[ELV_3, ROHS_6C]),
                ],
                standard="JISH3100",
                scip_category="66388",
            ),
            MaterialSpec(
                "Tin plating", "S005", "M-126", "0.4", "mg", "6", [SubstanceSpec("7440-31-5", "Tin", "100")]
            ),
        ],
    )
    spring = PartSpec(
        "Contact spring",
        "SPR-3",
        "12.5",
        "mg",
        "2",
        materials=[
            MaterialSpec(
                "highly alloyed steel",
                "R111",
                "M-100",
                "12.5",
                "mg",
                "1",
                [SubstanceSpec("7440-02-0", "Nickel", "8"), SubstanceSpec("7440-47-3", "Chromium", "18")],
                standard="JISG4313",
            )
        ],
    )
    contact_assembly = PartSpec(
        "Contact assembly",
        "CA-220",
        "228.4",
        "mg",
        "1",
        parts=[terminal, spring],
        materials=[
            MaterialSpec(
                "Lead-free solder",
                "R361",
                "M-126",
                "3.4",
                "mg",
                "5",
                [
                    SubstanceSpec("7440-31-5", "Tin", "96.5", note="Mass varies with the bonding conditions"),
                    SubstanceSpec("7440-22-4", "Silver", "3"),
                    SubstanceSpec("7440-50-8", "Copper", "0.5"),
                ],
            )
        ],
    )
    housing = PartSpec(
        "Housing",
        "HSG-4410",
        "1.84",
        "g",
        "1",
        materials=[
            MaterialSpec(
                "filled Thermoplastics",
                "N499",
                "M-299",
                "1812.5",
                "mg",
                "1",
                [
                    SubstanceSpec("1309-64-4", "Diantimony trioxide", "2.5"),
                    SubstanceSpec("SN0015", "Brominated flame retardants (BFRs)", "8"),
                ],
                standard="ISO1043",
            ),
            MaterialSpec(
                "Others (Cured resin or duromers)",
                "N543",
                "M-319",
                "27.5",
                "mg",
                "12",
                [SubstanceSpec("13463-67-7", "Titanium dioxide", "30", arbitrary=True)],
            ),
        ],
    )
    screw = PartSpec(
        "Screw",
        "SCR-M2x4",
        "0.215",
        "g",
        "2",
        materials=[
            MaterialSpec(
                "highly alloyed steel",
                "R111",
                "M-100",
                "213",
                "mg",
                "1",
                [SubstanceSpec("7440-02-0", "Nickel", "10")],
            ),
            MaterialSpec(
                "Nickel plating",
                "S002",
                "M-123",
                "2",
                "mg",
                "6",
                [SubstanceSpec("7440-02-0", "Nickel", "100")],
            ),
        ],
    )
    light_guide = PartSpec(
        "Light guide",
        "LG-4410",
        "0.32",
        "g",
        "1",
        materials=[
            MaterialSpec(
                "Other thermoplastics",
                "P529",
                "M-249",
                "320",
                "mg",
                "1",
                [SubstanceSpec("9011-14-7", "Poly(methyl methacrylate)", "98", arbitrary=True)],
            )
        ],
    )
    terminal_where = dsdsg_comment("1", "Terminal", "TRM-7", "Terminal", _SAFE_USE, "R312")
    wire_where = dsdsg_comment("2", "Lead wire", "LW-24AWG-BK", "Lead wire", _SAFE_USE, "P514")
    compliance = [
        _false("00089", "Lead dinitrate", "All", _ARTICLE_01),
        DsDsgSpec(
            *_RoHS_PB,
            _PB_MATERIAL,
            above=True,
            mass="3.736",
            percent="2",
            exemptions=[ROHS_6C],
            comment=dsdsg_comment("1", "Terminal"),
        ),
        DsDsgSpec(
            "00022",
            "Lead/Lead Compounds",
            "Consumer products designed or intended primarily for children 12 years of age or younger",
            "0.01 mass% [ReportingLevel:Product]",
            above=True,
            mass="3.736",
            percent="0.098877832",
            exemptions=[REPAP_UNKNOWN],
            comment=dsdsg_comment("1", "Terminal"),
        ),
        DsDsgSpec(
            "00154",
            "Lead",
            "All",
            _ARTICLE_01,
            above=True,
            mass="3.736",
            percent="1.868",
            comment=terminal_where,
        ),
        _false(
            "00010",
            "Cadmium/Cadmium compounds",
            "All, except batteries",
            "0.01 mass% of total Cd in homogenous material [ReportingLevel:Material]",
        ),
        _false(
            "00012",
            "Chromium (VI) Compounds",
            "All",
            "0.1 mass% of total Cr+6 in homogenous material [ReportingLevel:Material]",
        ),
        _false(
            "00029",
            "Mercury/Mercury Compounds",
            "All, except batteries",
            "Intentionally Added or 0.1 mass% of total Hg in homogenous material [ReportingLevel:Material]",
        ),
        DsDsgSpec(
            "00038",
            "Bis (2-ethylhexyl)phthalate (DEHP)",
            "All",
            "0.1 mass% in homogenous material [ReportingLevel:Material]",
            above=True,
            mass="21.6",
            percent="12",
            exemptions=[NO_EXEMPTION],
            comment=wire_where,
        ),
        DsDsgSpec(
            "00036",
            "Phthalates, Selected Group 1 (DEHP, DBP, BBP, DIBP)",
            "Children's toy or child care article",
            "0.1 mass% as the sum of the phthalate concentrations in plasticized material"
            " [ReportingLevel:Material]",
            above=True,
            mass="21.6",
            percent="12",
            exemptions=[REPAP_UNKNOWN],
            comment=dsdsg_comment("2", "Lead wire"),
        ),
        _false(
            "00044",
            "Polybrominated biphenyls (PBB)",
            "All",
            "0.1 mass% in homogenous material [ReportingLevel:Material]",
        ),
        _false(
            "00045",
            "Polybrominated diphenyl ethers (PBDE)",
            "All",
            "0.1 mass% in homogenous material or Intentionally added [ReportingLevel:Material]",
        ),
        _false("00093", "Cadmium", "All", _ARTICLE_01),
    ]
    return ProductSpec(
        "TS-4410-A",
        "Touch switch",
        "3.7784",
        "g",
        "each",
        parts=[housing, contact_assembly, _wire_part("0.15"), screw, light_guide],
        compliance=compliance,
        requester_name="Touch switch, front panel",
        requester_identifier="AZ-77-1031",
        product_family_name="TS-4400",
    )


def touch_switch_ai() -> bytes:
    """chemSHERPA-AI for TS-4410-A (see `touch_switch_spec`): parts nested three deep, numberOfUnits 2 and
    0.15, the per-metre wire part, g and mg mixed, Pb 2 % in copper alloy claiming ELV 3 and RoHS 6(c), the
    "No exemption" and "RepAp-Unknown" pseudo-exemptions on DEHP, "@1" substances (PVC, TiO2, PMMA), and a
    product mass equal to the roll-up. Compliance: a handful of DSL answers consistent with the
    composition."""
    return build_ai(touch_switch_spec())


def wire_spec() -> ProductSpec:
    """LW-24AWG-BK declared on its own: `Product/@unitType="m"`, so its 6.4 g is the mass of one metre."""
    wire = _wire_part("1")
    return ProductSpec(
        "LW-24AWG-BK",
        "Lead wire",
        "6.4",
        "g",
        "m",
        parts=[wire],
        compliance=[
            DsDsgSpec(
                "00038",
                "Bis (2-ethylhexyl)phthalate (DEHP)",
                "All",
                "0.1 mass% in homogenous material [ReportingLevel:Material]",
                above=True,
                mass="144",
                percent="12",
                exemptions=[NO_EXEMPTION],
                comment=dsdsg_comment("2", "Lead wire", "LW-24AWG-BK", "Lead wire", _SAFE_USE, "P514"),
            ),
            DsDsgSpec(*_RoHS_PB, _PB_MATERIAL),
        ],
    )


def wire_ai() -> bytes:
    """chemSHERPA-AI for the wire as a product of its own, declared per metre (unitType "m")."""
    return build_ai(wire_spec())


def touch_switch_shai() -> bytes:
    """A valid .shai: the touch switch and its wire, one XML each."""
    return shai_zip(
        {
            shai_member_name("TS-4410-A", 1): touch_switch_ai(),
            shai_member_name("LW-24AWG-BK", 2): wire_ai(),
        }
    )


def capacitor_spec() -> ProductSpec:
    """The seed's aluminium electrolytic capacitor (reference/substances.md section 6) exactly as declared.

    The declared item is the Product (mass 3 g, the seed's "part mass"); each seed layer is one top-level
    ProductPart (numberOfUnits 1) holding one Material per layer, so the top-level roll-up is
    0.3 + 0.15 + 2 + 0.3 + 0.15 + 0.091 = 2.991 g against the declared 3 g. chemSHERPA-AI has no substance
    masses, so each seed mass is written as MassPercent = seed mass / layer mass x 100; the seed's names are
    kept, wrong as they are (CAS wins over name when evaluating). "other" rows are not written: a chemSHERPA
    composition is not a full disclosure (isFMD="false"), so "other" is the material mass minus the listed
    substances. No compliance section: the seed gives no DSL answers.

    | seed row                           | encoded as                                                        |
    |------------------------------------|-------------------------------------------------------------------|
    | Sleeve 0.3 g                       | part "Sleeve" 0.3 g, material PVC (P514, use 2) 0.3 g             |
    |   PVC 9002-86-2, 0.15 g            | "PVC" 9002-86-2, 50 %                                             |
    |   "flame retardant" 117-81-7 0.05 g| "flame retardant" 117-81-7, 16.66666667 % (-> 0.05000000001 g)  |
    |   other 0.10 g                     | not written (0.3 - 0.15 - 0.05)                                   |
    | Case 0.15 g (other)                | part "Case" 0.15 g, material wrought Al (R212) 0.15 g, empty      |
    | Internal element 2 g               | part "Internal element" 2 g, one material "Other materials" 2 g   |
    |   "phthalic anhydride" 7440-36-0   | 1 % (0.02 g)                                                      |
    |   "tin" 7439-92-1 0.0009 g         | 0.045 % (0.0009 g)                                                |
    |   other 1.9791 g                   | not written                                                       |
    | Electrolyte 0.3 g (other)          | part "Electrolyte" 0.3 g, material (N999, use 4 enclosed) 0.3 g   |
    | Sealing rubber 0.15 g (other)      | part "Sealing rubber" 0.15 g, material elastomer (N544) 0.15 g    |
    | Lead wire                          | part "Lead wire" 0.091 g (= 0.011 + 0.08; the seed gives no mass) |
    |   solder plating 0.011 g           | material "Solder plating" (S005, use 6) 11 mg                     |
    |     "tin" 7439-92-1 0.005 g        | 45.45454545 % (-> 0.0049999999995 g)                             |
    |     other 0.006 g                  | not written                                                       |
    |   core wire 0.08 g                 | material "Core wire" (R102) 80 mg                                 |
    |     "steel" 7440-50-8, mass missing| Substance with SubstanceID and NO MassPercent element             |
    |     other 0.014 g                  | not written (so Cu "by difference" = 0.066 g is the parser's job) |

    The two repeating fractions (0.05/0.3, 0.005/0.011) are written to 8 decimals; the masses derived from
    them differ from the seed's by less than 1e-10 g.
    """
    return ProductSpec(
        "AEC-16V47-SEED",
        "Aluminium electrolytic capacitor",
        "3",
        "g",
        "each",
        requester_identifier="AZ-CAP-0047",
        parts=[
            PartSpec(
                "Sleeve",
                "AEC-SLV",
                "0.3",
                "g",
                materials=[
                    MaterialSpec(
                        "PVC (Poly(vinyl chloride))",
                        "P514",
                        "M-200",
                        "0.3",
                        "g",
                        "2",
                        [
                            SubstanceSpec("9002-86-2", "PVC", "50"),
                            SubstanceSpec("117-81-7", "flame retardant", "16.66666667"),
                        ],
                    )
                ],
            ),
            PartSpec(
                "Case",
                "AEC-CASE",
                "0.15",
                "g",
                materials=[MaterialSpec("Wrought aluminium alloy", "R212", None, "0.15", "g", "1")],
            ),
            PartSpec(
                "Internal element",
                "AEC-ELEM",
                "2",
                "g",
                materials=[
                    MaterialSpec(
                        "Other materials",
                        "N999",
                        None,
                        "2",
                        "g",
                        "1",
                        [
                            SubstanceSpec("7440-36-0", "phthalic anhydride", "1"),
                            SubstanceSpec("7439-92-1", "tin", "0.045"),
                        ],
                    )
                ],
            ),
            PartSpec(
                "Electrolyte",
                "AEC-ELYT",
                "0.3",
                "g",
                materials=[MaterialSpec("Electrolyte solution", "N999", None, "0.3", "g", "4")],
            ),
            PartSpec(
                "Sealing rubber",
                "AEC-SEAL",
                "0.15",
                "g",
                materials=[MaterialSpec("Sealing rubber", "N544", None, "0.15", "g", "1")],
            ),
            PartSpec(
                "Lead wire",
                "AEC-LEAD",
                "0.091",
                "g",
                materials=[
                    MaterialSpec(
                        "Solder plating",
                        "S005",
                        "M-126",
                        "11",
                        "mg",
                        "6",
                        [SubstanceSpec("7439-92-1", "tin", "45.45454545")],
                    ),
                    MaterialSpec(
                        "Core wire",
                        "R102",
                        None,
                        "80",
                        "mg",
                        "1",
                        [SubstanceSpec("7440-50-8", "steel", None)],
                    ),
                ],
            ),
        ],
    )


def capacitor_ai() -> bytes:
    """chemSHERPA-AI for the seed's capacitor; see `capacitor_spec` for how each seed row is encoded."""
    return build_ai(capacitor_spec(), with_compliance=False)


def adhesive_spec() -> ProductSpec:
    """AD-2K-EP, a two-part epoxy adhesive (mixture): toluene 4.5 %, brominated flame retardants as the
    chemSHERPA group SN0015 (no CAS) 1.2 %, bisphenol A 0.05 % and an epoxy resin reported voluntarily."""
    return ProductSpec(
        "AD-2K-EP",
        "Two-part epoxy adhesive",
        None,
        unit_type="each",
        substances=[
            SubstanceSpec("25068-38-6", "Epoxy resin (bisphenol A - epichlorohydrin)", "60", arbitrary=True),
            SubstanceSpec("108-88-3", "Toluene", "4.5", note="[volatile]"),
            SubstanceSpec("SN0015", "Brominated flame retardants (BFRs)", "1.2"),
            SubstanceSpec("80-05-7", "4,4'-Isopropylidenediphenol (Bisphenol A)", "0.05"),
        ],
    )


def adhesive_ci() -> bytes:
    """chemSHERPA-CI for the adhesive mixture (`adhesive_spec`)."""
    return build_ci(adhesive_spec())


def chemsherpa_1x() -> bytes:
    """A chemSHERPA data scheme 1.x file (schema X6.01ex1.0) in the layout formats.md section 2 describes
    (second-hand, no real file was seen): extra `Main/@substanceDatabaseVersion`, `BusinessInfo/@fieldLock`,
    compliance answers as Substance / SubstanceGroup directly under Product with UniqueID, Threshold and
    MatMassPercent, exemption lists without version / regIndex, the part tree directly under Product, and
    substance mass + unit in Substance/@comment fields 2 and 3. Must be recognised and refused, not parsed."""
    w = _Writer()
    _open_main(w, "X6.01ex1.0", [("substanceDatabaseVersion", "D13.00")])
    r = ResponderSpec(date="2017-06-12", doc_id="HZD-CS-2017-0007")
    w.open("BusinessInfo", [("mode", "Distribution"), ("fieldLock", False)])
    w.open("Response", [("date", r.date), ("docID", r.doc_id)])
    _contact(w, "Authorizer", r.authorizer, comment=False, comment_local=False)
    _contact(w, "Contact", r.contact)
    w.leaf("SupplyCompany", [("name", r.company), ("nameLocal", r.company_local)])
    w.close("Response")
    w.close("BusinessInfo")
    w.open("Product", [("unitType", "each"), ("comment", "1@2017-06-12 15:02@@")])
    w.open(
        "ProductID", [("name", "Touch switch"), ("identifier", "TS-4410"), ("effectiveDate", "2017-06-12")]
    )
    _mass(w, "3.6", "g")
    w.close("ProductID")
    w.open("SubstanceGroup", [("name", "Lead/Lead Compounds"), ("comment", "")])
    w.leaf("UniqueID", [("authority", "IEC62474"), ("identity", "00021")])
    _mass(w, "3.7", "mg")
    w.leaf("MatMassPercent", [("massPercent", "2")])
    w.leaf(
        "Threshold",
        [
            ("aboveThresholdLevel", True),
            ("reportableApplication", "All, except batteries"),
            ("reportingThreshold", _PB_MATERIAL),
        ],
    )
    w.open("Exemptions")
    w.leaf("UniqueID", [("authority", "IEC62474"), ("identity", "EU-RoHS-AnnexIII")])
    w.leaf("Exemption", [("identity", "00040-B-00"), ("description", ROHS_6C.description)])
    w.close("Exemptions")
    w.close("SubstanceGroup")
    w.open("Substance", [("name", "Bis(2-ethylhexyl) phthalate (DEHP)"), ("comment", "")])
    w.leaf("UniqueID", [("authority", "IEC62474"), ("identity", "00038")])
    w.leaf(
        "Threshold",
        [
            ("aboveThresholdLevel", False),
            ("reportableApplication", "All"),
            ("reportingThreshold", "0.1 mass% [ReportingLevel:Material]"),
        ],
    )
    w.close("Substance")
    w.open("ProductPart", [("numberOfUnits", "2")])
    w.open("ProductID", [("name", "Terminal"), ("identifier", "TRM-7")])
    _mass(w, "92", "mg")
    w.close("ProductID")
    w.open("Material", [("name", "Copper alloys"), ("comment", "1@@JISH3100@@")])
    w.open("MaterialClassID")
    w.leaf("EntryID", [("entryIdentity", "R312")])
    w.close("MaterialClassID")
    _mass(w, "92", "mg")
    for cas, name, pct, mass in (("7440-50-8", "Copper", "61", "56.12"), ("7439-92-1", "Lead", "2", "1.84")):
        w.open("Substance", [("name", name), ("comment", f"@{mass}@mg")])
        w.leaf("UniqueID", [("authority", "CAS"), ("identity", cas)])
        w.leaf("MatMassPercent", [("massPercent", pct)])
        w.close("Substance")
    w.close("Material")
    w.close("ProductPart")
    w.close("Product")
    w.leaf(
        "ToolNameVersionID",
        [("authority", "chemSHERPA"), ("identity", "chemSHERPA-A1.03.00@1.03.00"), ("version", "0")],
    )
    w.close("Main")
    return w.getvalue()


def _ais_item(w: _Writer, code: str, value: str, attrs: Attrs = ()) -> None:
    w.open(code)
    w.text("PROPERTY_VALUE", value, attrs)
    w.close(code)


def jamp_ais() -> bytes:
    """A JAMP AIS 4.x file (the predecessor format, root DESCRIPT; formats.md section 3, second-hand): generic
    KJA* groups / KJE* items holding PROPERTY_VALUE, the format version after PROPERTY_SNAME "Use format",
    masses with an SI prefix attribute, content rates with a unit, law ids per substance. Must be refused."""
    w = _Writer(declaration='<?xml version="1.0" encoding="UTF-8"?>')
    w.open("DESCRIPT", [("xmlns:xsi", XSI_NS)])
    w.text("LANG", "EN")
    w.open("KJA020")
    w.open("EDK020-001")
    _ais_item(w, "KJE134", "HZD-AIS-2014-0311")
    w.open("KJE136")
    w.text("PROPERTY_SNAME", "Use format")
    w.text("PROPERTY_VALUE", "AIS 4.02")
    w.close("KJE136")
    _ais_item(w, "KJE137", "2014-11-20")
    _ais_item(w, "KJE012", "HOSHIZORA DENSHI CO., LTD.")
    _ais_item(w, "KJE078", "Aozora Appliance Corp.")
    _ais_item(w, "KJE018", "TS-4402")
    _ais_item(w, "KJE177", "PC")
    _ais_item(w, "KJE023", "245.6", [("prefix", "m")])
    w.close("EDK020-001")
    w.close("KJA020")
    w.open("KJA027")
    _ais_item(w, "KJE055", "Switch body")
    _ais_item(w, "KJE057", "1")
    _ais_item(w, "KJE184", "1")
    w.open("KJA028")
    _ais_item(w, "KJE059", "Terminal")
    _ais_item(w, "KJE185", "2")
    _ais_item(w, "KJE186", "2")
    w.open("KJA029")
    _ais_item(w, "KJE187", "01")
    _ais_item(w, "KJE189", "R312")
    _ais_item(w, "KJE190", "JISH3100")
    _ais_item(w, "KJE128", "92", [("prefix", "m")])
    w.open("KJA030")
    _ais_item(w, "KJE070", "Lead")
    _ais_item(w, "KJE071", "7439-92-1")
    _ais_item(w, "KJE131", "2", [("unit", "%")])
    _ais_item(w, "KJE133", "1.84", [("prefix", "m")])
    w.open("KJA031")
    _ais_item(w, "KJE192", "EU01")
    _ais_item(w, "KJE278", "2")
    _ais_item(w, "KJE195", "6(c)")
    w.close("KJA031")
    w.close("KJA030")
    w.close("KJA029")
    w.close("KJA028")
    w.close("KJA027")
    w.close("DESCRIPT")
    return w.getvalue()


def ipc1752a() -> bytes:
    """An IPC-1752A class D declaration (namespace http://webstds.ipc.org/175x/2.0, root MainDeclaration;
    element names second-hand, formats.md section 5): Amount value/UOM, HomogeneousMaterial, substances
    grouped under SubstanceCategoryList. Must be recognised and refused."""
    w = _Writer(newline="\n")
    w.open("MainDeclaration", [("xmlns", IPC1752_NS), ("version", "2.0")])
    w.open("Include")
    w.open("Sectional", [("name", "MaterialInfo")])
    w.leaf("SubSectional", [("name", "D")])
    w.close("Sectional")
    w.close("Include")
    w.open("BusinessInfo", [("mode", "Distribute")])
    w.open("Response", [("date", "2025-02-14"), ("fieldLock", False), ("comment", "")])
    w.open("Authorizer", [("name", "Keiko Mizuhara")])
    w.leaf("Email", [("address", "k.mizuhara@hoshizora-denshi.example")])
    w.leaf("Phone", [("number", "+81-42-000-1200")])
    w.close("Authorizer")
    w.open("SupplyCompany", [("name", "HOSHIZORA DENSHI CO., LTD.")])
    w.leaf("CompanyID", [("identity", "690001234"), ("authority", "DUNS")])
    w.close("SupplyCompany")
    w.open("Contact", [("name", "Daichi Arai")])
    w.leaf("Email", [("address", "d.arai@hoshizora-denshi.example")])
    w.leaf("Phone", [("number", "+81-42-000-1234")])
    w.close("Contact")
    w.close("Response")
    w.leaf(
        "Declaration",
        [
            ("legalType", "Standard"),
            ("supplierAcceptance", True),
            ("legalDef", "Information provided to the best of the supplier's knowledge."),
            ("uncertaintyStatement", ""),
        ],
    )
    w.close("BusinessInfo")
    w.open("Product", [("unitType", "Each"), ("comment", "")])
    w.open(
        "ProductID",
        [
            ("itemName", "Chip resistor 10k 0603"),
            ("itemNumber", "RC0603-103"),
            ("manufacturingSite", ""),
            ("version", "B"),
            ("requesterItemName", ""),
            ("requesterItemNumber", "AZ-R-1003"),
        ],
    )
    w.leaf("Amount", [("value", "2.1"), ("UOM", "mg")])
    w.close("ProductID")
    w.open("MaterialInfo")
    w.open("HomogeneousMaterialList")
    for name, group, amount, substances in (
        ("Alumina substrate", "Ceramic", "1.6", [("Aluminium oxide", "1344-28-1", "1.52")]),
        ("Terminal plating", "Tin", "0.12", [("Tin", "7440-31-5", "0.12")]),
        ("Resistive layer", "Glass", "0.38", [("Lead oxide (in glass)", "1317-36-8", "0.019")]),
    ):
        w.open("HomogeneousMaterial", [("name", name), ("materialGroupName", group)])
        w.leaf("Amount", [("value", amount), ("UOM", "mg")])
        w.open("SubstanceCategoryList")
        w.leaf(
            "SubstanceCategoryListID", [("identity", "JIG101-3"), ("authority", "JIG"), ("revision", "3.0")]
        )
        w.open("SubstanceCategory", [("name", "Declared substances")])
        for substance, cas, mass in substances:
            w.open("Substance", [("name", substance)])
            w.leaf("SubstanceID", [("identity", cas), ("authority", "CAS")])
            w.leaf("Amount", [("value", mass), ("UOM", "mg")])
            w.close("Substance")
        w.close("SubstanceCategory")
        w.close("SubstanceCategoryList")
        w.close("HomogeneousMaterial")
    w.close("HomogeneousMaterialList")
    w.close("MaterialInfo")
    w.close("Product")
    w.close("MainDeclaration")
    return w.getvalue()


def iec62474_generic() -> bytes:
    """A plain IEC 62474 declaration from a non-chemSHERPA tool: schema X8.21-1, no chemSHERPA
    ToolNameVersionID, two Products in one file, materials directly under Composition, substance masses
    (Substance/Mass) instead of percentages. Schema-valid; must be recognised as "IEC 62474, not
    chemSHERPA"."""
    w = _Writer()
    w.open(
        "Main",
        [("xmlns", IEC62474_NS), ("schemaDatabaseVersion", "X8.21-1"), ("declarationComplete", True)],
    )
    _include(w, ["Composition"])
    r = ResponderSpec()
    w.open("BusinessInfo", [("mode", "Requester/responder")])
    w.open("Response", [("date", "2025-01-30"), ("docID", "MD-2025-118")])
    w.leaf(
        "Authorizer",
        [
            ("name", r.authorizer.name),
            ("title", r.authorizer.title),
            ("email", r.authorizer.email),
            ("phone", r.authorizer.phone),
        ],
    )
    w.leaf(
        "Contact",
        [
            ("name", r.contact.name),
            ("title", r.contact.title),
            ("email", r.contact.email),
            ("phone", r.contact.phone),
        ],
    )
    w.leaf("SupplyCompany", [("name", r.company)])
    w.close("Response")
    w.close("BusinessInfo")
    for identifier, name, mass, materials in (
        (
            "GK-12",
            "Gasket 12 mm",
            "850",
            [("EPDM", "M-260", "850", [("1333-86-4", "Carbon black", "212.5")])],
        ),
        (
            "SP-3",
            "Spacer 3 mm",
            "120",
            [("Brass", "M-121", "120", [("7440-50-8", "Copper", "74.4"), ("7439-92-1", "Lead", "3.6")])],
        ),
    ):
        w.open("Product", [("unitType", "each")])
        w.open("ProductID", [("name", name), ("identifier", identifier)])
        _mass(w, mass, "mg")
        w.close("ProductID")
        w.open("Composition", [("isFMD", False)])
        w.leaf(
            "DeclarableSubstanceList", [("authority", "IEC62474"), ("identity", "DSL"), ("version", "D33.00")]
        )
        for material, mcl, mat_mass, substances in materials:
            w.open("Material", [("name", material)])
            w.open("MaterialClassID")
            w.leaf("ListID", [("authority", "IEC62474"), ("identity", "MCL"), ("version", MCL_VERSION)])
            w.leaf("EntryID", [("entryIdentity", mcl)])
            w.close("MaterialClassID")
            _mass(w, mat_mass, "mg")
            for cas, substance, s_mass in substances:
                w.open("Substance", [("name", substance)])
                w.open("SubstanceID")
                w.leaf("EntryID", [("entryIdentity", cas)])
                w.close("SubstanceID")
                _mass(w, s_mass, "mg")
                w.close("Substance")
            w.close("Material")
        w.close("Composition")
        w.close("Product")
    w.close("Main")
    return w.getvalue()


def unknown_xml() -> bytes:
    """Well-formed XML that is no declaration at all (a purchase order)."""
    w = _Writer(newline="\n", declaration='<?xml version="1.0" encoding="UTF-8"?>')
    w.open("PurchaseOrder", [("xmlns", "urn:example:purchase-order"), ("number", "PO-2025-0091")])
    w.text("Buyer", "Aozora Appliance Corp.")
    w.open("Line", [("item", "TS-4410-A"), ("quantity", "500")])
    w.text("Price", "1.25", [("currency", "USD")])
    w.close("Line")
    w.close("PurchaseOrder")
    return w.getvalue()


# ---------------------------------------------------------------------------------------------------------
# Broken variants (each changes one thing in the touch switch; `line_of(data, needle)` finds the line)
# ---------------------------------------------------------------------------------------------------------


def _part_named(parts: Iterable[PartSpec], name: str) -> PartSpec:
    for part in parts:
        if part.name == name:
            return part
        try:
            return _part_named(part.parts, name)
        except KeyError:
            continue
    raise KeyError(name)


def _touch_switch_copy() -> ProductSpec:
    return copy.deepcopy(touch_switch_spec())


def ai_with_bad_cas_check_digit() -> bytes:
    """Wrong element: ProductPart "Contact assembly" / ProductPart "Terminal" / Material "Copper alloys" /
    Substance "Lead" / SubstanceID / EntryID/@entryIdentity="7439-92-7" (lead is 7439-92-1: the check digit
    of 743992 is 1). Needle: `entryIdentity="7439-92-7"`."""
    spec = _touch_switch_copy()
    lead = _part_named(spec.parts, "Terminal").materials[0].substances[1]
    lead.cas_or_sn = "7439-92-7"
    return build_ai(spec)


def ai_with_bad_unit() -> bytes:
    """Wrong element: ProductPart "Light guide" / Material "Other thermoplastics" / Mass
    `<Mass mass="320" unitOfMeasure="lb" />` (IEC 62474 allows mg, g, kg only; the file is schema-invalid).
    Needle: `unitOfMeasure="lb"`."""
    spec = _touch_switch_copy()
    _part_named(spec.parts, "Light guide").materials[0].unit = "lb"
    return build_ai(spec)


def ai_with_negative_mass() -> bytes:
    """Wrong element: ProductPart "Screw" / Material "Nickel plating" /
    `<Mass mass="-2" unitOfMeasure="mg" />`. Schema-valid (xsd:float). As a consequence the screw's materials
    sum to 211 mg against its 215 mg. Needle: `mass="-2"`."""
    spec = _touch_switch_copy()
    _part_named(spec.parts, "Screw").materials[1].mass = "-2"
    return build_ai(spec)


def ai_with_percent_over_100() -> bytes:
    """Wrong element: ProductPart "Screw" / Material "Nickel plating" / Substance "Nickel" /
    `<MassPercent massPercent="120" />`. Schema-valid. Needle: `massPercent="120"`."""
    spec = _touch_switch_copy()
    _part_named(spec.parts, "Screw").materials[1].substances[0].percent = "120"
    return build_ai(spec)


def ai_with_percents_summing_over_100() -> bytes:
    """Wrong element: ProductPart "Terminal" / Material "Copper alloys": Cu 61 % + Pb 2 % + an added
    Substance "Zinc" (7440-66-6) at 40 % = 103 %, each value alone plausible. Needle: `massPercent="40"`
    (the Zinc line; the Material start tag is the element to blame)."""
    spec = _touch_switch_copy()
    _part_named(spec.parts, "Terminal").materials[0].substances.append(
        SubstanceSpec("7440-66-6", "Zinc", "40")
    )
    return build_ai(spec)


def ai_with_duplicate_part_numbers() -> bytes:
    """A .shai ZIP with two XML members that both declare ProductID/@identifier="TS-4410-A" (the second a
    version 2 with a later effectiveDate): SHAI_20250328101500_TS-4410-A_001.xml and ..._002.xml."""
    first = touch_switch_spec()
    second = touch_switch_spec()
    second.version = "2"
    second.effective_date = "2025-05-01"
    return shai_zip(
        {
            shai_member_name("TS-4410-A", 1): build_ai(first),
            shai_member_name("TS-4410-A", 2): build_ai(second),
        }
    )


def ai_mass_rollup_off(by_percent: Num = "5") -> bytes:
    """Wrong element: Product / ProductID / Mass: the declared 3.7784 g is replaced by the roll-up
    x (1 + by_percent / 100), e.g. 3.96732 g for 5 %; every part stays consistent. Needle: the new
    `mass="..."` on the line after `<ProductID name="Touch switch"`."""
    spec = _touch_switch_copy()
    rollup = Decimal(_num(spec.mass or "0"))
    spec.mass = rollup * (1 + Decimal(_num(by_percent)) / 100)
    return build_ai(spec)


# ---------------------------------------------------------------------------------------------------------
# Large file
# ---------------------------------------------------------------------------------------------------------

# (CAS, name) pairs with valid check digits; a few carry an exemption where one plausibly applies.
_POOL: list[tuple[str, str]] = [
    ("7440-50-8", "Copper"),
    ("7439-92-1", "Lead"),
    ("7440-02-0", "Nickel"),
    ("7440-31-5", "Tin"),
    ("7440-22-4", "Silver"),
    ("7440-66-6", "Zinc"),
    ("7440-47-3", "Chromium"),
    ("7440-48-4", "Cobalt"),
    ("7440-69-9", "Bismuth"),
    ("7440-38-2", "Arsenic"),
    ("7440-41-7", "Beryllium"),
    ("7782-49-2", "Selenium"),
    ("7440-43-9", "Cadmium"),
    ("7439-97-6", "Mercury"),
    ("1309-64-4", "Diantimony trioxide"),
    ("1317-36-8", "Lead monoxide"),
    ("1313-99-1", "Nickel monoxide"),
    ("13463-67-7", "Titanium dioxide"),
    ("1333-86-4", "Carbon black"),
    ("117-81-7", "Bis(2-ethylhexyl) phthalate"),
    ("84-74-2", "Dibutyl phthalate"),
    ("85-68-7", "Benzyl butyl phthalate"),
    ("84-69-5", "Diisobutyl phthalate"),
    ("28553-12-0", "Diisononyl phthalate"),
    ("26761-40-0", "Diisodecyl phthalate"),
    ("1163-19-5", "Decabromodiphenyl ether"),
    ("79-94-7", "Tetrabromobisphenol A"),
    ("84852-53-9", "Decabromodiphenyl ethane"),
    ("13560-89-9", "Dechlorane Plus"),
    ("85535-84-8", "Alkanes, C10-13, chloro"),
    ("25637-99-4", "Hexabromocyclododecane"),
    ("9002-86-2", "Poly(vinyl chloride)"),
    ("80-05-7", "Bisphenol A"),
    ("108-88-3", "Toluene"),
    ("50-00-0", "Formaldehyde"),
    ("71-43-2", "Benzene"),
    ("1304-56-9", "Beryllium oxide"),
    ("1303-28-2", "Diarsenic pentaoxide"),
    ("SN0015", "Brominated flame retardants (BFRs)"),
]
_MATERIALS = [
    ("Copper alloys", "R312", "M-121", "1"),
    ("highly alloyed steel", "R111", "M-100", "1"),
    ("filled Thermoplastics", "N499", "M-299", "1"),
    ("Other thermoplastics", "P529", "M-249", "1"),
    ("EP (Epoxy resin)", "N551", "M-302", "1"),
    ("PVC (Poly(vinyl chloride))", "P514", "M-200", "2"),
    ("Lead-free solder", "R361", "M-126", "5"),
    ("Nickel plating", "S002", "M-123", "6"),
    ("Tin plating", "S005", "M-126", "6"),
    ("Gold plating", "S008", "M-150", "6"),
]
_UNITS = (Decimal(1), Decimal(1), Decimal(2), Decimal(4), Decimal("0.5"))
_FILLER = (
    "Value from the supplier's lot certificate, checked by XRF screening; recalculated after the plating "
    "thickness change of the previous revision. "
)


def large_ai(n_substances: int = 20_000, target_bytes: int = 10 * 2**20, *, seed: int = 4410) -> bytes:
    """One chemSHERPA-AI XML of about `target_bytes` with exactly `n_substances` Substance elements.

    Parts are nested three levels deep (module > board > component, numberOfUnits 0.5 to 4), each leaf
    component holding up to five materials with one to seven substances each. Material masses are whole
    hundredths of a mg and every part and product mass is the exact Decimal roll-up, so a correct parser
    finds no mass mismatch. The size is reached by giving substances a free-text note (the tool's comment text
    before "@0"): the file is first laid out without notes, then the missing bytes are spread evenly over the
    notes.
    A target below the bare layout cannot be met (the file is then as small as it gets). Deterministic for a
    given seed; about 0.3 s on this machine.
    """
    rng = random.Random(seed)
    counts: list[int] = []
    total = 0
    while total < n_substances:
        k = min(rng.randint(1, 7), n_substances - total)
        counts.append(k)
        total += k

    # Leaf components of up to 5 materials, 5 components per board, 8 boards per module.
    leaves = [counts[i : i + 5] for i in range(0, len(counts), 5)]
    boards = [leaves[i : i + 5] for i in range(0, len(leaves), 5)]
    modules = [boards[i : i + 8] for i in range(0, len(boards), 8)]

    w = _Writer()
    note_marker = "\x00"
    _open_main(w, "X8.00ex2.0")
    _include(w, ["Compliance", "Composition"])
    _business_info(w, ResponderSpec(doc_id="HZD-CS-2025-LARGE"))
    w.open(
        "Product",
        [
            ("unitType", "each"),
            ("productFamilyName", "CTRL-9000"),
            ("isArticle", True),
            ("comment", f"{_CONFIRMED_AT}@@Aozora Appliance Corp.@@1@1@CU-9000@Control unit@@@"),
        ],
    )
    # The product mass is only known after the tree is laid out: write a placeholder line and fill it in.
    w.open(
        "ProductID",
        [
            ("name", "Control unit"),
            ("identifier", "CU-9000"),
            ("effectiveDate", "2025-04-01"),
            ("version", "1"),
            ("requesterName", ""),
            ("requesterIdentifier", ""),
        ],
    )
    product_mass_line = len(w.lines)
    w.lines.append("")
    w.close("ProductID")
    w.open("Compliance")
    w.leaf(
        "DeclarableSubstanceList", [("identity", "DSL"), ("authority", "IEC62474"), ("version", DSL_VERSION)]
    )
    _dsdsg(
        w,
        _false(
            "00010",
            "Cadmium/Cadmium compounds",
            "All, except batteries",
            "0.01 mass% of total Cd in homogenous material [ReportingLevel:Material]",
        ),
    )
    _dsdsg(w, _false("00093", "Cadmium", "All", _ARTICLE_01))
    w.close("Compliance")
    w.open("Composition", [("isFMD", False)])
    _composition_list(w, "2.10.00")

    substance_lines: list[int] = []
    product_mg = Decimal(0)

    def open_part(name: str, identifier: str, units: Decimal) -> int:
        w.open("ProductPart", [("numberOfUnits", _num(units)), ("isArticle", True)])
        w.open("ProductID", [("name", name), ("identifier", identifier)])
        index = len(w.lines)
        w.lines.append("")  # mass placeholder, filled in by close_part
        w.close("ProductID")
        return index

    def close_part(index: int, mass_mg: Decimal) -> None:
        w.lines[index] = f'{"  " * (w.depth + 1)}<Mass mass="{_num(mass_mg)}" unitOfMeasure="mg" />'
        w.close("ProductPart")

    serial = 0
    for m_index, module in enumerate(modules, start=1):
        m_units = rng.choice(_UNITS)
        m_line = open_part(f"Module {m_index}", f"MOD-{m_index:03d}", m_units)
        module_mg = Decimal(0)
        for b_index, board in enumerate(module, start=1):
            b_units = rng.choice(_UNITS)
            b_line = open_part(f"Board {m_index}.{b_index}", f"PCB-{m_index:03d}-{b_index}", b_units)
            board_mg = Decimal(0)
            for leaf in board:
                serial += 1
                c_units = rng.choice(_UNITS)
                c_line = open_part(f"Component {serial}", f"CMP-{serial:05d}", c_units)
                leaf_mg = Decimal(0)
                for k in leaf:
                    name, code, mcl, use = rng.choice(_MATERIALS)
                    mass = Decimal(rng.randint(50, 50_000)) / 100  # 0.5 mg to 500 mg
                    leaf_mg += mass
                    w.open("Material", [("name", name), ("comment", f"{use}@@@@"), ("isArticle", use == "1")])
                    _list_entry(
                        w, "MaterialID", "chemSHERPA_MaterialList", "chemSHERPA", MATERIAL_LIST_VERSION, code
                    )
                    _list_entry(w, "MaterialClassID", "MCL", "IEC62474", MCL_VERSION, mcl)
                    w.leaf("Mass", [("mass", _num(mass)), ("unitOfMeasure", "mg")])
                    cap = 9500 // k  # hundredths of a percent, so the k percentages sum to at most 95 %
                    for cas, substance in rng.sample(_POOL, k):
                        pct = Decimal(rng.randint(1, cap)) / 100
                        substance_lines.append(len(w.lines))
                        w.open("Substance", [("name", substance), ("comment", f"{note_marker}@0")])
                        w.open("SubstanceID")
                        w.leaf("EntryID", [("entryIdentity", cas)])
                        w.close("SubstanceID")
                        w.leaf("MassPercent", [("massPercent", _num(pct))])
                        if cas == "7439-92-1" and code == "R312" and pct <= 4:
                            _exemptions(w, [ELV_3, ROHS_6C])
                        w.close("Substance")
                    w.close("Material")
                close_part(c_line, leaf_mg)
                board_mg += c_units * leaf_mg
            close_part(b_line, board_mg)
            module_mg += b_units * board_mg
        close_part(m_line, module_mg)
        product_mg += m_units * module_mg
    w.close("Composition")
    w.close("Product")
    _tool(w, "chemSHERPA-AI-V2R1.00.1@2.10.00")
    w.close("Main")
    w.lines[product_mass_line] = f'{"  " * 3}<Mass mass="{_num(product_mg / 1000)}" unitOfMeasure="g" />'

    # Spread the missing bytes over the substance notes (ASCII, so characters = bytes).
    size = sum(len(line.encode("utf-8")) for line in w.lines) + 2 * (len(w.lines) - 1)
    size -= len(substance_lines)  # the markers disappear
    missing = max(0, target_bytes - size)
    per, extra = divmod(missing, len(substance_lines)) if substance_lines else (0, 0)
    filler = _FILLER * (per // len(_FILLER) + 2)
    word_starts = [0, *(m.end() for m in re.finditer(" ", _FILLER[:-1]))]
    for i, index in enumerate(substance_lines):
        length = per + (1 if i < extra else 0)
        start = word_starts[i % len(word_starts)]
        w.lines[index] = w.lines[index].replace(note_marker, filler[start : start + length], 1)
    return w.getvalue()
