"""Reads over the regulated lists."""

from __future__ import annotations

from typing import Any

from chemicals.list_diff import COMPARED_FIELDS, ListDiff, diff_lists
from chemicals.models import RegulatedList


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
