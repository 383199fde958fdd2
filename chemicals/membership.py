"""Which substance groups a declared substance is in, and what share of its mass counts (pure: no models).

A declared CAS number joins a group in one of four ways (reference/substances.md §4), and each group is joined
at most once, by the first way that applies:

- "cas": the CAS is one of the group's listed members (lead chromate is listed in both T1-2 and T1-3);
- "list_ref": the group's members live in another register (ODS Class I / II and F-gases in ods-fgas.json);
- "element": the group is "X and its compounds" (Cd, Pb, Hg, Bi, As, Be, Ni, Se, Co) and the substance's
  formula contains X; alloys and the element itself count (formula "Pb" gives 1.0);
- "sn": a chemSHERPA substance-group number (SN0015, brominated flame retardants) declared instead of a CAS.

Cr(VI) and the organotins are deliberately not element rules: chromium metal and Cr2O3 are not Cr(VI), and
tetrabutyltin is neither tri- nor di-substituted. They match only through their member lists.

`fraction` is the share of the declared mass that counts towards the group's numerator: the mass fraction
of the counted element (GPG 13.0 Appendix 1: metals count as the element) or 1.0 when the substance itself
counts. It is None when the group counts an element but the substance's formula is unknown (pigments, UVCBs,
SN groups); the evaluator then has to fall back to the whole mass and say so.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from chemicals import cas as cas_numbers
from chemicals import pypi_chemicals
from chemicals.element_fraction import elements_in, mass_fraction

How = Literal["cas", "sn", "element", "list_ref"]


@dataclass(frozen=True)
class GroupSpec:
    code: str
    kind: str  # "prohibited" (Table 1) or "managed" (Table 2)
    counted_element: str | None  # None: the substance's own mass counts
    member_cas: frozenset[str] = frozenset()
    sn_groups: frozenset[str] = frozenset()
    list_ref_cas: frozenset[str] = frozenset()
    element_rule: bool = False
    # CAS -> formula for the listed members and list_ref entries that have one (curated, so it wins over a
    # formula the supplier declares or the identifier table gives).
    formulas: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.element_rule and not self.counted_element:
            raise ValueError(f"group {self.code}: an element rule needs a counted element")


@dataclass(frozen=True)
class GroupMatch:
    code: str
    counted_element: str | None
    fraction: float | None
    how: How


def _formula_from_database(cas: str) -> str | None:
    identity = pypi_chemicals.lookup(cas)
    return identity.formula if identity and identity.formula else None


class GroupIndex:
    """All groups of one list version, indexed for `match`. Build once per list version and reuse it."""

    def __init__(
        self, specs: Iterable[GroupSpec], formula_lookup: Callable[[str], str | None] = _formula_from_database
    ) -> None:
        self.specs: tuple[GroupSpec, ...] = tuple(specs)
        codes = [spec.code for spec in self.specs]
        if len(set(codes)) != len(codes):
            raise ValueError("group codes must be unique")
        self._formula_lookup = formula_lookup
        self._formulas: dict[str, str] = {}
        self._by_sn: dict[str, list[GroupSpec]] = {}
        for spec in self.specs:
            for cas, formula in spec.formulas.items():
                self._formulas.setdefault(cas, formula)
            for sn in spec.sn_groups:
                self._by_sn.setdefault(sn, []).append(spec)
        # A declaration file repeats a few CAS numbers thousands of times; cached as long as the index lives.
        self._match_cached = functools.lru_cache(maxsize=16384)(self._match)

    def match(self, identifier: str | None, formula: str | None = None) -> list[GroupMatch]:
        """The groups that `identifier` (a CAS or SN number) belongs to, in list order.

        `formula` is the supplier's formula for the substance, used when neither the list nor the identifier
        table knows one; with no usable identifier it alone can still place a substance in an element group.
        """
        return list(self._match_cached(identifier or "", formula or None))

    def _match(self, identifier: str, formula: str | None) -> tuple[GroupMatch, ...]:
        sn = cas_numbers.normalize_sn(identifier)
        if sn is not None:
            return tuple(
                GroupMatch(spec.code, spec.counted_element, None if spec.counted_element else 1.0, "sn")
                for spec in self._by_sn.get(sn, ())
            )
        cas = cas_numbers.normalize(identifier)
        if cas is not None and not cas_numbers.check_digit_ok(cas):
            cas = None
        resolved: list[str | None] = []

        def substance_formula() -> str | None:
            if not resolved:
                if cas is not None and cas in self._formulas:
                    resolved.append(self._formulas[cas])
                elif formula:
                    resolved.append(formula)
                else:
                    resolved.append(self._formula_lookup(cas) if cas is not None else None)
            return resolved[0]

        def counted_fraction(spec: GroupSpec) -> float | None:
            if not spec.counted_element:
                return 1.0
            return mass_fraction(substance_formula(), spec.counted_element)

        matches: list[GroupMatch] = []
        for spec in self.specs:
            if cas is not None and cas in spec.member_cas:
                matches.append(GroupMatch(spec.code, spec.counted_element, counted_fraction(spec), "cas"))
            elif cas is not None and cas in spec.list_ref_cas:
                matches.append(
                    GroupMatch(spec.code, spec.counted_element, counted_fraction(spec), "list_ref")
                )
            elif spec.element_rule and spec.counted_element in (elements_in(substance_formula()) or ()):
                matches.append(GroupMatch(spec.code, spec.counted_element, counted_fraction(spec), "element"))
        return tuple(matches)


def _canonical(cas: str, where: str) -> str:
    canonical = cas_numbers.normalize(cas)
    if canonical is None or not cas_numbers.check_digit_ok(canonical):
        raise ValueError(f"{where}: {cas!r} is not a valid CAS number")
    return canonical


def _list_ref_entries(group: dict[str, Any], controlled: dict[str, Any] | None) -> list[dict[str, Any]]:
    ref = (group.get("members") or {}).get("list_ref")
    if not ref:
        return []
    if controlled is None or ref.get("section") not in controlled:
        raise ValueError(f"group {group['code']}: needs section {ref.get('section')!r} of {ref.get('file')}")
    wanted = ref.get("filter") or {}
    return [
        entry
        for entry in controlled[ref["section"]]
        if all(entry.get(key) == value for key, value in wanted.items())
    ]


def group_specs_from_fixture(list_json: dict[str, Any], controlled: dict[str, Any] | None) -> list[GroupSpec]:
    """GroupSpecs from the shapes of fixtures/chemicals/lists/*.json and ods-fgas.json (`controlled`)."""
    specs = []
    for group in list_json["groups"]:
        members = group.get("members") or {}
        numerator = group.get("numerator") or {}
        rule = members.get("element_rule") or {}
        counted = numerator.get("element") if numerator.get("measure") == "element" else None
        if rule and rule.get("element") != counted:
            raise ValueError(
                f"group {group['code']}: element rule {rule.get('element')} but numerator {counted}"
            )
        formulas: dict[str, str] = {}
        member_cas = set()
        for member in members.get("cas") or []:
            cas = _canonical(member["cas"], f"group {group['code']}")
            member_cas.add(cas)
            if member.get("formula"):
                formulas.setdefault(cas, member["formula"])
        list_ref_cas = set()
        for entry in _list_ref_entries(group, controlled):
            cas = _canonical(entry["cas"], f"group {group['code']} list_ref")
            list_ref_cas.add(cas)
            if entry.get("formula"):
                formulas.setdefault(cas, entry["formula"])
        specs.append(
            GroupSpec(
                code=group["code"],
                kind=group["kind"],
                counted_element=counted or None,
                member_cas=frozenset(member_cas),
                sn_groups=frozenset(
                    filter(None, map(cas_numbers.normalize_sn, members.get("sn_groups") or []))
                ),
                list_ref_cas=frozenset(list_ref_cas),
                element_rule=bool(rule),
                formulas=formulas,
            )
        )
    return specs
