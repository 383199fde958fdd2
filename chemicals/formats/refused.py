"""Files we recognise but do not read: each is refused with a message that says what the file is and
what to send instead (formats.md section 6). Recognising them matters: a chemSHERPA 1.x file read
with the 2.x rules would give a plausible but wrong tree."""

from __future__ import annotations

from lxml import etree

from chemicals.formats.base import ParseResult, local_name, namespace_of
from chemicals.formats.chemsherpa import IEC62474_NS, is_scheme_2, tool_identity
from chemicals.problems import ERROR, Problem


def _refusal(code: str, element: etree._Element, source: str, **params: str) -> ParseResult:
    problem = Problem(code, ERROR, params, source=source, line=element.sourceline)
    return ParseResult(problems=[problem], format_key=code.removeprefix("format."))


class ChemSherpaV1:
    key = "chemsherpa_v1"

    def recognises(self, root: etree._Element) -> bool:
        if local_name(root) != "Main" or namespace_of(root) != IEC62474_NS:
            return False
        version = root.get("schemaDatabaseVersion", "")
        tool = tool_identity(root)
        # 1.x: schema X6.01ex1.0, or a tool id such as chemSHERPA-A1.03.00@1.03.00.
        return version.startswith("X6.") or (
            tool.rpartition("@")[2].startswith("1.") and not is_scheme_2(root)
        )

    def read(self, root: etree._Element, *, source: str) -> ParseResult:
        version = root.get("schemaDatabaseVersion", "") or tool_identity(root)
        return _refusal("format.chemsherpa_v1", root, source, version=version)


class GenericIec62474:
    key = "iec62474_generic"

    def recognises(self, root: etree._Element) -> bool:
        return local_name(root) == "Main" and namespace_of(root) == IEC62474_NS

    def read(self, root: etree._Element, *, source: str) -> ParseResult:
        tool = ""
        for child in root:
            if local_name(child) == "ToolNameVersionID":
                tool = f"{child.get('authority', '')} {child.get('identity', '')}".strip()
        return _refusal("format.iec62474_generic", root, source, tool=tool or "?")


class JampAis:
    key = "jamp_ais"

    def recognises(self, root: etree._Element) -> bool:
        return local_name(root) == "DESCRIPT"

    def read(self, root: etree._Element, *, source: str) -> ParseResult:
        return _refusal("format.jamp_ais", root, source)


class Ipc1752:
    key = "ipc1752"

    def recognises(self, root: etree._Element) -> bool:
        return local_name(root) == "MainDeclaration" and "ipc.org" in namespace_of(root)

    def read(self, root: etree._Element, *, source: str) -> ParseResult:
        return _refusal("format.ipc1752", root, source)


class Unknown:
    key = "unknown"

    def recognises(self, root: etree._Element) -> bool:
        return True

    def read(self, root: etree._Element, *, source: str) -> ParseResult:
        return _refusal("format.unknown", root, source, root=local_name(root) or "?")
