"""The survey Excel round-trip: a response workbook to fill offline, its import, and the campaign export.

A supplier downloads one workbook per questionnaire (one sheet per section), answers it in Excel and
uploads it again. Column A of each question sheet holds the question code and is the only key the
import trusts: sheets may be renamed, reordered or have rows inserted without breaking anything. A
hidden "_meta" sheet names the questionnaire version, so a workbook made for another version is
refused instead of being read against the wrong questions.

The upload is untrusted (DESIGN.md, "Untrusted files"): the ZIP container is vetted before openpyxl
sees it, the workbook is opened read-only, and every problem comes back at once with its sheet and
cell, so the supplier can fix the whole file in one go. Values are judged by surveys/answers.py, the
same rules as the browser form and the API.

Everything here is plain data in, bytes or dataclasses out: no database, no models.
"""

from __future__ import annotations

import datetime
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation

from suppliers.exports import escape_cell
from surveys import answers as answer_rules
from surveys.questionnaire import LANGUAGES, Question, Questionnaire, Section, localized

FORMAT_MARKER = "procurement-portal/survey-response"
FORMAT_VERSION = "1"
META_SHEET = "_meta"
LISTS_SHEET = "_lists"

# Layout of a question sheet. Column A (the key) is hidden; data starts under the header row.
TITLE_ROW = 1
HEADER_ROW = 2
FIRST_ROW = 3
KEY_COL, NUMBER_COL, TEXT_COL, ANSWER_COL, HINT_COL, EVIDENCE_COL = "A", "B", "C", "D", "E", "F"
_READ_COLS = 4  # the import needs columns A to D only

# Container limits for an uploaded workbook. A response workbook of the largest questionnaire (SAQ,
# 109 questions) is about 40 parts and 200 kB unpacked, so these leave ample room for Excel's extras.
MAX_MEMBERS = 200
MAX_TOTAL_BYTES = 20 * 1024 * 1024
MAX_RATIO = 100
# Small parts (shared strings, styles) can compress far better than 100:1 and are harmless at that size.
_RATIO_FLOOR = 1024 * 1024

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_CHOICE_SEPARATORS = re.compile(r"[;；\n]")
_MULTI_JOIN = "; "
_MAX_CELL = 32767
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_HEADER_FONT = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")
_ANSWER_FILL = PatternFill("solid", fgColor="FFF2CC")  # the cells to fill in stand out
_LOCKED_FILL = PatternFill("solid", fgColor="D9D9D9")
_NOTE_FONT = Font(italic=True, color="595959")


# --- Problems -------------------------------------------------------------------------------------

MESSAGES: dict[str, Any] = {
    "xlsx.not_xlsx": gettext_lazy(
        "The file is not an Excel workbook (.xlsx). If it is an older .xls file or is protected with a "
        "password, open it in Excel, remove the password, save it as .xlsx and upload it again."
    ),
    "xlsx.unsafe": gettext_lazy(
        "The file was refused because it could harm the server: %(reason)s. Save the workbook again "
        "from Excel as .xlsx and upload the new file."
    ),
    "xlsx.unreadable": gettext_lazy(
        "The workbook could not be read; it may be damaged. Save it again from Excel as .xlsx and "
        "upload the new file."
    ),
    "xlsx.meta_missing": gettext_lazy(
        "This workbook was not downloaded from the portal for this survey (its hidden _meta sheet is "
        "missing or changed). Download the workbook from the survey page, fill it in and upload it."
    ),
    "xlsx.wrong_questionnaire": gettext_lazy(
        "This workbook is for %(found)s, but this survey is %(expected)s. Download the workbook from "
        "this survey's page and copy your answers into it."
    ),
    "xlsx.unknown_question": gettext_lazy(
        "%(value)s in the hidden column A is not a question of this survey. Column A must not be "
        "edited; delete the row or download a fresh workbook."
    ),
    "xlsx.duplicate_question": gettext_lazy(
        "Question %(question)s appears more than once (first at %(first)s). Keep one row per question."
    ),
}

_UNSAFE_REASONS: dict[str, Any] = {
    "too_large": gettext_lazy("it unpacks to more than %(limit)s MB"),
    "too_many_members": gettext_lazy("it contains more than %(limit)s parts"),
    "ratio": gettext_lazy("a part is compressed more than %(limit)s times"),
    "unsafe_name": gettext_lazy("a part has an unsafe name"),
    "encrypted": gettext_lazy("a part is encrypted"),
    "declaration": gettext_lazy("a part contains an XML DOCTYPE or ENTITY declaration"),
}


@dataclass(frozen=True)
class CellProblem:
    """One problem in an uploaded workbook, at SHEET!CELL ("" for the whole file)."""

    code: str
    sheet: str = ""
    cell: str = ""
    question: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.cell

    @property
    def message(self) -> str:
        template = MESSAGES.get(self.code) or answer_rules.MESSAGES[self.code]
        params = dict(self.params)
        if self.code == "xlsx.unsafe":
            reason = _UNSAFE_REASONS.get(params.get("reason", ""), params.get("reason", ""))
            params["reason"] = str(reason) % params if "%(" in str(reason) else str(reason)
        return str(template) % params if params else str(template)


@dataclass
class ImportResult:
    """What a workbook holds. The caller saves ANSWERS only when PROBLEMS is empty."""

    answers: dict[str, Any] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)


# --- Writing helpers ------------------------------------------------------------------------------


def _text(value: Any) -> Any:
    """VALUE ready for a cell: strings lose characters XML cannot hold and are escaped against formulas."""
    if not isinstance(value, str):
        return value
    return escape_cell(ILLEGAL_CHARACTERS_RE.sub("", value)[:_MAX_CELL])


def _unescape(value: str) -> str:
    # escape_cell put a quote before text that would start a formula; the import takes it off again so
    # that "=HYPERLINK(...)" typed on the page survives a round trip unchanged.
    if value.startswith("'") and escape_cell(value[1:]) != value[1:]:
        return value[1:]
    return value


def _sheet_title(wanted: str, taken: set[str]) -> str:
    title = _SHEET_NAME_FORBIDDEN.sub(" ", wanted)
    title = " ".join(title.split())[:31].strip().strip("'") or "Sheet"
    candidate, n = title, 1
    while candidate.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = title[: 31 - len(suffix)] + suffix
    taken.add(candidate.casefold())
    return candidate


def _labels(question: Question, codes: Iterable[str], language: str) -> list[str]:
    labels = []
    for code in codes:
        option = question.option(code)
        labels.append(localized(option.label, language) if option else str(code))
    return labels


def _plain_number(text: str) -> str:
    return format(Decimal(text).normalize(), "f")


def _number_for_cell(value: Any) -> Any:
    """A stored number answer as a numeric cell when that is exact, else as the text typed."""
    number = answer_rules.parse_number(value)
    if number is None:
        return _text(str(value))
    if number == number.to_integral_value() and abs(number) < 2**53:
        return int(number)
    as_float = float(number)
    # Only numbers a double holds exactly enough to read back the same; others stay as text.
    return as_float if Decimal(str(as_float)) == number else _text(str(value))


def _answer_for_cell(question: Question, value: Any, language: str) -> Any:
    if value in (None, "", []):
        return None
    if question.type == "multi":
        codes = value if isinstance(value, list | tuple) else [value]
        return _text(_MULTI_JOIN.join(_labels(question, codes, language)))
    if question.is_choice:
        return _text(_labels(question, [str(value)], language)[0])
    if question.type == "number":
        return _number_for_cell(value)
    if question.type == "date":
        parsed = answer_rules.parse_date(value)
        return parsed if parsed is not None else _text(str(value))
    return _text(str(value))


# --- Export: the response workbook ----------------------------------------------------------------


def _hint(question: Question, questionnaire: Questionnaire, language: str) -> str:
    lines: list[str] = []
    labels = [localized(o.label, language) for o in question.options]
    if question.type in ("ynpna", "single"):
        lines.append(_("Choose one from the drop-down list: %(labels)s") % {"labels": " / ".join(labels)})
    elif question.type == "multi":
        lines.append(
            _("Choose one or more, separated by ; or a new line: %(labels)s") % {"labels": "; ".join(labels)}
        )
    elif question.type == "number" and question.number is not None:
        spec = question.number
        parts = [_("Number")]
        if spec.unit:
            parts.append(_("in %(unit)s") % {"unit": spec.unit})
        if spec.min is not None:
            parts.append(_("at least %(limit)s") % {"limit": _plain_number(str(spec.min))})
        if spec.max is not None:
            parts.append(_("at most %(limit)s") % {"limit": _plain_number(str(spec.max))})
        parts.append(_("up to %(decimals)s decimal places") % {"decimals": spec.decimals})
        lines.append(", ".join(parts))
    elif question.type == "number":
        lines.append(_("Number"))
    elif question.type == "date":
        lines.append(_("Date as YYYY-MM-DD"))
    elif question.type == "text":
        lines.append(_("Free text"))
    elif question.type == "file":
        lines.append(_("Answered on the portal by uploading a file; this cell is not read."))
    gate = question.show_if
    if gate is not None:
        gate_question = questionnaire.question(gate.question)
        values = [c for c in (gate_question.option_codes if gate_question else ()) if c in gate.values]
        values += sorted(gate.values - set(values))
        gate_labels = _labels(gate_question, values, language) if gate_question else sorted(gate.values)
        lines.append(
            _("Answer only when %(question)s is %(labels)s.")
            % {"question": gate.question, "labels": " / ".join(gate_labels)}
        )
    return "\n".join(lines)


def _evidence_note(question: Question, language: str) -> str:
    if question.type == "file":
        return _("Upload the file on the survey page of the portal. Files cannot be sent through Excel.")
    if question.evidence is None:
        return ""
    note = _("%(label)s: upload it on the survey page of the portal.") % {
        "label": localized(question.evidence.label, language)
    }
    when = [c for c in question.option_codes if c in question.evidence.required_when]
    if when:
        note += "\n" + _("Required when the answer is %(labels)s.") % {
            "labels": " / ".join(_labels(question, when, language))
        }
    else:
        note += "\n" + _("Optional.")
    return note


class _Lists:
    """The hidden sheet holding drop-down labels, one column per distinct list of labels.

    Validation lists point at ranges here rather than carrying an inline list: labels may contain commas
    (the inline separator) and an inline list is capped at 255 characters.
    """

    def __init__(self, workbook: Workbook) -> None:
        self.sheet = workbook.create_sheet(LISTS_SHEET)
        self.sheet.sheet_state = "hidden"
        self._ranges: dict[tuple[str, ...], str] = {}

    def range_for(self, labels: tuple[str, ...]) -> str:
        if labels not in self._ranges:
            col = get_column_letter(len(self._ranges) + 1)
            for row, label in enumerate(labels, start=1):
                self.sheet[f"{col}{row}"] = _text(label)
            self._ranges[labels] = f"'{LISTS_SHEET}'!${col}$1:${col}${len(labels)}"
        return self._ranges[labels]


def _validation(kind: str, **kwargs: Any) -> DataValidation:
    dv = DataValidation(type=kind, allow_blank=True, showErrorMessage=True, **kwargs)
    dv.errorTitle = _("Invalid answer")[:32]
    return dv


class _SheetValidations:
    """Data validations of one sheet, shared between cells that allow the same values."""

    def __init__(self, sheet: Any, lists: _Lists) -> None:
        self.sheet = sheet
        self.lists = lists
        self._by_key: dict[Any, DataValidation] = {}

    def _get(self, key: Any, make: Any) -> DataValidation:
        if key not in self._by_key:
            dv = make()
            self.sheet.add_data_validation(dv)
            self._by_key[key] = dv
        return self._by_key[key]

    def add(self, question: Question, cell: str, language: str) -> None:
        if question.type in ("ynpna", "single"):
            labels = tuple(localized(o.label, language) for o in question.options)
            source = self.lists.range_for(labels)
            dv = self._get(("list", source), lambda: self._list(source))
        elif question.type == "number":
            spec = question.number
            bounds = (spec.min, spec.max) if spec else (None, None)
            dv = self._get(("number", bounds), lambda: self._number(*bounds))
        elif question.type == "date":
            dv = self._get("date", self._date)
        elif question.type == "file":
            dv = self._get("file", self._locked)
        else:
            return
        dv.add(cell)

    @staticmethod
    def _list(source: str) -> DataValidation:
        dv = _validation("list", formula1=source)
        dv.error = _("Choose one of the values in the drop-down list.")
        return dv

    @staticmethod
    def _number(low: float | None, high: float | None) -> DataValidation:
        lo = _plain_number(str(low)) if low is not None else None
        hi = _plain_number(str(high)) if high is not None else None
        if lo is not None and hi is not None:
            dv = _validation("decimal", operator="between", formula1=lo, formula2=hi)
            dv.error = _("Enter a number from %(low)s to %(high)s.") % {"low": lo, "high": hi}
        elif lo is not None:
            dv = _validation("decimal", operator="greaterThanOrEqual", formula1=lo)
            dv.error = _("Enter a number of at least %(limit)s.") % {"limit": lo}
        elif hi is not None:
            dv = _validation("decimal", operator="lessThanOrEqual", formula1=hi)
            dv.error = _("Enter a number of at most %(limit)s.") % {"limit": hi}
        else:
            dv = _validation("decimal", operator="between", formula1="-1E+15", formula2="1E+15")
            dv.error = _("Enter a number.")
        return dv

    @staticmethod
    def _date() -> DataValidation:
        low = str(int(to_excel(datetime.date(1900, 1, 1))))
        high = str(int(to_excel(datetime.date(2199, 12, 31))))
        dv = _validation("date", operator="between", formula1=low, formula2=high)
        dv.error = _("Enter a date as YYYY-MM-DD.")
        return dv

    @staticmethod
    def _locked() -> DataValidation:
        # Not sheet protection (no passwords): a rule that refuses any entry, with the reason.
        dv = _validation("custom", formula1="FALSE")
        dv.error = _("Files cannot be sent through Excel: upload them on the survey page.")
        return dv


def _instructions(
    sheet: Any, questionnaire: Questionnaire, language: str, title_lines: Iterable[str]
) -> None:
    # Texts go in column B so that column A, the key column elsewhere, stays empty on every sheet.
    sheet.column_dimensions["A"].width = 2
    sheet.column_dimensions["B"].width = 100
    rows: list[tuple[str, Font | None]] = [(localized(questionnaire.title, language), _TITLE_FONT)]
    rows += [(line, _HEADER_FONT) for line in title_lines if line]
    rows += [("", None), (localized(questionnaire.description, language), None), ("", None)]
    rows.append((_("How to fill in this workbook"), _HEADER_FONT))
    steps = [
        _("Each section of the survey has its own sheet. Write your answers in column D (the yellow cells)."),
        _("For choice questions, choose the answer from the drop-down list in the cell."),
        _(
            "For questions that allow several answers, write the answers separated by ; or a new line, "
            "exactly as listed in column E."
        ),
        _("Write numbers without units, in the unit given in column E."),
        _("Write dates as YYYY-MM-DD, for example 2026-03-31."),
        _(
            "Some questions apply only after a given answer to an earlier question; column E says "
            "which. Leave them empty otherwise."
        ),
        _(
            "Files (certificates, policies, records) cannot be uploaded through Excel: upload them on "
            "the survey page of the portal. Grey cells are answered there."
        ),
        _(
            "Do not rename or delete the hidden sheets and columns: they tell the portal which question "
            "each answer belongs to."
        ),
        _(
            "Upload the workbook on the survey page. The portal checks every answer and lists any "
            "problems by sheet and cell; nothing is saved until the whole workbook is correct."
        ),
        _(
            "Uploading the workbook saves your answers as a draft. Submit the survey on the portal "
            "when it is complete."
        ),
    ]
    rows += [(f"{n}. {step}", None) for n, step in enumerate(steps, start=1)]
    for row, (text, font) in enumerate(rows, start=1):
        cell = sheet.cell(row=row, column=2, value=_text(text) or None)
        cell.alignment = _WRAP
        if font is not None:
            cell.font = font


def _section_sheet(
    sheet: Any,
    section: Section,
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    language: str,
    lists: _Lists,
) -> None:
    sheet[f"{NUMBER_COL}{TITLE_ROW}"] = _text(f"{section.code} {localized(section.title, language)}")
    sheet[f"{NUMBER_COL}{TITLE_ROW}"].font = _TITLE_FONT
    headers = {
        NUMBER_COL: _("No."),
        TEXT_COL: _("Question"),
        ANSWER_COL: _("Your answer"),
        HINT_COL: _("How to answer"),
        EVIDENCE_COL: _("Supporting documents"),
    }
    for col, header in headers.items():
        cell = sheet[f"{col}{HEADER_ROW}"]
        cell.value = _text(header)
        cell.font = _HEADER_FONT
        cell.alignment = _WRAP
    widths = {KEY_COL: 10, NUMBER_COL: 8, TEXT_COL: 70, ANSWER_COL: 32, HINT_COL: 40, EVIDENCE_COL: 36}
    for col, width in widths.items():
        sheet.column_dimensions[col].width = width
    sheet.column_dimensions[KEY_COL].hidden = True
    sheet.freeze_panes = f"{TEXT_COL}{FIRST_ROW}"

    validations = _SheetValidations(sheet, lists)
    for row, question in enumerate(section.questions, start=FIRST_ROW):
        text = localized(question.text, language)
        if question.help:
            text += "\n\n" + localized(question.help, language)
        sheet[f"{KEY_COL}{row}"] = _text(question.code)
        sheet[f"{NUMBER_COL}{row}"] = _text(question.code)
        sheet[f"{TEXT_COL}{row}"] = _text(text)
        sheet[f"{HINT_COL}{row}"] = _text(_hint(question, questionnaire, language)) or None
        sheet[f"{EVIDENCE_COL}{row}"] = _text(_evidence_note(question, language)) or None
        for col in (NUMBER_COL, TEXT_COL, HINT_COL, EVIDENCE_COL):
            sheet[f"{col}{row}"].alignment = _WRAP
        for col in (HINT_COL, EVIDENCE_COL):
            sheet[f"{col}{row}"].font = _NOTE_FONT
        answer = sheet[f"{ANSWER_COL}{row}"]
        answer.alignment = _WRAP
        if question.type == "file":
            answer.fill = _LOCKED_FILL
        else:
            answer.fill = _ANSWER_FILL
            answer.value = _answer_for_cell(question, answers.get(question.code), language)
            if question.type == "date":
                answer.number_format = _DATE_FORMAT
        validations.add(question, answer.coordinate, language)


def response_workbook(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    *,
    language: str,
    title_lines: Iterable[str] = (),
) -> bytes:
    """An .xlsx to answer QUESTIONNAIRE offline, pre-filled with ANSWERS, in LANGUAGE.

    TITLE_LINES (supplier name, campaign, due date...) head the instructions sheet.
    """
    with translation.override(language):
        workbook = Workbook()
        taken = {LISTS_SHEET.casefold(), META_SHEET.casefold()}
        instructions = workbook.active
        instructions.title = _sheet_title(_("Instructions"), taken)
        _instructions(instructions, questionnaire, language, title_lines)
        sheets = [
            (
                section,
                workbook.create_sheet(
                    _sheet_title(f"{section.code} {localized(section.title, language)}", taken)
                ),
            )
            for section in questionnaire.sections
        ]
        lists = _Lists(workbook)
        for section, sheet in sheets:
            _section_sheet(sheet, section, questionnaire, answers, language, lists)
        meta = workbook.create_sheet(META_SHEET)
        meta.sheet_state = "hidden"
        for row in (
            ("format", FORMAT_MARKER),
            ("format_version", FORMAT_VERSION),
            ("questionnaire", questionnaire.code),
            ("version", questionnaire.version),
            ("language", language),
            ("instructions_sheet", instructions.title),
        ):
            meta.append([_text(v) for v in row])
        workbook.active = 0
        out = io.BytesIO()
        workbook.save(out)
    return out.getvalue()


# --- Import: vetting the container ----------------------------------------------------------------

_EOCD = struct.Struct("<4s4H2LH")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_WIDE_CODECS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
_XML_SUFFIXES = (".xml", ".rels", ".vml")


def _unsafe(reason: str, **params: Any) -> CellProblem:
    return CellProblem("xlsx.unsafe", params={"reason": reason, **params})


def _declared_members(data: bytes) -> int | None:
    """The entry count the end record declares, read before zipfile builds an object per entry."""
    pos = data.rfind(b"PK\x05\x06", max(0, len(data) - _EOCD.size - 0xFFFF))
    if pos < 0 or pos + _EOCD.size > len(data):
        return None
    entries = _EOCD.unpack_from(data, pos)[4]
    return None if entries == 0xFFFF else entries  # 0xFFFF: ZIP64, zipfile reads the real count


def _bad_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        not name
        or name.startswith(("/", "\\"))
        or bool(re.match(r"^[A-Za-z]:", name))
        or ".." in parts
        or any(ord(ch) < 32 for ch in name)
    )


def _as_utf8(part: bytes) -> bytes:
    for start, codec in _WIDE_CODECS:
        if part.startswith(start):
            return part.decode(codec, errors="replace").encode("utf-8")
    return part


def check_container(data: bytes) -> CellProblem | None:
    """Why DATA must not be given to openpyxl, or None when it is a plausible, bounded .xlsx.

    openpyxl guards against neither zip bombs nor XML declarations, so the limits are enforced here
    on the central directory first, then on the bytes actually produced while scanning the XML parts.
    """
    if data[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        return CellProblem("xlsx.not_xlsx")
    if len(data) > MAX_TOTAL_BYTES:
        return _unsafe("too_large", limit=MAX_TOTAL_BYTES // (1024 * 1024))
    declared = _declared_members(data)
    if declared is not None and declared > MAX_MEMBERS:
        return _unsafe("too_many_members", limit=MAX_MEMBERS)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error):
        return CellProblem("xlsx.not_xlsx")
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            return _unsafe("too_many_members", limit=MAX_MEMBERS)
        total = compressed = 0
        for info in infos:
            if _bad_name(info.orig_filename):
                return _unsafe("unsafe_name")
            if info.flag_bits & 0x41:
                return _unsafe("encrypted")
            if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                return _unsafe("ratio", limit=MAX_RATIO)
            total += info.file_size
            compressed += info.compress_size
        if total > MAX_TOTAL_BYTES:
            return _unsafe("too_large", limit=MAX_TOTAL_BYTES // (1024 * 1024))
        if total > _RATIO_FLOOR and total > MAX_RATIO * max(compressed, 1):
            return _unsafe("ratio", limit=MAX_RATIO)
        names = {info.orig_filename for info in infos}
        if "xl/workbook.xml" not in names:
            return CellProblem("xlsx.not_xlsx")
        for info in infos:
            if info.is_dir() or not info.orig_filename.lower().endswith(_XML_SUFFIXES):
                continue
            try:
                # zipfile stops at the declared size, which the checks above have bounded.
                part = archive.read(info)
            except (
                zipfile.BadZipFile,
                zlib.error,
                NotImplementedError,  # a compression method zipfile cannot read
                RuntimeError,
                ValueError,
                OSError,
                EOFError,
            ):
                return CellProblem("xlsx.not_xlsx")
            if _DECLARATION.search(_as_utf8(part)):
                return _unsafe("declaration")
    return None


# --- Import: reading answers ----------------------------------------------------------------------


def _match_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _choice_lookup(question: Question, language: str) -> dict[str, str]:
    """Label or code as typed -> option code. The export language wins should two texts collide."""
    lookup: dict[str, str] = {}
    for lang in (*(lang for lang in LANGUAGES if lang != language), None, language):
        for option in question.options:
            text = option.code if lang is None else option.label.get(lang, "")
            if text:
                lookup[_match_key(text)] = option.code
    return lookup


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _unescape(str(value))


def _read_value(question: Question, value: Any, lookup: dict[str, str]) -> Any:
    """The raw answer for QUESTION from a cell VALUE, labels turned into option codes where known.

    An unknown label is kept as typed, so value_problems reports it with the supplier's own words.
    """
    if question.type == "multi":
        items = [part.strip() for part in _CHOICE_SEPARATORS.split(_cell_text(value))]
        return [lookup.get(_match_key(item), item) for item in items if item]
    if question.is_choice:
        text = _cell_text(value).strip()
        return lookup.get(_match_key(text), text)
    if question.type == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if question.type == "date" and isinstance(value, datetime.datetime | datetime.date):
        return value
    return _cell_text(value)


def _read_meta(workbook: Any, questionnaire: Questionnaire) -> tuple[dict[str, str], CellProblem | None]:
    if META_SHEET not in workbook.sheetnames:
        return {}, CellProblem("xlsx.meta_missing", sheet=META_SHEET)
    sheet = workbook[META_SHEET]
    sheet.reset_dimensions()
    meta: dict[str, str] = {}
    for row in sheet.iter_rows(min_col=1, max_col=2, values_only=True):
        if row and row[0] is not None:
            meta[str(row[0]).strip()] = "" if row[1] is None else str(row[1]).strip()
    if meta.get("format") != FORMAT_MARKER:
        return meta, CellProblem("xlsx.meta_missing", sheet=META_SHEET)
    found = (meta.get("questionnaire", ""), meta.get("version", ""))
    if found != (questionnaire.code, questionnaire.version):
        return meta, CellProblem(
            "xlsx.wrong_questionnaire",
            sheet=META_SHEET,
            params={
                "expected": f"{questionnaire.code} {questionnaire.version}",
                "found": " ".join(part for part in found if part) or "?",
            },
        )
    return meta, None


def _read_sheets(
    workbook: Any, questionnaire: Questionnaire, language: str, skip: set[str], result: ImportResult
) -> None:
    seen: dict[str, str] = {}
    lookups: dict[str, dict[str, str]] = {}
    for name in workbook.sheetnames:
        if name in skip:
            continue
        sheet = workbook[name]
        # Files saved by other tools may declare a wrong size; read what is there instead.
        sheet.reset_dimensions()
        for row_number, row in enumerate(
            sheet.iter_rows(min_row=1, min_col=1, max_col=_READ_COLS, values_only=True), start=1
        ):
            key = row[0] if row else None
            if key is None or not str(key).strip():
                continue
            code = str(key).strip()
            question = questionnaire.question(code)
            if question is None:
                result.problems.append(
                    CellProblem(
                        "xlsx.unknown_question",
                        sheet=name,
                        cell=f"{KEY_COL}{row_number}",
                        params={"value": code},
                    )
                )
                continue
            address = f"{ANSWER_COL}{row_number}"
            if code in seen:
                result.problems.append(
                    CellProblem(
                        "xlsx.duplicate_question",
                        sheet=name,
                        cell=f"{KEY_COL}{row_number}",
                        question=code,
                        params={"question": code, "first": seen[code]},
                    )
                )
                continue
            seen[code] = f"{name}!{address}"
            if question.type == "file":
                continue
            cell = row[3] if len(row) > 3 else None
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            if code not in lookups:
                lookups[code] = _choice_lookup(question, language)
            value = answer_rules.normalize(question, _read_value(question, cell, lookups[code]))
            if value is None:
                continue
            result.answers[code] = value
            for problem in answer_rules.value_problems(question, value):
                result.problems.append(
                    CellProblem(problem.code, sheet=name, cell=address, question=code, params=problem.params)
                )


def read_response_workbook(data: bytes, questionnaire: Questionnaire, *, language: str) -> ImportResult:
    """The answers in an uploaded response workbook, with every problem found (never an exception).

    Only checks what a cell can be judged on alone; whether the answers can be submitted (required
    questions, evidence) is the caller's business, because a workbook may well be a partial draft.
    """
    refused = check_container(data)
    if refused is not None:
        return ImportResult(problems=[refused])
    result = ImportResult()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises a wide, undocumented range of errors on a damaged file
        return ImportResult(problems=[CellProblem("xlsx.unreadable")])
    try:
        meta, wrong = _read_meta(workbook, questionnaire)
        if wrong is not None:
            return ImportResult(problems=[wrong])
        # The instructions sheet is named in the export language; its column A is empty in any case.
        skip = {META_SHEET, LISTS_SHEET, "Instructions", meta.get("instructions_sheet", "")}
        _read_sheets(workbook, questionnaire, language, skip, result)
    except Exception:  # a sheet part damaged after the container checks passed
        return ImportResult(problems=[CellProblem("xlsx.unreadable")])
    finally:
        workbook.close()
    return result


# --- Campaign export ------------------------------------------------------------------------------


def _campaign_answer(question: Question, value: Any, labels: Mapping[str, str]) -> Any:
    """VALUE as a campaign cell; LABELS (option code -> escaped label) are computed once per export."""
    if value in (None, "", []):
        return None
    if question.type == "multi":
        codes = value if isinstance(value, list | tuple) else [value]
        return _text(_MULTI_JOIN.join(labels.get(str(c)) or str(c) for c in codes))
    if question.is_choice:
        return labels.get(str(value)) or _text(str(value))
    if question.type == "date":
        parsed = answer_rules.parse_date(value)
        if parsed is not None:
            return parsed
    return _answer_for_cell(question, value, "")


def _naive(moment: datetime.datetime | None) -> datetime.datetime | None:
    # Excel has no time zones: show the time as the person downloading sees it on the portal.
    if moment is None or timezone.is_naive(moment):
        return moment
    return timezone.localtime(moment).replace(tzinfo=None)


def campaign_workbook(
    questionnaire: Questionnaire, rows: Iterable[Mapping[str, Any]], *, language: str
) -> bytes:
    """All responses of a campaign in one "Responses" sheet, one row per response, in LANGUAGE.

    File questions have no column: their answers are uploads, which a spreadsheet cannot hold.
    """
    questions = [q for q in questionnaire.questions if q.type != "file"]
    option_labels = [{o.code: _text(localized(o.label, language)) for o in q.options} for q in questions]
    with translation.override(language):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Responses")[:31])
        fixed = [
            _("Supplier"),
            _("Country"),
            _("Site"),
            _("Status"),
            _("Submitted at"),
            _("Overall score"),
            _("Risk band or rating"),
        ]
        header = fixed + [_("Score %(section)s") % {"section": s.code} for s in questionnaire.sections]
        header += [q.code for q in questions]
        second = [""] * len(fixed) + [localized(s.title, language) for s in questionnaire.sections]
        second += [localized(q.text, language) for q in questions]
        widths = [30, 12, 24, 14, 17, 10, 10] + [10] * len(questionnaire.sections) + [16] * len(questions)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "B3"

        def styled(value: str) -> WriteOnlyCell:
            cell = WriteOnlyCell(sheet, value=_text(value) or None)
            cell.font = _HEADER_FONT
            return cell

        sheet.append([styled(h) for h in header])
        sheet.append([styled(h) for h in second])
        for row in rows:
            row_answers = row.get("answers") or {}
            section_scores = row.get("section_scores") or {}
            submitted = WriteOnlyCell(sheet, value=_naive(row.get("submitted_at")))
            submitted.number_format = _DATETIME_FORMAT
            values: list[Any] = [
                _text(row.get("supplier") or ""),
                _text(row.get("country") or ""),
                _text(row.get("site") or ""),
                _text(str(row.get("status") or "")),
                submitted,
                row.get("overall"),
                _text(row.get("band_or_rating") or ""),
            ]
            values += [section_scores.get(s.code) for s in questionnaire.sections]
            for question, labels in zip(questions, option_labels, strict=True):
                value = _campaign_answer(question, row_answers.get(question.code), labels)
                if isinstance(value, datetime.date):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = _DATE_FORMAT
                    value = cell
                values.append(value)
            sheet.append([None if v == "" else v for v in values])
        out = io.BytesIO()
        workbook.save(out)
    return out.getvalue()
