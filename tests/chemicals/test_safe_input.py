"""The upload guard against the hostile corpus: every file is refused with its stable code, a plain message
and the right location, nothing leaks, nothing touches the network or the disk, and benign files pass.

Pure tests: no database. Each hostile file is generated in memory by tests/chemicals/hostile/corpus.py.
"""

from __future__ import annotations

import os
import pickle
import socket
import tempfile
import time
import tracemalloc

import pytest
from lxml import etree

from chemicals.formats import safe_input
from chemicals.formats.safe_input import (
    InputRejected,
    Limits,
    check_upload_size,
    check_xlsx,
    hardened_parser,
    is_zip,
    parse_xml,
    xml_documents,
)
from tests.chemicals.hostile import corpus

MB = 2**20
LIMITS = Limits(max_upload_bytes=50 * MB)


@pytest.fixture(autouse=True)
def _nothing_written(tmp_path_factory, monkeypatch):
    """Run every test with a private, empty temp dir and cwd and prove both are still empty afterwards.

    Private directories rather than the shared /tmp: other processes on the machine write there.
    """
    temp = tmp_path_factory.mktemp("private-temp")
    cwd = tmp_path_factory.mktemp("private-cwd")
    for var in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(var, str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.chdir(cwd)
    yield
    assert os.listdir(temp) == []
    assert os.listdir(cwd) == []


@pytest.fixture
def canary(tmp_path_factory):
    """A local file whose content must never come back through any upload."""
    path = tmp_path_factory.mktemp("canary") / "secret.txt"
    path.write_text("CANARY-7f3c-passwd-like-secret\n")
    return path, "CANARY-7f3c"


@pytest.fixture
def listener():
    """A loopback TCP listener: its accept queue shows whether anything tried to connect."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server, f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def assert_no_connection(server: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        conn, _addr = server.accept()
        conn.close()


def rejected(func, data: bytes, *, name: str, **kwargs) -> InputRejected:
    with pytest.raises(InputRejected) as info:
        func(data, name=name, **kwargs)
    return info.value


def assert_rejection(exc: InputRejected, code: str, location: str, line: int | None = None) -> dict:
    assert exc.code == code, exc
    assert exc.location == location
    assert exc.line == line
    message = exc.message
    assert isinstance(message, str) and len(message) > 40
    assert "%(" not in message  # every parameter was filled in
    if line is not None:
        assert str(line) in message or location.endswith(f":{line}")
    as_dict = exc.as_dict()
    assert as_dict == {
        "code": code,
        "message": message,
        "location": location,
        "line": line,
        "severity": "error",
    }
    return as_dict


# --- benign files ---------------------------------------------------------------------------------------


def test_small_chemsherpa_like_xml_parses_with_line_numbers():
    root = parse_xml(corpus.valid_xml(), name="decl.xml", limits=LIMITS)
    substance = root.find(".//{urn:example:declaration}Substance")
    assert substance.get("cas") == "7439-92-1"
    assert substance.sourceline == corpus.SUBSTANCE_LINE


def test_bom_prefixed_xml_is_accepted():
    root = parse_xml(corpus.bom_valid_xml(), name="bom.xml", limits=LIMITS)
    assert root.tag == "{urn:example:declaration}Declaration"
    assert root.find(".//{urn:example:declaration}Substance").sourceline == corpus.SUBSTANCE_LINE
    assert xml_documents(corpus.bom_valid_xml(), name="bom.xml", limits=LIMITS) == [
        ("bom.xml", corpus.bom_valid_xml())
    ]


def test_comments_and_processing_instructions_are_dropped():
    data = b'<?xml version="1.0"?>\n<?xml-stylesheet href="x.xsl"?>\n<r><!-- c --><a/><?pi x?></r>'
    root = parse_xml(data, name="r.xml", limits=LIMITS)
    assert [child.tag for child in root] == ["a"]


def test_shai_archive_yields_root_xml_members_sorted_and_skips_clutter():
    archive = corpus.shai_archive()
    documents = xml_documents(archive, name="goods.shai", limits=LIMITS)
    assert [member for member, _ in documents] == ["product_a.xml", "product_b.xml"]
    assert documents[0][1] == corpus.CHEMSHERPA_LIKE
    roots = [parse_xml(content, name=f"goods.shai/{member}", limits=LIMITS) for member, content in documents]
    assert [r.find(".//{urn:example:declaration}Product").get("number") for r in roots] == ["P-100", "P-200"]


def test_exactly_100_members_is_accepted():
    documents = xml_documents(corpus.too_many_members(100), name="hundred.shai", limits=LIMITS)
    assert len(documents) == 100


def test_genuine_xlsx_passes():
    check_xlsx(corpus.xlsx_workbook(), name="book.xlsx", limits=LIMITS)


def test_is_zip_judges_content_not_name():
    assert is_zip(corpus.shai_archive())
    assert is_zip(corpus.empty_zip())
    assert is_zip(corpus.xlsx_workbook())
    assert not is_zip(corpus.non_zip_shai())
    assert not is_zip(corpus.valid_xml())
    assert not is_zip(b"")


# --- XML entity attacks ------------------------------------------------------------------------------


def test_xxe_file_entity_is_refused_and_leaks_nothing(canary):
    path, secret = canary
    for target, needle in ((str(path), secret), ("/etc/passwd", "root:")):
        data = corpus.xxe_file_entity(target)
        exc = rejected(parse_xml, data, name="xxe.xml", limits=LIMITS)
        as_dict = assert_rejection(exc, "xml.doctype_forbidden", "xxe.xml:2", 2)
        assert needle not in repr(as_dict) and needle not in str(exc)


def test_xxe_parameter_entity_is_refused_without_network(listener):
    server, base = listener
    exc = rejected(parse_xml, corpus.xxe_parameter_entity(f"{base}/evil.dtd"), name="oob.xml", limits=LIMITS)
    assert_rejection(exc, "xml.doctype_forbidden", "oob.xml:1", 1)
    assert_no_connection(server)


def test_external_dtd_after_a_comment_is_refused_without_network(listener):
    server, base = listener
    exc = rejected(parse_xml, corpus.external_dtd(f"{base}/d.dtd"), name="dtd.xml", limits=LIMITS)
    assert_rejection(exc, "xml.doctype_forbidden", "dtd.xml:3", 3)
    assert_no_connection(server)


@pytest.mark.parametrize("payload", [corpus.billion_laughs, corpus.quadratic_blowup])
def test_entity_expansion_is_refused_before_expansion(payload):
    data = payload()
    started = time.perf_counter()
    exc = rejected(parse_xml, data, name="bomb.xml", limits=LIMITS)
    assert time.perf_counter() - started < 0.5
    assert_rejection(exc, "xml.doctype_forbidden", "bomb.xml:2", 2)


def test_hardened_parser_alone_neither_reads_files_nor_connects(canary, listener):
    """Second wall: the parser settings hold even for documents that skip the prolog check."""
    path, secret = canary
    server, base = listener
    for data in (
        corpus.xxe_file_entity(str(path)),
        corpus.xxe_parameter_entity(f"{base}/evil.dtd"),
        corpus.external_dtd(f"{base}/d.dtd"),
        corpus.billion_laughs(),
        corpus.quadratic_blowup(),
    ):
        try:
            root = etree.fromstring(data, hardened_parser())
        except etree.XMLSyntaxError as exc:
            assert secret not in str(exc)
        else:
            serialised = etree.tostring(root)
            assert secret.encode() not in serialised
            assert len(serialised) < 10_000  # nothing was expanded
    assert_no_connection(server)


@pytest.mark.parametrize("payload", ["xxe", "billion_laughs", "parameter_entity"])
def test_doctype_is_refused_even_if_the_prolog_scan_missed_it(monkeypatch, canary, payload):
    path, secret = canary
    data = {
        "xxe": corpus.xxe_file_entity(str(path)),
        "billion_laughs": corpus.billion_laughs(),
        "parameter_entity": corpus.xxe_parameter_entity("http://127.0.0.1:9/evil.dtd"),
    }[payload]
    monkeypatch.setattr(safe_input, "_declaration_offset", lambda _data: None)
    exc = rejected(parse_xml, data, name="miss.xml", limits=LIMITS)
    # For billion laughs libxml2 stops the expansion itself (amplification limit), which is reported
    # under the same code; the others parse with their entities unexpanded and fail the docinfo check.
    assert exc.code == "xml.doctype_forbidden"
    assert secret not in repr(exc.as_dict())


def test_deep_nesting_is_refused():
    exc = rejected(parse_xml, corpus.deep_nesting(), name="deep.xml", limits=LIMITS)
    assert_rejection(exc, "xml.too_deep", "deep.xml:1", 1)


# --- encodings, truncation, size ---------------------------------------------------------------------


@pytest.mark.parametrize("line", [3, 5, 40])
def test_invalid_utf8_names_its_line(line):
    exc = rejected(parse_xml, corpus.invalid_utf8(line), name="latin.xml", limits=LIMITS)
    assert_rejection(exc, "xml.encoding", f"latin.xml:{line}", line)


def test_utf16_is_refused_with_encoding_code():
    exc = rejected(parse_xml, corpus.utf16_xml(), name="wide.xml", limits=LIMITS)
    assert_rejection(exc, "xml.encoding", "wide.xml")
    exc = rejected(xml_documents, corpus.utf16_xml(), name="wide.xml", limits=LIMITS)
    assert_rejection(exc, "xml.encoding", "wide.xml")


def test_other_declared_encoding_is_refused():
    exc = rejected(parse_xml, corpus.shift_jis_declared(), name="sjis.xml", limits=LIMITS)
    assert_rejection(exc, "xml.encoding", "sjis.xml:1", 1)
    assert "Shift_JIS" in exc.message


def test_truncated_xml_names_the_line():
    exc = rejected(parse_xml, corpus.truncated_xml(), name="cut.xml", limits=LIMITS)
    assert_rejection(exc, "xml.malformed", f"cut.xml:{corpus.SUBSTANCE_LINE}", corpus.SUBSTANCE_LINE)
    assert f"line {corpus.SUBSTANCE_LINE}" in exc.message


def test_consecutive_errors_report_their_own_lines():
    """lxml keeps a per-thread error log; an earlier document's error must not be reported again."""
    rejected(parse_xml, corpus.deep_nesting(), name="first.xml", limits=LIMITS)
    exc = rejected(parse_xml, corpus.truncated_xml(), name="second.xml", limits=LIMITS)
    assert exc.code == "xml.malformed" and exc.line == corpus.SUBSTANCE_LINE


@pytest.mark.parametrize("payload", [corpus.empty, corpus.whitespace_only])
def test_empty_file_is_refused(payload):
    for func in (parse_xml, xml_documents):
        exc = rejected(func, payload(), name="blank.xml", limits=LIMITS)
        assert_rejection(exc, "upload.empty", "blank.xml")
    exc = rejected(check_xlsx, corpus.empty(), name="blank.xlsx", limits=LIMITS)
    assert_rejection(exc, "upload.empty", "blank.xlsx")


def test_100_mb_upload_is_refused_from_its_length_without_parsing():
    data = corpus.huge_xml()
    assert len(data) == 100 * MB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        for func, name in ((xml_documents, "huge.xml"), (parse_xml, "huge.xml"), (check_xlsx, "huge.xlsx")):
            # The body opens with a DOCTYPE and is never closed: had anything parsed or scanned it, the
            # code would not be upload.too_large.
            exc = rejected(func, data, name=name, limits=LIMITS)
            assert_rejection(exc, "upload.too_large", name)
            assert "100 MB" in exc.message and "50 MB" in exc.message
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 0.5
    assert peak < MB  # no copy of the 100 MB was made
    del data


def test_size_check_works_from_a_size_alone():
    check_upload_size(50 * MB, name="edge.xml", limits=LIMITS)
    with pytest.raises(InputRejected) as info:
        check_upload_size(50 * MB + 1, name="edge.xml", limits=LIMITS)
    assert_rejection(info.value, "upload.too_large", "edge.xml")


@pytest.mark.parametrize(
    ("payload", "name"),
    [(corpus.non_zip_shai, "goods.shai"), (corpus.gzip_posing_as_xml, "decl.xml")],
)
def test_non_xml_non_zip_is_refused_by_content(payload, name):
    exc = rejected(xml_documents, payload(), name=name, limits=LIMITS)
    assert_rejection(exc, "upload.unknown_format", name)
    exc = rejected(parse_xml, payload(), name=name, limits=LIMITS)
    assert exc.code in {"upload.unknown_format", "xml.encoding"}


# --- ZIP containers ------------------------------------------------------------------------------------


def test_zip_bomb_is_refused_from_the_central_directory():
    data = corpus.zip_bomb()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        exc = rejected(xml_documents, data, name="bomb.shai", limits=LIMITS)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_rejection(exc, "zip.ratio_too_high", "bomb.shai/bomb.xml")
    assert elapsed < 0.5
    assert peak < 2 * MB  # the 10 MB member was never inflated


def test_member_that_under_declares_its_size_is_refused():
    exc = rejected(xml_documents, corpus.under_declared_member(), name="liar.shai", limits=LIMITS)
    assert_rejection(exc, "zip.corrupt", "liar.shai")


def test_lying_header_never_yields_more_than_it_declares():
    # With a matching CRC the lie goes unnoticed, but only the declared bytes are ever produced.
    documents = xml_documents(corpus.under_declared_member(fix_crc=True), name="liar.shai", limits=LIMITS)
    assert [(member, len(content)) for member, content in documents] == [("liar.xml", 1000)]
    exc = rejected(parse_xml, documents[0][1], name="liar.shai/liar.xml", limits=LIMITS)
    assert exc.code == "xml.malformed" and exc.location == "liar.shai/liar.xml:1"


def test_member_too_large_and_total_too_large():
    small = Limits(max_upload_bytes=10 * MB, max_member_bytes=4096, max_total_bytes=10_000)
    exc = rejected(xml_documents, corpus.oversized_member(8192), name="big.shai", limits=small)
    assert_rejection(exc, "zip.member_too_large", "big.shai/big.xml")
    exc = rejected(xml_documents, corpus.many_members_total(3, 4000), name="sum.shai", limits=small)
    assert_rejection(exc, "zip.total_too_large", "sum.shai")


@pytest.mark.parametrize(
    ("payload", "member"),
    [
        (corpus.zip_slip_dotdot, "../../evil.xml"),
        (corpus.zip_slip_absolute, "/etc/evil.xml"),
        (corpus.zip_slip_backslash, "..\\..\\evil.xml"),
        (corpus.zip_slip_drive_letter, "C:/Windows/evil.xml"),
        (corpus.zip_symlink, "passwd.xml"),
        (corpus.zip_duplicate_names, "a.xml"),
    ],
)
def test_zip_slip_and_unsafe_entries_are_refused(payload, member):
    exc = rejected(xml_documents, payload(), name="slip.shai", limits=LIMITS)
    assert_rejection(exc, "zip.unsafe_name", "slip.shai")
    assert member in exc.message


@pytest.mark.parametrize("payload", [corpus.too_many_members, corpus.lying_entry_count])
def test_more_than_100_members_is_refused(payload):
    exc = rejected(xml_documents, payload(), name="many.shai", limits=LIMITS)
    assert_rejection(exc, "zip.too_many_members", "many.shai")
    assert "100" in exc.message


def test_encrypted_member_is_refused_before_reading():
    exc = rejected(xml_documents, corpus.encrypted_member(), name="locked.shai", limits=LIMITS)
    assert_rejection(exc, "zip.encrypted", "locked.shai/secret.xml")


def test_truncated_zip_is_refused_as_corrupt():
    exc = rejected(xml_documents, corpus.truncated_zip(), name="half.shai", limits=LIMITS)
    assert_rejection(exc, "zip.corrupt", "half.shai")


@pytest.mark.parametrize("payload", [corpus.nested_only_archive, corpus.empty_zip])
def test_archive_without_root_xml_is_refused(payload):
    exc = rejected(xml_documents, payload(), name="folder.shai", limits=LIMITS)
    assert_rejection(exc, "zip.no_xml", "folder.shai")


# --- .xlsx -------------------------------------------------------------------------------------------


def test_xlsx_bomb_is_refused():
    exc = rejected(check_xlsx, corpus.xlsx_bomb(), name="bomb.xlsx", limits=LIMITS)
    assert_rejection(exc, "zip.ratio_too_high", f"bomb.xlsx/{corpus.SHEET}")


def test_xlsx_with_doctype_in_a_sheet_is_refused():
    exc = rejected(check_xlsx, corpus.xlsx_doctype_in_sheet(), name="dtd.xlsx", limits=LIMITS)
    line = corpus.XLSX_DOCTYPE_LINE
    assert_rejection(exc, "xml.doctype_forbidden", f"dtd.xlsx/{corpus.SHEET}:{line}", line)


def test_xlsx_with_doctype_in_a_utf16_part_is_refused():
    exc = rejected(check_xlsx, corpus.xlsx_doctype_utf16_rels(), name="wide.xlsx", limits=LIMITS)
    assert_rejection(exc, "xml.doctype_forbidden", "wide.xlsx/_rels/.rels:2", 2)


@pytest.mark.parametrize(
    "payload", [corpus.zip_without_workbook, corpus.ole_compound_file, corpus.non_zip_shai]
)
def test_not_a_workbook(payload):
    exc = rejected(check_xlsx, payload(), name="book.xlsx", limits=LIMITS)
    assert_rejection(exc, "xlsx.not_a_workbook", "book.xlsx")


def test_xlsx_gets_the_same_container_checks():
    few = Limits(max_upload_bytes=50 * MB, max_xlsx_members=3)
    exc = rejected(check_xlsx, corpus.xlsx_workbook(), name="book.xlsx", limits=few)
    assert_rejection(exc, "zip.too_many_members", "book.xlsx")
    slipped = corpus.make_zip(
        {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", "../evil.xml": b"<e/>"}
    )
    exc = rejected(check_xlsx, slipped, name="slip.xlsx", limits=LIMITS)
    assert_rejection(exc, "zip.unsafe_name", "slip.xlsx")


# --- the error object and the limits -------------------------------------------------------------------


def test_rejection_survives_pickling():
    exc = rejected(parse_xml, corpus.truncated_xml(), name="cut.xml", limits=LIMITS)
    copy = pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own object, round trip only
    assert copy.as_dict() == exc.as_dict()


def test_limits_default_from_settings(settings):
    settings.MAX_UPLOAD_BYTES = 1234
    limits = Limits.from_settings()
    assert limits.max_upload_bytes == 1234
    assert (limits.max_members, limits.max_member_bytes, limits.max_total_bytes, limits.max_ratio) == (
        100,
        50 * MB,
        200 * MB,
        100.0,
    )
    exc = rejected(xml_documents, b"<a>" + b" " * 2000 + b"</a>", name="s.xml")
    assert exc.code == "upload.too_large"
