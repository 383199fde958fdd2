"""Reads over the regulated lists and the controlled-substance registers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Max, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from chemicals.list_diff import COMPARED_FIELDS, ListDiff, diff_lists
from chemicals.models import ControlledSubstance, GroupMember, RegulatedList, SubstanceGroup


def active_list() -> RegulatedList | None:
    return RegulatedList.objects.filter(status=RegulatedList.Status.ACTIVE).first()


def list_snapshot(regulated_list: RegulatedList) -> dict[str, dict[str, Any]]:
    snapshot: dict[str, dict[str, Any]] = {}
    for group in regulated_list.groups.prefetch_related("members"):
        data = {name: getattr(group, name) for name in COMPARED_FIELDS}
        data["members"] = {m.cas for m in group.members.all()}
        snapshot[group.code] = data
    return snapshot


def diff_against_active(candidate: RegulatedList) -> ListDiff:
    current = active_list()
    return diff_lists(list_snapshot(current) if current else {}, list_snapshot(candidate))


# --- The staff pages of the regulated lists --------------------------------------------------------


def regulated_list_index() -> QuerySet[RegulatedList]:
    """Every list version with its group counts: the active one first, then drafts, then retired."""
    order = Case(
        When(status=RegulatedList.Status.ACTIVE, then=Value(0)),
        When(status=RegulatedList.Status.DRAFT, then=Value(1)),
        default=Value(2),
    )
    return (
        RegulatedList.objects.select_related("activated_by")
        .annotate(
            table1_groups=Count("groups", filter=Q(groups__table=1)),
            table2_groups=Count("groups", filter=Q(groups__table=2)),
            status_order=order,
        )
        .order_by("status_order", "-created_at")
    )


def svhc_register_summary() -> dict[str, Any]:
    register = ControlledSubstance.objects.filter(register="svhc")
    facts = register.aggregate(entries=Count("pk"), latest=Max("listed_on"))
    facts["source"] = register.values_list("source", flat=True).first() or ""
    return facts


def _texts_match(texts: dict[str, str] | None, needle: str) -> bool:
    return any(needle in (text or "").casefold() for text in (texts or {}).values())


def _cas_matches(cas: str, needle: str, digits: str) -> bool:
    return needle in cas.casefold() or (bool(digits) and digits in cas.replace("-", ""))


@dataclass(frozen=True)
class GroupRow:
    group: SubstanceGroup
    members: list[GroupMember]
    matched_members: list[GroupMember]  # the members a search found by CAS or name


def list_groups(
    regulated_list: RegulatedList, *, table: int | None = None, query: str = ""
) -> list[GroupRow]:
    """Groups of one version, optionally of one table and matching QUERY.

    QUERY matches the group code, the group name in any language, and a member's CAS number (with or
    without hyphens) or name. Lists hold tens of groups, so the match runs here rather than as JSON
    lookups whose behaviour on non-ASCII text differs between SQLite and PostgreSQL.
    """
    groups = regulated_list.groups.prefetch_related(
        Prefetch("members", queryset=GroupMember.objects.order_by("cas"))
    )
    if table in (1, 2):
        groups = groups.filter(table=table)
    needle = " ".join(query.split()).casefold()
    digits = needle.replace("-", "") if needle.replace("-", "").isdigit() else ""
    rows = []
    for group in groups:
        members = list(group.members.all())
        if not needle:
            rows.append(GroupRow(group, members, []))
            continue
        matched = [m for m in members if _cas_matches(m.cas, needle, digits) or needle in m.name.casefold()]
        if matched or needle in group.code.casefold() or _texts_match(group.name, needle):
            rows.append(GroupRow(group, members, matched))
    return rows


# --- Comparing a version with the active list, for people ------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: list[str]
    after: list[str]
    # Thresholds can differ in details the summary lines do not show (e.g. the substances a limit covers).
    detail_only: bool = False

    @property
    def before_lines(self) -> list[tuple[str, bool]]:
        """(line, gone): a line that the new version no longer has is marked."""
        return [(line, line not in self.after) for line in self.before]

    @property
    def after_lines(self) -> list[tuple[str, bool]]:
        """(line, new): a line that the active version did not have is marked."""
        return [(line, line not in self.before) for line in self.after]


@dataclass(frozen=True)
class GroupComparison:
    code: str
    change: str  # "added", "removed" or "changed"
    name: str
    fields: list[FieldChange]
    members_added: list[tuple[str, str]]  # (CAS, name)
    members_removed: list[tuple[str, str]]


@dataclass
class ListComparison:
    candidate: RegulatedList
    active: RegulatedList | None
    groups: list[GroupComparison]

    def _count(self, change: str) -> int:
        return sum(g.change == change for g in self.groups)

    @property
    def added(self) -> int:
        return self._count("added")

    @property
    def removed(self) -> int:
        return self._count("removed")

    @property
    def changed(self) -> int:
        return self._count("changed")

    @property
    def members_added(self) -> int:
        return sum(len(g.members_added) for g in self.groups)

    @property
    def members_removed(self) -> int:
        return sum(len(g.members_removed) for g in self.groups)


FIELD_LABELS = {
    "name": _("Name"),
    "kind": _("Table"),
    "basis": _("Denominator"),
    "intentional_use_prohibited": _("Intentional use prohibited"),
    "counted_element": _("Counted element"),
    "thresholds": _("Thresholds"),
    "regions": _("Regions"),
}


def in_language(texts: dict[str, str] | None, language: str) -> str:
    if not texts:
        return ""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


def threshold_line(threshold: dict[str, Any], language: str) -> str:
    """One threshold as a person reads it: the limit, then the list's own wording."""
    ppm = threshold.get("ppm")
    if threshold.get("prohibited") or ppm is None:
        limit = str(_("use prohibited"))
    else:
        sign = "<" if threshold.get("comparison") == "lt" else "≤"
        limit = f"{sign} {ppm:g} ppm" if isinstance(ppm, float) else f"{sign} {ppm} ppm"
    extras = []
    if threshold.get("scope") == "packaging":
        extras.append(str(_("packaging")))
    if threshold.get("regions"):
        extras.append(", ".join(threshold["regions"]))
    if extras:
        limit = f"{limit} ({'; '.join(extras)})"
    text = in_language(threshold.get("applies_to"), language)
    return f"{limit}: {text}" if text else limit


def _field_lines(group: SubstanceGroup, name: str, language: str) -> list[str]:
    value = getattr(group, name)
    if name == "name":
        return [in_language(value, language)]
    if name == "kind":
        return [str(group.get_kind_display())]
    if name == "basis":
        return [str(group.get_basis_display())]
    if name == "intentional_use_prohibited":
        return [str(_("Yes") if value else _("No"))]
    if name == "thresholds":
        return [threshold_line(t, language) for t in value] or [str(_("No numeric limit"))]
    if name == "regions":
        return [", ".join(value) if value else str(_("All regions"))]
    return [str(value) if value else "—"]


def compare_with_active(candidate: RegulatedList, language: str) -> ListComparison:
    """What diff_against_active(CANDIDATE) reports, with the names and values a reviewer needs to judge it."""
    active = active_list()
    # The same active list for the diff and for the names, even if another request activates one now.
    diff = diff_lists(list_snapshot(active) if active else {}, list_snapshot(candidate))
    after = {g.code: g for g in candidate.groups.prefetch_related("members")}
    before = {g.code: g for g in active.groups.prefetch_related("members")} if active else {}
    groups = []
    for change in diff.changes:
        new, old = after.get(change.code), before.get(change.code)
        new_names = {m.cas: m.name for m in new.members.all()} if new else {}
        old_names = {m.cas: m.name for m in old.members.all()} if old else {}
        fields = []
        if new is not None and old is not None:
            for name in change.fields:
                was, now = _field_lines(old, name, language), _field_lines(new, name, language)
                fields.append(FieldChange(name, str(FIELD_LABELS.get(name, name)), was, now, was == now))
        groups.append(
            GroupComparison(
                code=change.code,
                change=change.change,
                name=in_language((new or old).name, language),
                fields=fields,
                members_added=[(cas, new_names.get(cas, "")) for cas in change.members_added],
                members_removed=[(cas, old_names.get(cas, "")) for cas in change.members_removed],
            )
        )
    return ListComparison(candidate=candidate, active=active, groups=groups)
