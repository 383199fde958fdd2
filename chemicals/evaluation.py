"""Compliance evaluation: composition tree + list version + date -> findings and a verdict (pure).

The rules are those of GPG Ver. 13.0 (seed 004) section 2, Table 1, Table 2 and their notes, and
Appendix 1:

- A substance entry joins groups by CAS, chemSHERPA SN number or element rule (chemicals/membership.py).
- Numerator: the substance's mass, or for metal groups the counted element's mass (mass x the element's
  mass fraction in the substance's formula) (Appendix 1, numerator).
- Denominator: the homogeneous material for the RoHS-basis groups; otherwise the product or any layer of
  it, so every layer is evaluated and the worst is reported (Appendix 1, denominator). Masses follow the
  tree's unit multipliers.
- Packaging materials: Cd + Cr(VI) + Pb + Hg, as elements, at most 100 ppm in each (Table 1 note *5).
- "At most" (不超过) means equal passes; T1-24's "<" does not.

Statuses: OK, EXCEEDS, PROHIBITED, EXEMPTED, DECLARED (Table 2), UNKNOWN. Every finding carries the
numbers its explanation is written from (chemicals/finding_text.py renders it in the reader's language).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from chemicals import cas as cas_numbers
from chemicals import composition as tree
from chemicals import pypi_chemicals
from chemicals.rules import GroupRule, RuleSet, Threshold

OK, EXCEEDS, PROHIBITED, EXEMPTED, DECLARED, UNKNOWN = (
    "OK",
    "EXCEEDS",
    "PROHIBITED",
    "EXEMPTED",
    "DECLARED",
    "UNKNOWN",
)
COMPLIANT, NON_COMPLIANT, INCOMPLETE = "compliant", "non_compliant", "incomplete"
HOMOGENEOUS, PRODUCT_OR_LAYER, PACKAGING, PRODUCT = (
    "homogeneous_material",
    "product_or_layer",
    "packaging_material",
    "product",
)
MILLION = Decimal(1_000_000)
# Which finding of a layer search is "worst": a breach before a gap in the data before a pass.
_SEVERITY = {EXCEEDS: 4, UNKNOWN: 3, EXEMPTED: 2, OK: 1}


@dataclass(slots=True)
class _Node:
    """One layer: the product, one part (one unit of it) or one homogeneous material."""

    kind: str
    path: tuple[str, ...]
    mass_mg: Decimal | None
    units: Decimal  # units of this node in one unit of the product
    packaging: bool
    ancestors: tuple[int, ...]  # indices of the enclosing layers, innermost first


@dataclass(slots=True)
class _Hit:
    substance: tree.Substance
    cas: str
    node: int
    mass_mg: Decimal | None  # in one unit of its node
    percent: Decimal | None  # of its node, as declared (a mixture often gives only this)
    fraction: float | None  # of the mass that counts for the group (element fraction), None: unknown


@dataclass
class Finding:
    group: str | None
    status: str
    table: int | None = None
    number: int | None = None
    reason: str = ""
    cas: str = ""
    substance: str = ""
    contributors: list[dict[str, Any]] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    ppm: float | None = None
    threshold_ppm: float | None = None
    comparison: str = "lte"
    basis: str = ""
    mass_g: float | None = None
    denominator_g: float | None = None
    counted_element: str | None = None
    exemption: dict[str, Any] | None = None
    location: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "status": self.status,
            "table": self.table,
            "number": self.number,
            "reason": self.reason,
            "cas": self.cas,
            "substance": self.substance,
            "contributors": self.contributors,
            "path": self.path,
            "ppm": self.ppm,
            "threshold_ppm": self.threshold_ppm,
            "comparison": self.comparison,
            "basis": self.basis,
            "mass_g": self.mass_g,
            "denominator_g": self.denominator_g,
            "counted_element": self.counted_element,
            "exemption": self.exemption,
            "location": self.location,
        }


@dataclass
class ProductResult:
    part_number: str
    name: str
    mass_mg: Decimal | None
    verdict: str
    findings: list[Finding]
    warnings: list[dict[str, Any]]
    exemptions_relied_on: list[dict[str, Any]]

    @property
    def breached_groups(self) -> list[str]:
        codes = {
            f.group for f in self.findings if f.status in (EXCEEDS, PROHIBITED) and f.group and f.table == 1
        }
        return sorted(codes, key=_group_sort_key)

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.findings)


def _group_sort_key(code: str) -> tuple[int, ...]:
    digits = [int(x) for x in code.replace("T", "").replace("+", "-").split("-") if x.isdigit()]
    return tuple(digits)


def _g(mg: Decimal | None) -> float | None:
    return None if mg is None else float(f"{mg / 1000:.9g}")


def _ppm_out(ppm: Decimal | None) -> float | None:
    if ppm is None:
        return None
    return float(round(ppm, 1)) if ppm >= 100 else float(f"{ppm:.6g}")


class _Tree:
    """The product flattened into layers and the substance entries that joined a group."""

    def __init__(self, product: tree.Product, rules: RuleSet) -> None:
        self.rules = rules
        self.nodes: list[_Node] = []
        self.by_group: dict[str, list[_Hit]] = defaultdict(list)
        self.unidentified: list[Finding] = []
        label = product.name or product.part_number
        root = self._node("product", (label,), product.mass_mg, Decimal(1), False, ())
        self._holder(product.substances, root)
        self._materials(product.materials, root)
        self._parts(product.parts, root)

    def _node(
        self, kind: str, path: tuple[str, ...], mass: Decimal | None, units: Decimal, pkg: bool, anc: tuple
    ) -> int:
        self.nodes.append(_Node(kind, path, mass, units, pkg, anc))
        return len(self.nodes) - 1

    def _parts(self, parts: list[tree.Part], parent: int) -> None:
        up = self.nodes[parent]
        for part in parts:
            index = self._node(
                "part",
                (*up.path, part.name or part.identifier),
                part.mass_mg,
                up.units * part.number_of_units,
                False,
                (parent, *up.ancestors),
            )
            self._holder(part.substances, index)
            self._materials(part.materials, index)
            self._parts(part.parts, index)

    def _materials(self, materials: list[tree.Material], parent: int) -> None:
        up = self.nodes[parent]
        for material in materials:
            index = self._node(
                "material",
                (*up.path, material.name),
                material.mass_mg,
                up.units,
                material.is_packaging,
                (parent, *up.ancestors),
            )
            self._holder(material.substances, index)

    def _holder(self, substances: list[tree.Substance], index: int) -> None:
        if not substances:
            return
        node = self.nodes[index]
        match = self.rules.index.match
        for substance in substances:
            identifier = substance.identifier
            if not identifier:
                continue  # the undisclosed rest ("other substances"): nothing to classify
            matches = match(identifier)
            if not matches:
                self._classify_unlisted(substance, index)
                continue
            mass = substance.mass_mg
            if mass is None and substance.mass_percent is not None and node.mass_mg is not None:
                mass = node.mass_mg * substance.mass_percent / 100
            cas = _canonical(identifier)
            for m in matches:
                self.by_group[m.code].append(
                    _Hit(substance, cas, index, mass, substance.mass_percent, m.fraction)
                )

    def _classify_unlisted(self, substance: tree.Substance, index: int) -> None:
        """A declared identifier in no group: fine when we know what it is, UNKNOWN when we cannot tell
        (an unidentifiable CAS could be a lead or cadmium compound, which only its formula would show)."""
        reason = _unlisted_reason(substance.identifier)
        if reason:
            self.unidentified.append(
                Finding(
                    group=None,
                    status=UNKNOWN,
                    reason=reason,
                    cas=substance.identifier,
                    substance=substance.name,
                    path=list(self.nodes[index].path),
                    mass_g=_g(substance.mass_mg * self.nodes[index].units)
                    if substance.mass_mg is not None
                    else None,
                    location=substance.location,
                )
            )


@functools.lru_cache(maxsize=65536)
def _canonical(identifier: str) -> str:
    return cas_numbers.normalize(identifier) or identifier


@functools.lru_cache(maxsize=65536)
def _unlisted_reason(identifier: str) -> str:
    """Why an identifier in no group cannot be classified ("" when it can: a known substance)."""
    if cas_numbers.normalize_sn(identifier) is not None:
        return "unknown_sn"
    cas = cas_numbers.normalize(identifier)
    if cas is None or not cas_numbers.check_digit_ok(cas):
        return "invalid_identifier"
    return "unidentified" if pypi_chemicals.lookup(cas) is None else ""


@dataclass
class _Claim:
    state: str  # "valid", "expired", "pseudo", "not_applicable", "unknown"
    label: str
    info: dict[str, Any] = field(default_factory=dict)  # the catalogue entry, for the finding


def _gap_status(passes: bool, missing: bool, upper_bound: bool) -> tuple[str, str] | None:
    """The status when data is missing: a known part that already breaches is a breach; a pass that
    rests on missing data is not a pass. None when the data is complete."""
    if missing:
        return (UNKNOWN, "mass_missing") if passes else (EXCEEDS, "mass_missing")
    if upper_bound:
        # The whole mass stood in for the element's: a pass holds, a breach is not proven.
        return (OK, "upper_bound") if passes else (UNKNOWN, "fraction_unknown")
    return None


def _ppm_from_percent(hits: list[_Hit], den: int, element: bool) -> Decimal | None:
    if any(h.node != den or h.percent is None or (element and h.fraction is None) for h in hits):
        return None
    return sum(
        (
            h.percent * 10_000 * (Decimal(repr(h.fraction)) if element and h.fraction is not None else 1)
            for h in hits
        ),
        Decimal(0),
    )


def _claims(hit: _Hit, group: GroupRule, rules: RuleSet, as_of: date) -> list[_Claim]:
    claims = []
    for ex in hit.substance.exemptions:
        rule = rules.find_exemption(ex.identity, ex.reg_index, ex.list_identity)
        label = rule.label if rule else (ex.reg_index or ex.identity)
        if rule is None:
            claims.append(_Claim("unknown", label))
        elif not rule.is_exemption:
            claims.append(_Claim("pseudo", label, rule.as_dict()))
        elif group.exemption_token is None or group.exemption_token not in rule.substances:
            claims.append(_Claim("not_applicable", label, rule.as_dict()))
        elif rule.expired(as_of):
            claims.append(_Claim("expired", label, rule.as_dict()))
        else:
            claims.append(_Claim("valid", label, rule.as_dict()))
    return claims


class _Evaluator:
    def __init__(self, product: tree.Product, rules: RuleSet, as_of: date) -> None:
        self.product = product
        self.rules = rules
        self.as_of = as_of
        self.tree = _Tree(product, rules)
        self.nodes = self.tree.nodes
        self.markets = {m.strip().upper() for m in product.destination_markets if m and m.strip()}
        self.findings: list[Finding] = []
        self.relied_on: dict[tuple[str, str, str], dict[str, Any]] = {}

    # -- helpers -------------------------------------------------------------------------------
    def _region_state(self, regions: frozenset[str] | None) -> str:
        """'applies', 'not_applicable' or 'unknown' (the product names no destination market)."""
        if not regions:
            return "applies"
        if not self.markets:
            return "unknown"
        return "applies" if self.markets & {r.upper() for r in regions} else "not_applicable"

    def _base(self, group: GroupRule, status: str, **kw: Any) -> Finding:
        return Finding(group=group.code, status=status, table=group.table, number=group.number, **kw)

    def _entry(self, group: GroupRule, status: str, reason: str, h: _Hit, basis: str) -> Finding:
        """A finding about one substance entry as such (not a concentration): its mass per product unit."""
        node = self.nodes[h.node]
        return self._base(
            group,
            status,
            reason=reason,
            cas=h.cas,
            substance=h.substance.name,
            path=list(node.path),
            basis=basis,
            mass_g=_g(h.mass_mg * node.units) if h.mass_mg is not None else None,
            location=h.substance.location,
        )

    def _contributors(self, hits: list[_Hit], den_units: Decimal, element: bool) -> list[dict[str, Any]]:
        out = []
        for h in hits:
            node = self.nodes[h.node]
            per_product = None if h.mass_mg is None else h.mass_mg * node.units
            out.append(
                {
                    "cas": h.cas,
                    "name": h.substance.name,
                    "mass_g": _g(per_product),
                    "fraction": h.fraction if element else None,
                    "path": list(node.path),
                    "location": h.substance.location,
                }
            )
        return out

    # -- one threshold over one denominator -----------------------------------------------------
    def _judge(
        self, group: GroupRule, thr: Threshold, hits: list[_Hit], den: int, basis: str
    ) -> tuple[Finding, Decimal | None]:
        node = self.nodes[den]
        element = thr.measure == "element"
        total = Decimal(0)
        not_exempt = Decimal(0)
        missing = upper_bound = False
        valid: list[tuple[_Hit, _Claim]] = []
        expired: list[_Claim] = []
        pseudo: list[_Claim] = []
        for h in hits:
            if h.mass_mg is None:
                missing = True
                continue
            share = h.mass_mg * self.nodes[h.node].units / node.units
            if element:
                if h.fraction is None:
                    upper_bound = True  # the whole mass as an upper bound of the element's mass
                else:
                    share *= Decimal(repr(h.fraction))
            total += share
            if not h.substance.exemptions:
                not_exempt += share
                continue
            claims = _claims(h, group, self.rules, self.as_of)
            # Table 1's metal and phthalate limits are RoHS limits: a RoHS exemption is the one to rely on.
            valid_claims = sorted(
                (c for c in claims if c.state == "valid"), key=lambda c: not c.info["list"].startswith("RoHS")
            )
            good = valid_claims[0] if valid_claims else None
            if good is not None:
                valid.append((h, good))
            else:
                not_exempt += share
                expired += [c for c in claims if c.state == "expired"]
                pseudo += [c for c in claims if c.state == "pseudo"]
        main = max(hits, key=lambda h: h.mass_mg or Decimal(0))
        finding = self._base(
            group,
            OK,
            cas=main.cas,
            substance=main.substance.name,
            contributors=self._contributors(hits, node.units, element) if len(hits) > 1 else [],
            path=list(node.path),
            threshold_ppm=float(thr.ppm) if thr.ppm is not None else None,
            comparison=thr.comparison,
            basis=basis,
            mass_g=_g(total * node.units),
            denominator_g=_g(node.mass_mg),
            counted_element=group.counted_element if element else None,
            location=main.substance.location,
        )
        if node.mass_mg is None or node.mass_mg <= 0:
            ppm_by_percent = _ppm_from_percent(hits, den, element)
            if ppm_by_percent is None:
                finding.status, finding.reason = UNKNOWN, "denominator_missing"
                return finding, None
            # A mixture declared in percentages only: the concentration is known without any mass.
            finding.ppm = _ppm_out(ppm_by_percent)
            finding.mass_g = None
            finding.status = OK if thr.passes(ppm_by_percent) else EXCEEDS
            return finding, ppm_by_percent
        ppm = total / node.mass_mg * MILLION
        finding.ppm = _ppm_out(ppm)
        passes = thr.passes(ppm)
        gap = _gap_status(passes, missing, upper_bound)
        if gap is not None:
            finding.status, finding.reason = gap
        elif passes:
            finding.status = OK
        elif thr.passes(not_exempt / node.mass_mg * MILLION):
            finding.status = EXEMPTED
            finding.exemption = valid[0][1].info
            for h, claim in valid:
                key = (claim.info["list"], claim.info["item"], group.code)
                self.relied_on.setdefault(key, {**claim.info, "group": group.code, "cas": h.cas})
        else:
            finding.status = EXCEEDS
            if expired:
                finding.reason, finding.exemption = "exemption_expired", expired[0].info
            elif pseudo:
                finding.reason, finding.exemption = "pseudo_exemption", pseudo[0].info
        return finding, ppm

    def _homogeneous(self, group: GroupRule, thr: Threshold, hits: list[_Hit]) -> None:
        by_node: dict[int, list[_Hit]] = defaultdict(list)
        for h in hits:
            by_node[h.node].append(h)
        for index, node_hits in by_node.items():
            self.findings.append(self._judge(group, thr, node_hits, index, HOMOGENEOUS)[0])

    def _worst_layer(self, group: GroupRule, thr: Threshold, hits: list[_Hit]) -> None:
        within: dict[int, list[_Hit]] = defaultdict(list)
        for h in hits:
            for index in (h.node, *self.nodes[h.node].ancestors):
                within[index].append(h)
        worst: tuple[tuple[int, Decimal], Finding] | None = None
        for index, layer_hits in within.items():
            finding, ppm = self._judge(group, thr, layer_hits, index, PRODUCT_OR_LAYER)
            if finding.status == UNKNOWN and finding.reason == "denominator_missing":
                continue  # a layer without a mass is no denominator; another layer is
            key = (_SEVERITY.get(finding.status, 0), ppm if ppm is not None else Decimal(-1))
            if worst is None or key > worst[0]:
                worst = (key, finding)
        if worst is None:  # no layer has a mass at all
            finding = self._judge(group, thr, hits, 0, PRODUCT_OR_LAYER)[0]
            self.findings.append(finding)
        else:
            self.findings.append(worst[1])

    # -- per group ------------------------------------------------------------------------------
    def _table2(self, group: GroupRule, hits: list[_Hit]) -> None:
        product_mass = self.nodes[0].mass_mg
        by_node: dict[tuple[int, str], list[_Hit]] = defaultdict(list)
        for h in hits:
            by_node[(h.node, h.cas)].append(h)
        for (index, cas), node_hits in by_node.items():
            node = self.nodes[index]
            masses = [h.mass_mg for h in node_hits]
            known = sum((m for m in masses if m is not None), Decimal(0)) * node.units
            finding = self._base(
                group,
                DECLARED,
                cas=cas,
                substance=node_hits[0].substance.name,
                path=list(node.path),
                basis=PRODUCT,
                mass_g=None if None in masses else _g(known),
                denominator_g=_g(product_mass),
                location=node_hits[0].substance.location,
            )
            if None in masses:
                finding.reason = "mass_missing"
                if index == 0 and all(h.percent is not None for h in node_hits):
                    percent = sum((h.percent for h in node_hits if h.percent is not None), Decimal(0))
                    finding.ppm, finding.reason = _ppm_out(percent * 10_000), ""
            elif product_mass:
                finding.ppm = _ppm_out(known / product_mass * MILLION)
            self.findings.append(finding)

    def _table1(self, group: GroupRule, hits: list[_Hit]) -> None:
        covered: set[int] = set()
        if group.intentional_use_prohibited:
            self.findings += [
                self._entry(group, PROHIBITED, "intentional", h, group.basis)
                for h in hits
                if h.substance.intentional
            ]
        for thr in group.thresholds:
            if thr.scope == "packaging":
                continue  # the packaging sum of all four metals is judged once, in _packaging
            relevant = [h for h in hits if thr.members is None or h.cas in thr.members]
            if not relevant:
                continue
            state = self._region_state(thr.regions)
            if state == "not_applicable":
                covered.update(id(h) for h in relevant)
                continue
            if state == "unknown":
                covered.update(id(h) for h in relevant)
                self.findings.append(
                    self._entry(group, UNKNOWN, "markets_unknown", relevant[0], PRODUCT_OR_LAYER)
                )
                continue
            if thr.prohibited:
                covered.update(id(h) for h in relevant)
                self.findings += [
                    self._entry(group, PROHIBITED, "region_prohibited", h, PRODUCT_OR_LAYER) for h in relevant
                ]
                continue
            if thr.ppm is None:
                continue
            covered.update(id(h) for h in relevant)
            if group.basis == HOMOGENEOUS:
                self._homogeneous(group, thr, relevant)
            else:
                self._worst_layer(group, thr, relevant)
        for h in hits:
            if id(h) in covered or h.substance.intentional:
                continue
            # No numeric limit covers this entry: the group prohibits intentional use only.
            unintentional = h.substance.intentional is False and group.intentional_use_prohibited
            self.findings.append(
                self._entry(
                    group,
                    OK if unintentional else UNKNOWN,
                    "impurity" if unintentional else "intentional_unknown",
                    h,
                    group.basis,
                )
            )

    def _packaging(self) -> None:
        rule = self.rules.packaging
        if rule is None:
            return
        code = "+".join(rule.groups)
        per_node: dict[int, list[tuple[str, _Hit]]] = defaultdict(list)
        for group_code in rule.groups:
            for h in self.tree.by_group.get(group_code, ()):
                if self.nodes[h.node].packaging:
                    per_node[h.node].append((group_code, h))
        threshold = Threshold(
            rule.max_ppm,
            rule.comparison,
            "element",
            "packaging",
            None,
            None,
            None,
            False,
            "packaging_rule",
            rule.legal_reference,
        )
        for index, pairs in per_node.items():
            node = self.nodes[index]
            total = Decimal(0)
            missing = upper = False
            for _code, h in pairs:
                if h.mass_mg is None:
                    missing = True
                    continue
                if h.fraction is None:
                    upper = True
                total += h.mass_mg * (Decimal(repr(h.fraction)) if h.fraction is not None else 1)
            hits = [h for _c, h in pairs]
            main = max(hits, key=lambda h: h.mass_mg or Decimal(0))
            finding = Finding(
                group=code,
                status=OK,
                table=1,
                cas=main.cas,
                substance=main.substance.name,
                contributors=self._contributors(hits, node.units, True) if len(hits) > 1 else [],
                path=list(node.path),
                threshold_ppm=float(rule.max_ppm),
                comparison=rule.comparison,
                basis=PACKAGING,
                mass_g=_g(total * node.units),
                denominator_g=_g(node.mass_mg),
                location=main.substance.location,
            )
            if not node.mass_mg:
                finding.status, finding.reason = UNKNOWN, "denominator_missing"
            else:
                ppm = total / node.mass_mg * MILLION
                finding.ppm = _ppm_out(ppm)
                passes = threshold.passes(ppm)
                gap = _gap_status(passes, missing, upper)
                finding.status, finding.reason = gap if gap is not None else (OK if passes else EXCEEDS, "")
            self.findings.append(finding)

    def run(self) -> ProductResult:
        for code, hits in self.tree.by_group.items():
            group = self.rules.groups.get(code)
            if group is None:
                continue
            if self._region_state(group.regions) == "not_applicable":
                continue
            if group.prohibited_table:
                self._table1(group, hits)
            else:
                self._table2(group, hits)
        self._packaging()
        self.findings += self.tree.unidentified
        self.findings.sort(key=lambda f: (_group_sort_key(f.group) if f.group else (99,), f.path))
        return ProductResult(
            part_number=self.product.part_number,
            name=self.product.name,
            mass_mg=self.product.mass_mg,
            verdict=verdict(self.findings),
            findings=self.findings,
            warnings=compliance_disagreements(self.product, self.findings, self.rules),
            exemptions_relied_on=list(self.relied_on.values()),
        )


def verdict(findings: list[Finding]) -> str:
    """non_compliant on any Table 1 breach; incomplete when something could not be judged."""
    if any(f.status in (EXCEEDS, PROHIBITED) and f.table == 1 for f in findings):
        return NON_COMPLIANT
    if any(f.status == UNKNOWN for f in findings):
        return INCOMPLETE
    return COMPLIANT


def compliance_disagreements(
    product: tree.Product, findings: list[Finding], rules: RuleSet
) -> list[dict[str, Any]]:
    """Warnings where a chemSHERPA-AI file's own compliance answer differs from our findings, for the DSL
    entries whose criterion is the same as a Table 1 group's (fixtures/chemicals/dsl-groups.json)."""
    if not product.compliance or not rules.dsl_groups:
        return []
    above: dict[str, bool] = defaultdict(bool)
    judged: set[str] = set()
    for f in findings:
        if f.group and f.status != UNKNOWN:
            judged.add(f.group)
            above[f.group] |= f.status in (EXCEEDS, EXEMPTED, PROHIBITED)
    warnings = []
    for answer in product.compliance:
        code = rules.dsl_groups.get(answer.dsl_id)
        if code is None:
            continue
        ours = above.get(code, False)
        if code not in judged and not answer.above_threshold:
            continue  # neither side finds anything
        if ours != answer.above_threshold:
            warnings.append(
                {
                    "code": "evaluation.file_says_above"
                    if answer.above_threshold
                    else "evaluation.file_says_below",
                    "severity": "warning",
                    "params": {
                        "dsl_id": answer.dsl_id,
                        "name": answer.name or rules.groups[code].short_name()
                        if code in rules.groups
                        else answer.name,
                        "group": code,
                    },
                    "source": product.source,
                    "path": product.part_number,
                }
            )
    return warnings


def evaluate(product: tree.Product, rules: RuleSet, as_of: date) -> ProductResult:
    """Evaluate one product against one list version on AS_OF (exemption expiry is judged on that day)."""
    return _Evaluator(product, rules, as_of).run()
