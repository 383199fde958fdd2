"""The one place that knows every format: detection order and the upload entry point.

Adding a format is "add a module, register a line": XML formats go into XML_FORMATS (first match
wins, so the refusals that recognise broad families come after the readers), container formats are
chosen in read_upload().
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from chemicals.formats import chemsherpa, refused
from chemicals.formats.base import ParseResult, XmlFormat
from chemicals.formats.safe_input import InputRejected, Limits, check_xlsx, is_zip, parse_xml, xml_documents
from chemicals.problems import ERROR, Problem

XML_FORMATS: tuple[XmlFormat, ...] = (
    chemsherpa.FORMAT,
    refused.ChemSherpaV1(),
    refused.GenericIec62474(),
    refused.JampAis(),
    refused.Ipc1752(),
    refused.Unknown(),
)

# chemSHERPA forbids passing on the tool's temporary save files (SHAI_Temp / SHCI_Temp).
_TEMPORARY = re.compile(r"(^|[/_])SH[AC]I_?Temp", re.IGNORECASE)


def rejection(exc: InputRejected) -> Problem:
    source, _, line = exc.location.rpartition(":")
    return Problem(
        exc.code,
        ERROR,
        {"detail": str(exc.message)},
        source=source if line.isdigit() else exc.location,
        line=exc.line,
    )


def read_xml(data: bytes, *, source: str) -> ParseResult:
    try:
        root = parse_xml(data, name=source)
    except InputRejected as exc:
        return ParseResult(problems=[rejection(exc)])
    for fmt in XML_FORMATS:
        if fmt.recognises(root):
            return fmt.read(root, source=source)
    raise AssertionError("refused.Unknown recognises every document")


def read_upload(
    data: bytes,
    *,
    name: str,
    limits: Limits | None = None,
    on_document: Callable[[int, int], None] | None = None,
) -> ParseResult:
    """Every product and every problem of an uploaded file (bare XML, .shai/.shci ZIP or .xlsx)."""
    with paused_gc():
        return _read_upload(data, name=name, limits=limits, on_document=on_document)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Building a large tree creates hundreds of thousands of small objects; the cyclic collector then
    runs full passes that free nothing (the tree has no cycles) and doubles the read time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_upload(
    data: bytes,
    *,
    name: str,
    limits: Limits | None,
    on_document: Callable[[int, int], None] | None,
) -> ParseResult:
    if _TEMPORARY.search(name):
        return ParseResult(problems=[Problem("format.temporary_file", ERROR, {"name": name}, source=name)])
    if name.lower().endswith(".json") or data.lstrip()[:1] == b"{":
        # The portal's own composition JSON (docs/composition-json.md): what the editor and the API send.
        from chemicals.formats import json_tree

        return json_tree.read(data, name=name)
    try:
        if _is_workbook(data, name=name, limits=limits):
            from chemicals.formats import xlsx_template

            return xlsx_template.read(data, name=name, limits=limits)
        documents = xml_documents(data, name=name, limits=limits)
    except InputRejected as exc:
        return ParseResult(problems=[rejection(exc)])
    result = ParseResult()
    for index, (member, content) in enumerate(documents, start=1):
        source = name if member == name else f"{name}/{member}"
        result.extend(read_xml(content, source=source))
        if on_document:
            on_document(index, len(documents))
    return result


def _is_workbook(data: bytes, *, name: str, limits: Limits | None) -> bool:
    """True for a vetted .xlsx; False for anything else; hostile containers raise InputRejected."""
    if not is_zip(data):
        return False
    try:
        check_xlsx(data, name=name, limits=limits)
    except InputRejected as exc:
        if exc.code == "xlsx.not_a_workbook":
            return False  # a .shai / .shci: xml_documents() checks it as such
        raise
    return True
