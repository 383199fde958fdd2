"""One list version as plain data for the evaluation engine (pure: no models).

Built from the list document (the shape of fixtures/chemicals/lists/*.json), the exemption catalogue
(exemptions/rohs-elv.json) and the controlled-substance registers (ods-fgas.json). The database keeps the
same documents, so the command line, the tests and the workers all build their RuleSet the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from chemicals.membership import GroupIndex, group_specs_from_fixture


@dataclass(frozen=True)
class Threshold:
    ppm: Decimal | None
    comparison: str  # "lte" (at most: equal passes) or "lt"
    measure: str  # "element", "substance" or "sum_of_members"
    scope: str  # "all" or "packaging"
    members: frozenset[str] | None  # the subset of the group the limit covers; None: the whole group
    member_role: str | None
    regions: frozenset[str] | None  # None: everywhere
    prohibited: bool  # use prohibited whatever the amount (DecaBDE under TSCA)
    aggregate: str | None
    legal_reference: str | None
    applies_to: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def passes(self, ppm: Decimal) -> bool:
        if self.ppm is None:
            raise ValueError("a use prohibition has no limit to pass")
        return ppm < self.ppm if self.comparison == "lt" else ppm <= self.ppm


@dataclass(frozen=True)
class GroupRule:
    code: str
    table: int
    number: int
    name: Mapping[str, str]
    kind: str  # "prohibited" (Table 1) or "managed" (Table 2)
    basis: str  # "homogeneous_material" or "product_or_layer"
    intentional_use_prohibited: bool
    counted_element: str | None
    species: str | None
    thresholds: tuple[Threshold, ...]
    regions: frozenset[str] | None
    # The token exemptions name this group by ("Pb", "Cr(VI)", "PBDE"); None: no exemption can apply.
    exemption_token: str | None

    @property
    def prohibited_table(self) -> bool:
        return self.kind == "prohibited"

    def short_name(self, language: str = "en") -> str:
        return self.name.get(language) or self.name.get("en") or self.code


@dataclass(frozen=True)
class ExemptionRule:
    list_name: str
    item: str
    is_exemption: bool
    substances: frozenset[str]
    expires_on: date | None
    status: str
    text: str

    @property
    def label(self) -> str:
        return f"{self.list_name} {self.item}"

    def expired(self, as_of: date) -> bool:
        if self.status == "renewal_applied":
            # RoHS Art. 5(5): an exemption stays valid while its renewal is being decided.
            return False
        if self.expires_on is not None:
            return self.expires_on < as_of
        return self.status == "expired"

    def as_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_name,
            "item": self.item,
            "text": self.text,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "status": self.status,
        }


@dataclass(frozen=True)
class PackagingRule:
    groups: tuple[str, ...]
    max_ppm: Decimal
    comparison: str
    legal_reference: str


@dataclass
class RuleSet:
    code: str
    version: str
    title: Mapping[str, str]
    groups: dict[str, GroupRule]
    index: GroupIndex
    packaging: PackagingRule | None
    exemptions_by_key: dict[str, ExemptionRule]
    exemptions_by_item: dict[str, list[ExemptionRule]]
    # DSL entry id -> group code, for comparing a chemSHERPA-AI compliance section with our findings.
    dsl_groups: dict[str, str] = field(default_factory=dict)

    def find_exemption(self, identity: str, item: str, list_hint: str) -> ExemptionRule | None:
        """The catalogue entry a declared claim names: by its chemSHERPA / IEC 62474 identity first, then
        by its legal item number (preferring the annex the claim's list name points at)."""
        for key in (identity, item):
            rule = self.exemptions_by_key.get(_key(key))
            if rule is not None:
                return rule
        candidates = self.exemptions_by_item.get(_key(item or identity), [])
        if not candidates:
            return None
        hint = _key(list_hint)
        for rule in candidates:
            if ("elv" in hint) == rule.list_name.startswith("ELV") and (
                "annexiv" in hint
            ) == rule.list_name.endswith("IV"):
                return rule
        return candidates[0]


def _key(value: str) -> str:
    return re.sub(r"\s+", "", value or "").lower()


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


_ABBREVIATION = re.compile(r"\(([A-Za-z0-9-]+?)s?\)\s*$")


def _exemption_token(
    group: Mapping[str, Any], counted_element: str | None, species: str | None
) -> str | None:
    # RoHS exemptions name the restricted substance: "Pb", "Cd", "Hg", "Cr(VI)", "PBB", "PBDE".
    if counted_element:
        return species or counted_element
    match = _ABBREVIATION.search((group.get("name") or {}).get("en", ""))
    return match.group(1) if match else None


def _threshold(raw: Mapping[str, Any]) -> Threshold:
    members = raw.get("members")
    regions = raw.get("regions")
    return Threshold(
        ppm=_decimal(raw.get("ppm")),
        comparison=raw.get("comparison") or "lte",
        measure=raw.get("measure") or "substance",
        scope=raw.get("scope") or "all",
        members=frozenset(members) if members is not None else None,
        member_role=raw.get("member_role"),
        regions=frozenset(regions) if regions else None,
        prohibited=bool(raw.get("prohibited")),
        aggregate=raw.get("aggregate"),
        legal_reference=raw.get("legal_reference"),
        applies_to=raw.get("applies_to") or {},
    )


def _exemption(entry: Mapping[str, Any]) -> ExemptionRule:
    dates = sorted(e["date"] for e in entry.get("expiry") or [] if e.get("date"))
    key = entry.get("key") or {}
    return ExemptionRule(
        list_name=key.get("list") or entry.get("list_name", ""),
        item=key.get("item") or entry.get("item", ""),
        is_exemption=bool(entry.get("is_exemption", True)),
        substances=frozenset(entry.get("substances") or ()),
        # The earliest date of any category: we do not know the buyer's RoHS category, so the
        # conservative reading is that the exemption ended when it first ended for anyone.
        expires_on=date.fromisoformat(dates[0]) if dates else entry.get("expires_on"),
        status=entry.get("status") or "",
        text=(entry.get("text") or {}).get("en", ""),
    )


def build_rules(
    list_document: Mapping[str, Any],
    exemptions: Iterable[Mapping[str, Any]],
    controlled: Mapping[str, Any] | None,
    dsl_groups: Mapping[str, str] | None = None,
) -> RuleSet:
    """A RuleSet from the list document, the exemption entries and the registers (fixture shapes)."""
    specs = group_specs_from_fixture(dict(list_document), dict(controlled) if controlled else None)
    groups: dict[str, GroupRule] = {}
    for raw in list_document["groups"]:
        numerator = raw.get("numerator") or {}
        counted = numerator.get("element") if numerator.get("measure") == "element" else None
        species = numerator.get("species")
        groups[raw["code"]] = GroupRule(
            code=raw["code"],
            table=int(raw["table"]),
            number=int(raw["number"]),
            name=raw.get("name") or {},
            kind=raw["kind"],
            basis=raw["basis"],
            intentional_use_prohibited=bool(raw.get("intentional_use_prohibited")),
            counted_element=counted,
            species=species,
            thresholds=tuple(_threshold(t) for t in raw.get("thresholds") or ()),
            regions=frozenset(raw["regions"]) if raw.get("regions") else None,
            exemption_token=_exemption_token(raw, counted, species),
        )
    packaging = None
    pkg = list_document.get("packaging_rule") or {}
    if pkg.get("groups") and pkg.get("max_ppm_sum") is not None:
        packaging = PackagingRule(
            groups=tuple(pkg["groups"]),
            max_ppm=Decimal(str(pkg["max_ppm_sum"])),
            comparison=pkg.get("comparison") or "lte",
            legal_reference=pkg.get("legal_reference") or "",
        )
    by_key: dict[str, ExemptionRule] = {}
    by_item: dict[str, list[ExemptionRule]] = {}
    for entry in exemptions:
        rule = _exemption(entry)
        by_item.setdefault(_key(rule.item), []).append(rule)
        for alias in entry.get("aliases") or ():
            if alias.get("identity"):
                by_key.setdefault(_key(alias["identity"]), rule)
    return RuleSet(
        code=list_document["code"],
        version=str(list_document.get("version") or ""),
        title=list_document.get("title") or {},
        groups=groups,
        index=GroupIndex(specs),
        packaging=packaging,
        exemptions_by_key=by_key,
        exemptions_by_item=by_item,
        dsl_groups=dict(dsl_groups or {}),
    )


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def rules_from_files(list_path: Path, fixtures_dir: Path) -> RuleSet:
    """A RuleSet from a list file and the shared reference files next to it (fixtures/chemicals)."""
    dsl = read_json(fixtures_dir / "dsl-groups.json")
    return build_rules(
        read_json(list_path),
        read_json(fixtures_dir / "exemptions" / "rohs-elv.json")["exemptions"],
        read_json(fixtures_dir / "ods-fgas.json"),
        {e["dsl_id"]: e["group"] for e in dsl["entries"]},
    )
