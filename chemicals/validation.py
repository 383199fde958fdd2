"""Checks on a composition tree, whatever format it came from. All problems at once, never the first.

Errors reject the upload (the tree cannot be evaluated as declared); warnings are stored with it and
shown to the supplier and the reviewer (the tree can be evaluated, but something needs a look).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from chemicals import cas as cas_numbers
from chemicals.composition import UNIT_TYPES, Material, Part, Product, Substance, part_rollup_mg
from chemicals.name_check import name_matches_cas
from chemicals.problems import ERROR, WARNING, Problem

DEFAULT_TOLERANCE_PERCENT = Decimal("0.1")  # settings.MASS_BALANCE_TOLERANCE_PERCENT overrides it
# Percentages are written with a few decimals; sums such as 33.34 + 66.67 must not count as > 100.
PERCENT_SLACK = Decimal("0.01")


class _Checker:
    def __init__(self, tolerance_percent: Decimal, check_names: bool) -> None:
        self.tolerance = tolerance_percent
        self.check_names = check_names
        self.problems: list[Problem] = []
        self.identity_cache: dict[tuple[str, str], list[tuple[str, str, dict]]] = {}

    def add(self, code: str, severity: str, location: str, path: str, **params) -> None:
        source, _, line = location.rpartition(":")
        if line.isdigit():
            self.problems.append(Problem(code, severity, params, source=source, line=int(line), path=path))
        else:
            self.problems.append(Problem(code, severity, params, cell=location, path=path))

    def mass(
        self, what: str, name: str, mass: Decimal | None, location: str, path: str, required: bool
    ) -> None:
        if mass is None:
            if required:
                self.add("mass.missing", WARNING, location, path, what=what, name=name)
        elif mass < 0:
            self.add("mass.negative", ERROR, location, path, what=what, name=name, value=mass)
        elif mass == 0:
            self.add("mass.zero", ERROR, location, path, what=what, name=name)

    def rollup(
        self,
        what: str,
        name: str,
        declared: Decimal | None,
        computed: Decimal | None,
        location: str,
        path: str,
    ) -> None:
        if declared is None or computed is None or declared <= 0 or computed == 0:
            return
        off = abs(declared - computed) / declared * 100
        if off > self.tolerance:
            self.add(
                "mass.rollup_mismatch",
                WARNING,
                location,
                path,
                what=what,
                name=name,
                declared=declared,
                computed=computed,
                difference=round(off, 2),
                tolerance=self.tolerance,
            )

    def product(self, product: Product) -> None:
        path = product.part_number or product.name
        if not product.part_number:
            self.add("part_number.missing", ERROR, product.location, path)
        if product.unit_type not in UNIT_TYPES:
            self.add("unit_type.unknown", WARNING, product.location, path, value=product.unit_type)
        is_article = product.kind == "article"
        self.mass("product", path, product.mass_mg, product.location, path, required=is_article)
        if is_article:
            holder = Part(name=path, parts=product.parts, materials=product.materials)
            self.rollup("product", path, product.mass_mg, part_rollup_mg(holder), product.location, path)
        self.substances(product.substances, path, container_mass=None, label=path)
        for material in product.materials:
            self.material(material, path)
        for part in product.parts:
            self.part(part, path)

    def part(self, part: Part, parent_path: str) -> None:
        path = f"{parent_path} > {part.name or part.identifier}"
        if part.number_of_units <= 0:
            self.add("units.invalid", ERROR, part.location, path, value=part.number_of_units, name=part.name)
        self.mass("part", part.name, part.mass_mg, part.location, path, required=True)
        self.rollup("part", part.name, part.mass_mg, part_rollup_mg(part), part.location, path)
        self.substances(part.substances, path, container_mass=None, label=part.name)
        for material in part.materials:
            self.material(material, path)
        for child in part.parts:
            self.part(child, path)

    def material(self, material: Material, parent_path: str) -> None:
        path = f"{parent_path} > {material.name}"
        self.mass("material", material.name, material.mass_mg, material.location, path, required=True)
        self.substances(material.substances, path, container_mass=material.mass_mg, label=material.name)

    def substances(
        self, substances: list[Substance], path: str, container_mass: Decimal | None, label: str
    ) -> None:
        total_percent = Decimal(0)
        total_mass = Decimal(0)
        for substance in substances:
            self.substance(substance, path)
            if substance.mass_percent is not None and 0 <= substance.mass_percent <= 100:
                total_percent += substance.mass_percent
            if substance.mass_mg is not None and substance.mass_mg > 0:
                total_mass += substance.mass_mg
        if total_percent > 100 + PERCENT_SLACK:
            location = substances[0].location
            self.add("percent.sum_over_100", ERROR, location, path, name=label, value=total_percent)
        if (
            container_mass is not None
            and container_mass > 0
            and total_mass > container_mass * (1 + self.tolerance / 100)
        ):
            self.add(
                "substance.mass_over_material",
                ERROR,
                substances[0].location,
                path,
                name=label,
                value=total_mass,
                mass=container_mass,
            )

    def substance(self, substance: Substance, parent_path: str) -> None:
        percent = substance.mass_percent
        # The common case (a valid percentage) costs two comparisons: large files hold 20,000+ entries.
        if percent is None or not (0 <= percent <= 100) or substance.mass_mg is not None:
            name = substance.name or substance.identifier
            path = f"{parent_path} > {name}"
            where = substance.location
            if percent is not None and not (0 <= percent <= 100):
                self.add("percent.out_of_range", ERROR, where, path, name=name, value=percent)
            if percent is None and substance.mass_mg is None:
                self.add("percent.missing", WARNING, where, path, name=name)
            if substance.mass_mg is not None and substance.mass_mg < 0:
                self.add(
                    "mass.negative", ERROR, where, path, what="substance", name=name, value=substance.mass_mg
                )
        key = (substance.identifier, substance.name)
        found = self.identity_cache.get(key)
        if found is None:
            found = self.identity_cache[key] = self.identity_problems(substance)
        for code, severity, params in found:
            name = substance.name or substance.identifier
            self.add(code, severity, substance.location, f"{parent_path} > {name}", **params)

    def identity_problems(self, substance: Substance) -> list[tuple[str, str, dict]]:
        """Problems of the CAS / SN number and its name: the same for every entry with that pair."""
        raw = substance.identifier.strip()
        name = substance.name or raw
        if not raw:
            return [("cas.missing", WARNING, {"name": name})]
        if cas_numbers.is_sn_number(raw):
            return []
        identifier = cas_numbers.normalize(raw) or ""
        if not cas_numbers.is_cas_format(identifier):
            return [("cas.format", ERROR, {"cas": raw})]
        if not cas_numbers.check_digit_ok(identifier):
            return [
                (
                    "cas.check_digit",
                    ERROR,
                    {"cas": identifier, "expected": cas_numbers.expected_check_digit(identifier)},
                )
            ]
        if self.check_names and substance.name:
            verdict = name_matches_cas(substance.name, identifier)
            if verdict.is_mismatch:
                params = {"cas": identifier, "name": substance.name, "cas_name": verdict.cas_name or "?"}
                return [("cas.name_mismatch", WARNING, params)]
        return []


def validate(
    products: list[Product],
    *,
    tolerance_percent: Decimal = DEFAULT_TOLERANCE_PERCENT,
    check_names: bool = True,
) -> list[Problem]:
    checker = _Checker(tolerance_percent, check_names)
    counts = Counter(p.part_number for p in products if p.part_number)
    for part_number, count in counts.items():
        if count > 1:
            first = next(p for p in products if p.part_number == part_number)
            checker.add("part_number.duplicate", ERROR, first.location, part_number, part_number=part_number)
    for product in products:
        checker.product(product)
    return checker.problems
