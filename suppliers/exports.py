"""CSV and XLSX writers for tabular exports, with cells escaped against formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def escape_cell(value: Any) -> Any:
    """Return VALUE safe to put in a spreadsheet cell: text that could start a formula gets a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([escape_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else escape_cell(v) for v in row])
    # UTF-8 with BOM so that Excel opens Japanese and Chinese names correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], sheet_title: str = "Export") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    widths = [len(str(h)) for h in header]
    buffered = []
    for row in rows:
        cells = [escape_cell(v) for v in row]
        for i, v in enumerate(cells):
            widths[i] = min(max(widths[i], len(str(v or ""))), 60)
        buffered.append(cells)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width + 2
    sheet.append([escape_cell(h) for h in header])
    for cells in buffered:
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
