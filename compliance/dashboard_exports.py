"""Dashboard tables as spreadsheet rows (CSV or XLSX), cells escaped against formula injection by the
shared writers in suppliers/exports.py."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

from compliance.dashboard_selectors import Table
from suppliers import exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
FORMATS = {"csv": CSV, "xlsx": XLSX}
# Characters Excel refuses in a sheet name (a translated title may contain one).
_SHEET_FORBIDDEN = re.compile(r"[\\*?:/\[\]]")


def _cell(value: Any) -> Any:
    """Dates as ISO text (the same in CSV and Excel, in every locale); numbers stay numbers."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    return str(value)


def table_header(table: Table) -> list[str]:
    return [str(c.label) for c in table.columns]


def table_rows(table: Table) -> Iterator[list[Any]]:
    for row in table.rows:
        yield [_cell(row.get(c.key)) for c in table.columns]


def render(table: Table, fmt: str) -> tuple[bytes, str]:
    """The file body and its content type; FMT is "csv" or "xlsx"."""
    header, rows = table_header(table), table_rows(table)
    if fmt == "csv":
        return exports.to_csv(header, rows), CSV
    if fmt == "xlsx":
        title = _SHEET_FORBIDDEN.sub(" ", table.title).strip() or table.name
        return exports.to_xlsx(header, rows, sheet_title=title), XLSX
    raise ValueError(fmt)


def filename(table: Table, fmt: str, today: datetime.date) -> str:
    return f"dashboard-{table.name.replace('_', '-')}-{today:%Y%m%d}.{fmt}"
