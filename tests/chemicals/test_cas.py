"""CAS numbers as suppliers type them: normalisation, format, check digit; SN group numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chemicals.cas import check_digit_ok, is_cas_format, is_sn_number, looks_like_cas, normalize, normalize_sn

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "chemicals"


def fullwidth(text: str) -> str:
    """The text as a Japanese IME types it: ASCII letters, digits and "-" in their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7439-92-1", "7439-92-1"),
        ("  7439-92-1\n", "7439-92-1"),
        (fullwidth("7439-92-1"), "7439-92-1"),  # full-width digits and hyphen-minus
        ("7439\u201092\u20131", "7439-92-1"),  # typographic hyphen and en dash from a PDF
        ("7439ー92ー1", "7439-92-1"),  # katakana long-vowel mark typed for "-"
        ("0007439-92-1", "7439-92-1"),
        ("050-00-0", "50-00-0"),
        ("7439 - 92 - 1", "7439-92-1"),
        ("117817", "117-81-7"),  # undashed form gets its hyphens back
        ("7439 92 1", "7439-92-1"),
        ("2156592-54-8", "2156592-54-8"),  # seven-digit first part
    ],
)
def test_normalize_folds_what_suppliers_type(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "7440-4-39",
        "74-3",
        "1234",
        "5-00-0",
        "05-00-0",
        "CAS 7439-92-1",
        "abc",
        "12345678901",
    ],
)
def test_normalize_rejects_what_cannot_be_a_cas_number(raw):
    assert normalize(raw) is None


def test_is_cas_format_wants_the_canonical_form():
    assert is_cas_format("7439-92-1")
    assert is_cas_format("2156592-54-8")
    assert is_cas_format("7440-43-8")  # format only: the check digit is wrong but the shape is right
    for raw in [
        fullwidth("7439-92-1"),
        " 7439-92-1",
        "0050-00-0",
        "7439 - 92 - 1",
        "117817",
        "7440-4-39",
        "",
    ]:
        assert not is_cas_format(raw), raw
        assert is_cas_format(normalize(raw)) is (normalize(raw) is not None)
    assert not is_cas_format(None)


def test_looks_like_cas_accepts_any_width_and_spacing_but_wants_hyphens():
    assert looks_like_cas("7439-92-1")
    assert looks_like_cas(fullwidth("7439-92-1"))
    assert looks_like_cas(" 7439 - 92 - 1 ")
    assert not looks_like_cas("117817")
    assert not looks_like_cas("Lead")
    assert not looks_like_cas(None)


@pytest.mark.parametrize(
    ("cas", "ok"),
    [
        # The worked examples of reference/substances.md §2.
        ("7440-43-9", True),  # cadmium
        ("117-81-7", True),  # DEHP
        ("7439-92-1", True),  # lead
        ("7440-43-8", False),  # wrong check digit
        ("7404-43-9", False),  # adjacent transposition of 7440-43-9
        ("50-00-1", False),  # typo of formaldehyde 50-00-0
        ("50-00-0", True),
        ("7440-4-39", False),  # middle group is not two digits
        ("2156592-54-8", True),
        ("117817", True),
        (fullwidth("7439-92-1"), True),
        ("", False),
        (None, False),
    ],
)
def test_check_digit(cas, ok):
    assert check_digit_ok(cas) is ok


def test_sn_numbers():
    assert is_sn_number("SN0015")
    assert is_sn_number(" sn0015 ")
    assert is_sn_number(fullwidth("SN0015"))
    assert normalize_sn("sn0015") == "SN0015"
    assert not is_sn_number("SN15")
    assert not is_sn_number("SN")
    assert not is_sn_number("7439-92-1")
    assert not is_sn_number(None)


def _member_cas_numbers() -> list[tuple[str, str]]:
    gpg = json.loads((FIXTURES / "lists" / "gpg-13.0.json").read_text(encoding="utf-8"))
    controlled = json.loads((FIXTURES / "ods-fgas.json").read_text(encoding="utf-8"))
    found = [(group["code"], m["cas"]) for group in gpg["groups"] for m in group["members"]["cas"]]
    found += [("ods", entry["cas"]) for entry in controlled["ods"]]
    found += [("fgas", entry["cas"]) for entry in controlled["fgas"]]
    return found


def test_every_member_cas_in_the_fixtures_is_canonical_and_passes_the_check_digit():
    members = _member_cas_numbers()
    assert len(members) > 500  # 274 list members + 71 ODS + 165 F-gases
    bad = [(where, cas) for where, cas in members if normalize(cas) != cas or not check_digit_ok(cas)]
    assert bad == []
