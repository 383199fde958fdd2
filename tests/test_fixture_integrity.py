"""The versioned reference data under fixtures/ stays well-formed: CAS check digits, codes, languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CAS = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def cas_check_digit_ok(cas: str) -> bool:
    match = CAS.match(cas)
    if not match:
        return False
    digits = (match.group(1) + match.group(2))[::-1]
    return sum((i + 1) * int(d) for i, d in enumerate(digits)) % 10 == int(match.group(3))


def _all_cas(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "cas" and isinstance(value, str):
                if value:  # an empty CAS is an undisclosed rest ("other substances"), not a number
                    found.append(value)
            else:
                found += _all_cas(value)
    elif isinstance(node, list):
        for value in node:
            found += _all_cas(value)
    return found


def test_cas_check_digit_helper():
    assert cas_check_digit_ok("7439-92-1")  # lead
    assert cas_check_digit_ok("117-81-7")  # DEHP
    assert not cas_check_digit_ok("117-81-8")


@pytest.mark.parametrize("path", sorted((FIXTURES / "chemicals").rglob("*.json")), ids=lambda p: p.name)
def test_every_cas_in_chemical_fixtures_is_valid(path):
    numbers = _all_cas(json.loads(path.read_text(encoding="utf-8")))
    bad = [n for n in numbers if not cas_check_digit_ok(n)]
    assert bad == []


def test_regulated_list_has_27_plus_27_groups():
    data = json.loads((FIXTURES / "chemicals" / "lists" / "gpg-13.0.json").read_text(encoding="utf-8"))
    codes = [g["code"] for g in data["groups"]]
    assert codes == [f"T1-{i}" for i in range(1, 28)] + [f"T2-{i}" for i in range(1, 28)]


@pytest.mark.parametrize(
    "path", sorted((FIXTURES / "surveys" / "questionnaires").glob("*.json")), ids=lambda p: p.name
)
def test_questionnaires_have_unique_codes_and_three_languages(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    codes = [q["code"] for s in data["sections"] for q in s["questions"]]
    assert len(codes) == len(set(codes))
    for section in data["sections"]:
        for question in section["questions"]:
            assert {"en", "ja", "zh-hans"} <= {k for k, v in question["text"].items() if v}, question["code"]
            assert question["source"], question["code"]
