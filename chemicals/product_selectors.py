"""Reads over stored products: lists for the pages and the stored tree rebuilt as plain data."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet

from chemicals import composition as tree
from chemicals.models import Declaration, Material, Product, ProductPart, RegulatedList, SubstanceEntry


def product_list(user: Any, *, current_only: bool = True) -> QuerySet[Product]:
    """The supplier's own view: the current revision of each part number, drafts included."""
    qs = Product.objects.visible_to(user).select_related("supplier")
    if current_only:
        qs = qs.filter(is_current=True)
    return qs.annotate(substance_total=Count("substance_entries"))


def submitted_product_list(user: Any, *, latest_only: bool = True) -> QuerySet[Product]:
    """The buyer's view: submitted revisions only. A supplier's draft is work in progress and, while it
    is the current revision, the buyer keeps seeing the last revision the supplier submitted."""
    qs = Product.objects.visible_to(user).filter(status=Product.Status.SUBMITTED).select_related("supplier")
    if latest_only:
        qs = latest_submitted(qs)
    return qs.annotate(substance_total=Count("substance_entries"))


def latest_submitted(qs: QuerySet[Product]) -> QuerySet[Product]:
    """The submitted revisions in QS that no later submitted revision of the same part number replaces.

    The current revision is always the highest one, so a submitted current revision qualifies as it is;
    an older one only while the current revision is the supplier's unsubmitted draft. That exception is
    one uncorrelated subquery (hashed once) rather than a NOT EXISTS probe per row, which keeps the
    count of 100,000 products on the dashboard a single scan."""
    current_or_kept = Q(is_current=True) | Q(pk__in=kept_under_draft())
    return qs.filter(status=Product.Status.SUBMITTED).filter(current_or_kept)


def kept_under_draft() -> QuerySet[Product]:
    """The ids of the submitted revisions the buyer still sees because the current revision of their
    part number is a draft (latest_submitted's exception)."""
    under_draft = Product.objects.filter(
        supplier_id=OuterRef("supplier_id"),
        part_number=OuterRef("part_number"),
        is_current=True,
        status=Product.Status.DRAFT,
    )
    newer = Product.objects.filter(
        supplier_id=OuterRef("supplier_id"),
        part_number=OuterRef("part_number"),
        status=Product.Status.SUBMITTED,
        revision__gt=OuterRef("revision"),
    )
    return (
        Product.objects.filter(is_current=False, status=Product.Status.SUBMITTED)
        .filter(Exists(under_draft))
        .exclude(Exists(newer))
        .values("pk")
    )


def declaration_list(user: Any) -> QuerySet[Declaration]:
    return Declaration.objects.visible_to(user).select_related("supplier", "uploaded_by")


def declaration_list_with_progress(user: Any) -> QuerySet[Declaration]:
    """declaration_list with `awaits_verdict` annotated (declaration_awaits_verdict for every row in
    the same query) and the products each declaration stored, for lists that show progress."""
    pending = Product.objects.filter(
        declaration_id=OuterRef("pk"), is_current=True, status=Product.Status.SUBMITTED, verdict=""
    )
    active = RegulatedList.objects.filter(status=RegulatedList.Status.ACTIVE)
    awaits = ExpressionWrapper(
        Q(status=Declaration.Status.STORED) & Exists(pending) & Exists(active), output_field=BooleanField()
    )
    return (
        declaration_list(user)
        .annotate(awaits_verdict=awaits)
        .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("part_number", "-revision")))
    )


def declaration_awaits_verdict(declaration: Declaration) -> bool:
    """Stored, but a product from it has no verdict yet while a list is active to judge it against: the
    evaluation task is still to run. (With no active list no verdict is coming, so nothing to wait for.)"""
    return (
        declaration.status == Declaration.Status.STORED
        and declaration.products.filter(is_current=True, status=Product.Status.SUBMITTED, verdict="").exists()
        and RegulatedList.objects.filter(status=RegulatedList.Status.ACTIVE).exists()
    )


def product_revisions(product: Product) -> QuerySet[Product]:
    return Product.objects.filter(supplier_id=product.supplier_id, part_number=product.part_number).order_by(
        "-revision"
    )


def _exemptions(rows: list[dict[str, str]]) -> list[tree.Exemption]:
    return [
        tree.Exemption(
            list_authority=r.get("authority", ""),
            list_identity=r.get("list", ""),
            list_version=r.get("version", ""),
            identity=r.get("identity", ""),
            reg_index=r.get("item", ""),
            description=r.get("description", ""),
        )
        for r in rows
    ]


def _substance(row: SubstanceEntry) -> tree.Substance:
    return tree.Substance(
        identifier=row.identifier,
        name=row.name,
        mass_percent=row.mass_percent,
        mass_mg=row.mass_mg if row.mass_percent is None else None,
        intentional=row.intentional,
        exemptions=_exemptions(row.exemptions),
        comment=row.comment,
        description_of_use=row.description_of_use,
        location=row.location,
    )


def product_tree(product: Product) -> tree.Product:
    """The stored revision as a composition tree (four queries, whatever its size)."""
    return product_trees([product])[product.pk]


def product_trees(products: list[Product]) -> dict[int, tree.Product]:
    """Many stored revisions as composition trees, in four queries for the whole batch."""
    ids = [p.pk for p in products]
    parts = list(ProductPart.objects.filter(product_id__in=ids).order_by("product_id", "depth", "position"))
    materials = list(Material.objects.filter(product_id__in=ids).order_by("product_id", "position", "pk"))
    substances = list(
        SubstanceEntry.objects.filter(product_id__in=ids)
        .order_by("product_id", "position", "pk")
        .only(*_SUBSTANCE_FIELDS)
    )

    by_material: dict[int, list[tree.Substance]] = defaultdict(list)
    by_part: dict[tuple[int, int | None], list[tree.Substance]] = defaultdict(list)
    for row in substances:
        if row.material_id:
            by_material[row.material_id].append(_substance(row))
        else:
            by_part[(row.product_id, row.part_id)].append(_substance(row))
    materials_by_part: dict[tuple[int, int | None], list[tree.Material]] = defaultdict(list)
    for m in materials:
        materials_by_part[(m.product_id, m.part_id)].append(
            tree.Material(
                name=m.name,
                mass_mg=m.mass_mg,
                declared_mass=m.declared_mass,
                code=m.code,
                material_class=m.material_class,
                use_code=m.use_code,
                is_packaging=m.is_packaging,
                is_article=m.is_article,
                comment=m.comment,
                substances=by_material[m.pk],
                location=m.location,
            )
        )
    nodes: dict[int, tree.Part] = {}
    top: dict[int, list[tree.Part]] = defaultdict(list)
    for p in parts:  # ordered by depth: a parent is always built before its children
        node = tree.Part(
            name=p.name,
            identifier=p.identifier,
            number_of_units=p.number_of_units,
            mass_mg=p.mass_mg,
            declared_mass=p.declared_mass,
            is_article=p.is_article,
            comment=p.comment,
            materials=materials_by_part[(p.product_id, p.pk)],
            substances=by_part[(p.product_id, p.pk)],
            location=p.location,
        )
        nodes[p.pk] = node
        if p.parent_id is None:
            top[p.product_id].append(node)
        else:
            nodes[p.parent_id].parts.append(node)
    return {
        product.pk: tree.Product(
            part_number=product.part_number,
            name=product.name,
            version=product.version,
            unit_type=product.unit_type,
            mass_mg=product.mass_mg,
            declared_mass=product.declared_mass,
            buyer_part_number=product.buyer_part_number,
            destination_markets=list(product.destination_markets),
            kind=product.kind,
            is_article=product.is_article,
            effective_date=product.effective_date,
            parts=top[product.pk],
            materials=materials_by_part[(product.pk, None)],
            substances=by_part[(product.pk, None)],
            compliance=_compliance(product.compliance),
            comment=product.comment,
            versions=product.versions,
        )
        for product in products
    }


_SUBSTANCE_FIELDS = (
    "product_id",
    "material_id",
    "part_id",
    "position",
    "identifier",
    "name",
    "mass_percent",
    "mass_mg",
    "intentional",
    "exemptions",
    "comment",
    "description_of_use",
    "location",
)


def _compliance(rows: list[dict[str, Any]]) -> list[tree.ComplianceAnswer]:
    answers = []
    for row in rows or []:
        if not isinstance(row, dict) or not row.get("dsl_id"):
            continue
        answers.append(
            tree.ComplianceAnswer(
                dsl_id=row["dsl_id"],
                name=row.get("name", ""),
                above_threshold=bool(row.get("above_threshold")),
            )
        )
    return answers


def tree_rows(product: Product) -> list[dict[str, Any]]:
    """The stored tree flattened in display order, each row with its depth and per-product quantity."""
    data = product_tree(product)
    rows: list[dict[str, Any]] = []

    def add_materials(materials: list[tree.Material], depth: int, units: Decimal) -> None:
        for m in materials:
            rows.append({"type": "material", "node": m, "depth": depth, "units": units})
            for s in m.substances:
                share = None
                if m.mass_mg is not None and s.mass_percent is not None:
                    share = m.mass_mg * s.mass_percent / 100 * units
                elif s.mass_mg is not None:
                    share = s.mass_mg * units
                rows.append({"type": "substance", "node": s, "depth": depth + 1, "product_mass_mg": share})

    def add_parts(parts: list[tree.Part], depth: int, units: Decimal) -> None:
        for p in parts:
            here = units * p.number_of_units
            rows.append(
                {
                    "type": "part",
                    "node": p,
                    "depth": depth,
                    "units": here,
                    "rollup_mg": tree.part_rollup_mg(p),
                }
            )
            for s in p.substances:
                rows.append({"type": "substance", "node": s, "depth": depth + 1, "product_mass_mg": None})
            add_materials(p.materials, depth + 1, here)
            add_parts(p.parts, depth + 1, here)

    for s in data.substances:
        rows.append({"type": "substance", "node": s, "depth": 0, "product_mass_mg": None})
    add_materials(data.materials, 0, Decimal(1))
    add_parts(data.parts, 0, Decimal(1))
    return rows


def products_with_warnings(user: Any) -> QuerySet[Product]:
    return product_list(user).filter(~Q(warnings=[]))
