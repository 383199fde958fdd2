"""Does the declared substance name fit the declared CAS number? (pure: no database)

A valid check digit proves only that a CAS number is well-formed (reference/substances.md §2). The capacitor
example of GPG 13.0 Appendix 1 declares "tin" with lead's number and "phthalic anhydride" with antimony's: the
portal evaluates by CAS, and tells the supplier that name and number disagree.

The verdict is deliberately lopsided. Every MISMATCH becomes a warning to a supplier, so a false one costs
more than a missed one; anything the rules cannot back up is UNKNOWN, which produces no warning:

- MATCH: the name resolves to the declared CAS, is one of that CAS's own names, or is a curated alias of it
  (fixtures/chemicals/name-aliases.json: PVC, steel, ... which the identifier table lacks).
- MISMATCH only when (a) the name is the *primary* (common or IUPAC) name of another substance in the
  identifier table, or an element symbol, or a CAS number, and the two formulas are chemically unrelated
  (their element sets, ignoring H and O, are not subsets of one another: Sn vs Pb is a mismatch, lead vs lead
  chromate or PFOS vs its potassium salt is not); or (b) the name is a curated alloy alias and the declared
  substance has an element outside the alloy's composition envelope; or (c) a function label that the alias
  file says cannot fit the substance ("flame retardant" for a halogen-free phthalate ester).
- UNKNOWN for everything else: placeholders ("other", "その他"), Japanese and Chinese names, SN group numbers,
  function labels, proprietary and unlisted names, names found only among PubChem's broad synonyms ("mica" is
  listed for phthalocyanine), and declared CAS numbers the identifier table does not hold.

chemSHERPA names often list synonyms separated by ";": one part that fits is enough for MATCH, and one part
that is chemically related to the declared substance vetoes MISMATCH.
"""

from __future__ import annotations

import enum
import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext

from chemicals import cas as cas_numbers
from chemicals import pypi_chemicals
from chemicals.element_fraction import elements_in
from chemicals.pypi_chemicals import SubstanceIdentity, normalize_name

ALIASES_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "chemicals" / "name-aliases.json"

# Scripts the identifier table has no names in: such a name cannot be checked, only translated by a person.
_EAST_ASIAN = re.compile(
    r"[\u3040-\u30ff\u3100-\u312f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"
)
_TRAILING_PAREN = re.compile(r"^(?P<outer>.*\S)\s*\((?P<inner>[^()]+)\)$")
_WORD = re.compile(r"[a-z0-9]+")
_IGNORED_IN_RELATION = frozenset({"H", "O"})  # hydrates, hydroxides and oxides stay related to their parent


class Verdict(enum.Enum):
    MATCH = "match"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class NameVerdict:
    verdict: Verdict
    reason: str  # stable code, e.g. "name_check.mismatch.different_substance"
    name_cas: str | None = None  # the CAS the declared name points to, if it points to one
    cas_name: str | None = None  # the declared CAS's own name in the identifier table, if it has one

    @property
    def is_mismatch(self) -> bool:
        return self.verdict is Verdict.MISMATCH

    def message(self, declared_name: str, cas: str) -> str:
        """A supplier-facing sentence for a MISMATCH (empty for the other verdicts)."""
        if self.verdict is not Verdict.MISMATCH:
            return ""
        if self.name_cas:
            return gettext(
                'The name "%(name)s" does not fit CAS %(cas)s, which is %(cas_name)s; '
                "the name points to CAS %(name_cas)s. Please correct the name or the CAS number."
            ) % {
                "name": declared_name,
                "cas": cas,
                "cas_name": self.cas_name or "?",
                "name_cas": self.name_cas,
            }
        return gettext(
            'The name "%(name)s" does not fit CAS %(cas)s, which is %(cas_name)s. '
            "Please correct the name or the CAS number."
        ) % {"name": declared_name, "cas": cas, "cas_name": self.cas_name or "?"}


@dataclass(frozen=True)
class _Alias:
    name: str
    cas: frozenset[str]
    first_cas: str | None
    elements: frozenset[str] | None


@dataclass(frozen=True)
class _FunctionLabel:
    label: str
    only_elements: frozenset[str] | None
    names_contain_any: tuple[str, ...]


@dataclass(frozen=True)
class AliasTable:
    aliases: dict[str, _Alias]
    placeholders: frozenset[str]
    placeholder_words: frozenset[str]
    function_labels: dict[str, _FunctionLabel]


def alias_table_from_json(data: dict[str, Any]) -> AliasTable:
    aliases: dict[str, _Alias] = {}
    for name, entry in data.get("aliases", {}).items():
        cas_list = [cas_numbers.normalize(c) for c in entry.get("cas") or []]
        if not all(c and cas_numbers.check_digit_ok(c) for c in cas_list):
            raise ValueError(f"name alias {name!r}: malformed CAS number in {entry.get('cas')!r}")
        elements = entry.get("elements")
        alias = _Alias(
            name=name,
            cas=frozenset(c for c in cas_list if c),
            first_cas=cas_list[0] if cas_list else None,
            elements=frozenset(elements) if elements else None,
        )
        for spelling in [name, *entry.get("also", [])]:
            aliases[normalize_name(spelling)] = alias
    not_names = data.get("not_substance_names") or {}
    labels: dict[str, _FunctionLabel] = {}
    for label, entry in (data.get("function_labels") or {}).items():
        rule = entry.get("inconsistent_if") or {}
        function_label = _FunctionLabel(
            label=label,
            only_elements=frozenset(rule["only_elements"]) if rule.get("only_elements") else None,
            names_contain_any=tuple(normalize_name(w) for w in rule.get("names_contain_any") or []),
        )
        for spelling in [label, *entry.get("also", [])]:
            labels[normalize_name(spelling)] = function_label
    return AliasTable(
        aliases=aliases,
        placeholders=frozenset(normalize_name(p) for p in not_names.get("exact", [])),
        placeholder_words=frozenset(normalize_name(w) for w in not_names.get("words", [])),
        function_labels=labels,
    )


@functools.lru_cache(maxsize=1)
def default_alias_table() -> AliasTable:
    return alias_table_from_json(json.loads(ALIASES_PATH.read_text(encoding="utf-8")))


# One part of a declared name, judged on its own. RELATED means "resolved, and chemically related to the
# declared substance": it is not a match, but it vetoes a mismatch found in another part.
_MATCH, _MISMATCH, _RELATED, _UNRESOLVED = "match", "mismatch", "related", "unresolved"


@dataclass(frozen=True)
class _Outcome:
    kind: str
    reason: str
    name_cas: str | None = None


def _relation_elements(formula: str) -> frozenset[str] | None:
    found = elements_in(formula)
    return None if found is None else found - _IGNORED_IN_RELATION


def _unrelated(formula_a: str, formula_b: str) -> bool | None:
    """True if neither element set (without H, O) contains the other; None if a formula cannot be read."""
    a, b = _relation_elements(formula_a), _relation_elements(formula_b)
    if a is None or b is None:
        return None
    return not (a <= b or b <= a)


def _is_primary_name(text: str, identity: SubstanceIdentity) -> bool:
    """A name that can accuse: the substance's own common or IUPAC name, or its element symbol."""
    if text.strip() == identity.formula and elements_in(identity.formula) == {identity.formula}:
        return True
    name = normalize_name(text)
    return name in {normalize_name(identity.common_name), normalize_name(identity.iupac_name)}


def _judge_cas_pointer(text: str, name_cas: str, cas: str, declared: SubstanceIdentity | None) -> _Outcome:
    """The part resolved to `name_cas`: compare it with the declared CAS."""
    if name_cas == cas:
        return _Outcome(_MATCH, "name_check.match.same_cas", name_cas)
    if declared is not None and normalize_name(text) in declared.names:
        return _Outcome(_MATCH, "name_check.match.synonym", name_cas)
    if declared is None or not declared.formula:
        return _Outcome(_UNRESOLVED, "name_check.unknown.cas_not_in_database", name_cas)
    named = pypi_chemicals.lookup(name_cas)
    if named is None or not named.formula:
        return _Outcome(_UNRESOLVED, "name_check.unknown.name_not_in_database", name_cas)
    unrelated = _unrelated(named.formula, declared.formula)
    if unrelated is None:
        return _Outcome(_UNRESOLVED, "name_check.unknown.formula_unreadable", name_cas)
    if not unrelated:
        return _Outcome(_RELATED, "name_check.unknown.related_substance", name_cas)
    if not (cas_numbers.normalize(text) == name_cas or _is_primary_name(text, named)):
        # Only a synonym of some unrelated record: PubChem synonyms are too noisy to accuse on.
        return _Outcome(_UNRESOLVED, "name_check.unknown.synonym_only", name_cas)
    return _Outcome(_MISMATCH, "name_check.mismatch.different_substance", name_cas)


def _judge_alias(alias: _Alias, cas: str, declared: SubstanceIdentity | None) -> _Outcome:
    if cas in alias.cas:
        return _Outcome(_MATCH, "name_check.match.alias", cas)
    if alias.elements is None or declared is None or not declared.formula:
        return _Outcome(_UNRESOLVED, "name_check.unknown.alias_not_judged", alias.first_cas)
    found = _relation_elements(declared.formula)
    if found is None:
        return _Outcome(_UNRESOLVED, "name_check.unknown.formula_unreadable", alias.first_cas)
    if found <= alias.elements:
        return _Outcome(_RELATED, "name_check.unknown.alias_constituent", alias.first_cas)
    return _Outcome(_MISMATCH, "name_check.mismatch.alias", alias.first_cas)


def _judge_function_label(label: _FunctionLabel, declared: SubstanceIdentity | None) -> _Outcome:
    if label.only_elements is None or declared is None or not declared.formula:
        return _Outcome(_UNRESOLVED, "name_check.unknown.function_label")
    found = elements_in(declared.formula)
    if found is None or not found <= label.only_elements:
        return _Outcome(_UNRESOLVED, "name_check.unknown.function_label")
    if not any(word in name for name in declared.names for word in label.names_contain_any):
        return _Outcome(_UNRESOLVED, "name_check.unknown.function_label")
    return _Outcome(_MISMATCH, "name_check.mismatch.function_label")


def _judge_text(text: str, cas: str, declared: SubstanceIdentity | None, table: AliasTable) -> _Outcome:
    name = normalize_name(text)
    if not name:
        return _Outcome(_UNRESOLVED, "name_check.unknown.empty")
    if _EAST_ASIAN.search(name):
        return _Outcome(_UNRESOLVED, "name_check.unknown.not_latin_script")
    if cas_numbers.is_sn_number(name):
        return _Outcome(_UNRESOLVED, "name_check.unknown.sn_group")
    if name in table.placeholders or table.placeholder_words.intersection(_WORD.findall(name)):
        return _Outcome(_UNRESOLVED, "name_check.unknown.placeholder")
    if declared is not None and name in declared.names:
        return _Outcome(_MATCH, "name_check.match.synonym", cas)
    if name in table.function_labels:
        return _judge_function_label(table.function_labels[name], declared)
    if cas_numbers.looks_like_cas(text):
        pointed = cas_numbers.normalize(text)
        if pointed is None or not cas_numbers.check_digit_ok(pointed):
            return _Outcome(_UNRESOLVED, "name_check.unknown.name_is_invalid_cas")
        return _judge_cas_pointer(text, pointed, cas, declared)
    if name in table.aliases:
        return _judge_alias(table.aliases[name], cas, declared)
    name_cas = pypi_chemicals.cas_for_name(text)
    if name_cas is None:
        return _Outcome(_UNRESOLVED, "name_check.unknown.name_not_in_database")
    return _judge_cas_pointer(text, name_cas, cas, declared)


def _candidates(declared_name: str) -> list[str]:
    """The whole name, its ";"-separated parts, and for "Lead (Pb)" also "Lead" and "Pb"."""
    whole = " ".join(unicodedata.normalize("NFKC", declared_name).split())
    parts = [whole] + ([p.strip() for p in whole.split(";") if p.strip()] if ";" in whole else [])
    found: list[str] = []
    for part in parts:
        found.append(part)
        paren = _TRAILING_PAREN.match(part)
        if paren:
            found += [paren.group("outer"), paren.group("inner").strip()]
    return list(dict.fromkeys(found))


# When nothing matches or mismatches, report the most telling reason for UNKNOWN.
_UNKNOWN_PRIORITY = (
    "name_check.unknown.related_substance",
    "name_check.unknown.alias_constituent",
    "name_check.unknown.cas_not_in_database",
    "name_check.unknown.synonym_only",
    "name_check.unknown.alias_not_judged",
    "name_check.unknown.function_label",
    "name_check.unknown.placeholder",
    "name_check.unknown.sn_group",
    "name_check.unknown.not_latin_script",
)


def _combine(outcomes: list[_Outcome]) -> _Outcome:
    for kind in (_MATCH, _RELATED, _MISMATCH):
        hits = [o for o in outcomes if o.kind == kind]
        if hits:
            return hits[0]
    reasons = [o.reason for o in outcomes]
    for reason in _UNKNOWN_PRIORITY:
        if reason in reasons:
            return outcomes[reasons.index(reason)]
    return outcomes[0] if outcomes else _Outcome(_UNRESOLVED, "name_check.unknown.empty")


@functools.lru_cache(maxsize=65536)
def name_matches_cas(declared_name: str | None, cas: str | None) -> NameVerdict:
    """Judge whether `declared_name` fits the declared `cas` (see the module docstring for the rules)."""
    canonical = cas_numbers.normalize(cas)
    if canonical is None or not cas_numbers.check_digit_ok(canonical):
        return NameVerdict(Verdict.UNKNOWN, "name_check.unknown.cas_invalid")
    declared = pypi_chemicals.lookup(canonical)
    cas_name = declared.common_name if declared else None
    if not declared_name or not declared_name.strip():
        return NameVerdict(Verdict.UNKNOWN, "name_check.unknown.empty", cas_name=cas_name)
    table = default_alias_table()
    outcome = _combine([_judge_text(text, canonical, declared, table) for text in _candidates(declared_name)])
    verdict = {_MATCH: Verdict.MATCH, _MISMATCH: Verdict.MISMATCH}.get(outcome.kind, Verdict.UNKNOWN)
    return NameVerdict(verdict, outcome.reason, name_cas=outcome.name_cas, cas_name=cas_name)
