"""chemSHERPA-AI and chemSHERPA-CI, data scheme 2.x (IEC 62474 schema X8.00ex*).

Structure and mass rules: ../shared/reference/formats.md sections 1 and 7. In short: masses of parts
are per ONE unit and multiplied by `numberOfUnits` up the tree; an AI substance has no mass, only a
percentage of its material; a CI substance is a percentage of the whole mixture. The tool packs
private fields into `comment` attributes separated by "@": we keep the raw strings and read only the
material use code (field 1 of Material/@comment).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lxml import etree

from chemicals.composition import (
    ComplianceAnswer,
    Exemption,
    Material,
    Part,
    Product,
    Substance,
    to_mg,
)
from chemicals.formats.base import ParseResult, local_name, namespace_of, parse_decimal
from chemicals.problems import ERROR, Problem

IEC62474_NS = "http://std.iec.ch/iec62474"
KEY_AI, KEY_CI = "chemsherpa-ai", "chemsherpa-ci"


def tool_identity(root: etree._Element) -> str:
    """`ToolNameVersionID/@identity` when the chemSHERPA tool wrote the file, else ""."""
    for child in root:
        if local_name(child) == "ToolNameVersionID" and child.get("authority", "") == "chemSHERPA":
            return child.get("identity", "")
    return ""


def is_scheme_2(root: etree._Element) -> bool:
    return root.get("schemaDatabaseVersion", "").startswith("X8.")


class ChemSherpaFormat:
    key = "chemsherpa"

    def recognises(self, root: etree._Element) -> bool:
        return (
            local_name(root) == "Main"
            and namespace_of(root) == IEC62474_NS
            and tool_identity(root).startswith("chemSHERPA-")
            and is_scheme_2(root)
        )

    def read(self, root: etree._Element, *, source: str) -> ParseResult:
        return _Reader(root, source).read()


FORMAT = ChemSherpaFormat()


class _Reader:
    """One document; collects problems instead of stopping at the first one."""

    def __init__(self, root: etree._Element, source: str) -> None:
        self.root = root
        self.source = source
        self.ns = namespace_of(root)
        self.problems: list[Problem] = []
        self.tags = {n: self.q(n) for n in ("SubstanceID", "MassPercent", "Mass", "Exemptions", "EntryID")}
        self.tag_tuple = tuple(self.tags.values())
        tool = tool_identity(root)
        self.is_ci = tool.startswith(("chemSHERPA-CI", "chemSHERPA-C"))
        self.versions = {
            "schema": root.get("schemaDatabaseVersion", ""),
            "tool": tool,
            "data_scheme": tool.rpartition("@")[2] if "@" in tool else "",
        }

    # -- helpers -----------------------------------------------------------------------------
    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}" if self.ns else name

    def children(self, element: etree._Element, name: str) -> list[etree._Element]:
        tag = self.q(name)
        return [child for child in element if child.tag == tag]

    def child(self, element: etree._Element, name: str) -> etree._Element | None:
        tag = self.q(name)
        for child in element:
            if child.tag == tag:
                return child
        return None

    def problem(self, code: str, element: etree._Element | None, path: str = "", **params) -> None:
        line = element.sourceline if element is not None else None
        self.problems.append(Problem(code, ERROR, params, source=self.source, line=line, path=path))

    def where(self, element: etree._Element) -> str:
        return f"{self.source}:{element.sourceline}"

    def mass(self, holder: etree._Element, path: str) -> tuple[Decimal | None, str]:
        """(mass in mg, mass as declared) of HOLDER's <Mass> child."""
        mass_el = self.child(holder, "Mass")
        return (None, "") if mass_el is None else self.mass_of(mass_el, path)

    def percent(self, holder: etree._Element, path: str) -> Decimal | None:
        el = self.child(holder, "MassPercent")
        if el is None:
            return None
        return parse_decimal(
            el.get("massPercent"), problems=self.problems, source=self.source, line=el.sourceline, path=path
        )

    def exemptions(self, holder: etree._Element) -> list[Exemption]:
        claims: list[Exemption] = []
        for block in self.children(holder, "Exemptions"):
            claims += self.exemption_block(block)
        return claims

    def exemption_block(self, block: etree._Element) -> list[Exemption]:
        list_id = self.child(block, "UniqueID")
        authority = list_id.get("authority", "") if list_id is not None else ""
        identity = list_id.get("identity", "") if list_id is not None else ""
        version = list_id.get("version", "") if list_id is not None else ""
        return [
            Exemption(
                list_authority=authority,
                list_identity=identity,
                list_version=version,
                identity=ex.get("identity", ""),
                reg_index=ex.get("regIndex", ""),
                description=ex.get("description", ""),
            )
            for ex in self.children(block, "Exemption")
        ]

    # -- tree ---------------------------------------------------------------------------------
    def read(self) -> ParseResult:
        result = ParseResult(format_key=KEY_CI if self.is_ci else KEY_AI)
        supplier = ""
        business = self.child(self.root, "BusinessInfo")
        if business is not None:
            response = self.child(business, "Response")
            company = self.child(response, "SupplyCompany") if response is not None else None
            if company is not None:
                supplier = company.get("nameLocal") or company.get("name", "")
        products = self.children(self.root, "Product")
        if not products:
            self.problem("format.no_product", self.root)
        for product_el in products:
            product = self.product(product_el)
            product.supplier_name = supplier
            result.products.append(product)
        result.problems = self.problems
        return result

    def product(self, el: etree._Element) -> Product:
        pid = self.child(el, "ProductID")
        pid = pid if pid is not None else el
        part_number = pid.get("identifier", "").strip()
        path = part_number or pid.get("name", "")
        mass_mg, declared = self.mass(pid, path)
        is_article = el.get("isArticle")
        product = Product(
            part_number=part_number,
            name=pid.get("name", ""),
            version=pid.get("version", ""),
            unit_type=el.get("unitType", "each"),
            mass_mg=mass_mg,
            declared_mass=declared,
            buyer_part_number=pid.get("requesterIdentifier", ""),
            buyer_name=pid.get("requesterName", ""),
            kind="mixture" if self.is_ci else "article",
            is_article=None if is_article is None else is_article == "true",
            effective_date=pid.get("effectiveDate", ""),
            comment=el.get("comment", ""),
            versions=dict(self.versions),
            source=self.source,
            location=self.where(el),
        )
        compliance = self.child(el, "Compliance")
        if compliance is not None:
            dsl = self.child(compliance, "DeclarableSubstanceList")
            if dsl is not None:
                product.versions["dsl"] = dsl.get("version", "")
            product.compliance = [
                self.compliance_answer(ds, path) for ds in self.children(compliance, "DsDsg")
            ]
        composition = self.child(el, "Composition")
        if composition is not None:
            for listed in self.children(composition, "DeclarableSubstanceList"):
                if listed.get("identity") == "chemSHERPA_SubstanceList":
                    product.versions["substance_list"] = listed.get("version", "")
            product.parts = [self.part(p, path) for p in self.children(composition, "ProductPart")]
            product.materials = [self.material(m, path) for m in self.children(composition, "Material")]
            product.substances = [self.substance(s, path) for s in self.children(composition, "Substance")]
        return product

    def part(self, el: etree._Element, parent_path: str) -> Part:
        pid = self.child(el, "ProductID")
        pid = pid if pid is not None else el
        name = pid.get("name", "")
        path = f"{parent_path} > {name or pid.get('identifier', '')}"
        units = parse_decimal(
            el.get("numberOfUnits"),
            problems=self.problems,
            source=self.source,
            line=el.sourceline,
            path=path,
        )
        mass_mg, declared = self.mass(pid, path)
        is_article = el.get("isArticle")
        return Part(
            name=name,
            identifier=pid.get("identifier", ""),
            number_of_units=Decimal(1) if units is None else units,
            mass_mg=mass_mg,
            declared_mass=declared,
            is_article=None if is_article is None else is_article == "true",
            comment=el.get("comment", ""),
            parts=[self.part(p, path) for p in self.children(el, "ProductPart")],
            materials=[self.material(m, path) for m in self.children(el, "Material")],
            substances=[self.substance(s, path) for s in self.children(el, "Substance")],
            location=self.where(el),
        )

    # Material and Substance are the bulk of a large file (tens of thousands of entries): they read
    # their children in one pass with a tag switch, and build the tree path only for a problem.
    def mass_of(self, mass_el: etree._Element, path: str) -> tuple[Decimal | None, str]:
        raw, unit = mass_el.get("mass"), mass_el.get("unitOfMeasure", "")
        value = parse_decimal(
            raw, problems=self.problems, source=self.source, line=mass_el.sourceline, path=path
        )
        if value is None:
            return None, ""
        mg = to_mg(value, unit)
        if mg is None:
            self.problem("mass.unit_unknown", mass_el, path, unit=unit or "''")
        return mg, f"{raw} {unit}".strip()

    def material(self, el: etree._Element, parent_path: str) -> Material:
        name = el.get("name", "")
        path = f"{parent_path} > {name}"
        comment = el.get("comment", "")
        use_code = comment.split("@", 1)[0] if comment else ""
        is_article = el.get("isArticle")
        material = Material(
            name=name,
            use_code=use_code if use_code.isdigit() else "",
            is_article=None if is_article is None else is_article == "true",
            comment=comment,
            location=f"{self.source}:{el.sourceline}",
        )
        t_mass, t_substance = self.q("Mass"), self.q("Substance")
        t_mid, t_mcid = self.q("MaterialID"), self.q("MaterialClassID")
        substances = material.substances
        for c in el:
            tag = c.tag
            if tag == t_substance:
                substances.append(self.substance(c, path))
            elif tag == t_mass:
                material.mass_mg, material.declared_mass = self.mass_of(c, path)
            elif tag == t_mid:
                material.code = self.entry_id(c)
            elif tag == t_mcid:
                material.material_class = self.entry_id(c)
        return material

    def entry_id(self, holder: etree._Element | None) -> str:
        if holder is None:
            return ""
        # A plain loop: iterchildren(tag=...) costs microseconds per call to set up its matcher.
        tag = self.tags["EntryID"]
        for entry in holder:
            if entry.tag == tag:
                return entry.get("entryIdentity", "")
        return ""

    def substance(self, el: etree._Element, parent_path: str) -> Substance:
        get = el.get
        substance = Substance(
            identifier="",
            name=get("name", ""),
            comment=get("comment", ""),
            description_of_use=get("descriptionOfUse", ""),
            location=f"{self.source}:{el.sourceline}",
        )
        t_id, t_percent, t_mass, t_exemptions, t_entry = self.tag_tuple
        for c in el:
            tag = c.tag
            if tag == t_id:
                for entry in c:
                    if entry.tag == t_entry:
                        substance.identifier = entry.get("entryIdentity", "").strip()
                        break
            elif tag == t_percent:
                raw = c.get("massPercent")
                try:
                    value = Decimal(raw) if raw else None
                except InvalidOperation:
                    value = None
                if value is None or not value.is_finite():
                    value = parse_decimal(
                        raw,
                        problems=self.problems,
                        source=self.source,
                        line=c.sourceline,
                        path=f"{parent_path} > {substance.name}",
                    )
                substance.mass_percent = value
            elif tag == t_mass:
                substance.mass_mg, _declared = self.mass_of(c, f"{parent_path} > {substance.name}")
            elif tag == t_exemptions:
                substance.exemptions += self.exemption_block(c)
        return substance

    def compliance_answer(self, el: etree._Element, path: str) -> ComplianceAnswer:
        threshold = self.child(el, "ComplianceThreshold")
        reporting = threshold.get("reportingThreshold", "") if threshold is not None else ""
        level = ""
        if "[ReportingLevel:" in reporting:
            level = reporting.rsplit("[ReportingLevel:", 1)[1].rstrip("] ").strip()
        mass_mg, _declared = self.mass(el, path)
        id_el = self.child(el, "DsDsgID")
        return ComplianceAnswer(
            dsl_id=id_el.get("entryIdentity", "") if id_el is not None else "",
            name=el.get("name", ""),
            above_threshold=threshold is not None and threshold.get("aboveComplianceThreshold") == "true",
            mass_mg=mass_mg,
            mass_percent=self.percent(el, path),
            reporting_level=level,
            reportable_application=threshold.get("reportableApplication", "")
            if threshold is not None
            else "",
            reporting_threshold=reporting,
            exemptions=self.exemptions(el),
            comment=el.get("comment", ""),
        )
