"""Differences between two versions of a regulated list, as plain data (pure: no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Group fields whose change alters verdicts or what suppliers read.
COMPARED_FIELDS = (
    "name",
    "kind",
    "basis",
    "intentional_use_prohibited",
    "counted_element",
    "thresholds",
    "regions",
)


@dataclass(frozen=True)
class GroupChange:
    code: str
    change: str  # "added", "removed" or "changed"
    fields: tuple[str, ...] = ()
    members_added: tuple[str, ...] = ()
    members_removed: tuple[str, ...] = ()


@dataclass
class ListDiff:
    changes: list[GroupChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.changes


def diff_lists(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> ListDiff:
    """Compare two {group code: group data} maps; group data holds COMPARED_FIELDS and a "members" set."""
    result = ListDiff()
    for code in sorted(set(old) | set(new), key=_code_order):
        if code not in old:
            result.changes.append(
                GroupChange(code, "added", members_added=tuple(sorted(new[code]["members"])))
            )
        elif code not in new:
            result.changes.append(
                GroupChange(code, "removed", members_removed=tuple(sorted(old[code]["members"])))
            )
        else:
            before, after = old[code], new[code]
            fields = tuple(f for f in COMPARED_FIELDS if before.get(f) != after.get(f))
            added = tuple(sorted(set(after["members"]) - set(before["members"])))
            removed = tuple(sorted(set(before["members"]) - set(after["members"])))
            if fields or added or removed:
                result.changes.append(GroupChange(code, "changed", fields, added, removed))
    return result


def _code_order(code: str) -> tuple[int, int, str]:
    table, _, number = code.partition("-")
    try:
        return int(table.lstrip("T")), int(number), code
    except ValueError:
        return 99, 0, code
