"""Read the export of ECHA's Candidate List of substances of very high concern (SVHC).

Pure functions over the file's bytes: no database. ECHA's candidate-list table can be exported as
.xlsx or .csv; both hold one row per Candidate List entry under a header row with the columns
"Substance name", "Description", "EC No.", "CAS No.", "Date of inclusion" and "Reason for inclusion"
(a few title lines may come first). A cell may name several EC or CAS numbers (comma-, semicolon- or
line-separated) or "-" when the entry is a group without one.

Each entry becomes one or more register rows (see `register_rows`); the importer
(chemicals.services.svhc_register_replace) replaces the whole register with them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from chemicals import cas

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000  # the Candidate List has a few hundred entries
HEADER_SCAN_ROWS = 30
MAX_BLANK_RUN = 1000

# .xlsx is a ZIP: these bounds are checked on the central directory before openpyxl opens anything.
MAX_ZIP_MEMBERS = 200
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200

NAME_MAX = REASON_MAX = 300  # ControlledSubstance.name / .reason

MESSAGES: dict[str, Any] = {
    "svhc.too_large": _("The file is %(size)s bytes; the limit is %(limit)s bytes."),
    "svhc.unreadable": _("The file cannot be read as .xlsx or .csv: %(detail)s"),
    "svhc.encoding": _('The CSV file is not UTF-8 text. Save it again as "CSV UTF-8".'),
    "svhc.xlsx_unsafe": _("The workbook was refused before opening: %(detail)s"),
    "svhc.header_missing": _(
        "No header row with the columns %(columns)s was found in the first %(rows)s rows."
    ),
    "svhc.too_many_rows": _("The file has more than %(limit)s rows."),
    "svhc.name_missing": _("The row names EC or CAS numbers but no substance."),
    "svhc.cas_format": _("%(value)s is not a CAS number (digits-digits-digit)."),
    "svhc.cas_check_digit": _("CAS number %(value)s has a wrong check digit."),
    "svhc.ec_format": _("%(value)s is not an EC number (three digits-three digits-one digit)."),
    "svhc.date_invalid": _("%(value)s is not a date (e.g. 27-Jun-2018 or 2018-06-27)."),
    "svhc.empty": _("The file has a header row but no substances."),
}

COLUMN_LABELS: dict[str, str] = {
    "name": "Substance name",
    "description": "Description",
    "ec": "EC No.",
    "cas": "CAS No.",
    "listed_on": "Date of inclusion",
    "reason": "Reason for inclusion",
}
# Header spellings, compared after _header_key(): ECHA's labels and the snake_case of saved tables.
_COLUMN_ALIASES: dict[str, set[str]] = {
    "name": {"substance name", "substance", "name"},
    "description": {"description"},
    "ec": {"ec no", "ec number", "ec", "ec list no"},
    "cas": {"cas no", "cas number", "cas", "cas rn"},
    "listed_on": {"date of inclusion", "inclusion date", "date included"},
    "reason": {"reason for inclusion", "reason"},
}
_REQUIRED = ("name", "ec", "cas")

_EC = re.compile(r"^\d{3}-\d{3}-\d$")
_SEPARATORS = re.compile(r"[\s,;]+")  # an identifier never contains a space
_NONE = {"", "-", "\u2013", "\u2014"}
_MONTHS = dict(
    zip(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        range(1, 13),
        strict=True,
    )
)
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/. ]([A-Za-z]{3,9})\.?[-/. ,]*(\d{4})$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")


@dataclass(frozen=True)
class SvhcProblem:
    code: str
    row: int | None = None
    column: str = ""  # a key of COLUMN_LABELS
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def location(self) -> str:
        if self.row is None:
            return ""
        label = COLUMN_LABELS.get(self.column, "")
        return f"row {self.row} ({label})" if label else f"row {self.row}"

    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.params

    def __str__(self) -> str:
        return f"{self.location}: {self.message()}" if self.location else self.message()


@dataclass(frozen=True)
class SvhcEntry:
    """One row of the Candidate List."""

    row: int
    name: str
    description: str
    ec_numbers: tuple[str, ...]
    cas_numbers: tuple[str, ...]
    listed_on: date | None
    reason: str


@dataclass(frozen=True)
class RegisterRow:
    """One ControlledSubstance(register="svhc") row."""

    cas: str
    ec_number: str
    name: str
    listed_on: date | None
    reason: str

    @property
    def key(self) -> tuple[str, str, str]:
        # The identity the register's unique constraint uses.
        return (self.cas, self.ec_number, self.name)


@dataclass
class SvhcExport:
    entries: list[SvhcEntry] = field(default_factory=list)
    problems: list[SvhcProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def register_rows(self) -> list[RegisterRow]:
        return register_rows(self.entries)


# --- Identifiers ----------------------------------------------------------------------------------


def split_identifiers(value: Any) -> list[str]:
    """The identifiers of one cell: "-" and blanks mean none; commas, semicolons, line breaks separate."""
    if value is None:
        return []
    return [token for token in _SEPARATORS.split(str(value).strip()) if token not in _NONE]


def parse_date(value: Any) -> date | None:
    """A date cell (datetime from .xlsx) or text such as 27-Jun-2018, 2018-06-27 or 27/06/2018."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if text in _NONE:
        return None
    if match := _ISO_DATE.match(text):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := _DAY_MONTH_YEAR.match(text):
        month = _MONTHS.get(match[2][:3].lower())
        if month is None:
            raise ValueError(text)
        return date(int(match[3]), month, int(match[1]))
    if match := _NUMERIC_DATE.match(text):
        # Day first, as ECHA (an EU agency) writes it.
        return date(int(match[3]), int(match[2]), int(match[1]))
    raise ValueError(text)


# --- Rows to entries ------------------------------------------------------------------------------


def _header_key(value: Any) -> str:
    text = str(value or "").replace("_", " ").replace(".", " ").lower()
    return " ".join(text.split())


def _header_columns(cells: Sequence[Any]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _header_key(cell)
        for column, aliases in _COLUMN_ALIASES.items():
            if key in aliases and column not in columns:
                columns[column] = index
    return columns


def _text(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def read_rows(rows: Iterable[Sequence[Any]]) -> SvhcExport:
    """Entries and problems from the rows of a sheet (numbered from 1, as a spreadsheet shows them)."""
    result = SvhcExport()
    columns: dict[str, int] | None = None
    filled = blank_run = 0
    for number, cells in enumerate(rows, start=1):
        if all(v is None or not str(v).strip() for v in cells):
            # A sheet formatted far below its table reports a million empty rows: the table has ended.
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        filled += 1
        if filled > MAX_ROWS:
            result.problems.append(SvhcProblem("svhc.too_many_rows", params={"limit": MAX_ROWS}))
            return result
        if columns is None:
            found = _header_columns(cells)
            if all(c in found for c in _REQUIRED):
                columns = found
            elif number >= HEADER_SCAN_ROWS:
                break
            continue
        entry = _read_entry(number, cells, columns, result.problems)
        if entry is not None:
            result.entries.append(entry)
    if columns is None:
        labels = ", ".join(f'"{COLUMN_LABELS[c]}"' for c in _REQUIRED)
        result.problems.append(
            SvhcProblem("svhc.header_missing", params={"columns": labels, "rows": HEADER_SCAN_ROWS})
        )
    elif not result.entries and not result.problems:
        result.problems.append(SvhcProblem("svhc.empty"))
    return result


def _read_entry(
    number: int, cells: Sequence[Any], columns: dict[str, int], problems: list[SvhcProblem]
) -> SvhcEntry | None:
    """The entry of one non-blank row, or None (with its problems added to PROBLEMS)."""

    def cell(column: str) -> Any:
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    name = _text(cell("name"))
    ec_numbers = split_identifiers(cell("ec"))
    cas_numbers = split_identifiers(cell("cas"))
    before = len(problems)
    if not name:
        problems.append(SvhcProblem("svhc.name_missing", number, "name"))
    for value in ec_numbers:
        if not _EC.match(value):
            problems.append(SvhcProblem("svhc.ec_format", number, "ec", {"value": value}))
    for index, value in enumerate(cas_numbers):
        canonical = cas.normalize(value)
        if canonical is None:
            problems.append(SvhcProblem("svhc.cas_format", number, "cas", {"value": value}))
        elif not cas.check_digit_ok(canonical):
            problems.append(SvhcProblem("svhc.cas_check_digit", number, "cas", {"value": value}))
        else:
            cas_numbers[index] = canonical
    try:
        listed_on = parse_date(cell("listed_on"))
    except ValueError:
        listed_on = None
        problems.append(
            SvhcProblem("svhc.date_invalid", number, "listed_on", {"value": _text(cell("listed_on"))})
        )
    if len(problems) > before:
        return None
    return SvhcEntry(
        row=number,
        name=name,
        description=_text(cell("description")),
        ec_numbers=tuple(ec_numbers),
        cas_numbers=tuple(cas_numbers),
        listed_on=listed_on,
        reason=_text(cell("reason")),
    )


def register_rows(entries: Iterable[SvhcEntry]) -> list[RegisterRow]:
    """One register row per identifier of each entry.

    EC and CAS numbers are paired by position when an entry names as many of each (ECHA lists them in
    the same order, e.g. boric acid 233-139-2 / 10043-35-3 and 234-343-4 / 11113-50-1); one EC number
    goes with every CAS number and vice versa; otherwise each identifier becomes its own row. An entry
    without either (a group) is kept by name.
    """
    rows: dict[tuple[str, str, str], RegisterRow] = {}
    for entry in entries:
        ecs, cass = entry.ec_numbers, entry.cas_numbers
        if len(ecs) == len(cass):
            pairs = list(zip(cass, ecs, strict=True)) or [("", "")]
        elif not cass or not ecs:
            pairs = [(c, "") for c in cass] + [("", e) for e in ecs]
        elif len(ecs) == 1:
            pairs = [(c, ecs[0]) for c in cass]
        elif len(cass) == 1:
            pairs = [(cass[0], e) for e in ecs]
        else:
            pairs = [(c, "") for c in cass] + [("", e) for e in ecs]
        for cas_number, ec_number in pairs:
            row = RegisterRow(
                cas=cas_number,
                ec_number=ec_number,
                name=entry.name[:NAME_MAX],
                listed_on=entry.listed_on,
                reason=entry.reason[:REASON_MAX],
            )
            rows.setdefault(row.key, row)
    return list(rows.values())


# --- Files ----------------------------------------------------------------------------------------


def read_export(data: bytes) -> SvhcExport:
    """Entries and problems of an ECHA export, .xlsx or .csv (told apart by content, not by name)."""
    if len(data) > MAX_BYTES:
        return SvhcExport(
            problems=[SvhcProblem("svhc.too_large", params={"size": len(data), "limit": MAX_BYTES})]
        )
    if data[:4] == b"PK\x03\x04":
        return read_xlsx(data)
    return read_csv(data)


def _zip_refusal(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        return str(exc)
    if len(members) > MAX_ZIP_MEMBERS:
        return f"{len(members)} parts (at most {MAX_ZIP_MEMBERS})"
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
        return f"more than {MAX_UNCOMPRESSED} bytes once unpacked"
    for member in members:
        if member.filename.startswith(("/", "\\")) or ".." in member.filename.replace("\\", "/").split("/"):
            return f"unsafe part name {member.filename!r}"
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            return f"part {member.filename} is compressed more than {MAX_RATIO}:1"
    if "xl/workbook.xml" not in {m.filename for m in members}:
        return "it is a ZIP file but not an Excel workbook"
    return None


def read_xlsx(data: bytes) -> SvhcExport:
    from openpyxl import load_workbook

    refusal = _zip_refusal(data)
    if refusal:
        return SvhcExport(problems=[SvhcProblem("svhc.xlsx_unsafe", params={"detail": refusal})])
    try:
        # read_only streams the sheet; data_only gives cached values, never formulas.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many exception types for a broken workbook
        return SvhcExport(problems=[SvhcProblem("svhc.unreadable", params={"detail": type(exc).__name__})])
    try:
        result = SvhcExport()
        for sheet in workbook.worksheets:
            result = read_rows(sheet.iter_rows(values_only=True))
            if not any(p.code == "svhc.header_missing" for p in result.problems):
                break  # the first sheet that has the table is the export
        return result
    finally:
        workbook.close()


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def read_csv(data: bytes) -> SvhcExport:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return SvhcExport(problems=[SvhcProblem("svhc.encoding")])
    result = SvhcExport()
    # Excel writes ";" instead of "," in locales with a decimal comma: take the one with a header row.
    for delimiter in (",", ";", "\t"):
        try:
            result = read_rows(_csv_rows(text, delimiter))
        except csv.Error as exc:
            return SvhcExport(problems=[SvhcProblem("svhc.unreadable", params={"detail": str(exc)})])
        if not any(p.code == "svhc.header_missing" for p in result.problems):
            break
    return result
