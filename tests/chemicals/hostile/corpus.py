"""Hostile upload corpus, generated in memory at test time (nothing large is committed).

Each function returns the bytes of one crafted file. The payloads are the classic attack shapes from
ASVS 5.0 V5 / 1.5.1 and the reliability notes: XXE, entity expansion, zip bombs, zip slip, encoding
lies, truncation. Names and CAS numbers in the benign documents are illustrative only.
"""

from __future__ import annotations

import gzip
import io
import struct
import warnings
import zipfile
import zlib

# A benign chemSHERPA-like declaration (not a copy of a real sample): one article, one substance.
CHEMSHERPA_LIKE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Declaration xmlns="urn:example:declaration" version="2.0">
  <Company name="Example Supplier Co." />
  <Product number="P-100" name="Connector housing">
    <Part name="Housing" mass="12.5" unit="g">
      <Material name="PA66">
        <Substance cas="7439-92-1" name="Lead" mass="0.001" unit="g" />
      </Material>
    </Part>
  </Product>
</Declaration>
"""
# Line of CHEMSHERPA_LIKE on which the <Substance> element starts.
SUBSTANCE_LINE = 7


def valid_xml() -> bytes:
    return CHEMSHERPA_LIKE


def bom_valid_xml() -> bytes:
    return b"\xef\xbb\xbf" + CHEMSHERPA_LIKE


# --- XML entity attacks ------------------------------------------------------------------------------


def xxe_file_entity(path: str = "/etc/passwd") -> bytes:
    """General external entity naming a local file; line 2 holds the DOCTYPE."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<!DOCTYPE Declaration [<!ENTITY leak SYSTEM "file://' + path.encode() + b'">]>\n'
        b'<Declaration><Company name="x">&leak;</Company></Declaration>\n'
    )


def xxe_parameter_entity(url: str = "http://127.0.0.1:9/evil.dtd") -> bytes:
    """Out-of-band XXE: a parameter entity that pulls an external DTD (line 1, no XML declaration)."""
    return (
        b'<!DOCTYPE Declaration [<!ENTITY % remote SYSTEM "' + url.encode() + b'"> %remote;]>\n'
        b"<Declaration>&exfil;</Declaration>\n"
    )


def external_dtd(url: str = "http://127.0.0.1:9/declaration.dtd") -> bytes:
    """DOCTYPE with an external subset URL, after a comment (line 3)."""
    return (
        b'<?xml version="1.0"?>\n'
        b"<!-- exported by a tool -->\n"
        b'<!DOCTYPE Declaration SYSTEM "' + url.encode() + b'">\n'
        b"<Declaration/>\n"
    )


def billion_laughs(levels: int = 10) -> bytes:
    entities = [b'<!ENTITY lol0 "lol">']
    for i in range(1, levels):
        refs = b"".join(b"&lol%d;" % (i - 1) for _ in range(10))
        entities.append(b'<!ENTITY lol%d "%s">' % (i, refs))
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n'
        + b"\n".join(entities)
        + b"\n]>\n<lolz>&lol%d;</lolz>\n" % (levels - 1)
    )


def quadratic_blowup(entity_bytes: int = 50_000, references: int = 40_000) -> bytes:
    """One big internal entity referenced many times (defeats per-level amplification counters)."""
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE kaboom [<!ENTITY a "'
        + b"A" * entity_bytes
        + b'">]>\n<kaboom>'
        + b"&a;" * references
        + b"</kaboom>\n"
    )


def deep_nesting(depth: int = 10_000) -> bytes:
    return b"<a>" * depth + b"</a>" * depth


# --- encodings, truncation, size ---------------------------------------------------------------------


def invalid_utf8(line: int = 5) -> bytes:
    """Valid XML except for a Latin-1 byte and a lone 0xFF inside an element on ``line`` (>= 3)."""
    lines = [b'<?xml version="1.0" encoding="UTF-8"?>', b"<Declaration>"]
    while len(lines) < line - 1:
        lines.append(b"  <Note>ok</Note>")
    lines.append(b"  <Note>Stra\xdfe \xff</Note>")
    lines.append(b"</Declaration>")
    return b"\n".join(lines) + b"\n"


def utf16_xml() -> bytes:
    return CHEMSHERPA_LIKE.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")


def shift_jis_declared() -> bytes:
    return '<?xml version="1.0" encoding="Shift_JIS"?>\n<Declaration name="部品"/>\n'.encode("shift_jis")


def truncated_xml() -> bytes:
    """CHEMSHERPA_LIKE cut in the middle of the <Substance> line (SUBSTANCE_LINE), as an interrupted
    upload or a half-copied file leaves it."""
    return CHEMSHERPA_LIKE[: CHEMSHERPA_LIKE.index(b'mass="0.001"')]


def empty() -> bytes:
    return b""


def whitespace_only() -> bytes:
    return b"\xef\xbb\xbf  \r\n\t\n"


def huge_xml(size: int = 100 * 2**20) -> bytes:
    """A ``size``-byte upload built in one allocation (ljust), starting with a DOCTYPE and never closed,
    so that any code that parsed it would report something other than its size."""
    return b"<!DOCTYPE a [<!ENTITY x 'y'>]><a>".ljust(size, b" ")


def gzip_posing_as_xml() -> bytes:
    return gzip.compress(b"<a>" + b" " * 1_000_000 + b"</a>")


def non_zip_shai() -> bytes:
    """What a supplier gets by renaming a PDF to .shai."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def ole_compound_file() -> bytes:
    """Start of an OLE2 compound file: a legacy .xls, or an .xlsx protected with a password."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


# --- ZIP containers ------------------------------------------------------------------------------------


def make_zip(members: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    """A deflated ZIP built in memory; names are written verbatim (ZipInfo keeps '..', '/', '\\')."""
    items = members.items() if isinstance(members, dict) else members
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in items:
            info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def shai_archive() -> bytes:
    """A benign chemSHERPA-like archive, plus the clutter a Mac and a nested folder add."""
    second = CHEMSHERPA_LIKE.replace(b"P-100", b"P-200")
    return make_zip(
        [
            ("product_b.xml", second),
            ("product_a.xml", CHEMSHERPA_LIKE),
            ("__MACOSX/._product_a.xml", b"\x00\x05\x16\x07 mac resource fork"),
            ("._product_a.xml", b"\x00\x05\x16\x07 mac resource fork"),
            ("nested/", b""),
            ("nested/ignored.xml", b"<not-read/>"),
            ("readme.txt", b"not a declaration"),
        ]
    )


def nested_only_archive() -> bytes:
    return make_zip({"declarations/product_a.xml": CHEMSHERPA_LIKE})


def zip_bomb(zeros: int = 10 * 2**20) -> bytes:
    """One member of ``zeros`` zero bytes: deflate packs it about 1000 to 1, far above the 100 limit."""
    return make_zip({"bomb.xml": b"<a>" + b"0" * zeros + b"</a>"})


def under_declared_member(real: int = 5 * 2**20, declared: int = 1000, fix_crc: bool = False) -> bytes:
    """A member whose headers (local and central) claim ``declared`` bytes while it inflates to ``real``.

    The declared ratio looks harmless; only the bytes actually produced reveal the lie. With ``fix_crc``
    the CRC is made to match the first ``declared`` bytes, so a reader that trusts the header stops
    there quietly instead of failing the CRC check.
    """
    content = b"<a>" + b"0" * (real - 7) + b"</a>"
    data = bytearray(make_zip({"liar.xml": content}))
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<L", data, central + 24, declared)  # uncompressed size, central directory
    struct.pack_into("<L", data, 22, declared)  # uncompressed size, local header
    if fix_crc:
        crc = zlib.crc32(content[:declared])
        struct.pack_into("<L", data, central + 16, crc)
        struct.pack_into("<L", data, 14, crc)
    return bytes(data)


def oversized_member(size: int) -> bytes:
    """A member of ``size`` incompressible-ish bytes (for tests that pass small limits)."""
    return make_zip({"big.xml": _noise(size)})


def many_members_total(count: int, size: int) -> bytes:
    return make_zip({f"part_{i:03}.xml": _noise(size, seed=i) for i in range(count)})


def _noise(size: int, seed: int = 0) -> bytes:
    # Deterministic, poorly compressible bytes without the random module.
    out = bytearray()
    block = seed.to_bytes(4, "big")
    while len(out) < size:
        block = zlib.crc32(block).to_bytes(4, "big") + block[:28]
        out += block
    return bytes(out[:size])


def zip_slip_dotdot() -> bytes:
    return make_zip({"ok.xml": CHEMSHERPA_LIKE, "../../evil.xml": b"<evil/>"})


def zip_slip_absolute() -> bytes:
    return make_zip({"/etc/evil.xml": b"<evil/>"})


def zip_slip_backslash() -> bytes:
    return make_zip({"..\\..\\evil.xml": b"<evil/>"})


def zip_slip_drive_letter() -> bytes:
    return make_zip({"C:/Windows/evil.xml": b"<evil/>"})


def zip_symlink() -> bytes:
    link = zipfile.ZipInfo("passwd.xml")
    link.create_system = 3  # Unix, so external_attr carries the file mode
    link.external_attr = (0o120777 << 16) | 0x20
    return make_zip([(link, b"/etc/passwd")])


def zip_duplicate_names() -> bytes:
    """Two entries called a.xml: tools disagree on which one is "the" file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate it writes
        return make_zip([("a.xml", CHEMSHERPA_LIKE), ("a.xml", b"<other/>")])


def too_many_members(count: int = 101) -> bytes:
    return make_zip({f"product_{i:03}.xml": b"<Declaration/>" for i in range(count)})


def lying_entry_count(count: int = 101) -> bytes:
    """101 members while the end record claims 1: the real count must still be enforced."""
    data = bytearray(too_many_members(count))
    eocd = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", data, eocd + 8, 1, 1)
    return bytes(data)


def encrypted_member() -> bytes:
    """zipfile cannot write encrypted archives, so set the 'encrypted' flag bit (bit 0) by hand in the
    local header and the central directory; the central directory is what a reader must check."""
    data = bytearray(make_zip({"secret.xml": CHEMSHERPA_LIKE}))
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, 6, struct.unpack_from("<H", data, 6)[0] | 0x1)
    struct.pack_into("<H", data, central + 8, struct.unpack_from("<H", data, central + 8)[0] | 0x1)
    return bytes(data)


def truncated_zip() -> bytes:
    data = shai_archive()
    return data[: len(data) // 2]


def empty_zip() -> bytes:
    return make_zip({})


# --- .xlsx -------------------------------------------------------------------------------------------


def xlsx_workbook() -> bytes:
    """A genuine small workbook written by openpyxl."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Composition"
    sheet.append(["CAS", "Substance", "Mass (mg)"])
    sheet.append(["7439-92-1", "Lead", 0.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _replace_members(xlsx: bytes, replacements: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source:
        members = [(n, replacements.get(n, source.read(n))) for n in source.namelist()]
    return make_zip(members)


SHEET = "xl/worksheets/sheet1.xml"


def xlsx_bomb(zeros: int = 10 * 2**20) -> bytes:
    """The first sheet replaced by a cell holding ``zeros`` zero characters."""
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"0" * zeros + b"</t></is></c></row>"
        b"</sheetData></worksheet>"
    )
    return _replace_members(xlsx_workbook(), {SHEET: sheet})


XLSX_DOCTYPE_LINE = 2


def xlsx_doctype_in_sheet() -> bytes:
    """The first sheet carries a small entity-expansion DOCTYPE on line XLSX_DOCTYPE_LINE."""
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'
    )
    return _replace_members(xlsx_workbook(), {SHEET: sheet})


def xlsx_doctype_utf16_rels() -> bytes:
    """A relationships part saved as UTF-16 hiding an external entity from a byte-level search."""
    rels = (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">&x;'
        "</Relationships>"
    ).encode("utf-16")
    return _replace_members(xlsx_workbook(), {"_rels/.rels": rels})


def zip_without_workbook() -> bytes:
    """A ZIP renamed .xlsx: has [Content_Types].xml but no xl/workbook.xml."""
    return make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"})
