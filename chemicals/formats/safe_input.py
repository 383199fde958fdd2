"""Guard for uploaded declaration files: size, container and XML checks before any parser sees them.

Every format parser under ``chemicals/formats/`` gets its bytes from here, so the defences live in one
place (ASVS 5.0 V5 "File Handling", 1.5.1 XXE; see ``DESIGN.md`` "Untrusted files"):

* the upload size is checked from its length before anything is decoded or parsed;
* a ZIP (chemSHERPA .shai/.shci, .xlsx) is judged by its central directory - member count, declared
  sizes, compression ratio, names, encryption - before one byte is decompressed, and members are then
  read with a bounded, streamed read; nothing is ever extracted to disk;
* XML must be UTF-8 and may not carry a DOCTYPE at all. chemSHERPA and IPC-1752A files are described
  by XSD and never need a DTD, so refusing every declaration outright removes XXE, billion laughs and
  quadratic blow-up before the parser runs, and the hardened lxml parser is the second wall.

Every refusal is an ``InputRejected`` with a stable code, a location and a translatable message.
"""

from __future__ import annotations

import codecs
import io
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from lxml import etree

__all__ = [
    "InputRejected",
    "Limits",
    "check_upload_size",
    "check_xlsx",
    "hardened_parser",
    "is_zip",
    "parse_xml",
    "xml_documents",
]


class InputRejected(Exception):
    """An uploaded file was refused; nothing from it may be stored or processed further.

    ``message`` is rendered from a lazy translation when it is read, so the text follows the language
    active at display time (the web request or the supplier's language in a worker), not the one active
    when the file was checked.
    """

    def __init__(
        self,
        code: str,
        template: Any,
        *,
        location: str,
        line: int | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code, location)
        self.code = code
        self.template = template
        self.location = location
        self.line = line
        # Templates may name the line too ("at line %(line)s").
        self.params = {"line": line, **params}

    @property
    def message(self) -> str:
        return str(self.template) % self.params

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "location": self.location,
            "line": self.line,
            "severity": "error",
        }

    def __str__(self) -> str:
        return f"{self.location}: {self.message} [{self.code}]"

    def __reduce__(self):  # Celery and multiprocessing pickle exceptions; keep the keyword arguments.
        return (_rebuild_rejection, (self.code, self.template, self.location, self.params))


def _rebuild_rejection(code: str, template: Any, location: str, params: dict) -> InputRejected:
    return InputRejected(code, template, location=location, **params)


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int
    # The chemSHERPA tools pack at most 100 XML files into one .shai/.shci.
    max_members: int = 100
    max_member_bytes: int = 50 * 2**20
    max_total_bytes: int = 200 * 2**20
    # Uncompressed / compressed size per member. Real XML deflates 5-20 times; a run of zeros 1000 times.
    max_ratio: float = 100.0
    # An .xlsx holds several parts per sheet (sheet, rels, drawings, comments), so 100 would refuse
    # ordinary multi-sheet workbooks; the central-directory cost stays bounded either way.
    max_xlsx_members: int = 1000

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(max_upload_bytes=settings.MAX_UPLOAD_BYTES)


def _limits(limits: Limits | None) -> Limits:
    return limits if limits is not None else Limits.from_settings()


def _size(n: float) -> str:
    """Human-readable size for messages ("50 MB"); binary units, as the limits are set in MiB."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" or n == int(n) else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _at(name: str, line: int | None) -> str:
    return f"{name}:{line}" if line is not None else name


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# --- size ------------------------------------------------------------------------------------------


def check_upload_size(size: int, *, name: str, limits: Limits | None = None) -> None:
    """Refuse an empty or oversized upload from its size alone (views can call this with
    ``UploadedFile.size`` before reading the file into memory)."""
    limit = _limits(limits).max_upload_bytes
    if size == 0:
        raise InputRejected(
            "upload.empty",
            _("The file %(name)s is empty. Check that you chose the right file and upload it again."),
            location=name,
            name=name,
        )
    if size > limit:
        raise InputRejected(
            "upload.too_large",
            _(
                "The file %(name)s is %(size)s, more than the %(limit)s accepted. "
                "Split the declaration into smaller files and upload them one by one."
            ),
            location=name,
            name=name,
            size=_size(size),
            limit=_size(limit),
        )


# --- XML -------------------------------------------------------------------------------------------

_BOM_UTF8 = b"\xef\xbb\xbf"
# UTF-16/32 with a byte-order mark, or without one (libxml2 guesses those from the first "<").
_WIDE_STARTS = (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\xfe\xff", b"\xff\xfe", b"<\x00", b"\x00<")
# Whitespace, processing instructions (the XML declaration among them) and comments may precede a
# DOCTYPE. Possessive quantifiers keep a 50 MB run of either linear without a backtracking stack.
_PROLOG_SKIP = re.compile(rb"(?:[ \t\r\n]++|<\?.*?\?>|<!--.*?-->)*+", re.DOTALL)
_XML_DECL_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_ACCEPTED_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii"}
_WHITESPACE_ONLY = re.compile(rb"[ \t\r\n]*")
# libxml2's nesting limit when huge_tree is off; reported in the message.
_LIBXML2_MAX_DEPTH = 256
_DECODE_CHUNK = 1 << 20


def hardened_parser() -> etree.XMLParser:
    """A fresh lxml parser for untrusted XML.

    Fresh on every call: an lxml parser keeps its error log between documents, so reusing one would
    report an earlier file's errors, and parsers must not be shared between threads.
    """
    return etree.XMLParser(
        resolve_entities=False,  # explicit: lxml < 6.1 iterparse defaulted to True (CVE-2026-41066)
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,  # would need the DTD
        huge_tree=False,  # keeps libxml2's depth (256) and 10 MB text limits
        recover=False,  # a damaged file is refused, never half-read
        decompress=False,  # a gzip body posing as XML is not inflated
        remove_comments=True,  # parsers iterate children; comment nodes have a callable .tag
        remove_pis=True,  # <?xml-stylesheet?> and friends are never acted upon
        collect_ids=False,
        # Declarations have no mixed content: dropping indentation whitespace saves a third of the
        # tree's memory and parse time on a pretty-printed file.
        remove_blank_text=True,
    )


def _declaration_offset(data: bytes) -> int | None:
    """Offset of a markup declaration (``<!DOCTYPE``, ``<!ENTITY`` ...) in the prolog, else None.

    A DOCTYPE is only legal in the prolog, so scanning up to the first element is enough; anything the
    scan does not understand is left to the parser, which refuses it as malformed.
    """
    start = len(_BOM_UTF8) if data.startswith(_BOM_UTF8) else 0
    match = _PROLOG_SKIP.match(data, start)
    pos = match.end() if match else start
    if data.startswith(b"<!", pos) and not data.startswith(b"<!--", pos):
        return pos
    return None


def _doctype_rejection(name: str, line: int | None) -> InputRejected:
    return InputRejected(
        "xml.doctype_forbidden",
        _(
            "The file %(name)s contains a document type or entity declaration (<!DOCTYPE ...>). Files "
            "uploaded here never need one, and such declarations can make a server read other files, so "
            "the file is refused. Export or save the file again from the program that created it and "
            "upload the new file."
        ),
        location=_at(name, line),
        line=line,
        name=name,
    )


def _invalid_utf8_offset(data: bytes) -> int | None:
    """Offset of the first byte that is not valid UTF-8, decoded in chunks to keep memory flat."""
    view = memoryview(data)
    pos = 0
    while pos < len(data):
        final = pos + _DECODE_CHUNK >= len(data)
        try:
            _text, consumed = codecs.utf_8_decode(view[pos : pos + _DECODE_CHUNK], "strict", final)
        except UnicodeDecodeError as exc:
            return pos + exc.start
        if consumed == 0:  # cannot happen with 1 MiB chunks; guards against an endless loop
            return pos
        pos += consumed
    return None


def _check_encoding(data: bytes, name: str) -> None:
    """Accept UTF-8 only (with or without BOM).

    chemSHERPA and IPC-1752A files are UTF-8. Refusing other encodings keeps the byte-level DOCTYPE
    scan sound (UTF-16 would hide ``<!DOCTYPE`` from it) and stops a wrong declaration from storing
    mojibake.
    """
    if data.startswith(_WIDE_STARTS):
        raise InputRejected(
            "xml.encoding",
            _(
                "The file %(name)s is saved as UTF-16 or UTF-32 text. Only UTF-8 is accepted: save the "
                "file as UTF-8 (or export it again from your declaration tool) and upload it again."
            ),
            location=name,
            name=name,
        )
    head = data[len(_BOM_UTF8) : 512] if data.startswith(_BOM_UTF8) else data[:512]
    declared = _XML_DECL_ENCODING.match(head.lstrip(b" \t\r\n"))
    if declared and declared.group(1).decode("ascii").lower() not in _ACCEPTED_ENCODINGS:
        raise InputRejected(
            "xml.encoding",
            _(
                "The file %(name)s declares the text encoding %(encoding)s. Only UTF-8 is accepted: save "
                "the file as UTF-8 (or export it again from your declaration tool) and upload it again."
            ),
            location=_at(name, 1),
            line=1,
            name=name,
            encoding=declared.group(1).decode("ascii"),
        )
    bad = _invalid_utf8_offset(data)
    if bad is not None:
        line = _line_of(data, bad)
        raise InputRejected(
            "xml.encoding",
            _(
                "Line %(line)s of the file %(name)s contains bytes that are not valid UTF-8 text. The "
                "file was probably saved in another encoding or edited with an unsuitable program; save "
                "it as UTF-8 (or export it again) and upload it again."
            ),
            location=_at(name, line),
            line=line,
            name=name,
        )


def _check_looks_like_xml(data: bytes, name: str, lim: Limits) -> None:
    """Judge the content, not the extension (ASVS 5.2.2): after an optional BOM and whitespace an XML
    document starts with "<". A PDF, a gzip body or an .xls renamed to .xml or .shai stops here."""
    body_start = len(_BOM_UTF8) if data.startswith(_BOM_UTF8) else 0
    first = _WHITESPACE_ONLY.match(data, body_start).end()
    if first == len(data):
        check_upload_size(0, name=name, limits=lim)
    if data.startswith(_WIDE_STARTS):
        _check_encoding(data, name)  # raises xml.encoding, which says what to do
    if not data.startswith(b"<", first):
        raise InputRejected(
            "upload.unknown_format",
            _(
                "The file %(name)s is neither an XML file nor a ZIP archive such as a chemSHERPA .shai "
                "or .shci file. Upload the file exactly as your declaration tool saved it."
            ),
            location=name,
            name=name,
        )


def _syntax_rejection(exc: etree.XMLSyntaxError, parser: etree.XMLParser, name: str) -> InputRejected:
    # The parser's own log, not exc.error_log: the latter is lxml's per-thread log and still holds the
    # errors of earlier documents parsed in the same worker.
    errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    # The first error is the cause; later ones are usually its consequences.
    first = errors[0] if errors else None
    line = (first.line if first else exc.lineno) or None
    detail = (first.message if first else str(exc.msg or exc)).strip()
    type_name = first.type_name if first else ""
    if type_name == "ERR_RESOURCE_LIMIT" and "depth" in detail.lower():
        return InputRejected(
            "xml.too_deep",
            _(
                "The file %(name)s nests XML elements more than %(limit)s levels deep (line %(line)s). "
                "No declaration needs that; export the file again from your declaration tool."
            ),
            location=_at(name, line),
            line=line,
            name=name,
            limit=_LIBXML2_MAX_DEPTH,
        )
    if type_name == "ERR_RESOURCE_LIMIT" and "entity" in detail.lower():
        # Entity amplification: only reachable with entity declarations, i.e. a DOCTYPE.
        return _doctype_rejection(name, line)
    if type_name == "ERR_RESOURCE_LIMIT":
        return InputRejected(
            "xml.value_too_long",
            _(
                "The file %(name)s holds a text or attribute value at line %(line)s that is longer than "
                "the XML reader accepts (10 MB). Export the file again from your declaration tool."
            ),
            location=_at(name, line),
            line=line,
            name=name,
        )
    if type_name in {"ERR_INVALID_ENCODING", "ERR_UNKNOWN_ENCODING", "ERR_UNSUPPORTED_ENCODING"}:
        return InputRejected(
            "xml.encoding",
            _(
                "Line %(line)s of the file %(name)s contains bytes that are not valid UTF-8 text. Save it "
                "as UTF-8 (or export it again) and upload it again."
            ),
            location=_at(name, line),
            line=line,
            name=name,
        )
    return InputRejected(
        "xml.malformed",
        _(
            "The file %(name)s is not well-formed XML: the problem is at line %(line)s (%(detail)s). "
            "The file may be incomplete or edited by hand; export it again from your declaration tool "
            "and upload the new file."
        ),
        location=_at(name, line),
        line=line,
        name=name,
        detail=detail,
    )


def parse_xml(data: bytes, *, name: str, limits: Limits | None = None) -> etree._Element:
    """Parse one untrusted XML document and return its root element (elements keep ``.sourceline``).

    Raises ``InputRejected`` naming the line for oversized, empty, non-UTF-8, DOCTYPE-bearing and
    malformed input. The checks run cheapest first, so a 100 MB file costs one ``len()``.
    """
    lim = _limits(limits)
    # A ZIP member may legitimately be as large as max_member_bytes even if the upload limit is lower.
    check_upload_size(len(data), name=name, limits=Limits(max(lim.max_upload_bytes, lim.max_member_bytes)))
    _check_looks_like_xml(data, name, lim)
    _check_encoding(data, name)
    offset = _declaration_offset(data)
    if offset is not None:
        raise _doctype_rejection(name, _line_of(data, offset))
    parser = hardened_parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _syntax_rejection(exc, parser, name) from None
    # Defence in depth: should the prolog scan ever miss a DOCTYPE, the parser has kept it unexpanded
    # (no entity resolution, no DTD loading), and it is refused here all the same.
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _doctype_rejection(name, None)
    return root


# --- ZIP containers --------------------------------------------------------------------------------

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # first local header, or the end record of an empty archive
_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
# Central-directory bytes allowed per permitted member: 46 fixed bytes plus generous room for name and
# extra fields. zipfile builds a ZipInfo for every entry it finds, so an archive of a million tiny
# entries would cost hundreds of MB before infolist() even returns; this bounds that work.
_CD_BYTES_PER_MEMBER = 1024
# Below this size a member is not checked for its ratio: small, repetitive parts ([Content_Types].xml,
# styles) can compress well, and a 1 MiB member cannot hurt anyone whatever its ratio.
_RATIO_FLOOR = 1 << 20
_READ_CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")
# Flag bit 0: traditional encryption; bit 6: strong encryption.
_ENCRYPTED_FLAGS = 0x1 | 0x40


def is_zip(data: bytes) -> bool:
    """True if the bytes start like a ZIP archive (judged by content, never by the file name)."""
    return data[:4] in _ZIP_MAGIC


def _corrupt(name: str, detail: str) -> InputRejected:
    return InputRejected(
        "zip.corrupt",
        _(
            "The archive %(name)s is damaged or incomplete (%(detail)s). Export it again from your "
            "declaration tool and upload the new file."
        ),
        location=name,
        name=name,
        detail=detail,
    )


def _too_many(name: str, limit: int) -> InputRejected:
    return InputRejected(
        "zip.too_many_members",
        _(
            "The archive %(name)s contains more than %(limit)s files. Split it into several archives "
            "of at most %(limit)s files each and upload them one by one."
        ),
        location=name,
        name=name,
        limit=limit,
    )


def _central_directory(data: bytes, name: str) -> tuple[int, int]:
    """(entry count, central directory size) as the end record declares them, read without zipfile."""
    pos = data.rfind(b"PK\x05\x06", max(0, len(data) - _EOCD.size - 0xFFFF))
    if pos < 0 or pos + _EOCD.size > len(data):
        raise _corrupt(name, "no end of central directory")
    _sig, _disk, _cd_disk, _disk_entries, entries, cd_size, _cd_offset, _comment = _EOCD.unpack_from(
        data, pos
    )
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:  # ZIP64: the real values are in the ZIP64 record
        loc = pos - _EOCD64_LOCATOR.size
        rec = loc - _EOCD64.size
        if rec < 0 or data[loc : loc + 4] != b"PK\x06\x07" or data[rec : rec + 4] != b"PK\x06\x06":
            raise _corrupt(name, "ZIP64 end record missing")
        fields = _EOCD64.unpack_from(data, rec)
        entries, cd_size = fields[7], fields[8]
    return entries, cd_size


def _unsafe_name(info: zipfile.ZipInfo, seen: set[str]) -> bool:
    raw = info.orig_filename
    parts = raw.split("/")
    is_link = stat.S_ISLNK(info.external_attr >> 16)
    return (
        not raw
        or raw.startswith("/")
        or "\\" in raw
        or "\x00" in raw
        or any(ord(ch) < 32 for ch in raw)
        or bool(_DRIVE.match(raw))
        or ".." in parts
        or is_link
        or raw in seen
    )


def _open_checked(data: bytes, name: str, lim: Limits, max_members: int) -> tuple[zipfile.ZipFile, list]:
    """Open a ZIP and vet its central directory (ASVS 5.2.3) before anything is decompressed."""
    check_upload_size(len(data), name=name, limits=lim)
    entries, cd_size = _central_directory(data, name)
    if entries > max_members or cd_size > max_members * _CD_BYTES_PER_MEMBER:
        raise _too_many(name, max_members)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error) as exc:
        raise _corrupt(name, str(exc)) from None
    infos = archive.infolist()
    if len(infos) > max_members:  # the end record may under-count
        raise _too_many(name, max_members)
    seen: set[str] = set()
    total = 0
    for info in infos:
        member = info.orig_filename
        where = f"{name}/{member}"
        if _unsafe_name(info, seen):
            raise InputRejected(
                "zip.unsafe_name",
                _(
                    "The archive %(name)s contains an entry with an unsafe name or type (%(member)s). "
                    "Absolute paths, '..', backslashes, drive letters, links and repeated names are "
                    "refused. Pack the files again with the declaration tool and upload the new archive."
                ),
                location=name,
                name=name,
                member=member,
            )
        seen.add(member)
        if info.flag_bits & _ENCRYPTED_FLAGS:
            raise InputRejected(
                "zip.encrypted",
                _(
                    "The archive %(name)s is protected with a password (%(member)s). Save it again "
                    "without a password and upload the new file."
                ),
                location=where,
                name=name,
                member=member,
            )
        if info.file_size > lim.max_member_bytes:
            raise _member_too_large(name, member, lim.max_member_bytes)
        if info.file_size > _RATIO_FLOOR and info.file_size > lim.max_ratio * max(info.compress_size, 1):
            raise _ratio_too_high(name, member, lim.max_ratio)
        total += info.file_size
        if total > lim.max_total_bytes:
            raise _total_too_large(name, lim.max_total_bytes)
    return archive, infos


def _member_too_large(name: str, member: str, limit: int) -> InputRejected:
    return InputRejected(
        "zip.member_too_large",
        _(
            "The file %(member)s in the archive %(name)s unpacks to more than %(limit)s. Split the "
            "declaration into smaller files and upload them one by one."
        ),
        location=f"{name}/{member}",
        name=name,
        member=member,
        limit=_size(limit),
    )


def _total_too_large(name: str, limit: int) -> InputRejected:
    return InputRejected(
        "zip.total_too_large",
        _(
            "The archive %(name)s unpacks to more than %(limit)s in total. Split it into several "
            "smaller archives and upload them one by one."
        ),
        location=name,
        name=name,
        limit=_size(limit),
    )


def _ratio_too_high(name: str, member: str, ratio: float) -> InputRejected:
    return InputRejected(
        "zip.ratio_too_high",
        _(
            "The file %(member)s in the archive %(name)s is compressed more than %(ratio)s times, which "
            "real declaration files never are (such archives are used to overload servers). Export the "
            "declaration again from your declaration tool and upload the new file."
        ),
        location=f"{name}/{member}",
        name=name,
        member=member,
        ratio=f"{ratio:g}",
    )


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, lim: Limits, budget: int
) -> bytes:
    """Decompress one member into memory, stopping as soon as it passes a limit.

    zipfile already stops at the size the central directory declares, but the limits are enforced on
    the bytes actually produced too, so a lying header can never cost more than the limits allow.
    """
    member = info.orig_filename
    cap = min(lim.max_member_bytes, budget, info.file_size)
    chunks: list[bytes] = []
    got = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(min(_READ_CHUNK, cap - got + 1)):
                got += len(chunk)
                chunks.append(chunk)
                if got > lim.max_member_bytes:
                    raise _member_too_large(name, member, lim.max_member_bytes)
                if got > budget:
                    raise _total_too_large(name, lim.max_total_bytes)
                if got > _RATIO_FLOOR and got > lim.max_ratio * max(info.compress_size, 1):
                    raise _ratio_too_high(name, member, lim.max_ratio)
                if got > info.file_size:
                    raise _corrupt(name, f"{member}: longer than declared")
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,  # zipfile's answer to a compression method it cannot read (e.g. deflate64)
        RuntimeError,
        ValueError,
        OSError,
    ) as exc:
        raise _corrupt(name, str(exc)) from None
    return b"".join(chunks)


def _is_declaration_member(member: str) -> bool:
    # chemSHERPA tools write their XML files at the archive root. XML inside folders is ignored rather
    # than refused: archives re-packed on a Mac add __MACOSX/ folders and "._" resource files, and a
    # re-packed folder would otherwise be read twice. If only nested XML exists the caller gets
    # zip.no_xml, whose message explains where the files must be.
    return "/" not in member and not member.startswith(".") and member.lower().endswith(".xml")


def xml_documents(data: bytes, *, name: str, limits: Limits | None = None) -> list[tuple[str, bytes]]:
    """The XML documents of an upload, as ``[(member name, bytes)]`` sorted by member name.

    A ZIP (recognised by its magic bytes) yields its root-level ``*.xml`` members; pass
    ``name=f"{archive}/{member}"`` to ``parse_xml`` so its locations read ``archive/member:line``. Any
    other upload must look like XML and is returned as ``[(name, data)]``. Nothing is written to disk.
    """
    lim = _limits(limits)
    check_upload_size(len(data), name=name, limits=lim)
    if not is_zip(data):
        _check_looks_like_xml(data, name, lim)
        return [(name, data)]

    archive, infos = _open_checked(data, name, lim, lim.max_members)
    with archive:
        wanted = sorted(
            (i for i in infos if not i.is_dir() and _is_declaration_member(i.orig_filename)),
            key=lambda i: i.orig_filename,
        )
        if not wanted:
            raise InputRejected(
                "zip.no_xml",
                _(
                    "The archive %(name)s contains no XML file at its top level. Declaration archives "
                    "keep their XML files at the top level; if you packed the files yourself, do not "
                    "put them in a folder."
                ),
                location=name,
                name=name,
            )
        documents: list[tuple[str, bytes]] = []
        budget = lim.max_total_bytes
        for info in wanted:
            content = _read_member(archive, info, name, lim, budget)
            budget -= len(content)
            documents.append((info.orig_filename, content))
    return documents


# --- .xlsx -----------------------------------------------------------------------------------------

_XLSX_REQUIRED = ("[Content_Types].xml", "xl/workbook.xml")
# Parts openpyxl reads as XML. Media (an SVG logo may carry a harmless DOCTYPE) are never parsed.
_XLSX_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DECLARATION_ANYWHERE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_WIDE_CODECS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)


def _as_utf8(part: bytes) -> bytes:
    for start, codec in _WIDE_CODECS:
        if part.startswith(start):
            return part.decode(codec, errors="replace").encode("utf-8")
    return part


def check_xlsx(data: bytes, *, name: str, limits: Limits | None = None) -> None:
    """Vet an .xlsx before openpyxl opens it: openpyxl has no zip-bomb guard and, without defusedxml,
    no entity guard either. Every XML part is decompressed (bounded) and searched for declarations."""
    lim = _limits(limits)
    check_upload_size(len(data), name=name, limits=lim)
    not_a_workbook = InputRejected(
        "xlsx.not_a_workbook",
        _(
            "The file %(name)s is not an Excel workbook (.xlsx). If it is an older .xls file or is "
            "protected with a password, open it in Excel, remove the password, save it as .xlsx and "
            "upload it again."
        ),
        location=name,
        name=name,
    )
    if not is_zip(data):
        raise not_a_workbook
    archive, infos = _open_checked(data, name, lim, lim.max_xlsx_members)
    with archive:
        members = {i.orig_filename for i in infos}
        if not all(required in members for required in _XLSX_REQUIRED):
            raise not_a_workbook
        budget = lim.max_total_bytes
        for info in infos:
            if info.is_dir() or not info.orig_filename.lower().endswith(_XLSX_XML_SUFFIXES):
                continue
            part = _as_utf8(_read_member(archive, info, name, lim, budget))
            budget -= info.file_size
            found = _DECLARATION_ANYWHERE.search(part)
            if found:
                raise _doctype_rejection(f"{name}/{info.orig_filename}", _line_of(part, found.start()))
