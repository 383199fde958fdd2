"""The composition tree as plain data: product -> parts -> homogeneous materials -> substances.

Every format (chemSHERPA-AI/CI, the .xlsx template, the JSON form) is read into these classes, and
validation, persistence and evaluation work on them. Masses are Decimal milligrams so that sums of
values such as 0.0009 g and 77.63 mg stay exact; the unit the supplier wrote is kept for display.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

MG_PER_UNIT: dict[str, Decimal] = {"mg": Decimal(1), "g": Decimal(1000), "kg": Decimal(1_000_000)}

# Product/@unitType values of IEC 62474 (the reporting unit of the declared mass).
UNIT_TYPES = ("each", "g", "kg", "cm^2", "m^2", "cm^3", "m^3", "cm", "m", "l")


def to_mg(value: Decimal, unit: str) -> Decimal | None:
    """VALUE in UNIT as milligrams; None when the unit is not a mass unit we know."""
    factor = MG_PER_UNIT.get(unit.strip().lower()) if unit else None
    return None if factor is None else value * factor


@dataclass
class Exemption:
    """One exemption claim as declared: which list, which entry, its human code (regIndex)."""

    list_authority: str = ""
    list_identity: str = ""
    list_version: str = ""
    identity: str = ""
    reg_index: str = ""
    description: str = ""


# slots: a large declaration holds tens of thousands of these; they are created and read faster.
@dataclass(slots=True)
class Substance:
    identifier: str  # CAS RN or chemSHERPA SN group number, as declared
    name: str = ""
    mass_percent: Decimal | None = None  # of the enclosing material (AI) or of the mixture (CI)
    mass_mg: Decimal | None = None  # in one unit of the enclosing material, when the format gives it
    intentional: bool | None = None  # None = not stated
    exemptions: list[Exemption] = field(default_factory=list)
    comment: str = ""
    description_of_use: str = ""
    location: str = ""  # file:line or sheet!cell or tree path


@dataclass
class Material:
    """A homogeneous material inside one unit of its parent part (or of the product)."""

    name: str
    mass_mg: Decimal | None = None
    declared_mass: str = ""  # as written, with unit, for messages
    code: str = ""  # chemSHERPA material list code, e.g. R312
    material_class: str = ""  # IEC 62474 MCL entry, e.g. M-121
    use_code: str = ""  # chemSHERPA use: 1 base material, 6 plating, ...
    is_packaging: bool = False
    is_article: bool | None = None
    comment: str = ""
    substances: list[Substance] = field(default_factory=list)
    location: str = ""


@dataclass
class Part:
    name: str
    identifier: str = ""
    number_of_units: Decimal = Decimal(1)
    mass_mg: Decimal | None = None  # of ONE unit of this part
    declared_mass: str = ""
    is_article: bool | None = None
    comment: str = ""
    parts: list[Part] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    substances: list[Substance] = field(default_factory=list)  # directly under the part (rare)
    location: str = ""


@dataclass
class ComplianceAnswer:
    """One entry of a chemSHERPA-AI compliance section (the file's own yes/no per DSL entry)."""

    dsl_id: str
    name: str
    above_threshold: bool
    mass_mg: Decimal | None = None
    mass_percent: Decimal | None = None
    reporting_level: str = ""
    reportable_application: str = ""
    reporting_threshold: str = ""
    exemptions: list[Exemption] = field(default_factory=list)
    comment: str = ""


@dataclass
class Product:
    """One declared product. A mixture (chemSHERPA-CI) has substances and no parts."""

    part_number: str
    name: str = ""
    version: str = ""
    unit_type: str = "each"
    mass_mg: Decimal | None = None
    declared_mass: str = ""
    buyer_part_number: str = ""
    buyer_name: str = ""
    destination_markets: list[str] = field(default_factory=list)
    kind: str = "article"  # "article" or "mixture"
    is_article: bool | None = None
    effective_date: str = ""
    parts: list[Part] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    substances: list[Substance] = field(default_factory=list)
    compliance: list[ComplianceAnswer] = field(default_factory=list)
    comment: str = ""
    supplier_name: str = ""
    # Version strings of the file (schema, tool, substance list, DSL ...): an evaluation is only
    # meaningful against the list versions the supplier used.
    versions: dict[str, str] = field(default_factory=dict)
    source: str = ""  # file or archive member the product came from
    location: str = ""


def walk_parts(parts: list[Part], multiplier: Decimal = Decimal(1)) -> Iterator[tuple[Part, Decimal, int]]:
    """Yield (part, units of it per product, depth), depth-first in document order."""
    stack = [(p, multiplier * p.number_of_units, 0) for p in reversed(parts)]
    while stack:
        part, units, depth = stack.pop()
        yield part, units, depth
        stack.extend((child, units * child.number_of_units, depth + 1) for child in reversed(part.parts))


def part_rollup_mg(part: Part) -> Decimal | None:
    """Mass of one unit of PART computed from its contents; None if any content mass is missing."""
    total = Decimal(0)
    for material in part.materials:
        if material.mass_mg is None:
            return None
        total += material.mass_mg
    for child in part.parts:
        if child.mass_mg is None:
            return None
        total += child.mass_mg * child.number_of_units
    for substance in part.substances:
        if substance.mass_mg is None:
            return None
        total += substance.mass_mg
    return total


def product_rollup_mg(product: Product) -> Decimal | None:
    """Mass of the product computed from its top-level parts and materials."""
    holder = Part(name=product.name, parts=product.parts, materials=product.materials)
    return part_rollup_mg(holder)


def count_substances(product: Product) -> int:
    count = len(product.substances) + sum(len(m.substances) for m in product.materials)
    for part, _units, _depth in walk_parts(product.parts):
        count += len(part.substances) + sum(len(m.substances) for m in part.materials)
    return count
