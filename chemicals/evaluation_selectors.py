"""Reads the evaluation needs: the RuleSet of a stored list version, and which products to evaluate."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max, QuerySet

from chemicals.models import ControlledSubstance, Exemption, Product, RegulatedList
from chemicals.rules import RuleSet, build_rules, read_json

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "chemicals"
_cache: dict[tuple[Any, ...], RuleSet] = {}
_lock = threading.Lock()


def active_list() -> RegulatedList | None:
    return RegulatedList.objects.filter(status=RegulatedList.Status.ACTIVE).first()


def list_by_code(code: str) -> RegulatedList | None:
    return RegulatedList.objects.filter(code__iexact=code).first()


def _document(regulated_list: RegulatedList) -> dict[str, Any]:
    if regulated_list.document:
        return regulated_list.document
    # Loaded before the document was kept: the shipped file with the same bytes is the same list.
    for path in sorted((FIXTURES / "lists").glob("*.json")):
        if hashlib.sha256(path.read_bytes()).hexdigest() == regulated_list.source_sha256:
            return json.loads(path.read_text(encoding="utf-8"))
    raise LookupError(f"list {regulated_list.code}: its document is not stored and no fixture matches")


def _exemption_entries() -> list[dict[str, Any]]:
    return [
        {
            "key": {"list": e.list_name, "item": e.item},
            "is_exemption": e.is_exemption,
            "substances": e.substances,
            "text": e.text,
            "expiry": [{"date": e.expires_on.isoformat()}] if e.expires_on else [],
            "status": e.status,
            "aliases": e.aliases,
        }
        for e in Exemption.objects.all()
    ]


def _registers() -> dict[str, list[dict[str, Any]]]:
    registers: dict[str, list[dict[str, Any]]] = {"ods": [], "fgas": []}
    for row in ControlledSubstance.objects.filter(register__in=("ods", "fgas")).values(
        "register", "cas", "formula", "group"
    ):
        entry = {"cas": row["cas"], "formula": row["formula"] or None}
        if row["register"] == "ods":
            entry["class"] = row["group"].removeprefix("Class ").strip()
        registers[row["register"]].append(entry)
    return registers


def _dsl_groups() -> dict[str, str]:
    return {e["dsl_id"]: e["group"] for e in read_json(FIXTURES / "dsl-groups.json")["entries"]}


def rules_for_list(regulated_list: RegulatedList) -> RuleSet:
    """The RuleSet of a stored list version, built once per process and reused while nothing changed
    (a worker evaluates thousands of products against the same list)."""
    exemptions = Exemption.objects.aggregate(n=Max("pk"))["n"], Exemption.objects.count()
    registers = ControlledSubstance.objects.count()
    key = (regulated_list.pk, regulated_list.source_sha256, exemptions, registers)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    rules = build_rules(_document(regulated_list), _exemption_entries(), _registers(), _dsl_groups())
    with _lock:
        _cache.clear()  # one list at a time is the normal case; a re-evaluation switches once
        _cache[key] = rules
    return rules


def products_to_evaluate() -> QuerySet[Product]:
    """Every submitted current revision: what a new list version has to judge again."""
    return Product.objects.filter(is_current=True, status=Product.Status.SUBMITTED)


def products_pending(regulated_list: RegulatedList) -> QuerySet[Product]:
    """Submitted current revisions without a verdict under REGULATED_LIST (new, or missed by a worker)."""
    return products_to_evaluate().exclude(verdict_list=regulated_list)
