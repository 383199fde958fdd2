"""The .xlsx composition template: download, fill in (or edit a downloaded product), upload.

Sheet "Composition" holds the product in rows 1-2 (labels, values) and, from row 5, one row per part,
material or substance with a Level column: 1 is a part of the product, a material sits one level below
its part and a substance one level below its material. A mixture has substances only, at level 1.

Reading is positional (the columns of COLUMNS, the product fields of PRODUCT_FIELDS) and the header
rows are checked against the labels in every portal language, so a template downloaded in Japanese
reads the same as one downloaded in English. Vocabulary typed in cells (Part/部品/零件, yes/はい/是,
Article/Mixture) is accepted in any of the three languages, numbers with a decimal comma or full-width
digits too. Formulas are never evaluated: openpyxl gives the value Excel last calculated, and a
formula without one is reported at its cell.

Every problem names its cell ("Composition!F12"); one upload reports all of them.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import openpyxl
from django.conf import settings
from django.utils.translation import gettext, override, pgettext_lazy
from lxml import etree
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from chemicals.composition import UNIT_TYPES, Exemption, Material, Part, Product, Substance, to_mg, walk_parts
from chemicals.formats import json_tree
from chemicals.formats.base import ParseResult
from chemicals.formats.safe_input import InputRejected, Limits, check_xlsx
from chemicals.problems import ERROR, WARNING, Problem
from suppliers.exports import escape_cell

FORMAT_KEY = "xlsx"
SHEET = "Composition"
INSTRUCTIONS_SHEET = "Instructions"
EXAMPLE_SHEET = "Example"
MAX_ROWS = 100_000
MAX_PART_DEPTH = json_tree.MAX_PART_DEPTH
LABEL_ROW, PRODUCT_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 4, 5
# One past the last row a table may use: rows FIRST_ROW .. LIMIT_ROW - 1 hold at most MAX_ROWS rows.
LIMIT_ROW = FIRST_ROW + MAX_ROWS
# Template words are translated with the context "composition template" (pgettext), written out as a
# literal at every call because makemessages only extracts literal contexts.


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translation
    width: int
    is_text: bool = False  # formatted as text ("@") so that Excel keeps "00123" and "7439-92-1" as typed


COLUMNS: tuple[Column, ...] = (
    Column("level", pgettext_lazy("composition template", "Level"), 7),
    Column("type", pgettext_lazy("composition template", "Type"), 13),
    Column("name", pgettext_lazy("composition template", "Name"), 36, True),
    Column("identifier", pgettext_lazy("composition template", "Part number or CAS/SN"), 20, True),
    Column("units", pgettext_lazy("composition template", "Number of units"), 10),
    Column("mass", pgettext_lazy("composition template", "Mass"), 11),
    Column("unit", pgettext_lazy("composition template", "Unit"), 9),
    Column("percent", pgettext_lazy("composition template", "Mass %"), 9),
    Column("material_code", pgettext_lazy("composition template", "Material code"), 12, True),
    Column("material_class", pgettext_lazy("composition template", "Material class"), 12, True),
    Column("use_code", pgettext_lazy("composition template", "Use code"), 9, True),
    Column("packaging", pgettext_lazy("composition template", "Packaging (yes/no)"), 12),
    Column("intentional", pgettext_lazy("composition template", "Intentionally added (yes/no/blank)"), 16),
    Column("exemption_list", pgettext_lazy("composition template", "Exemption list"), 18, True),
    Column("exemption_item", pgettext_lazy("composition template", "Exemption item"), 14, True),
)
NCOL = len(COLUMNS)
COL = {c.key: i for i, c in enumerate(COLUMNS)}  # key -> 0-based index
LETTER = {c.key: get_column_letter(i + 1) for i, c in enumerate(COLUMNS)}

# Product fields in row 2, under their labels in row 1; placed so that mass and unit sit above the
# table's Mass and Unit columns. Column A holds the block's title.
PRODUCT_FIELDS: tuple[tuple[str, Any], ...] = (
    ("kind", pgettext_lazy("composition template", "Kind (Article/Mixture)")),
    ("name", pgettext_lazy("composition template", "Product name")),
    ("part_number", pgettext_lazy("composition template", "Part number")),
    ("version", pgettext_lazy("composition template", "Version")),
    ("mass", pgettext_lazy("composition template", "Mass of one reporting unit")),
    ("unit", pgettext_lazy("composition template", "Unit")),
    ("unit_type", pgettext_lazy("composition template", "Reporting unit")),
    ("buyer_part_number", pgettext_lazy("composition template", "Buyer's part number")),
    ("destination_markets", pgettext_lazy("composition template", "Destination markets")),
)
PRODUCT_COL = {key: i + 1 for i, (key, _label) in enumerate(PRODUCT_FIELDS)}  # 0-based, from column B
PRODUCT_TITLE = pgettext_lazy("composition template", "Product")

ROW_TYPES = ("part", "material", "substance")
TYPE_LABELS = {
    "part": pgettext_lazy("composition template", "Part"),
    "material": pgettext_lazy("composition template", "Material"),
    "substance": pgettext_lazy("composition template", "Substance"),
}
KIND_LABELS = {
    "article": pgettext_lazy("composition template", "Article"),
    "mixture": pgettext_lazy("composition template", "Mixture"),
}
YES, NO = pgettext_lazy("composition template", "yes"), pgettext_lazy("composition template", "no")
# Accepted whatever the catalogues say, so that an upload never depends on a translation being present.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "part": ("part", "部品", "零件", "部件"),
    "material": ("material", "材質", "材料", "材质"),
    "substance": ("substance", "物質", "物质", "化学物質", "化学物质"),
    "article": ("article", "成形品", "物品"),
    "mixture": ("mixture", "混合物", "化学品"),
    "yes": ("yes", "y", "true", "はい", "是"),
    "no": ("no", "n", "false", "いいえ", "否"),
}
# Which columns a row type reads; anything typed elsewhere is reported (not silently dropped).
_USED: dict[str, frozenset[str]] = {
    "part": frozenset({"level", "type", "name", "identifier", "units", "mass", "unit"}),
    "material": frozenset(
        {"level", "type", "name", "mass", "unit", "material_code", "material_class", "use_code", "packaging"}
    ),
    "substance": frozenset(
        {
            "level",
            "type",
            "name",
            "identifier",
            "mass",
            "unit",
            "percent",
            "intentional",
            "exemption_list",
            "exemption_item",
        }
    ),
}
_PARENTS = {
    "part": ("product", "part"),
    "material": ("product", "part"),
    "substance": ("product", "part", "material"),
}
_UNIT_TYPE_ALIASES = {"cm2": "cm^2", "m2": "m^2", "cm3": "cm^3", "m3": "m^3", "pcs": "each", "ea": "each"}
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LIST_SPLIT = re.compile(r"[;\n]+")
_MARKET_SPLIT = re.compile(r"[,;、\n]+")  # not on spaces: "North America" is one market
_SPACES = re.compile(r"\s+")
_MINUS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\u30fc": "-"})
_THOUSANDS_POINT = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")  # 1,234,567.5
_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")  # 1.234.567,5
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")  # 0,3
_AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2},\d{3}$")  # 1,234: thousand or 1.234?


# -- vocabulary ------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, dict[str, str]]:
    """{"type"|"kind"|"yes_no"|"header"|"product": {normalised word: key}} in every portal language."""
    vocab: dict[str, dict[str, str]] = {"type": {}, "kind": {}, "yes_no": {}, "header": {}, "product": {}}

    def add(kind: str, key: str, *words: str) -> None:
        for word in words:
            vocab[kind].setdefault(_norm(str(word)), key)

    for key in ROW_TYPES:
        add("type", key, *_SYNONYMS[key])
    for key in ("article", "mixture"):
        add("kind", key, *_SYNONYMS[key])
    add("yes_no", "yes", *_SYNONYMS["yes"])
    add("yes_no", "no", *_SYNONYMS["no"])
    for code, _name in settings.LANGUAGES:
        with override(code):
            for key, label in TYPE_LABELS.items():
                add("type", key, str(label))
            for key, label in KIND_LABELS.items():
                add("kind", key, str(label))
            add("yes_no", "yes", str(YES))
            add("yes_no", "no", str(NO))
            for column in COLUMNS:
                add("header", column.key, column.key, str(column.label))
            for key, label in PRODUCT_FIELDS:
                add("product", key, key, str(label))
    return vocab


def _lookup(kind: str, text: str) -> str | None:
    return _vocabulary()[kind].get(_norm(text))


# -- numbers and text --------------------------------------------------------------------------------


class _NotANumber(Exception):
    def __init__(self, code: str, shown: str) -> None:
        super().__init__(code)
        self.code = code
        self.shown = shown


def parse_number(value: Any) -> Decimal | None:
    """A cell as a finite Decimal (None when empty); raises _NotANumber with a problem code.

    Text may use a decimal comma ("0,3"), thousands separators that cannot be misread ("1,234.5",
    "1.234,5") and full-width digits (U+FF10..U+FF19). "1,234" alone is refused: a thousand or 1.234?
    """
    if value is None:
        return None
    if isinstance(value, bool | datetime | date | time):
        raise _NotANumber("mass.not_a_number", str(value))
    if isinstance(value, float):
        number = Decimal(repr(value))  # repr: the shortest text that gives the float back, 0.3 not 0.299..
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    else:
        shown = str(value).strip()
        text = "".join(unicodedata.normalize("NFKC", shown).translate(_MINUS).split())
        if not text:
            return None
        if _AMBIGUOUS.match(text):
            raise _NotANumber("number.ambiguous", shown)
        if _THOUSANDS_POINT.match(text):
            text = text.replace(",", "")
        elif _THOUSANDS_COMMA.match(text):
            text = text.replace(".", "").replace(",", ".")
        elif _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        try:
            number = Decimal(text) if "_" not in text else None
        except InvalidOperation:
            number = None
        if number is None:
            raise _NotANumber("mass.not_a_number", shown)
    if not number.is_finite():
        raise _NotANumber("mass.not_a_number", str(value))
    if not json_tree.in_range(number):
        raise _NotANumber("number.out_of_range", str(value))
    return number


def cell_text(value: Any) -> str:
    """A cell as text: numbers without ".0", our own formula escape (a leading ') removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        number = Decimal(repr(value))
        return json_tree.number_text(number.to_integral() if number == number.to_integral() else number)
    if isinstance(value, int | Decimal):
        return json_tree.number_text(Decimal(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1:].startswith(_FORMULA_TRIGGERS):
        text = text[1:]  # written by escape_cell() when the portal exported it
    return text


# -- reading ----------------------------------------------------------------------------------------


def read(data: bytes, *, name: str, limits: Limits | None = None) -> ParseResult:
    """The product of an uploaded template, with every problem located at its cell."""
    result = ParseResult(format_key=FORMAT_KEY)
    try:
        check_xlsx(data, name=name, limits=limits)
    except InputRejected as exc:
        result.problems.append(
            Problem(exc.code, ERROR, {"detail": str(exc.message)}, source=name, line=exc.line)
        )
        return result
    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions it drops (conditional formats, slicers); irrelevant here.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
    except Exception as exc:  # openpyxl raises KeyError, ValueError, TypeError ... on damaged parts
        result.problems.append(Problem("xlsx.unreadable", ERROR, {"detail": _short(exc)}, source=name))
        return result
    try:
        if SHEET not in workbook.sheetnames:
            result.problems.append(Problem("xlsx.sheet_missing", ERROR, {"sheet": SHEET}, source=name))
            return result
        sheet = workbook[SHEET]
        try:
            scan = _scan_sheet(data, getattr(sheet, "_worksheet_path", ""))
        except (etree.XMLSyntaxError, KeyError, zipfile.BadZipFile) as exc:
            result.problems.append(Problem("xlsx.unreadable", ERROR, {"detail": _short(exc)}, source=name))
            return result
        reader = _SheetReader(sheet, name, scan)
        try:
            product = reader.read()
        except _STREAM_ERRORS as exc:  # a damaged part surfaces only while openpyxl streams the rows
            reader.problems.append(Problem("xlsx.unreadable", ERROR, {"detail": _short(exc)}, source=name))
            product = None
        result.problems = reader.problems
        if product is not None:
            result.products.append(product)
    finally:
        workbook.close()
    return result


# What openpyxl raises on values it cannot decode (a "n" cell holding text, a shared-string index out
# of range, a style id that does not exist); the XML itself was already parsed by _scan_sheet().
# Deliberately narrow: a TypeError or KeyError is a bug in this module and must not pass as a bad file.
_STREAM_ERRORS = (ValueError, IndexError, SyntaxError, OSError, EOFError, zipfile.BadZipFile)


def _short(exc: BaseException) -> str:
    return json_tree.short(f"{type(exc).__name__}: {exc}")


@dataclass
class _Scan:
    last_row: int  # last row with a value in columns A..O (0 if none)
    uncalculated: set[tuple[int, int]]  # (row, column) of formulas without a calculated value


def _scan_sheet(data: bytes, path: str) -> _Scan:
    """One streaming pass over the sheet XML, before openpyxl reads it.

    openpyxl in data_only mode cannot tell a formula without a cached value from an empty cell, and
    it pads every gap between rows with empty rows (a row numbered 10^9 would keep it busy for
    hours). Knowing the last used row lets read() refuse an oversized sheet before parsing it and
    bound what openpyxl iterates. The archive was vetted by check_xlsx() (sizes, no DOCTYPE).
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        raw = archive.read(path.lstrip("/"))
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    row_tag, cell_tag = f"{ns}row", f"{ns}c"
    last_row = 0
    uncalculated: set[tuple[int, int]] = set()
    row_index = 0
    column = 0
    events = etree.iterparse(
        io.BytesIO(raw),
        events=("start", "end"),
        tag=(row_tag, cell_tag),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    for event, element in events:
        if element.tag == row_tag:
            if event == "start":
                r = element.get("r")
                row_index = int(r) if r and r.isdigit() else row_index + 1
                column = 0
            else:
                element.clear()
                while element.getprevious() is not None:  # keep memory flat on 100,000 rows
                    del element.getparent()[0]
            continue
        if event == "start":
            continue
        ref = element.get("r")
        if ref:
            letters = ref.rstrip("0123456789")
            column = _column_index(letters)
            digits = ref[len(letters) :]
            if digits.isdigit():
                row_index = int(digits)
        else:
            column += 1
        if 1 <= column <= NCOL:
            formula = value = None
            for child in element:
                local = etree.QName(child).localname
                if local == "f":
                    formula = child
                elif local in ("v", "is"):
                    value = child
            has_value = value is not None and (value.text is not None or len(value))
            if has_value or formula is not None:
                last_row = max(last_row, row_index)
            if formula is not None and not has_value:
                uncalculated.add((row_index, column))
        element.clear()
    return _Scan(last_row=last_row, uncalculated=uncalculated)


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper()[:4]:
        if not "A" <= ch <= "Z":
            return 0
        index = index * 26 + ord(ch) - 64
    return index


class _SheetReader:
    def __init__(self, sheet: Any, source: str, scan: _Scan) -> None:
        self.sheet = sheet
        self.source = source
        self.scan = scan
        self.problems: list[Problem] = []
        self.too_deep_reported = False
        self.tree: _Tree | None = None

    def problem(self, code: str, column: int, row: int, severity: str = ERROR, /, **params: Any) -> None:
        cell = f"{SHEET}!{get_column_letter(column + 1)}{row}"
        self.problems.append(Problem(code, severity, params, source=self.source, cell=cell))

    def read(self) -> Product | None:
        if self.scan.last_row >= LIMIT_ROW:
            # Refused before openpyxl parses a single row: the answer does not depend on the contents.
            self.problem("xlsx.too_many_rows", 0, LIMIT_ROW, limit=MAX_ROWS)
            return None
        rows = self.sheet.iter_rows(min_row=1, max_row=max(self.scan.last_row, HEADER_ROW), max_col=NCOL)
        product: Product | None = None
        for index, cells in enumerate(rows, start=1):
            if index == LABEL_ROW:
                if not self.header_matches(cells, index, PRODUCT_FIELDS_EXPECTED, "product", offset=1):
                    return None
            elif index == PRODUCT_ROW:
                product = self.product(cells, index)
            elif index == HEADER_ROW:
                if product is None or not self.header_matches(
                    cells, index, COLUMNS_EXPECTED, "header", offset=0
                ):
                    return None
                self.tree = _Tree(product)
            elif index >= FIRST_ROW and self.tree is not None:
                self.row(self.tree, cells, index)
        return product

    # -- header ------------------------------------------------------------------------------------
    def header_matches(
        self, cells: tuple, row: int, expected: tuple[str, ...], kind: str, offset: int
    ) -> bool:
        for position, key in enumerate(expected):
            found = _lookup(kind, cell_text(cells[position + offset].value))
            if found != key:
                self.problem(
                    "xlsx.header_mismatch", position + offset, row, sheet=SHEET, expected=_expected_text(kind)
                )
                return False
        return True

    def value(self, cells: tuple, key: str, row: int, *, product: bool = False) -> Any:
        column = PRODUCT_COL[key] if product else COL[key]
        value = cells[column].value
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None and (row, column + 1) in self.scan.uncalculated:
            self.problem("xlsx.formula_uncalculated", column, row)
        return value

    def number(self, cells: tuple, key: str, row: int, *, product: bool = False) -> Decimal | None:
        value = self.value(cells, key, row, product=product)
        try:
            number = parse_number(value)
        except _NotANumber as exc:
            column = PRODUCT_COL[key] if product else COL[key]
            self.problem(exc.code, column, row, value=json_tree.short(exc.shown) or "''")
            return None
        return number

    def text(self, cells: tuple, key: str, row: int, *, product: bool = False) -> str:
        return cell_text(self.value(cells, key, row, product=product))

    def mass(self, cells: tuple, row: int, *, product: bool = False) -> tuple[Decimal | None, str]:
        number = self.number(cells, "mass", row, product=product)
        unit = _norm(self.text(cells, "unit", row, product=product))
        if number is None:
            return None, ""
        mg = to_mg(number, unit)
        if mg is None:
            column = PRODUCT_COL["unit"] if product else COL["unit"]
            self.problem("mass.unit_unknown", column, row, unit=json_tree.short(unit) or "''")
            return None, ""
        return mg, f"{json_tree.number_text(number)} {unit}"

    def yes_no(self, cells: tuple, key: str, row: int) -> bool | None:
        value = self.value(cells, key, row)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        answer = _lookup("yes_no", cell_text(value))
        if answer is None:
            self.problem("xlsx.yes_no_invalid", COL[key], row, value=json_tree.short(cell_text(value)))
            return None
        return answer == "yes"

    # -- product -----------------------------------------------------------------------------------
    def product(self, cells: tuple, row: int) -> Product:
        kind_text = self.text(cells, "kind", row, product=True)
        kind = _lookup("kind", kind_text) if kind_text else "article"
        if kind is None:
            self.problem("xlsx.kind_unknown", PRODUCT_COL["kind"], row, value=json_tree.short(kind_text))
            kind = "article"
        mass_mg, declared = self.mass(cells, row, product=True)
        unit_type = _norm(self.text(cells, "unit_type", row, product=True)).replace(" ", "")
        markets = _MARKET_SPLIT.split(
            unicodedata.normalize("NFKC", self.text(cells, "destination_markets", row, product=True))
        )
        product = Product(
            part_number=self.text(cells, "part_number", row, product=True),
            name=self.text(cells, "name", row, product=True),
            version=self.text(cells, "version", row, product=True),
            unit_type=_UNIT_TYPE_ALIASES.get(unit_type, unit_type) or "each",
            mass_mg=mass_mg,
            declared_mass=declared,
            buyer_part_number=self.text(cells, "buyer_part_number", row, product=True),
            kind=kind,
            versions={"schema": "portal-composition-xlsx/1"},
            source=self.source,
            location=f"{SHEET}!{get_column_letter(PRODUCT_COL['part_number'] + 1)}{row}",
        )
        json_tree.set_destination_markets(product, [m.strip() for m in markets if m.strip()])
        return product

    # -- table -------------------------------------------------------------------------------------
    def row(self, tree: _Tree, cells: tuple, row: int) -> None:
        values = [c.value for c in cells]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values) and not any(
            (row, column) in self.scan.uncalculated for column in range(1, NCOL + 1)
        ):
            return  # empty rows (also trailing formatted ones) are ignored
        level_value = self.value(cells, "level", row)
        type_text = self.text(cells, "type", row)
        level = _level(level_value)
        row_type = _lookup("type", type_text) if type_text else None
        if level is not None and tree.skip_below is not None and level > tree.skip_below:
            return  # inside a row that was refused; its contents were not read either
        tree.skip_below = None
        if level is None:
            self.problem(
                "xlsx.level_invalid", COL["level"], row, level=_shown(level_value), previous=tree.previous
            )
            return
        if row_type is None:
            self.problem("xlsx.type_unknown", COL["type"], row, value=json_tree.short(type_text) or "''")
            tree.skip_below = level
            return
        parent = tree.parent_for(level)
        if parent is None or parent[0] not in _PARENTS[row_type]:
            self.problem(
                "xlsx.level_invalid", COL["level"], row, level=level, previous=tree.previous, what=row_type
            )
            tree.skip_below = level
            return
        if tree.product.kind == "mixture" and row_type != "substance":
            self.problem("composition.mixture_has_parts", COL["type"], row)
            tree.skip_below = level
            return
        if row_type == "part" and tree.part_depth(level) > MAX_PART_DEPTH:
            if not self.too_deep_reported:
                self.problem("composition.too_deep", COL["level"], row, limit=MAX_PART_DEPTH)
                self.too_deep_reported = True
            tree.skip_below = level
            return
        for key, column in COL.items():
            if key not in _USED[row_type] and values[column] is not None and cell_text(values[column]):
                self.problem(
                    "xlsx.cell_ignored",
                    column,
                    row,
                    WARNING,
                    column=get_column_letter(column + 1),
                    what=row_type,
                )
        node = getattr(self, row_type)(cells, row)
        tree.attach(level, row_type, node)

    # The builders read their cells left to right, so that a row's problems come in column order.
    def part(self, cells: tuple, row: int) -> Part:
        name = self.text(cells, "name", row)
        identifier = self.text(cells, "identifier", row)
        units = self.number(cells, "units", row)
        mass_mg, declared = self.mass(cells, row)
        return Part(
            name=name,
            identifier=identifier,
            number_of_units=Decimal(1) if units is None else units,
            mass_mg=mass_mg,
            declared_mass=declared,
            location=f"{SHEET}!A{row}",
        )

    def material(self, cells: tuple, row: int) -> Material:
        name = self.text(cells, "name", row)
        mass_mg, declared = self.mass(cells, row)
        return Material(
            name=name,
            mass_mg=mass_mg,
            declared_mass=declared,
            code=self.text(cells, "material_code", row),
            material_class=self.text(cells, "material_class", row),
            use_code=self.text(cells, "use_code", row),
            is_packaging=bool(self.yes_no(cells, "packaging", row)),
            location=f"{SHEET}!A{row}",
        )

    def substance(self, cells: tuple, row: int) -> Substance:
        name = self.text(cells, "name", row)
        identifier = self.text(cells, "identifier", row)
        mass_mg, _declared = self.mass(cells, row)
        return Substance(
            identifier=identifier,
            name=name,
            mass_percent=self.percent(cells, row),
            mass_mg=mass_mg,
            intentional=self.yes_no(cells, "intentional", row),
            exemptions=self.exemptions(cells, row),
            location=f"{SHEET}!A{row}",
        )

    def percent(self, cells: tuple, row: int) -> Decimal | None:
        value = self.value(cells, "percent", row)
        if isinstance(value, str) and unicodedata.normalize("NFKC", value).strip().endswith("%"):
            value = unicodedata.normalize("NFKC", value).strip()[:-1]
        try:
            number = parse_number(value)
        except _NotANumber as exc:
            self.problem(exc.code, COL["percent"], row, value=json_tree.short(exc.shown) or "''")
            return None
        if (
            number is not None
            and not isinstance(value, str)
            and "%" in (cells[COL["percent"]].number_format or "")
        ):
            number *= 100  # Excel stores 50 % as 0.5 in a cell formatted as a percentage
        return number

    def exemptions(self, cells: tuple, row: int) -> list[Exemption]:
        lists = [
            s.strip() for s in _LIST_SPLIT.split(_fold(self.text(cells, "exemption_list", row))) if s.strip()
        ]
        items = [
            s.strip() for s in _LIST_SPLIT.split(_fold(self.text(cells, "exemption_item", row))) if s.strip()
        ]
        if not lists and not items:
            return []
        if items and len(lists) <= 1:
            return [Exemption(list_identity=lists[0] if lists else "", reg_index=item) for item in items]
        if len(lists) == len(items):
            return [
                Exemption(list_identity=lst, reg_index=item) for lst, item in zip(lists, items, strict=True)
            ]
        self.problem(
            "xlsx.exemption_mismatch", COL["exemption_item"], row, lists=len(lists), items=len(items)
        )
        return []


def _fold(text: str) -> str:
    # Exemption codes are ASCII; the full-width forms a Japanese IME types (digits, semicolon) mean the same.
    return unicodedata.normalize("NFKC", text)


def _level(value: Any) -> int | None:
    try:
        number = parse_number(value)
    except _NotANumber:
        return None
    if number is None or number != number.to_integral() or number < 1 or number > 10**6:
        return None
    return int(number)


def _shown(value: Any) -> str:
    return json_tree.short(cell_text(value)) or "''"


class _Tree:
    """The chain of open rows while the table is read top to bottom: stack[k] is the row at level k."""

    def __init__(self, product: Product) -> None:
        self.product = product
        self.stack: list[tuple[str, Any]] = [("product", product)]
        self.previous = 0  # level of the last row read into the tree
        self.skip_below: int | None = None

    def parent_for(self, level: int) -> tuple[str, Any] | None:
        return self.stack[level - 1] if level <= len(self.stack) else None

    def part_depth(self, level: int) -> int:
        return sum(1 for kind, _node in self.stack[1:level] if kind == "part") + 1

    def attach(self, level: int, kind: str, node: Any) -> None:
        del self.stack[level:]
        _parent_kind, parent = self.stack[level - 1]
        if kind == "part":
            parent.parts.append(node)
        elif kind == "material":
            parent.materials.append(node)
        else:
            parent.substances.append(node)
        self.stack.append((kind, node))
        self.previous = level


PRODUCT_FIELDS_EXPECTED = tuple(key for key, _label in PRODUCT_FIELDS)
COLUMNS_EXPECTED = tuple(c.key for c in COLUMNS)


def _expected_text(kind: str = "header") -> str:
    labels = (
        [str(label) for _key, label in PRODUCT_FIELDS]
        if kind == "product"
        else [str(c.label) for c in COLUMNS]
    )
    return " | ".join(labels)


# -- writing ----------------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_PRODUCT_FILL = PatternFill("solid", fgColor="FFF2CC")
_BOTTOM = Border(bottom=Side(style="thin", color="808080"))
_WRAP = Alignment(wrap_text=True, vertical="top")


def build_template(*, language: str = "en", product: Product | None = None) -> bytes:
    """The template workbook in LANGUAGE (en, ja, zh-hans), pre-filled with PRODUCT when given."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = settings.LANGUAGE_CODE
    with override(language):
        workbook = openpyxl.Workbook()
        instructions = workbook.active
        instructions.title = INSTRUCTIONS_SHEET
        _write_instructions(instructions)
        composition = workbook.create_sheet(SHEET)
        _write_sheet(composition, product)
        example = workbook.create_sheet(EXAMPLE_SHEET)
        _write_sheet(example, example_product())
        workbook.properties.title = gettext("Composition declaration template")
        workbook.properties.language = language
        workbook.properties.creator = "procurement portal"
        workbook.active = 1 if product is not None else 0
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


def _write_instructions(sheet: Worksheet) -> None:
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 100
    title = sheet.cell(row=1, column=1, value=gettext("Composition declaration template"))
    title.font = Font(bold=True, size=14)
    label = {c.key: str(c.label) for c in COLUMNS}
    product_label = {key: str(text) for key, text in PRODUCT_FIELDS}
    # (kind, column A, column B): "h" a heading, "p" a paragraph, "c" a column and what to put in it.
    lines: list[tuple[str, str, str]] = [
        (
            "p",
            "",
            gettext(
                "Declare what one product is made of: its parts, the homogeneous materials of each part "
                "and the substances of each material. Fill in the sheet Composition and upload this "
                "workbook in the portal. The sheet Example shows a filled-in aluminium electrolytic "
                "capacitor."
            ),
        ),
        ("h", gettext("The product (rows 1 and 2 of the sheet Composition)"), ""),
        (
            "c",
            product_label["kind"],
            gettext(
                "Article for a manufactured item; Mixture for a chemical product (then only substances)."
            ),
        ),
        ("c", product_label["mass"], gettext("The mass of one reporting unit, with its unit (mg, g or kg).")),
        (
            "c",
            product_label["unit_type"],
            gettext("What one declared unit is: each, g, kg, cm^2, m^2, cm^3, m^3, cm, m or l."),
        ),
        (
            "c",
            product_label["destination_markets"],
            gettext("Countries or regions the product is sold to, separated by commas, e.g. EU, US, CN, JP."),
        ),
        ("h", gettext("The table (from row 5): one row per part, material or substance"), ""),
        (
            "c",
            label["level"],
            gettext(
                "1 for a part of the product, 2 for a part inside a level-1 part, and so on. A material "
                "is one level below its part and a substance one level below its material. A material or "
                "substance at level 1 belongs to the product itself."
            ),
        ),
        ("c", label["type"], gettext("Part, Material or Substance.")),
        (
            "c",
            label["identifier"],
            gettext(
                "The part number of a part; the CAS Registry Number (e.g. 7439-92-1) or chemSHERPA SN "
                "number of a substance."
            ),
        ),
        (
            "c",
            label["units"],
            gettext("How many of this part one unit of its parent contains; fractions are allowed (0.15 m)."),
        ),
        (
            "c",
            label["mass"],
            gettext(
                "The mass of ONE unit of the part, the mass of the material in one unit of its part, or "
                "the mass of the substance in its material. Put the unit (mg, g or kg) in the next column."
            ),
        ),
        (
            "c",
            label["percent"],
            gettext(
                "Substances only: the share of the substance in its material (for a mixture, in the "
                "mixture). Give a percentage, a mass, or both."
            ),
        ),
        ("c", label["material_code"], gettext("Materials only: the chemSHERPA material code, e.g. R312.")),
        ("c", label["material_class"], gettext("Materials only: the IEC 62474 material class, e.g. M-121.")),
        (
            "c",
            label["use_code"],
            gettext("Materials only: the chemSHERPA use code (1 base material, 6 plating ...)."),
        ),
        ("c", label["packaging"], gettext("Materials only: yes if the material is packaging.")),
        (
            "c",
            label["intentional"],
            gettext("Substances only: yes if added on purpose, no if not, blank if not known."),
        ),
        (
            "c",
            label["exemption_list"],
            gettext("Substances only: the list of the exemption claimed, e.g. RoHS Annex III."),
        ),
        (
            "c",
            label["exemption_item"],
            gettext(
                "Substances only: the exemption claimed, e.g. 6(c). Separate several with semicolons; "
                "give one list for all of them or one list per item."
            ),
        ),
        ("h", gettext("Rules"), ""),
        (
            "p",
            "",
            gettext(
                "Masses are for ONE unit of the enclosing part; the portal multiplies by the number of units."
            ),
        ),
        (
            "p",
            "",
            gettext(
                "Write numbers without thousands separators; a decimal comma (0,3) and full-width digits "
                "are accepted. yes/no may also be written はい/いいえ or 是/否."
            ),
        ),
        (
            "p",
            "",
            gettext(
                "The portal never calculates formulas: it reads the value Excel calculated last. Save the "
                "workbook in Excel before you upload it."
            ),
        ),
        (
            "p",
            "",
            gettext(
                "At most %(limit)s rows. Do not rename the sheets or change rows 1 and 4; empty rows are "
                "ignored."
            )
            % {"limit": f"{MAX_ROWS:,}"},
        ),
    ]
    row = 3
    for kind, first, second in lines:
        if kind == "h":
            row += 1  # a blank line before each section
        if first:
            sheet.cell(row=row, column=1, value=first).font = _HEADER_FONT
        if second:
            sheet.cell(row=row, column=2, value=second).alignment = _WRAP
        row += 1


def _list_validation(values: list[str], sqref: str) -> DataValidation | None:
    if any("," in v or '"' in v for v in values):
        return None  # a translation with a comma cannot go into an Excel list; the reader still accepts it
    formula = '"' + ",".join(values) + '"'
    if len(formula) > 255:
        return None
    validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
    validation.errorStyle = "warning"  # synonyms (はい, 是 ...) are accepted, so only warn
    validation.add(sqref)
    return validation


def _write_sheet(sheet: Worksheet, product: Product | None) -> None:
    """Rows 1-2 product, row 4 header, rows from 5 the tree (empty when PRODUCT is None)."""
    title = sheet.cell(row=LABEL_ROW, column=1, value=str(PRODUCT_TITLE))
    title.font = _HEADER_FONT
    for key, label in PRODUCT_FIELDS:
        cell = sheet.cell(row=LABEL_ROW, column=PRODUCT_COL[key] + 1, value=str(label))
        cell.font, cell.fill, cell.alignment, cell.border = _HEADER_FONT, _PRODUCT_FILL, _WRAP, _BOTTOM
    for position, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=position, value=str(column.label))
        cell.font, cell.fill, cell.alignment, cell.border = _HEADER_FONT, _HEADER_FILL, _WRAP, _BOTTOM
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = column.width
        if column.is_text:
            sheet.column_dimensions[letter].number_format = "@"
    sheet.row_dimensions[LABEL_ROW].height = 32
    sheet.row_dimensions[HEADER_ROW].height = 48
    sheet.freeze_panes = f"C{FIRST_ROW}"

    last = LIMIT_ROW - 1
    yes_no = [str(YES), str(NO)]
    validations = [
        _list_validation([str(TYPE_LABELS[t]) for t in ROW_TYPES], f"B{FIRST_ROW}:B{last}"),
        _list_validation(["mg", "g", "kg"], f"G{FIRST_ROW}:G{last}"),
        _list_validation(yes_no, f"L{FIRST_ROW}:M{last}"),
        _list_validation([str(KIND_LABELS[k]) for k in json_tree.KINDS], f"B{PRODUCT_ROW}"),
        _list_validation(["mg", "g", "kg"], f"{get_column_letter(PRODUCT_COL['unit'] + 1)}{PRODUCT_ROW}"),
        _list_validation(list(UNIT_TYPES), f"{get_column_letter(PRODUCT_COL['unit_type'] + 1)}{PRODUCT_ROW}"),
    ]
    for validation in validations:
        if validation is not None:
            sheet.add_data_validation(validation)
    for key in ("part_number", "name", "version", "buyer_part_number", "destination_markets"):
        sheet.cell(row=PRODUCT_ROW, column=PRODUCT_COL[key] + 1).number_format = "@"

    if product is None:
        return
    values: dict[str, Any] = {
        "kind": str(KIND_LABELS.get(product.kind, KIND_LABELS["article"])),
        "name": product.name,
        "part_number": product.part_number,
        "version": product.version,
        "unit_type": product.unit_type,
        "buyer_part_number": product.buyer_part_number,
        "destination_markets": ", ".join(json_tree.destination_markets(product)),
    }
    mass = _mass_cells(product.mass_mg, product.declared_mass)
    if mass is not None:
        values["mass"], values["unit"] = mass
    for key, value in values.items():
        sheet.cell(row=PRODUCT_ROW, column=PRODUCT_COL[key] + 1, value=_safe(value))
    for level, kind, node in _rows(product):
        sheet.append(_row_values(level, kind, node))


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return escape_cell(value) if value else None
    return value


def _mass_cells(mass_mg: Decimal | None, declared: str = "") -> tuple[Decimal, str] | None:
    dumped = json_tree.dump_mass(mass_mg, declared)
    if dumped is None:
        return None
    return _excel_number(Decimal(dumped["value"])), dumped["unit"]


def _excel_number(value: Decimal) -> Decimal | int:
    # Excel holds doubles; plain digits keep "1E+3" out of the file and ints stay ints.
    plain = Decimal(json_tree.number_text(value))
    return int(plain) if plain == plain.to_integral() and abs(plain) < 10**15 else plain


def _rows(product: Product) -> Iterator[tuple[int, str, Any]]:
    """(level, type, node) in the order of the sheet: materials, substances, then parts, depth first."""

    def contents(holder: Any, level: int) -> Iterator[tuple[int, str, Any]]:
        for material in holder.materials:
            yield level, "material", material
            for substance in material.substances:
                yield level + 1, "substance", substance
        for substance in holder.substances:
            yield level, "substance", substance
        for part in getattr(holder, "parts", []):
            yield level, "part", part
            yield from contents(part, level + 1)

    yield from contents(product, 1)


def _row_values(level: int, kind: str, node: Any) -> list[Any]:
    row: list[Any] = [None] * NCOL
    row[COL["level"]] = level
    row[COL["type"]] = str(TYPE_LABELS[kind])
    row[COL["name"]] = _safe(node.name)
    if kind == "part":
        row[COL["identifier"]] = _safe(node.identifier)
        row[COL["units"]] = _excel_number(node.number_of_units)
    mass = _mass_cells(node.mass_mg, getattr(node, "declared_mass", ""))
    if mass is not None:
        row[COL["mass"]], row[COL["unit"]] = mass
    if kind == "material":
        row[COL["material_code"]] = _safe(node.code)
        row[COL["material_class"]] = _safe(node.material_class)
        row[COL["use_code"]] = _safe(node.use_code)
        row[COL["packaging"]] = str(YES if node.is_packaging else NO)
    if kind == "substance":
        row[COL["identifier"]] = _safe(node.identifier)
        if node.mass_percent is not None:
            row[COL["percent"]] = _excel_number(node.mass_percent)
        if node.intentional is not None:
            row[COL["intentional"]] = str(YES if node.intentional else NO)
        if node.exemptions:
            lists = [e.list_identity for e in node.exemptions]
            items = [e.reg_index or e.identity for e in node.exemptions]
            row[COL["exemption_list"]] = _safe(lists[0] if len(set(lists)) == 1 else "; ".join(lists))
            row[COL["exemption_item"]] = _safe("; ".join(items))
    return row


# -- the example -----------------------------------------------------------------------------------


EXAMPLE_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "chemicals" / "examples" / "capacitor.json"
# The example's names, listed here so that the translators see them; the data lives in the fixture.
EXAMPLE_NAMES = {
    "Aluminium electrolytic capacitor": pgettext_lazy(
        "composition template", "Aluminium electrolytic capacitor"
    ),
    "Antimony": pgettext_lazy("composition template", "Antimony"),
    "Bis(2-ethylhexyl) phthalate": pgettext_lazy("composition template", "Bis(2-ethylhexyl) phthalate"),
    "Capacitor element": pgettext_lazy("composition template", "Capacitor element"),
    "Case": pgettext_lazy("composition template", "Case"),
    "Copper": pgettext_lazy("composition template", "Copper"),
    "Core wire": pgettext_lazy("composition template", "Core wire"),
    "Electrolyte": pgettext_lazy("composition template", "Electrolyte"),
    "Lead": pgettext_lazy("composition template", "Lead"),
    "Lead wires": pgettext_lazy("composition template", "Lead wires"),
    "Other substances": pgettext_lazy("composition template", "Other substances"),
    "PVC sleeve": pgettext_lazy("composition template", "PVC sleeve"),
    "Polyvinyl chloride": pgettext_lazy("composition template", "Polyvinyl chloride"),
    "Sealing rubber": pgettext_lazy("composition template", "Sealing rubber"),
    "Sleeve": pgettext_lazy("composition template", "Sleeve"),
    "Solder plating": pgettext_lazy("composition template", "Solder plating"),
}


def example_product() -> Product:
    """The aluminium electrolytic capacitor of the Green Procurement Guidelines (appendix 1), in the
    active language, from fixtures/chemicals/examples/capacitor.json."""
    document = json.loads(EXAMPLE_PATH.read_text(encoding="utf-8"))
    document.pop("_comment", None)
    (product,) = json_tree.read(document, name="example").products

    def named(name: str) -> str:
        label = EXAMPLE_NAMES.get(name)
        return str(label) if label is not None else name

    product.name = named(product.name)
    for part, _units, _depth in walk_parts(product.parts):
        part.name = named(part.name)
        for material in part.materials:
            material.name = named(material.name)
            for substance in material.substances:
                substance.name = named(substance.name)
    return product
