"""Writes on the regulated lists and the controlled-substance registers.

A regulated list reaches the database one way only, `regulated_list_load()`: the fixture loader
(chemicals/reference_data.py) and the staff upload page both hand it the file's bytes, so a fixture
and an upload of the same file produce identical rows, and the sha256 of the bytes recognises a file
that was loaded before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chemicals import cas as cas_numbers
from chemicals import svhc
from chemicals.models import ControlledSubstance, GroupMember, RegulatedList, SubstanceGroup
from suppliers import access
from suppliers.models import User

# --- Reading and checking a list file (pure: no database) -----------------------------------------

# The GPG 13.0 fixture is 180 kB; ten times that leaves room for far longer member lists while a
# mistaken upload of some unrelated large file is refused before it is parsed.
MAX_LIST_BYTES = 2 * 1024 * 1024
LANGUAGES = ("en", "ja", "zh-hans")

LIST_MESSAGES: dict[str, Any] = {
    "list.too_large": gettext_lazy(
        "The file is %(size)s bytes; a list file may have at most %(limit)s bytes"
    ),
    "list.encoding": gettext_lazy("The file is not UTF-8 text"),
    "list.json_invalid": gettext_lazy(
        "The file is not valid JSON: %(detail)s (line %(line)s, column %(column)s)"
    ),
    "list.json_duplicate_key": gettext_lazy('The key "%(key)s" appears twice in the same object'),
    "list.json_constant": gettext_lazy("%(value)s is not allowed in JSON; write a number or null"),
    "list.json_too_deep": gettext_lazy("The JSON is nested too deeply"),
    "list.root": gettext_lazy("The file must hold one JSON object ({...}), as the list fixtures do"),
    "list.required": gettext_lazy("%(location)s is required"),
    "list.type.object": gettext_lazy("%(location)s must be an object ({...})"),
    "list.type.list": gettext_lazy("%(location)s must be a list ([...])"),
    "list.type.string": gettext_lazy("%(location)s must be a text"),
    "list.type.number": gettext_lazy("%(location)s must be a number"),
    "list.type.integer": gettext_lazy("%(location)s must be a whole number"),
    "list.type.boolean": gettext_lazy("%(location)s must be true or false"),
    "list.type.texts": gettext_lazy(
        '%(location)s must be texts by language, e.g. {"en": "...", "ja": "..."}'
    ),
    "list.text_en_missing": gettext_lazy("%(location)s needs an English text (en)"),
    "list.empty": gettext_lazy("%(location)s must not be empty"),
    "list.too_long": gettext_lazy("%(location)s must be at most %(limit)s characters"),
    "list.choice": gettext_lazy("%(location)s must be one of %(choices)s, not %(value)s"),
    "list.range": gettext_lazy("%(location)s must be between %(low)s and %(high)s"),
    "list.negative": gettext_lazy("%(location)s must not be negative"),
    "list.schema_version": gettext_lazy(
        "%(location)s must be 1, the schema this portal reads (found %(value)s)"
    ),
    "list.group_code_mismatch": gettext_lazy(
        "%(location)s is %(value)s, but table %(table)s and number %(number)s make it %(expected)s"
    ),
    "list.group_kind_mismatch": gettext_lazy(
        "%(location)s must be %(expected)s for a group of table %(table)s"
    ),
    "list.group_duplicate": gettext_lazy("%(location)s: group %(value)s appears more than once"),
    "list.cas_format": gettext_lazy("%(location)s: %(value)s is not a CAS number (digits-digits-digit)"),
    "list.cas_check_digit": gettext_lazy(
        "%(location)s: %(value)s is not a valid CAS number (wrong check digit)"
    ),
    "list.immutable": gettext_lazy(
        "List %(value)s is %(status)s and cannot change; give the revision a new code"
    ),
}


@dataclass(frozen=True)
class ListProblem:
    """One problem of a list file: stable code, JSON location (e.g. groups[3].thresholds[0].ppm)."""

    code: str
    location: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        return str(LIST_MESSAGES[self.code]) % {"location": self.location, **self.params}

    def __str__(self) -> str:
        return self.message()


class RegulatedListRejected(Exception):
    """The file was not stored; PROBLEMS says why (all of them, not just the first)."""

    def __init__(self, problems: list[ListProblem]):
        super().__init__("; ".join(p.message() for p in problems[:5]))
        self.problems = problems


def _refuse_constant(value: str) -> Any:
    raise _JsonProblem(ListProblem("list.json_constant", params={"value": value}))


class _JsonProblem(ValueError):
    def __init__(self, problem: ListProblem):
        super().__init__(problem.code)
        self.problem = problem


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; in a reference file that hides an editing mistake.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _JsonProblem(ListProblem("list.json_duplicate_key", params={"key": key}))
        result[key] = value
    return result


def parse_list_file(raw: bytes) -> tuple[dict[str, Any] | None, list[ListProblem]]:
    """Decode and check a list file; return (data, problems). DATA is None when it cannot be read."""
    if len(raw) > MAX_LIST_BYTES:
        return None, [ListProblem("list.too_large", params={"size": len(raw), "limit": MAX_LIST_BYTES})]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [ListProblem("list.encoding")]
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        params = {"detail": exc.msg, "line": exc.lineno, "column": exc.colno}
        return None, [ListProblem("list.json_invalid", params=params)]
    except _JsonProblem as exc:
        return None, [exc.problem]
    except RecursionError:
        return None, [ListProblem("list.json_too_deep")]
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        return None, [
            ListProblem("list.json_invalid", params={"detail": str(exc), "line": "?", "column": "?"})
        ]
    problems = validate_list_data(data)
    return (data if not problems else None), problems


class _Checker:
    """Collects problems while walking the data; each check returns whether the value was usable."""

    def __init__(self) -> None:
        self.problems: list[ListProblem] = []

    def add(self, code: str, location: str, **params: Any) -> bool:
        self.problems.append(ListProblem(code, location, params))
        return False

    def get(self, obj: dict[str, Any], key: str, location: str, *, required: bool) -> Any:
        if key not in obj or (required and obj[key] is None):
            if required:
                self.add("list.required", location)
            return None
        return obj[key]

    def string(self, value: Any, location: str, *, limit: int | None = None, empty_ok: bool = False) -> bool:
        if not isinstance(value, str):
            return self.add("list.type.string", location)
        if not empty_ok and not value.strip():
            return self.add("list.empty", location)
        if limit is not None and len(value) > limit:
            return self.add("list.too_long", location, limit=limit)
        return True

    def number(self, value: Any, location: str) -> bool:
        # JSON true/false arrive as bool, which Python counts as an int.
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.add("list.type.number", location)
        return True

    def integer(self, value: Any, location: str, low: int, high: int) -> bool:
        if isinstance(value, bool) or not isinstance(value, int):
            return self.add("list.type.integer", location)
        if not low <= value <= high:
            return self.add("list.range", location, low=low, high=high)
        return True

    def boolean(self, value: Any, location: str) -> bool:
        return isinstance(value, bool) or self.add("list.type.boolean", location)

    def obj(self, value: Any, location: str) -> bool:
        return isinstance(value, dict) or self.add("list.type.object", location)

    def array(self, value: Any, location: str) -> bool:
        return isinstance(value, list) or self.add("list.type.list", location)

    def texts(self, value: Any, location: str, *, english_required: bool = True) -> bool:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return self.add("list.type.texts", location)
        if english_required and not (value.get("en") or "").strip():
            return self.add("list.text_en_missing", location)
        return True

    def choice(self, value: Any, location: str, choices: Sequence[str]) -> bool:
        if value not in choices:
            return self.add(
                "list.choice",
                location,
                choices=", ".join(choices),
                value=json.dumps(value, ensure_ascii=False),
            )
        return True

    def strings(self, value: Any, location: str) -> bool:
        if not self.array(value, location):
            return False
        ok = True
        for i, item in enumerate(value):
            ok = self.string(item, f"{location}[{i}]") and ok
        return ok


def validate_list_data(data: Any) -> list[ListProblem]:
    """Every problem of a parsed list file against the schema of fixtures/chemicals/lists/*.json.

    Only what the portal stores or evaluates is checked; documentary keys (seed_cells, remarks, ...)
    may hold anything.
    """
    check = _Checker()
    if not isinstance(data, dict):
        check.add("list.root", "")
        return check.problems
    version = data.get("schema_version")
    if version != 1:
        check.add("list.schema_version", "schema_version", value=json.dumps(version))
    code = check.get(data, "code", "code", required=True)
    if code is not None:
        check.string(code, "code", limit=RegulatedList._meta.get_field("code").max_length)
    title = check.get(data, "title", "title", required=True)
    if title is not None:
        check.texts(title, "title")
    for key in ("version", "published"):
        value = check.get(data, key, key, required=False)
        if value is not None:
            check.string(value, key, limit=RegulatedList._meta.get_field(key).max_length, empty_ok=True)
    rule = check.get(data, "packaging_rule", "packaging_rule", required=False)
    if rule is not None:
        check.obj(rule, "packaging_rule")
    footnotes = check.get(data, "footnotes", "footnotes", required=False)
    if footnotes is not None and check.array(footnotes, "footnotes"):
        for i, note in enumerate(footnotes):
            where = f"footnotes[{i}]"
            if check.obj(note, where):
                note_id = check.get(note, "id", f"{where}.id", required=True)
                if note_id is not None:
                    check.string(note_id, f"{where}.id")
                text = check.get(note, "text", f"{where}.text", required=True)
                if text is not None:
                    check.texts(text, f"{where}.text")
    groups = check.get(data, "groups", "groups", required=True)
    if groups is not None and check.array(groups, "groups"):
        if not groups:
            check.add("list.empty", "groups")
        seen: set[str] = set()
        for i, group in enumerate(groups):
            _check_group(check, group, f"groups[{i}]", seen)
    return check.problems


def _check_group(check: _Checker, group: Any, where: str, seen: set[str]) -> None:
    if not check.obj(group, where):
        return
    code = check.get(group, "code", f"{where}.code", required=True)
    code_ok = code is not None and check.string(code, f"{where}.code", limit=10)
    table = check.get(group, "table", f"{where}.table", required=True)
    table_ok = table is not None and check.integer(table, f"{where}.table", 1, 2)
    number = check.get(group, "number", f"{where}.number", required=True)
    number_ok = number is not None and check.integer(number, f"{where}.number", 1, 32767)
    if code_ok:
        if code in seen:
            check.add("list.group_duplicate", f"{where}.code", value=code)
        seen.add(code)
        # The diff orders groups and the pages cite them by this code, so it must follow the table.
        if table_ok and number_ok and code != f"T{table}-{number}":
            check.add(
                "list.group_code_mismatch",
                f"{where}.code",
                value=code,
                table=table,
                number=number,
                expected=f"T{table}-{number}",
            )
    name = check.get(group, "name", f"{where}.name", required=True)
    if name is not None:
        check.texts(name, f"{where}.name")
    kind = check.get(group, "kind", f"{where}.kind", required=True)
    if kind is not None and check.choice(kind, f"{where}.kind", SubstanceGroup.Kind.values) and table_ok:
        expected = SubstanceGroup.Kind.PROHIBITED if table == 1 else SubstanceGroup.Kind.MANAGED
        if kind != expected:
            check.add("list.group_kind_mismatch", f"{where}.kind", expected=expected.value, table=table)
    basis = check.get(group, "basis", f"{where}.basis", required=True)
    if basis is not None:
        check.choice(basis, f"{where}.basis", SubstanceGroup.Basis.values)
    value = group.get("intentional_use_prohibited")
    if value is not None:
        check.boolean(value, f"{where}.intentional_use_prohibited")
    thresholds = group.get("thresholds")
    if thresholds is not None and check.array(thresholds, f"{where}.thresholds"):
        for j, threshold in enumerate(thresholds):
            _check_threshold(check, threshold, f"{where}.thresholds[{j}]")
    regions = group.get("regions")
    if regions is not None:
        check.strings(regions, f"{where}.regions")
    refs = group.get("legal_references")
    if refs is not None:
        check.strings(refs, f"{where}.legal_references")
    notes = group.get("notes")
    if notes is not None:
        check.texts(notes, f"{where}.notes", english_required=False)
    numerator = group.get("numerator")
    if numerator is not None and check.obj(numerator, f"{where}.numerator"):
        element = numerator.get("element")
        if element is not None:
            check.string(element, f"{where}.numerator.element", limit=8)
    members = group.get("members")
    if members is not None and check.obj(members, f"{where}.members"):
        _check_members(check, members, f"{where}.members")


def _check_threshold(check: _Checker, threshold: Any, where: str) -> None:
    if not check.obj(threshold, where):
        return
    if "ppm" not in threshold:
        check.add("list.required", f"{where}.ppm")
    else:
        ppm = threshold["ppm"]
        # null is a pure use prohibition (see the fixture README); anything else is a limit in ppm.
        if ppm is not None and check.number(ppm, f"{where}.ppm") and ppm < 0:
            check.add("list.negative", f"{where}.ppm")
    comparison = threshold.get("comparison")
    if comparison is not None:
        check.choice(comparison, f"{where}.comparison", ("lte", "lt"))
    applies_to = threshold.get("applies_to")
    if applies_to is not None:
        check.texts(applies_to, f"{where}.applies_to", english_required=False)
    regions = threshold.get("regions")
    if regions is not None:
        check.strings(regions, f"{where}.regions")
    members = threshold.get("members")
    if members is not None:
        check.strings(members, f"{where}.members")
    prohibited = threshold.get("prohibited")
    if prohibited is not None:
        check.boolean(prohibited, f"{where}.prohibited")


def _check_members(check: _Checker, members: dict[str, Any], where: str) -> None:
    entries = members.get("cas")
    if entries is not None and check.array(entries, f"{where}.cas"):
        for k, entry in enumerate(entries):
            _check_member(check, entry, f"{where}.cas[{k}]")
    sn_groups = members.get("sn_groups")
    if sn_groups is not None:
        check.strings(sn_groups, f"{where}.sn_groups")
    rule = members.get("element_rule")
    if rule is not None and check.obj(rule, f"{where}.element_rule"):
        element = rule.get("element")
        if element is not None:
            check.string(element, f"{where}.element_rule.element", limit=8)


def _check_member(check: _Checker, entry: Any, where: str) -> None:
    if not check.obj(entry, where):
        return
    cas = check.get(entry, "cas", f"{where}.cas", required=True)
    if cas is not None and check.string(cas, f"{where}.cas"):
        # Stored as written: the reference files hold canonical CAS numbers only.
        if not cas_numbers.is_cas_format(cas) or cas != cas.strip():
            check.add("list.cas_format", f"{where}.cas", value=cas)
        elif not cas_numbers.check_digit_ok(cas):
            check.add("list.cas_check_digit", f"{where}.cas", value=cas)
    name = entry.get("name")
    if name is not None:
        check.string(name, f"{where}.name", empty_ok=True)
    formula = entry.get("formula")
    if formula is not None:
        check.string(formula, f"{where}.formula", limit=100, empty_ok=True)
    fractions = entry.get("element_mass_fraction")
    if fractions is not None and check.obj(fractions, f"{where}.element_mass_fraction"):
        for element, fraction in fractions.items():
            location = f"{where}.element_mass_fraction.{element}"
            if check.number(fraction, location) and not 0 <= fraction <= 1:
                check.add("list.range", location, low=0, high=1)


# --- Storing a list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListLoad:
    regulated_list: RegulatedList
    outcome: str  # "created", "replaced" (a draft of the same code) or "unchanged" (same bytes)

    @property
    def changed(self) -> bool:
        return self.outcome != "unchanged"


def _counted_element(group: dict[str, Any]) -> str:
    numerator = group.get("numerator") or {}
    rule = (group.get("members") or {}).get("element_rule") or {}
    return numerator.get("element") or rule.get("element") or ""


def _member_rows(group: dict[str, Any], db_group: SubstanceGroup, element: str) -> list[GroupMember]:
    rows, seen = [], set()
    for member in (group.get("members") or {}).get("cas", []):
        # The fixture names lead chromate in two groups; within one group a repeat adds nothing.
        if member["cas"] in seen:
            continue
        seen.add(member["cas"])
        fractions = member.get("element_mass_fraction") or {}
        rows.append(
            GroupMember(
                group=db_group,
                cas=member["cas"],
                name=(member.get("name") or "")[:300],
                formula=member.get("formula") or "",
                element_mass_fraction=fractions.get(element) if element else None,
            )
        )
    return rows


def regulated_list_load(
    raw: bytes, *, by: User | None = None, activate_if_none_active: bool = False
) -> ListLoad:
    """Store a list file as a draft; return what happened.

    Bytes loaded before (same sha256) change nothing. A changed file may replace a draft of the same
    code, but never a list that has been active: published versions are immutable, so a revision
    needs a new code. Raises RegulatedListRejected with every problem of the file.
    """
    if by is not None and not access.staff_may_write(by):
        raise PermissionDenied
    digest = hashlib.sha256(raw).hexdigest()
    known = RegulatedList.objects.filter(source_sha256=digest).first()
    if known is not None:
        return ListLoad(known, "unchanged")
    data, problems = parse_list_file(raw)
    if data is None:
        raise RegulatedListRejected(problems)
    try:
        return _store(data, digest, activate_if_none_active=activate_if_none_active)
    except IntegrityError:
        # The same new file uploaded twice at once: the second request loses the race on the code.
        known = RegulatedList.objects.filter(source_sha256=digest).first()
        if known is None:
            raise
        return ListLoad(known, "unchanged")


@transaction.atomic
def _store(data: dict[str, Any], digest: str, *, activate_if_none_active: bool) -> ListLoad:
    existing = RegulatedList.objects.select_for_update().filter(code=data["code"]).first()
    if existing and existing.status != RegulatedList.Status.DRAFT:
        raise RegulatedListRejected(
            [ListProblem("list.immutable", "code", {"value": existing.code, "status": existing.status})]
        )
    if existing:
        existing.groups.all().delete()
        regulated_list, outcome = existing, "replaced"
    else:
        regulated_list, outcome = RegulatedList(code=data["code"]), "created"
    regulated_list.title = data["title"]
    regulated_list.version = data.get("version") or ""
    regulated_list.published = data.get("published") or ""
    regulated_list.packaging_rule = data.get("packaging_rule") or {}
    regulated_list.footnotes = data.get("footnotes") or []
    regulated_list.source_sha256 = digest
    regulated_list.document = data
    regulated_list.save()
    members: list[GroupMember] = []
    for group in data["groups"]:
        element = _counted_element(group)
        db_group = SubstanceGroup.objects.create(
            regulated_list=regulated_list,
            code=group["code"],
            table=group["table"],
            number=group["number"],
            name=group["name"],
            kind=group["kind"],
            basis=group["basis"],
            intentional_use_prohibited=bool(group.get("intentional_use_prohibited")),
            counted_element=element,
            thresholds=group.get("thresholds") or [],
            regions=group.get("regions"),
            legal_references=group.get("legal_references") or [],
            notes=group.get("notes") or {},
            sn_groups=(group.get("members") or {}).get("sn_groups") or [],
        )
        members += _member_rows(group, db_group, element)
    GroupMember.objects.bulk_create(members, batch_size=1000)
    if (
        activate_if_none_active
        and not RegulatedList.objects.filter(status=RegulatedList.Status.ACTIVE).exists()
    ):
        regulated_list.status = RegulatedList.Status.ACTIVE
        regulated_list.save(update_fields=["status"])
    return ListLoad(regulated_list, outcome)


@transaction.atomic
def regulated_list_activate(*, regulated_list: RegulatedList, by: User | None) -> RegulatedList:
    """Make REGULATED_LIST the one active list; the previous one is retired."""
    if by is not None and not access.staff_may_write(by):
        raise PermissionDenied
    regulated_list = RegulatedList.objects.select_for_update().get(pk=regulated_list.pk)
    if regulated_list.status != RegulatedList.Status.DRAFT:
        raise ValidationError(_("Only a draft list can be activated."))
    RegulatedList.objects.filter(status=RegulatedList.Status.ACTIVE).update(
        status=RegulatedList.Status.RETIRED
    )
    regulated_list.status = RegulatedList.Status.ACTIVE
    regulated_list.activated_at = timezone.now()
    regulated_list.activated_by = by
    regulated_list.save(update_fields=["status", "activated_at", "activated_by"])
    return regulated_list


@transaction.atomic
def regulated_list_delete(*, regulated_list: RegulatedList, by: User | None) -> None:
    """Delete a draft. Active and retired versions stay: evaluations record which version they used."""
    if by is not None and not access.staff_may_write(by):
        raise PermissionDenied
    regulated_list = RegulatedList.objects.select_for_update().get(pk=regulated_list.pk)
    if regulated_list.status != RegulatedList.Status.DRAFT:
        raise ValidationError(_("Only a draft list can be deleted."))
    regulated_list.delete()


# --- The SVHC candidate list register --------------------------------------------------------------

SVHC = "svhc"


@dataclass(frozen=True)
class SvhcImportCounts:
    added: int
    removed: int
    updated: int  # same identity (CAS, EC number, name), new date or reason
    unchanged: int

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged


class SvhcImportRefused(Exception):
    pass


@transaction.atomic
def svhc_register_replace(
    rows: Sequence[svhc.RegisterRow], *, source: str, max_removed: int | None = 10
) -> SvhcImportCounts:
    """Replace the whole SVHC register with ROWS in one transaction.

    ECHA practically never removes a Candidate List entry, while a table export of one page only
    (the web table paginates) would silently drop most of the register; so more than MAX_REMOVED
    removals are refused unless the caller passes max_removed=None.
    """
    if not rows:
        raise SvhcImportRefused(_("The file holds no substances; the register was left as it was."))
    existing = {
        (c.cas, c.ec_number, c.name): c
        for c in ControlledSubstance.objects.select_for_update().filter(register=SVHC)
    }
    incoming = {row.key: row for row in rows}
    removed = [c.pk for key, c in existing.items() if key not in incoming]
    if max_removed is not None and len(removed) > max_removed:
        raise SvhcImportRefused(
            _(
                "This file would remove %(removed)s of the %(existing)s register entries. Was the whole "
                "candidate list exported? Re-run with --allow-removals if the removals are intended."
            )
            % {"removed": len(removed), "existing": len(existing)}
        )
    added, changed = [], []
    for key, row in incoming.items():
        current = existing.get(key)
        if current is None:
            added.append(
                ControlledSubstance(
                    register=SVHC,
                    cas=row.cas,
                    ec_number=row.ec_number,
                    name=row.name,
                    listed_on=row.listed_on,
                    reason=row.reason,
                    source=source[:200],
                )
            )
        elif (current.listed_on, current.reason) != (row.listed_on, row.reason):
            current.listed_on, current.reason = row.listed_on, row.reason
            changed.append(current)
    ControlledSubstance.objects.filter(pk__in=removed).delete()
    ControlledSubstance.objects.bulk_create(added, batch_size=1000)
    ControlledSubstance.objects.bulk_update(changed, ["listed_on", "reason"], batch_size=1000)
    ControlledSubstance.objects.filter(register=SVHC).update(source=source[:200])
    return SvhcImportCounts(
        added=len(added),
        removed=len(removed),
        updated=len(changed),
        unchanged=len(incoming) - len(added) - len(changed),
    )
