"""The small interface every declaration format implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol

from lxml import etree

from chemicals.composition import Product
from chemicals.problems import ERROR, Problem


@dataclass
class ParseResult:
    products: list[Product] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    format_key: str = ""

    def extend(self, other: ParseResult) -> None:
        self.products += other.products
        self.problems += other.problems
        if not self.format_key:
            self.format_key = other.format_key
        elif other.format_key and other.format_key not in self.format_key.split("+"):
            self.format_key = f"{self.format_key}+{other.format_key}"


class XmlFormat(Protocol):
    """A format read from one parsed XML document (one member of a .shai ZIP, or a bare XML file)."""

    key: str

    def recognises(self, root: etree._Element) -> bool: ...

    def read(self, root: etree._Element, *, source: str) -> ParseResult: ...


def local_name(element: etree._Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace_of(element: etree._Element) -> str:
    tag = element.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def parse_decimal(
    text: str | None, *, problems: list[Problem], source: str, line: int | None, path: str = ""
) -> Decimal | None:
    """TEXT as a Decimal; a problem (not an exception) when it is not a finite number."""
    if text is None or not text.strip():
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        problems.append(
            Problem("mass.not_a_number", ERROR, {"value": text}, source=source, line=line, path=path)
        )
        return None
    return value
