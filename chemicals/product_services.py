"""Writes on products: store a composition tree as a new revision of its part number.

Trees are written with bulk inserts, level by level, because a real chemSHERPA-AI file can hold
tens of thousands of substance entries and row-by-row saves would take minutes on PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from chemicals import cas as cas_numbers
from chemicals import composition as tree
from chemicals.formats import json_tree
from chemicals.models import Declaration, Material, Product, ProductPart, SubstanceEntry
from chemicals.problems import ERROR, Problem, has_errors
from suppliers.models import Supplier, User

BATCH = 2000


def _exemptions(claims: list[tree.Exemption]) -> list[dict[str, str]]:
    return [
        {
            "list": c.list_identity,
            "authority": c.list_authority,
            "version": c.list_version,
            "identity": c.identity,
            "item": c.reg_index,
            "description": c.description,
        }
        for c in claims
    ]


def _substance_row(
    product: Product,
    substance: tree.Substance,
    position: int,
    *,
    material: Material | None,
    part: ProductPart | None,
    container_mg: Decimal | None,
    units: Decimal,
) -> SubstanceEntry:
    mass_mg = substance.mass_mg
    if mass_mg is None and container_mg is not None and substance.mass_percent is not None:
        mass_mg = container_mg * substance.mass_percent / 100
    normalized = cas_numbers.normalize(substance.identifier) or ""
    return SubstanceEntry(
        product=product,
        material=material,
        part=part,
        position=position,
        identifier=substance.identifier[:30],
        cas=normalized if cas_numbers.is_cas_format(normalized) else "",
        name=substance.name[:500],
        mass_percent=substance.mass_percent,
        mass_mg=mass_mg,
        product_mass_mg=None if mass_mg is None else mass_mg * units,
        intentional=substance.intentional,
        exemptions=_exemptions(substance.exemptions),
        comment=substance.comment,
        description_of_use=substance.description_of_use[:200],
        location=substance.location[:300],
    )


def _material_row(
    product: Product, material: tree.Material, position: int, part: ProductPart | None
) -> Material:
    return Material(
        product=product,
        part=part,
        position=position,
        name=material.name[:300],
        code=material.code[:20],
        material_class=material.material_class[:20],
        use_code=material.use_code[:4],
        is_packaging=material.is_packaging,
        is_article=material.is_article,
        mass_mg=material.mass_mg,
        declared_mass=material.declared_mass[:60],
        comment=material.comment,
        location=material.location[:300],
    )


def _compliance(answers: list[tree.ComplianceAnswer]) -> list[dict[str, Any]]:
    """The file's own yes/no per DSL entry, kept for cross-checks against the composition. A "no" is
    kept as id and flag only: the tool writes all ~200 DSL entries and most are "no"."""
    rows: list[dict[str, Any]] = []
    for a in answers:
        if not a.above_threshold:
            rows.append({"dsl_id": a.dsl_id, "above_threshold": False})
            continue
        rows.append(
            {
                "dsl_id": a.dsl_id,
                "name": a.name,
                "above_threshold": True,
                "mass_mg": None if a.mass_mg is None else str(a.mass_mg),
                "mass_percent": None if a.mass_percent is None else str(a.mass_percent),
                "reporting_level": a.reporting_level,
                "reportable_application": a.reportable_application,
                "reporting_threshold": a.reporting_threshold,
                "exemptions": _exemptions(a.exemptions),
                "comment": a.comment,
            }
        )
    return rows


def _next_revision(supplier: Supplier, part_number: str) -> int:
    """The revision number for a new tree; an unsubmitted draft is replaced rather than kept."""
    # Lock the current revision so two uploads for one part number cannot both become current.
    current = (
        Product.objects.select_for_update()
        .filter(supplier=supplier, part_number=part_number, is_current=True)
        .first()
    )
    if current is not None and current.status == Product.Status.DRAFT:
        revision = current.revision
        current.delete()
        return revision
    latest = Product.objects.filter(supplier=supplier, part_number=part_number).aggregate(m=Max("revision"))[
        "m"
    ]
    return (latest or 0) + 1


@transaction.atomic
def product_tree_store(
    data: tree.Product,
    *,
    supplier: Supplier,
    declaration: Declaration | None = None,
    by: User | None = None,
    status: str = Product.Status.SUBMITTED,
    warnings: list[dict[str, Any]] | None = None,
    destination_markets: list[str] | None = None,
) -> Product:
    """Store DATA as the new current revision of its part number; older revisions are kept."""
    revision = _next_revision(supplier, data.part_number)
    Product.objects.filter(supplier=supplier, part_number=data.part_number, is_current=True).update(
        is_current=False
    )
    product = Product.objects.create(
        supplier=supplier,
        part_number=data.part_number[:100],
        revision=revision,
        is_current=True,
        status=status,
        name=data.name[:300],
        version=data.version[:100],
        kind=data.kind,
        unit_type=data.unit_type[:10],
        mass_mg=data.mass_mg,
        declared_mass=data.declared_mass[:60],
        buyer_part_number=data.buyer_part_number[:100],
        destination_markets=destination_markets
        if destination_markets is not None
        else data.destination_markets,
        is_article=data.is_article,
        effective_date=data.effective_date[:20],
        versions={**data.versions, "compliance_entries": str(len(data.compliance))},
        compliance=_compliance(data.compliance),
        comment=data.comment,
        declaration=declaration,
        warnings=warnings or [],
        created_by=by,
    )
    materials: list[tuple[Material, tree.Material, Decimal, ProductPart | None]] = []
    substances: list[SubstanceEntry] = []
    position = 0

    for index, material in enumerate(data.materials):
        materials.append((_material_row(product, material, index, None), material, Decimal(1), None))
    for index, substance in enumerate(data.substances):
        substances.append(
            _substance_row(
                product, substance, index, material=None, part=None, container_mg=None, units=Decimal(1)
            )
        )

    # Parts level by level: each level's rows get their keys from one bulk insert before the next.
    level: list[tuple[tree.Part, ProductPart | None, Decimal]] = [(p, None, Decimal(1)) for p in data.parts]
    depth = 0
    while level:
        rows = []
        for part, parent, _multiplier in level:
            rows.append(
                ProductPart(
                    product=product,
                    parent=parent,
                    position=position,
                    depth=depth,
                    name=part.name[:300],
                    identifier=part.identifier[:100],
                    number_of_units=part.number_of_units,
                    mass_mg=part.mass_mg,
                    declared_mass=part.declared_mass[:60],
                    is_article=part.is_article,
                    comment=part.comment,
                    location=part.location[:300],
                )
            )
            position += 1
        ProductPart.objects.bulk_create(rows, batch_size=BATCH)
        next_level = []
        for (part, _parent, multiplier), row in zip(level, rows, strict=True):
            units = multiplier * part.number_of_units
            for index, material in enumerate(part.materials):
                materials.append((_material_row(product, material, index, row), material, units, row))
            for index, substance in enumerate(part.substances):
                substances.append(
                    _substance_row(
                        product, substance, index, material=None, part=row, container_mg=None, units=units
                    )
                )
            next_level += [(child, row, units) for child in part.parts]
        level = next_level
        depth += 1

    Material.objects.bulk_create([m[0] for m in materials], batch_size=BATCH)
    for row, material, units, part_row in materials:
        for index, substance in enumerate(material.substances):
            substances.append(
                _substance_row(
                    product,
                    substance,
                    index,
                    material=row,
                    part=part_row,
                    container_mg=material.mass_mg,
                    units=units,
                )
            )
    SubstanceEntry.objects.bulk_create(substances, batch_size=BATCH)
    return product


def product_draft_save(data: tree.Product, *, supplier: Supplier, by: User | None) -> Product:
    """Save work in progress from the editor; a draft may still have problems."""
    return product_tree_store(data, supplier=supplier, by=by, status=Product.Status.DRAFT)


@transaction.atomic
def product_submit(product: Product, *, warnings: list[dict[str, Any]]) -> Product:
    """Turn a checked draft into the submitted revision (the caller validated it: no errors)."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status != Product.Status.DRAFT:
        raise ValueError("only a draft can be submitted")
    product.status = Product.Status.SUBMITTED
    product.warnings = warnings
    product.save(update_fields=["status", "warnings"])
    return product


@transaction.atomic
def product_tree_submit(
    data: tree.Product, *, supplier: Supplier, by: User | None, warnings: list[dict[str, Any]]
) -> Product:
    """Store DATA as the new submitted revision: what the editor's Submit and the API's tree upload do
    (the caller validated it: no errors). The caller enqueues the evaluation after commit."""
    # The document is stored as a draft, then submitted: one path whether it was edited or uploaded.
    draft = product_draft_save(data, supplier=supplier, by=by)
    return product_submit(draft, warnings=warnings)


def product_document_read(
    document: bytes | str | dict[str, Any], *, supplier: Supplier, product: Product | None, source: str
) -> tuple[tree.Product | None, list[Problem]]:
    """A composition JSON document (docs/composition-json.md) for the editor or the API: (the tree, the
    reading warnings), or (None, the problems refusing it). PRODUCT is the product being edited (its
    part number cannot change); None for a new product (its part number must be free)."""
    result = json_tree.read(document, name=source)
    if has_errors(result.problems):
        return None, result.problems
    if not result.products:
        return None, [Problem("format.no_product", ERROR, source=source)]
    data = result.products[0]
    data.part_number = data.part_number.strip()
    if not data.part_number:
        # The part number is the product's identity: a draft without one could not be found again.
        return None, [Problem("part_number.missing", ERROR, path="product.part_number")]
    if product is not None and data.part_number != product.part_number:
        detail = _(
            "The part number of a saved product cannot change (it is %(was)s). To declare another part "
            "number, start a new product."
        ) % {"was": product.part_number}
        params = {"part_number": data.part_number, "was": product.part_number, "detail": detail}
        return None, [Problem("editor.part_number_changed", ERROR, params, path="product.part_number")]
    if product is None and Product.objects.filter(supplier=supplier, part_number=data.part_number).exists():
        detail = _(
            "Your company already has a product with part number %(part_number)s: open it from the "
            "product list to edit it."
        ) % {"part_number": data.part_number}
        params = {"part_number": data.part_number, "detail": detail}
        return None, [Problem("editor.part_number_taken", ERROR, params, path="product.part_number")]
    return data, result.problems
