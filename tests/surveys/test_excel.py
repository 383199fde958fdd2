"""The survey Excel round-trip: layout of the response workbook, import of every kind of answer,
all problems of a broken file at once with their cells, hostile containers, and the campaign export."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils.translation import gettext, override

from surveys import excel
from surveys.questionnaire import Questionnaire, localized, questionnaire_from_document

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "surveys" / "questionnaires"
ALL_FILES = sorted(p.name for p in FIXTURES.glob("*.json"))
HYPERLINK = '=HYPERLINK("http://evil.example/x","click")'


def load(name: str) -> Questionnaire:
    return questionnaire_from_document(json.loads((FIXTURES / name).read_text(encoding="utf-8")))


def export(
    questionnaire: Questionnaire, answers: dict[str, Any] | None = None, language: str = "ja"
) -> bytes:
    return excel.response_workbook(
        questionnaire, answers or {}, language=language, title_lines=["ACME Corp.", "Campaign 2026"]
    )


def find_row(book: openpyxl.Workbook, code: str) -> tuple[Any, int]:
    """(sheet, row) of question CODE, found by the hidden key column as the import finds it."""
    for sheet in book.worksheets:
        for row in range(1, sheet.max_row + 1):
            if sheet.cell(row=row, column=1).value == code:
                return sheet, row
    raise AssertionError(f"{code} not in the workbook")


def edited(data: bytes, changes: dict[str, Any], *, extra: dict[str, tuple[str, Any]] | None = None) -> bytes:
    """DATA with answer cells of CHANGES overwritten, as a supplier would in Excel."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    for code, value in changes.items():
        sheet, row = find_row(book, code)
        sheet.cell(row=row, column=4, value=value)
    for sheet_name, (code, value) in (extra or {}).items():
        sheet = book[sheet_name]
        row = sheet.max_row + 1
        sheet.cell(row=row, column=1, value=code)
        sheet.cell(row=row, column=4, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_of(questionnaire: Questionnaire, code: str, data: bytes) -> tuple[str, int]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet, row = find_row(book, code)
    return sheet.title, row


# -- answers used in the round trips -------------------------------------------------------------------

ENV_ACTIVITY = {
    "A1": "iso14001",
    "A4": "2027-03-31",
    "B1": "implemented",
    **{f"C{n:02d}": ("implemented", "planned", "not_implemented")[n % 3] for n in range(1, 21)},
    "D1": "used",
    "D2": "Trichloroethane in degreasing, line 3.\nBeing phased out by 2027.",
}

ENV_PERFORMANCE = {
    "R1": "2025-12-31",
    "R2": "sites",
    "R3": "Osaka plant; Suzhou plant",
    "E1": "1234.5",
    "E3": "98765.43",
    "E4": "12",
    "E5": "market",
    "E6": "some",
    "E7": ["cat01", "cat04", "cat11"],
    "E8": "0.5",
    "T1": "sbti",
    "T2": ["scope1", "scope3"],
    "T3": "2019",
    "T4": "2030",
    "T5": "42",
    "T6": "-3.5",
    "P1": "some",
    "P2": ["iso14067", "pact", "other"],
    "P3": "Internal method, based on ISO 14040",
    "W1": "0",
    "H1": "100000",
}


def saq_answers(questionnaire: Questionnaire) -> dict[str, Any]:
    cycle = ("yes", "partly", "no", "na")
    answers: dict[str, Any] = {}
    for n, question in enumerate(questionnaire.questions):
        if question.type == "ynpna":
            answers[question.code] = cycle[n % 4]
        elif question.type == "single":
            answers[question.code] = question.option_codes[n % len(question.options)]
    return answers


# -- round trips ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "answers"),
    [
        ("env-activity-2026.1.json", ENV_ACTIVITY),
        ("env-performance-2026.1.json", ENV_PERFORMANCE),
        ("saq-2026.1.json", None),
    ],
)
@pytest.mark.parametrize("language", ["ja", "en", "zh-hans"])
def test_prefilled_export_imports_to_the_same_answers(name, answers, language):
    questionnaire = load(name)
    answers = answers or saq_answers(questionnaire)
    result = excel.read_response_workbook(
        export(questionnaire, answers, language), questionnaire, language=language
    )
    assert result.problems == []
    assert result.answers == answers


@pytest.mark.parametrize("name", ALL_FILES)
def test_blank_export_imports_to_no_answers_and_no_problems(name):
    questionnaire = load(name)
    result = excel.read_response_workbook(export(questionnaire), questionnaire, language="ja")
    assert result == excel.ImportResult(answers={}, problems=[])


def test_answers_typed_into_the_workbook_are_read_like_the_form_reads_them():
    questionnaire = load("env-performance-2026.1.json")
    data = edited(
        export(questionnaire, language="en"),
        {
            "R1": datetime.datetime(2025, 12, 31),
            "E1": 1500,
            "E3": "１２３.４",  # full-width digits typed with a Japanese IME
            "W2": 55.5,
            "E7": (
                "Category 1: Purchased goods and services\n"
                "category 4: upstream transportation and distribution"
            ),
            "R3": "  Osaka  ",
        },
    )
    result = excel.read_response_workbook(data, questionnaire, language="en")
    assert result.problems == []
    assert result.answers == {
        "R1": "2025-12-31",
        "E1": "1500",
        "E3": "123.4",
        "W2": "55.5",
        "E7": ["cat01", "cat04"],
        "R3": "Osaka",
    }


def test_labels_in_another_language_and_option_codes_are_accepted():
    questionnaire = load("env-performance-2026.1.json")
    e7 = questionnaire.question("E7")
    r2 = questionnaire.question("R2")
    t1 = questionnaire.question("T1")
    data = edited(
        export(questionnaire, language="ja"),
        {
            "R2": localized(r2.option("company").label, "zh-hans"),
            "T1": "  " + localized(t1.option("sbti").label, "en").upper() + " ",
            "E5": "LOCATION",
            "E7": "; ".join(
                [
                    localized(e7.option("cat01").label, "en"),
                    localized(e7.option("cat02").label, "zh-hans"),
                    localized(e7.option("cat03").label, "ja"),
                    "cat15",
                ]
            ),
        },
    )
    result = excel.read_response_workbook(data, questionnaire, language="ja")
    assert result.problems == []
    assert result.answers == {
        "R2": "company",
        "T1": "sbti",
        "E5": "location",
        "E7": ["cat01", "cat02", "cat03", "cat15"],
    }


def test_file_questions_are_locked_and_ignored_on_import():
    questionnaire = load("env-activity-2026.1.json")
    data = export(questionnaire, language="en")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet, row = find_row(book, "A3")
    cell = sheet.cell(row=row, column=4)
    assert cell.value is None
    assert cell.fill.fgColor.rgb.endswith("D9D9D9")
    assert "portal" in sheet.cell(row=row, column=6).value
    locked = [dv for dv in sheet.data_validations.dataValidation if cell.coordinate in dv.sqref]
    assert [dv.type for dv in locked] == ["custom"]

    result = excel.read_response_workbook(
        edited(data, {"A3": "certificate.pdf"}), questionnaire, language="en"
    )
    assert result == excel.ImportResult(answers={}, problems=[])


# -- layout ----------------------------------------------------------------------------------------------


def test_workbook_layout():
    questionnaire = load("env-performance-2026.1.json")
    book = openpyxl.load_workbook(io.BytesIO(export(questionnaire, ENV_PERFORMANCE, language="ja")))
    with override("ja"):
        assert book.sheetnames[0] == gettext("Instructions")
    assert book.sheetnames[-2:] == ["_lists", "_meta"]
    assert book["_lists"].sheet_state == "hidden"
    assert book["_meta"].sheet_state == "hidden"
    instructions = "\n".join(str(c.value) for c in book.worksheets[0]["B"] if c.value)
    assert localized(questionnaire.title, "ja") in instructions
    assert "ACME Corp." in instructions
    assert "YYYY-MM-DD" in instructions

    section_sheets = book.sheetnames[1:-2]
    assert len(section_sheets) == len(questionnaire.sections)
    for title, section in zip(section_sheets, questionnaire.sections, strict=True):
        assert title.startswith(section.code + " ")
        assert len(title) <= 31
        assert not set(title) & set("[]:*?/\\")
        sheet = book[title]
        assert sheet.column_dimensions["A"].hidden
        assert sheet["D2"].font.bold
        assert sheet.freeze_panes == "C3"
        assert [sheet.cell(row=r, column=1).value for r in range(3, 3 + len(section.questions))] == [
            q.code for q in section.questions
        ]

    # A choice cell: the ja label, and a drop-down pointing at the labels on the hidden sheet.
    sheet, row = find_row(book, "R2")
    r2 = questionnaire.question("R2")
    cell = sheet.cell(row=row, column=4)
    assert cell.value == localized(r2.option("sites").label, "ja")
    (dv,) = [dv for dv in sheet.data_validations.dataValidation if cell.coordinate in dv.sqref]
    assert dv.type == "list"
    lists_sheet, cells = dv.formula1.split("!")
    assert lists_sheet.strip("'") == "_lists"
    listed = [c.value for row_cells in book["_lists"][cells.replace("$", "")] for c in row_cells]
    assert listed == [localized(o.label, "ja") for o in r2.options]

    # A number cell: a number with a decimal validation from the questionnaire's bounds.
    sheet, row = find_row(book, "T3")
    cell = sheet.cell(row=row, column=4)
    assert cell.value == 2019
    (dv,) = [dv for dv in sheet.data_validations.dataValidation if cell.coordinate in dv.sqref]
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "1990", "2100")
    assert "year" in sheet.cell(row=row, column=5).value

    # A date cell holds a real date.
    sheet, row = find_row(book, "R1")
    cell = sheet.cell(row=row, column=4)
    assert cell.is_date
    assert cell.value.date() == datetime.date(2025, 12, 31)
    assert cell.number_format == "yyyy-mm-dd"

    # A multi cell: labels joined, explained in the hint, no drop-down.
    sheet, row = find_row(book, "T2")
    assert sheet.cell(row=row, column=4).value == "スコープ1; スコープ3"
    assert ";" in sheet.cell(row=row, column=5).value
    coordinate = sheet.cell(row=row, column=4).coordinate
    assert not [dv for dv in sheet.data_validations.dataValidation if coordinate in dv.sqref]

    # A follow-up says when it applies, naming the gate and its labels.
    sheet, row = find_row(book, "R3")
    hint = sheet.cell(row=row, column=5).value
    assert "R2" in hint
    assert localized(r2.option("sites").label, "ja") in hint

    meta = {r[0]: r[1] for r in book["_meta"].iter_rows(values_only=True)}
    assert (meta["questionnaire"], meta["version"]) == ("env_performance", "2026.1")


def test_formula_looking_answer_is_escaped_in_the_export_and_comes_back_unchanged():
    questionnaire = load("env-activity-2026.1.json")
    answers = {"A1": "other_ems", "A2": HYPERLINK}
    data = export(questionnaire, answers, language="en")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet, row = find_row(book, "A2")
    cell = sheet.cell(row=row, column=4)
    assert cell.data_type == "s"
    assert cell.value == "'" + HYPERLINK
    assert excel.read_response_workbook(data, questionnaire, language="en").answers == answers


# -- a broken workbook: every problem at once ------------------------------------------------------------


def test_every_problem_of_a_broken_workbook_is_reported_at_its_cell():
    questionnaire = load("env-performance-2026.1.json")
    data = export(questionnaire, {"E1": "10", "R2": "company"}, language="en")
    gen, r2_row = sheet_of(questionnaire, "R2", data)
    _gen, r1_row = sheet_of(questionnaire, "R1", data)
    ene, e1_row = sheet_of(questionnaire, "E1", data)
    circ, w2_row = sheet_of(questionnaire, "W2", data)
    broken = edited(
        data,
        {"R2": "Half the group", "E1": "abc", "W2": -5, "R1": "2026-13-45"},
        extra={ene: ("Z99", "whatever")},
    )
    ene_last = openpyxl.load_workbook(io.BytesIO(broken))[ene].max_row

    result = excel.read_response_workbook(broken, questionnaire, language="en")

    found = {(p.code, p.sheet, p.cell, p.question) for p in result.problems}
    assert found == {
        ("answer.option_unknown", gen, f"D{r2_row}", "R2"),
        ("answer.date_invalid", gen, f"D{r1_row}", "R1"),
        ("answer.number_invalid", ene, f"D{e1_row}", "E1"),
        ("answer.number_below", circ, f"D{w2_row}", "W2"),
        ("xlsx.unknown_question", ene, f"A{ene_last}", ""),
    }
    assert len(result.problems) == 5
    messages = {p.code: p.message for p in result.problems}
    assert "Half the group" in messages["answer.option_unknown"]
    assert "abc" in messages["answer.number_invalid"]
    assert "0" in messages["answer.number_below"]
    assert "2026-13-45" in messages["answer.date_invalid"]
    assert "Z99" in messages["xlsx.unknown_question"]
    assert all(p.location == f"{p.sheet}!{p.cell}" for p in result.problems)


def test_unknown_items_of_a_multi_answer_are_reported():
    questionnaire = load("env-performance-2026.1.json")
    data = edited(export(questionnaire, language="en"), {"T2": "Scope 1; Scope 4; scope 9"})
    sheet, row = sheet_of(questionnaire, "T2", data)
    result = excel.read_response_workbook(data, questionnaire, language="en")
    assert [(p.code, p.cell, p.params["value"]) for p in result.problems] == [
        ("answer.option_unknown", f"D{row}", "Scope 4"),
        ("answer.option_unknown", f"D{row}", "scope 9"),
    ]
    assert result.problems[0].sheet == sheet


def test_a_question_twice_is_reported():
    questionnaire = load("env-activity-2026.1.json")
    data = export(questionnaire, {"B1": "planned"}, language="en")
    sheet_name, b1_row = sheet_of(questionnaire, "B1", data)
    c1_sheet = next(n for n in openpyxl.load_workbook(io.BytesIO(data)).sheetnames if n.startswith("C1 "))
    broken = edited(data, {}, extra={c1_sheet: ("B1", "Implemented")})
    result = excel.read_response_workbook(broken, questionnaire, language="en")
    (problem,) = result.problems
    assert problem.code == "xlsx.duplicate_question"
    assert problem.sheet == c1_sheet
    assert problem.params["first"] == f"{sheet_name}!D{b1_row}"
    assert "B1" in problem.message


# -- refused workbooks -----------------------------------------------------------------------------------


def only_problem(data: bytes, questionnaire: Questionnaire) -> excel.CellProblem:
    result = excel.read_response_workbook(data, questionnaire, language="en")
    assert result.answers == {}
    (problem,) = result.problems
    assert problem.message  # renders without a missing parameter
    return problem


def with_meta(data: bytes, key: str, value: Any) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    for row in book["_meta"].iter_rows():
        if row[0].value == key:
            row[1].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_workbook_of_another_version_is_refused():
    questionnaire = load("env-activity-2026.1.json")
    data = with_meta(export(questionnaire, ENV_ACTIVITY), "version", "2025.2")
    problem = only_problem(data, questionnaire)
    assert problem.code == "xlsx.wrong_questionnaire"
    assert problem.params == {"expected": "env_activity 2026.1", "found": "env_activity 2025.2"}
    assert "2025.2" in problem.message
    assert "2026.1" in problem.message


def test_workbook_of_another_questionnaire_is_refused():
    saq = load("saq-2026.1.json")
    problem = only_problem(export(load("env-activity-2026.1.json"), ENV_ACTIVITY), saq)
    assert problem.code == "xlsx.wrong_questionnaire"
    assert problem.params == {"expected": "saq 2026.1", "found": "env_activity 2026.1"}


def test_workbook_without_meta_is_refused():
    questionnaire = load("env-activity-2026.1.json")
    book = openpyxl.load_workbook(io.BytesIO(export(questionnaire)))
    del book["_meta"]
    out = io.BytesIO()
    book.save(out)
    assert only_problem(out.getvalue(), questionnaire).code == "xlsx.meta_missing"
    tampered = with_meta(export(questionnaire), "format", "something else")
    assert only_problem(tampered, questionnaire).code == "xlsx.meta_missing"


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


WORKBOOK_XML = (
    b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"name,answer\nA1,yes\n",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,  # an old .xls
        b"PK\x03\x04" + b"\x00" * 100,  # starts like a zip, is not one
        zip_of({"word/document.xml": b"<document/>"}),  # a zip, not a workbook
    ],
    ids=["empty", "csv", "xls", "truncated-zip", "docx-like"],
)
def test_not_a_workbook_is_refused(data):
    questionnaire = load("env-activity-2026.1.json")
    problem = only_problem(data, questionnaire)
    assert (problem.code, problem.sheet, problem.cell) == ("xlsx.not_xlsx", "", "")


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ({"xl/workbook.xml": WORKBOOK_XML, "xl/media/big.xml": b"\0" * (8 * 2**20)}, "ratio"),
        (
            {"xl/workbook.xml": WORKBOOK_XML, **{f"xl/p{n}.xml": b"<a/>" for n in range(201)}},
            "too_many_members",
        ),
        ({"xl/workbook.xml": WORKBOOK_XML, "../../etc/evil.xml": b"<a/>"}, "unsafe_name"),
        ({"xl/workbook.xml": WORKBOOK_XML, "/abs/evil.xml": b"<a/>"}, "unsafe_name"),
        (
            {
                "xl/workbook.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
                b"<workbook>&a;</workbook>",
            },
            "declaration",
        ),
    ],
    ids=["zip-bomb", "too-many-members", "dot-dot", "absolute", "doctype"],
)
def test_hostile_container_is_refused_before_openpyxl(members, reason):
    questionnaire = load("env-activity-2026.1.json")
    problem = only_problem(zip_of(members), questionnaire)
    assert (problem.code, problem.sheet, problem.cell) == ("xlsx.unsafe", "", "")
    assert problem.params["reason"] == reason


def test_oversized_total_is_refused():
    # Ten members of 3 MB each: none alone is suspicious, together they unpack to more than 20 MB.
    members = {"xl/workbook.xml": WORKBOOK_XML}
    members |= {f"xl/part{n}.xml": bytes(range(256)) * (3 * 2**12) for n in range(10)}
    problem = only_problem(zip_of(members), load("env-activity-2026.1.json"))
    assert problem.code == "xlsx.unsafe"
    assert problem.params["reason"] in ("too_large", "ratio")


def test_damaged_workbook_is_a_problem_not_an_exception():
    questionnaire = load("env-activity-2026.1.json")
    members = {
        "[Content_Types].xml": b"<Types/>",
        "xl/workbook.xml": b"<workbook><not closed",
    }
    problem = only_problem(zip_of(members), questionnaire)
    assert problem.code == "xlsx.unreadable"


# -- campaign export -------------------------------------------------------------------------------------


def test_campaign_workbook_has_a_header_and_a_row_per_response():
    questionnaire = load("env-performance-2026.1.json")
    questions = [q for q in questionnaire.questions if q.type != "file"]
    rows = [
        {
            "supplier": "ACME Corp.",
            "country": "JP",
            "site": "Osaka plant",
            "status": "Submitted",
            "submitted_at": datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC),
            "overall": None,
            "band_or_rating": "",
            "section_scores": {s.code: None for s in questionnaire.sections},
            "answers": ENV_PERFORMANCE | {"R3": HYPERLINK},
        },
        {
            "supplier": "=cmd|' /C calc'!A0",
            "country": "CN",
            "site": "",
            "status": "Draft",
            "submitted_at": None,
            "overall": 71.25,
            "band_or_rating": "B",
            "section_scores": {"GEN": 80.0},
            "answers": {},
        },
    ]
    data = excel.campaign_workbook(questionnaire, rows, language="ja")
    book = openpyxl.load_workbook(io.BytesIO(data))
    with override("ja"):
        title = gettext("Responses")
        columns = ["Supplier", "Country", "Site", "Status", "Submitted at", "Overall score"]
        expected = [gettext(c) for c in [*columns, "Risk band or rating"]]
    assert book.sheetnames == [title]
    values = [list(r) for r in book[title].iter_rows(values_only=True)]
    assert len(values) == 2 + len(rows)
    header, texts = values[0], values[1]
    fixed = 7
    assert header[:fixed] == expected
    supplier, _country, site, _status, submitted, overall, rating = expected
    n_sections = len(questionnaire.sections)
    assert all(questionnaire.sections[i].code in header[fixed + i] for i in range(n_sections))
    assert list(header[fixed + n_sections :]) == [q.code for q in questions]
    assert list(texts[fixed + n_sections :]) == [localized(q.text, "ja") for q in questions]

    first = dict(zip(header, values[2], strict=True))
    second = dict(zip(header, values[3], strict=True))
    assert first[supplier] == "ACME Corp."
    assert first[submitted] == datetime.datetime(2026, 3, 1, 9, 30)  # settings.TIME_ZONE is UTC
    assert first["R2"] == localized(questionnaire.question("R2").option("sites").label, "ja")
    assert first["T2"] == "スコープ1; スコープ3"
    assert first["E1"] == 1234.5
    assert first["R3"] == "'" + HYPERLINK
    assert second[supplier] == "'=cmd|' /C calc'!A0"
    assert second[overall] == 71.25
    assert second[rating] == "B"
    assert second[site] is None
    assert second["E1"] is None


def test_campaign_workbook_streams_many_rows():
    # Size and speed at 10,000 rows are measured in bench/, not here; this checks rows are not lost.
    questionnaire = load("env-activity-2026.1.json")
    row = {
        "supplier": "Supplier",
        "country": "JP",
        "site": "",
        "status": "Submitted",
        "submitted_at": datetime.datetime(2026, 3, 1, 9, 30),
        "overall": 80.0,
        "band_or_rating": "A",
        "section_scores": {"A": 100.0},
        "answers": ENV_ACTIVITY,
    }
    data = excel.campaign_workbook(questionnaire, (row for _ in range(2_000)), language="en")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) == 2_002
    book.close()


def test_the_round_trip_answers_cover_every_answer_type():
    # Guards the round trips above against a fixture edit that would quietly drop a type from them.
    saq = load("saq-2026.1.json")
    covered = {saq.question(code).type for code in saq_answers(saq)}
    for name, answers in (
        ("env-activity-2026.1.json", ENV_ACTIVITY),
        ("env-performance-2026.1.json", ENV_PERFORMANCE),
    ):
        questionnaire = load(name)
        covered |= {questionnaire.question(code).type for code in answers}
    assert covered == {"ynpna", "single", "multi", "number", "text", "date"}
