"""The composition JSON form: reading, strict types with one located problem per bad field, dump."""

from __future__ import annotations

import copy
import json
import time
from decimal import Decimal

import pytest

from chemicals.composition import Exemption, Material, Part, Product, Substance, count_substances
from chemicals.formats import json_tree
from chemicals.problems import ERROR, WARNING

# The document of the brief, complete: dump() writes every field, so it must come back unchanged.
EXAMPLE = {
    "format": "portal-composition",
    "version": 1,
    "product": {
        "part_number": "CAP-100",
        "name": "Aluminium electrolytic capacitor",
        "version": "A",
        "kind": "article",
        "unit_type": "each",
        "mass": {"value": "3", "unit": "g"},
        "buyer_part_number": "H-12345",
        "destination_markets": ["EU", "US", "CN", "JP"],
        "parts": [
            {
                "name": "Sleeve",
                "part_number": "SL-1",
                "number_of_units": "1",
                "mass": {"value": "0.3", "unit": "g"},
                "parts": [],
                "materials": [
                    {
                        "name": "PVC sleeve",
                        "code": "P514",
                        "material_class": "M-211",
                        "use_code": "2",
                        "is_packaging": False,
                        "mass": {"value": "0.3", "unit": "g"},
                        "substances": [
                            {
                                "cas": "9002-86-2",
                                "name": "PVC",
                                "mass_percent": "50",
                                "mass": None,
                                "intentional": True,
                                "exemptions": [{"list": "RoHS Annex III", "item": "6(c)"}],
                            }
                        ],
                    }
                ],
                "substances": [],
            }
        ],
        "materials": [],
        "substances": [],
    },
}


def example() -> dict:
    return copy.deepcopy(EXAMPLE)


def found(result) -> list[tuple[str, str, str]]:
    return [(p.code, p.severity, p.path) for p in result.problems]


def strip_locations(product: Product) -> dict:
    """PRODUCT as a comparable document (locations and sources differ between formats)."""
    return json_tree.dump(product)


# -- reading -----------------------------------------------------------------------------------------


def test_example_reads_into_the_tree():
    result = json_tree.read(json.dumps(EXAMPLE).encode(), name="api.json")
    assert result.format_key == "json" and result.problems == []
    (product,) = result.products
    assert (product.part_number, product.kind, product.unit_type) == ("CAP-100", "article", "each")
    assert product.mass_mg == Decimal(3000) and product.declared_mass == "3 g"
    assert json_tree.destination_markets(product) == ["EU", "US", "CN", "JP"]
    (sleeve,) = product.parts
    assert (sleeve.identifier, sleeve.number_of_units, sleeve.mass_mg) == ("SL-1", 1, Decimal(300))
    (pvc,) = sleeve.materials
    assert (pvc.code, pvc.material_class, pvc.use_code, pvc.is_packaging) == ("P514", "M-211", "2", False)
    (substance,) = pvc.substances
    assert substance.identifier == "9002-86-2" and substance.mass_percent == Decimal(50)
    assert substance.mass_mg is None and substance.intentional is True
    assert substance.exemptions == [Exemption(list_identity="RoHS Annex III", reg_index="6(c)")]
    assert substance.location == "product.parts[0].materials[0].substances[0]"
    assert product.source == "api.json"


@pytest.mark.parametrize("form", ["bytes", "str", "dict"])
def test_dump_is_the_exact_inverse(form):
    document = {"bytes": json.dumps(EXAMPLE).encode(), "str": json.dumps(EXAMPLE), "dict": example()}[form]
    (product,) = json_tree.read(document).products
    assert json_tree.dump(product) == EXAMPLE


def test_masses_come_back_in_the_unit_written_else_mg():
    doc = example()
    part = doc["product"]["parts"][0]
    part["mass"] = {"value": 0.3, "unit": "G"}  # a JSON number, an upper-case unit
    part["materials"][0]["mass"] = {"value": "300.0", "unit": "mg"}
    part["materials"][0]["substances"][0]["mass"] = {"value": "0.15", "unit": "g"}
    (product,) = json_tree.read(json.dumps(doc)).products
    dumped = json_tree.dump(product)["product"]["parts"][0]
    assert dumped["mass"] == {"value": "0.3", "unit": "g"}
    assert dumped["materials"][0]["mass"] == {"value": "300.0", "unit": "mg"}
    # A substance keeps no declared text: its mass comes back in mg, the same quantity.
    assert dumped["materials"][0]["substances"][0]["mass"] == {"value": "150", "unit": "mg"}


def test_dump_falls_back_to_mg_when_the_declared_text_is_stale():
    product = Product(part_number="X", mass_mg=Decimal("2500"), declared_mass="3 g")
    assert json_tree.dump(product)["product"]["mass"] == {"value": "2500", "unit": "mg"}
    product = Product(part_number="X", mass_mg=Decimal("1E+3"))
    assert json_tree.dump(product)["product"]["mass"] == {"value": "1000", "unit": "mg"}


def test_read_of_dump_gives_the_same_tree():
    tree = Product(
        part_number="ASM-9",
        name="Harness",
        unit_type="m",
        mass_mg=Decimal("120.5"),
        declared_mass="120.5 mg",
        parts=[
            Part(
                name="Wire",
                identifier="W-1",
                number_of_units=Decimal("0.15"),
                mass_mg=Decimal(800),
                declared_mass="0.8 g",
                parts=[Part(name="Strand", mass_mg=Decimal(1))],
                materials=[
                    Material(
                        name="Copper",
                        mass_mg=Decimal(700),
                        declared_mass="0.7 g",
                        is_packaging=True,
                        substances=[
                            Substance("7440-50-8", "Copper", Decimal("99.9"), intentional=True),
                            Substance(
                                "7439-92-1",
                                "Lead",
                                None,
                                Decimal("0.7"),
                                intentional=False,
                                exemptions=[
                                    Exemption(list_identity="RoHS Annex III", reg_index="6(c)"),
                                    Exemption(list_identity="ELV Annex II", reg_index="3"),
                                ],
                            ),
                        ],
                    )
                ],
                substances=[Substance("SN0015", "Brominated flame retardants", Decimal(1))],
            )
        ],
        materials=[Material(name="Label", mass_mg=Decimal(2))],
        substances=[Substance("1333-86-4", "Carbon black", None, Decimal("0.5"))],
    )
    json_tree.set_destination_markets(tree, ["EU"])
    (again,) = json_tree.read(json_tree.dump(tree)).products
    assert json_tree.dump(again) == json_tree.dump(tree)
    wire = again.parts[0]
    assert wire.number_of_units == Decimal("0.15") and wire.parts[0].mass_mg == 1
    assert wire.materials[0].substances[1].exemptions[1] == Exemption(
        list_identity="ELV Annex II", reg_index="3"
    )
    assert again.substances[0].mass_mg == Decimal("0.5")


def test_numbers_or_numeric_strings():
    doc = example()
    substance = doc["product"]["parts"][0]["materials"][0]["substances"][0]
    for value, expected in [
        (50, Decimal(50)),
        ("12.5", Decimal("12.5")),
        (" 7 ", Decimal(7)),
        (0.1, Decimal("0.1")),
    ]:
        substance["mass_percent"] = value
        (product,) = json_tree.read(doc).products
        assert product.parts[0].materials[0].substances[0].mass_percent == expected


def test_json_numbers_stay_exact():
    text = json.dumps(example()).replace('"0.3"', "0.1")
    (product,) = json_tree.read(text).products
    assert product.parts[0].mass_mg == Decimal("100.0")  # 0.1 g, not 100.00000000000000555 mg


def test_mixture_has_substances_only():
    doc = {
        "format": "portal-composition",
        "version": 1,
        "product": {
            "part_number": "INK-1",
            "kind": "mixture",
            "unit_type": "kg",
            "substances": [{"cas": "64-17-5", "name": "Ethanol", "mass_percent": "12"}],
        },
    }
    result = json_tree.read(doc)
    assert result.problems == []
    (product,) = result.products
    assert product.kind == "mixture" and product.substances[0].mass_percent == 12
    doc["product"]["parts"] = [{"name": "P"}]
    assert found(json_tree.read(doc)) == [("composition.mixture_has_parts", ERROR, "product.parts")]


# -- problems, one per bad field, each at its path ------------------------------------------------


def test_every_bad_field_is_reported_at_its_path():
    doc = example()
    product = doc["product"]
    product["name"] = 12
    product["mass"]["unit"] = "lb"
    product["destination_markets"] = ["EU", 7]
    product["kind"] = "gadget"
    part = product["parts"][0]
    part["number_of_units"] = True
    part["mass"]["value"] = "0.3g"
    part["materials"] = {"name": "not a list"}
    part["substances"] = [{"cas": "7439-92-1", "mass_percent": [5], "intentional": "yes", "colour": "red"}]
    result = json_tree.read(doc)
    assert found(result) == [
        ("format.field_invalid", ERROR, "product.kind"),
        ("mass.unit_unknown", ERROR, "product.mass.unit"),
        ("format.field_invalid", ERROR, "product.destination_markets[1]"),
        ("format.field_invalid", ERROR, "product.name"),
        ("mass.not_a_number", ERROR, "product.parts[0].mass.value"),
        ("format.field_invalid", ERROR, "product.parts[0].number_of_units"),
        ("format.field_invalid", ERROR, "product.parts[0].materials"),
        ("format.field_invalid", WARNING, "product.parts[0].substances[0].colour"),
        ("format.field_invalid", ERROR, "product.parts[0].substances[0].mass_percent"),
        ("format.field_invalid", ERROR, "product.parts[0].substances[0].intentional"),
    ]
    by_path = {p.path: p for p in result.problems}
    assert by_path["product.mass.unit"].params == {"unit": "lb"}
    assert by_path["product.parts[0].mass.value"].params == {"value": "0.3g"}
    assert by_path["product.name"].params["field"] == "product.name"
    assert "must be a string" in by_path["product.name"].params["detail"]
    assert all(p.source == "composition.json" for p in result.problems)
    # The tree is still built so that a caller can show it next to the problems.
    assert result.products[0].parts[0].substances[0].identifier == "7439-92-1"


@pytest.mark.parametrize(
    "change, code, path",
    [
        (lambda d: d.update(format="chemsherpa"), "format.field_invalid", "format"),
        (lambda d: d.update(version=2), "format.field_invalid", "version"),
        (lambda d: d.pop("product"), "format.field_invalid", "product"),
        (lambda d: d.update(product=[]), "format.field_invalid", "product"),
        (lambda d: d["product"].update(mass={"value": "3"}), "format.field_invalid", "product.mass.unit"),
        (lambda d: d["product"].update(mass={"unit": "g"}), "format.field_invalid", "product.mass.value"),
        (lambda d: d["product"].update(mass="3 g"), "format.field_invalid", "product.mass"),
        (
            lambda d: d["product"].update(mass={"value": "NaN", "unit": "g"}),
            "mass.not_a_number",
            "product.mass.value",
        ),
        (
            lambda d: d["product"].update(mass={"value": "1_000", "unit": "g"}),
            "mass.not_a_number",
            "product.mass.value",
        ),
        (
            lambda d: d["product"].update(mass={"value": "1e40", "unit": "g"}),
            "number.out_of_range",
            "product.mass.value",
        ),
        (
            lambda d: d["product"].update(mass={"value": 1, "unit": 1}),
            "format.field_invalid",
            "product.mass.unit",
        ),
        (
            lambda d: d["product"]["parts"][0]["materials"][0].update(is_packaging="no"),
            "format.field_invalid",
            "product.parts[0].materials[0].is_packaging",
        ),
        (
            lambda d: d["product"]["parts"][0]["materials"][0]["substances"][0].update(
                exemptions=[{"list": "X"}]
            ),
            "format.field_invalid",
            "product.parts[0].materials[0].substances[0].exemptions[0].item",
        ),
        (
            lambda d: d["product"]["parts"][0]["materials"][0]["substances"][0].update(
                mass_percent=float("inf")
            ),
            "mass.not_a_number",
            "product.parts[0].materials[0].substances[0].mass_percent",
        ),
    ],
)
def test_problem_codes_and_paths(change, code, path):
    doc = example()
    change(doc)
    problems = json_tree.read(doc).problems
    assert [(p.code, p.path) for p in problems] == [(code, path)]
    assert problems[0].severity == ERROR


def test_unknown_top_level_field_is_a_warning():
    doc = example()
    doc["comment"] = "from ERP"
    assert found(json_tree.read(doc)) == [("format.field_invalid", WARNING, "comment")]


@pytest.mark.parametrize(
    "text, detail_part",
    [
        (b'{"product": ', "Expecting value"),
        (b'{"product": {"mass": {"value": NaN, "unit": "g"}}}', "NaN is not allowed"),
        (b'{"product": {"mass": {"value": Infinity, "unit": "g"}}}', "Infinity is not allowed"),
        (b'{"product": {"mass": {"value": -Infinity, "unit": "g"}}}', "-Infinity is not allowed"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
    ],
)
def test_invalid_json_is_one_problem(text, detail_part):
    result = json_tree.read(text, name="upload.json")
    (problem,) = result.problems
    assert problem.code == "format.json_invalid" and problem.source == "upload.json"
    assert detail_part in problem.params["detail"]
    assert result.products == []


def test_syntax_error_names_its_line():
    (problem,) = json_tree.read(b'{\n"product": {\n  "name": "x",\n}\n}').problems
    assert problem.line == 4 and "line 4" in problem.params["detail"]


def test_document_must_be_an_object():
    result = json_tree.read(b"[1, 2]")
    assert [(p.code, p.params["field"], p.path) for p in result.problems] == [
        ("format.field_invalid", "(document)", "")
    ]


def _nested(depth: int) -> dict:
    part: dict = {"name": f"level {depth}"}
    for level in range(depth - 1, 0, -1):
        part = {"name": f"level {level}", "parts": [part]}
    return {"product": {"part_number": "DEEP", "parts": [part]}}


def test_parts_twenty_deep_are_read_twenty_one_are_refused():
    (product,) = json_tree.read(_nested(20)).products
    assert max(depth for _p, _u, depth in _walk(product)) == 19
    result = json_tree.read(_nested(21))
    path = "product" + ".parts[0]" * 21
    assert [(p.code, p.path, p.params) for p in result.problems] == [
        ("composition.too_deep", path, {"limit": 20})
    ]


def test_deep_parts_in_bytes_do_not_crash():
    # 300 nested parts: below the json module's recursion limit, far above ours.
    text = json.dumps(_nested(20)).encode()
    deep = b'{"product": {"parts": [' + b'{"parts": [' * 300 + b"]}" * 300 + b"]}}"
    assert json_tree.read(text).problems == []
    assert [p.code for p in json_tree.read(deep).problems] == ["composition.too_deep"]


def _walk(product: Product):
    from chemicals.composition import walk_parts

    return walk_parts(product.parts)


def test_more_than_100000_substances_is_a_problem_not_a_crash():
    substance = {"cas": "7439-92-1", "mass_percent": "0.001"}
    doc = {"product": {"part_number": "MANY", "kind": "mixture", "substances": [substance] * 100_001}}
    started = time.perf_counter()
    result = json_tree.read(json.dumps(doc).encode())
    elapsed = time.perf_counter() - started
    assert [(p.code, p.path, p.params) for p in result.problems] == [
        ("composition.too_many_substances", "product.substances[100000]", {"limit": 100_000})
    ]
    assert count_substances(result.products[0]) == 100_000
    assert elapsed < 10
    doc["product"]["substances"] = [substance] * 100_000
    assert json_tree.read(doc).problems == []


def test_substances_are_counted_across_the_whole_tree():
    parts = [{"name": f"P{i}", "substances": [{"cas": "7439-92-1"}] * 50_000} for i in range(3)]
    result = json_tree.read({"product": {"parts": parts}})
    assert [(p.code, p.path) for p in result.problems] == [
        ("composition.too_many_substances", "product.parts[2].substances[0]")
    ]


def test_dump_reads_back_without_problems_for_an_empty_product():
    (product,) = json_tree.read({"product": {}}).products
    assert product == Product(
        part_number="",
        versions={"schema": "portal-composition/1"},
        source="composition.json",
        location="product",
    )
    assert json_tree.read(json_tree.dump(product)).problems == []
