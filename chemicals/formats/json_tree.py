"""The composition JSON form, version 1: what the editor posts and the REST API accepts.

The form is documented for API users in docs/composition-json.md. Reading is strict about types
(a string where a number belongs is fine, a list is not) and reports every bad field at once, each
with its JSON path ("product.parts[0].materials[1].mass.value"), because the caller is usually a
program whose author wants the whole list in one round trip. Content rules (CAS check digits,
roll-ups, percentages) are validation.py's job, not this module's.

`dump` is the inverse of `read`: masses come back in the unit the supplier wrote when the tree kept
it (`declared_mass`), otherwise in mg, and numbers are written as strings so that no float ever
rounds a Decimal.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from chemicals.composition import Exemption, Material, Part, Product, Substance, to_mg
from chemicals.formats.base import ParseResult
from chemicals.problems import ERROR, WARNING, Problem

FORMAT_KEY = "json"
FORM_NAME = "portal-composition"
FORM_VERSION = 1
MAX_PART_DEPTH = 20
MAX_SUBSTANCES = 100_000
# Masses run from a few ng (1e-6 mg) to a thousand tonnes (1e15 mg); anything far outside is a typo
# or an attack on Decimal formatting (format(Decimal("1e999999999"), "f") is a gigabyte string).
MAX_EXPONENT = 18
MAX_DIGITS = 30
# Echoed values are cut so that a megabyte string in a numeric field does not land in the report.
_ECHO = 60

_DOCUMENT_KEYS = {"format", "version", "product"}
_PRODUCT_KEYS = {
    "part_number",
    "name",
    "version",
    "kind",
    "unit_type",
    "mass",
    "buyer_part_number",
    "destination_markets",
    "parts",
    "materials",
    "substances",
}
_PART_KEYS = {"name", "part_number", "number_of_units", "mass", "parts", "materials", "substances"}
_MATERIAL_KEYS = {"name", "code", "material_class", "use_code", "is_packaging", "mass", "substances"}
_SUBSTANCE_KEYS = {"cas", "name", "mass_percent", "mass", "intentional", "exemptions"}
_MASS_KEYS = {"value", "unit"}
_EXEMPTION_KEYS = {"list", "item"}
KINDS = ("article", "mixture")


def destination_markets(product: Product) -> list[str]:
    return list(product.destination_markets)


def set_destination_markets(product: Product, markets: list[str]) -> None:
    product.destination_markets = list(markets)


def number_text(value: Decimal) -> str:
    """VALUE as plain digits (no exponent): "0.0009", "1000"."""
    text = str(value)
    if "E" in text or "e" in text:
        text = format(value, "f")
    return text


def short(text: str) -> str:
    return text if len(text) <= _ECHO else text[: _ECHO - 1] + "…"


def in_range(value: Decimal) -> bool:
    if value.is_zero():
        return True
    return abs(value.adjusted()) <= MAX_EXPONENT and len(value.as_tuple().digits) <= MAX_DIGITS


class _TooDeep(Exception):
    pass


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in the composition form; write a number")


def read(document: bytes | str | dict, *, name: str = "composition.json") -> ParseResult:
    """Every product (at most one) and every problem of one composition document."""
    if isinstance(document, bytes | str):
        try:
            text = document.decode("utf-8-sig") if isinstance(document, bytes) else document
        except UnicodeDecodeError as exc:
            return _invalid(name, f"not UTF-8 text (byte {exc.start})")
        try:
            # Decimal for every number: 0.1 must stay 0.1, and parse_int=Decimal also avoids the
            # 4300-digit limit of int() turning into a confusing message.
            document = json.loads(
                text, parse_float=Decimal, parse_int=Decimal, parse_constant=_reject_constant
            )
        except json.JSONDecodeError as exc:
            return _invalid(name, f"{exc.msg} (line {exc.lineno}, column {exc.colno})", line=exc.lineno)
        except RecursionError:
            # The C scanner recurses once per [ or {; deep nesting is refused, never a crash.
            return _invalid(name, "nested too deeply")
        except ValueError as exc:
            return _invalid(name, short(str(exc)))
    return _Reader(name).document(document)


def _invalid(name: str, detail: str, line: int | None = None) -> ParseResult:
    problem = Problem("format.json_invalid", ERROR, {"detail": detail}, source=name, line=line)
    return ParseResult(problems=[problem], format_key=FORMAT_KEY)


class _Reader:
    """One document; every bad field becomes one problem at its JSON path."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.substance_count = 0
        self.too_many_reported = False
        self.too_deep_reported = False

    # -- problems ---------------------------------------------------------------------------------
    def problem(self, code: str, path: str, severity: str = ERROR, **params: Any) -> None:
        self.problems.append(Problem(code, severity, params, source=self.source, path=path))

    def invalid(self, path: str, detail: str, severity: str = ERROR) -> None:
        self.problem("format.field_invalid", path, severity, field=path or "(document)", detail=detail)

    # -- typed access ------------------------------------------------------------------------------
    def obj(self, value: Any, path: str, allowed: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.invalid(path, f"must be an object, not {_json_type(value)}")
            return None
        for key in value:
            if key not in allowed:
                # A typo ("mass_percnt") would otherwise drop data silently.
                self.invalid(_join(path, str(key)), "unknown field; it was ignored", WARNING)
        return value

    def text(self, data: dict, key: str, path: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.invalid(f"{path}.{key}", f"must be a string, not {_json_type(value)}")
            return ""
        if "\x00" in value:
            # JSON allows \u0000, PostgreSQL text does not: refused here rather than failing on save.
            self.invalid(f"{path}.{key}", "must not contain NUL characters")
            return ""
        return value

    def array(self, data: dict, key: str, path: str) -> list:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.invalid(f"{path}.{key}", f"must be an array, not {_json_type(value)}")
            return []
        return value

    def boolean(self, data: dict, key: str, path: str, default: bool | None) -> bool | None:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.invalid(f"{path}.{key}", f"must be true or false, not {_json_type(value)}")
            return default
        return value

    def number(self, value: Any, path: str) -> tuple[Decimal | None, str]:
        """(VALUE as a finite Decimal, the text it was written as); (None, "") with a problem if not."""
        if value is None:
            return None, ""
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            self.invalid(path, f"must be a number or a numeric string, not {_json_type(value)}")
            return None, ""
        raw = value.strip() if isinstance(value, str) else repr(value) if isinstance(value, float) else None
        try:
            number = Decimal(raw) if raw is not None else Decimal(value)
        except (InvalidOperation, ValueError):
            number = None
        shown = raw if raw is not None else str(value)
        if number is None or not number.is_finite() or (raw is not None and "_" in raw):
            self.problem("mass.not_a_number", path, value=short(shown) or "''")
            return None, ""
        if not in_range(number):
            self.problem("number.out_of_range", path, value=short(shown))
            return None, ""
        return number, number_text(number) if raw is None else raw

    def field_number(self, data: dict, key: str, path: str) -> Decimal | None:
        return self.number(data.get(key), f"{path}.{key}")[0]

    def mass(self, data: dict, path: str) -> tuple[Decimal | None, str]:
        """(mg, as declared) of DATA["mass"], an object {"value", "unit"} or null."""
        value = data.get("mass")
        path = f"{path}.mass"
        if value is None:
            return None, ""
        mass = self.obj(value, path, _MASS_KEYS)
        if mass is None:
            return None, ""
        number, written = self.number(mass.get("value"), f"{path}.value")
        unit = mass.get("unit")
        if "value" not in mass or mass.get("value") is None:
            self.invalid(f"{path}.value", 'is required (or give "mass": null)')
        if unit is None:
            self.invalid(f"{path}.unit", "is required: mg, g or kg")
            return None, ""
        if not isinstance(unit, str):
            self.invalid(f"{path}.unit", f"must be a string, not {_json_type(unit)}")
            return None, ""
        mg = to_mg(number, unit) if number is not None else None
        if to_mg(Decimal(1), unit) is None:
            self.problem("mass.unit_unknown", f"{path}.unit", unit=short(unit) or "''")
            return None, ""
        if mg is None:
            return None, ""
        return mg, f"{written} {unit.strip().lower()}"

    # -- tree ------------------------------------------------------------------------------------
    def document(self, document: Any) -> ParseResult:
        result = ParseResult(format_key=FORMAT_KEY)
        data = self.obj(document, "", _DOCUMENT_KEYS)
        if data is not None:
            form = data.get("format")
            if form is not None and form != FORM_NAME:
                self.invalid("format", f'must be "{FORM_NAME}"')
            version = data.get("version")
            if version is not None and (
                isinstance(version, bool) or not isinstance(version, int | Decimal) or version != FORM_VERSION
            ):
                self.invalid("version", f"must be {FORM_VERSION}: this portal reads version {FORM_VERSION}")
            if "product" not in data:
                self.invalid("product", "is required")
            else:
                product = self.product(data["product"], "product")
                if product is not None:
                    result.products.append(product)
        result.problems = self.problems
        return result

    def product(self, value: Any, path: str) -> Product | None:
        data = self.obj(value, path, _PRODUCT_KEYS)
        if data is None:
            return None
        kind = data.get("kind")
        if kind is None:
            kind = "article"
        elif kind not in KINDS:
            self.invalid(f"{path}.kind", 'must be "article" or "mixture"')
            kind = "article"
        mass_mg, declared = self.mass(data, path)
        markets = []
        for index, market in enumerate(self.array(data, "destination_markets", path)):
            where = f"{path}.destination_markets[{index}]"
            if not isinstance(market, str):
                self.invalid(where, f"must be a string, not {_json_type(market)}")
            elif "\x00" in market:
                self.invalid(where, "must not contain NUL characters")
            else:
                markets.append(market.strip())
        product = Product(
            part_number=self.text(data, "part_number", path).strip(),
            name=self.text(data, "name", path),
            version=self.text(data, "version", path),
            # An unknown reporting unit is a content question (validation warns), not a reading error.
            unit_type=self.text(data, "unit_type", path).strip() or "each",
            mass_mg=mass_mg,
            declared_mass=declared,
            buyer_part_number=self.text(data, "buyer_part_number", path),
            kind=kind,
            versions={"schema": f"{FORM_NAME}/{FORM_VERSION}"},
            source=self.source,
            location=path,
        )
        set_destination_markets(product, [m for m in markets if m])
        if kind == "mixture":
            for key in ("parts", "materials"):
                if self.array(data, key, path):
                    self.problem("composition.mixture_has_parts", f"{path}.{key}")
        else:
            product.parts = self.parts(data, path, depth=1)
            product.materials = self.materials(data, path)
        product.substances = self.substances(data, path)
        return product

    def parts(self, data: dict, path: str, depth: int) -> list[Part]:
        parts = []
        for index, value in enumerate(self.array(data, "parts", path)):
            part_path = f"{path}.parts[{index}]"
            if depth > MAX_PART_DEPTH:
                if not self.too_deep_reported:
                    self.problem("composition.too_deep", part_path, limit=MAX_PART_DEPTH)
                    self.too_deep_reported = True
                break
            part = self.part(value, part_path, depth)
            if part is not None:
                parts.append(part)
        return parts

    def part(self, value: Any, path: str, depth: int) -> Part | None:
        data = self.obj(value, path, _PART_KEYS)
        if data is None:
            return None
        mass_mg, declared = self.mass(data, path)
        units = self.field_number(data, "number_of_units", path)
        return Part(
            name=self.text(data, "name", path),
            identifier=self.text(data, "part_number", path).strip(),
            number_of_units=Decimal(1) if units is None else units,
            mass_mg=mass_mg,
            declared_mass=declared,
            materials=self.materials(data, path),
            substances=self.substances(data, path),
            parts=self.parts(data, path, depth + 1),
            location=path,
        )

    def materials(self, data: dict, path: str) -> list[Material]:
        materials = []
        for index, value in enumerate(self.array(data, "materials", path)):
            material = self.material(value, f"{path}.materials[{index}]")
            if material is not None:
                materials.append(material)
        return materials

    def material(self, value: Any, path: str) -> Material | None:
        data = self.obj(value, path, _MATERIAL_KEYS)
        if data is None:
            return None
        mass_mg, declared = self.mass(data, path)
        return Material(
            name=self.text(data, "name", path),
            mass_mg=mass_mg,
            declared_mass=declared,
            code=self.text(data, "code", path).strip(),
            material_class=self.text(data, "material_class", path).strip(),
            use_code=self.text(data, "use_code", path).strip(),
            is_packaging=bool(self.boolean(data, "is_packaging", path, default=False)),
            substances=self.substances(data, path),
            location=path,
        )

    def substances(self, data: dict, path: str) -> list[Substance]:
        substances = []
        for index, value in enumerate(self.array(data, "substances", path)):
            item_path = f"{path}.substances[{index}]"
            self.substance_count += 1
            if self.substance_count > MAX_SUBSTANCES:
                if not self.too_many_reported:
                    self.problem("composition.too_many_substances", item_path, limit=MAX_SUBSTANCES)
                    self.too_many_reported = True
                break
            substance = self.substance(value, item_path)
            if substance is not None:
                substances.append(substance)
        return substances

    def substance(self, value: Any, path: str) -> Substance | None:
        data = self.obj(value, path, _SUBSTANCE_KEYS)
        if data is None:
            return None
        mass_mg, _declared = self.mass(data, path)
        return Substance(
            identifier=self.text(data, "cas", path).strip(),
            name=self.text(data, "name", path),
            mass_percent=self.field_number(data, "mass_percent", path),
            mass_mg=mass_mg,
            intentional=self.boolean(data, "intentional", path, default=None),
            exemptions=self.exemptions(data, path),
            location=path,
        )

    def exemptions(self, data: dict, path: str) -> list[Exemption]:
        claims = []
        for index, value in enumerate(self.array(data, "exemptions", path)):
            item_path = f"{path}.exemptions[{index}]"
            claim = self.obj(value, item_path, _EXEMPTION_KEYS)
            if claim is None:
                continue
            item = self.text(claim, "item", item_path).strip()
            if not item:
                self.invalid(f"{item_path}.item", "is required")
                continue
            claims.append(
                Exemption(list_identity=self.text(claim, "list", item_path).strip(), reg_index=item)
            )
        return claims


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# -- dump ------------------------------------------------------------------------------------------


def dump(product: Product, *, markets: list[str] | None = None) -> dict[str, Any]:
    """PRODUCT as a version-1 document; `read(dump(p))` gives back the same tree.

    MARKETS overrides the destination markets read with the product (the stored model keeps them).
    """
    return {
        "format": FORM_NAME,
        "version": FORM_VERSION,
        "product": {
            "part_number": product.part_number,
            "name": product.name,
            "version": product.version,
            "kind": product.kind if product.kind in KINDS else "article",
            "unit_type": product.unit_type,
            "mass": dump_mass(product.mass_mg, product.declared_mass),
            "buyer_part_number": product.buyer_part_number,
            "destination_markets": list(markets) if markets is not None else destination_markets(product),
            "parts": [_dump_part(p) for p in product.parts],
            "materials": [_dump_material(m) for m in product.materials],
            "substances": [_dump_substance(s) for s in product.substances],
        },
    }


def declared_value(mass_mg: Decimal | None, declared: str) -> tuple[str, str] | None:
    """(value, unit) as the supplier wrote them, when DECLARED still says MASS_MG; else None."""
    if mass_mg is None or not declared:
        return None
    value, _, unit = declared.strip().rpartition(" ")
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    if not number.is_finite() or to_mg(number, unit) != mass_mg:
        return None  # edited since it was declared, or a unit we do not know
    return value, unit.lower()


def dump_mass(mass_mg: Decimal | None, declared: str = "") -> dict[str, str] | None:
    if mass_mg is None:
        return None
    as_declared = declared_value(mass_mg, declared)
    if as_declared is not None:
        return {"value": as_declared[0], "unit": as_declared[1]}
    return {"value": number_text(mass_mg.normalize()), "unit": "mg"}


def _dump_part(part: Part) -> dict[str, Any]:
    return {
        "name": part.name,
        "part_number": part.identifier,
        "number_of_units": number_text(part.number_of_units),
        "mass": dump_mass(part.mass_mg, part.declared_mass),
        "parts": [_dump_part(p) for p in part.parts],
        "materials": [_dump_material(m) for m in part.materials],
        "substances": [_dump_substance(s) for s in part.substances],
    }


def _dump_material(material: Material) -> dict[str, Any]:
    return {
        "name": material.name,
        "code": material.code,
        "material_class": material.material_class,
        "use_code": material.use_code,
        "is_packaging": material.is_packaging,
        "mass": dump_mass(material.mass_mg, material.declared_mass),
        "substances": [_dump_substance(s) for s in material.substances],
    }


def _dump_substance(substance: Substance) -> dict[str, Any]:
    return {
        "cas": substance.identifier,
        "name": substance.name,
        "mass_percent": None if substance.mass_percent is None else number_text(substance.mass_percent),
        "mass": dump_mass(substance.mass_mg),
        "intentional": substance.intentional,
        "exemptions": [
            {"list": e.list_identity, "item": e.reg_index or e.identity} for e in substance.exemptions
        ],
    }
