"""The ECHA candidate-list (SVHC) reader and the import that replaces the register."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from chemicals import services, svhc
from chemicals.models import ControlledSubstance
from chemicals.reference_data import FIXTURES
from suppliers.exports import to_csv

EXAMPLE = FIXTURES / "svhc" / "candidate-list-example.csv"
HEADER = ["Substance name", "Description", "EC No.", "CAS No.", "Date of inclusion", "Reason for inclusion"]
DEHP = [
    "Bis(2-ethylhexyl) phthalate (DEHP)",
    "",
    "204-211-0",
    "117-81-7",
    "28-Oct-2008",
    "Toxic for reproduction",
]
LEAD = ["Lead", "", "231-100-4", "7439-92-1", "27-Jun-2018", "Toxic for reproduction (Article 57c)"]
BORIC_ACID = [
    "Boric acid",
    "",
    "233-139-2, 234-343-4",
    "10043-35-3\n11113-50-1",
    "18-Jun-2010",
    "Toxic for reproduction (Article 57c)",
]
EC_ONLY = ["reaction mass of two morpholines", "", "473-390-7", "-", "17-Jan-2023", "vPvB (Article 57e)"]


def _xlsx(rows: list[list[object]], title_lines: int = 2) -> bytes:
    """A workbook laid out like ECHA's export: title lines, then the header row, then the entries."""
    workbook = Workbook()
    sheet = workbook.active
    for i in range(title_lines):
        sheet.append([f"Candidate List title line {i}"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv(rows: list[list[object]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["Candidate List of substances of very high concern for Authorisation"])
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


# --- Reading (pure) -------------------------------------------------------------------------------


def test_xlsx_export_with_date_cells_and_several_numbers_per_cell():
    dehp = [*DEHP[:4], datetime(2008, 10, 28), DEHP[5]]
    export = svhc.read_export(_xlsx([dehp, BORIC_ACID, EC_ONLY]))
    assert export.ok, [str(p) for p in export.problems]
    dehp_entry, boric, ec_only = export.entries
    assert (dehp_entry.row, dehp_entry.listed_on) == (4, date(2008, 10, 28))
    assert boric.ec_numbers == ("233-139-2", "234-343-4")
    assert boric.cas_numbers == ("10043-35-3", "11113-50-1")
    assert ec_only.cas_numbers == ()
    rows = {(r.cas, r.ec_number) for r in export.register_rows()}
    # Paired in order, and the EC-only entry kept with an empty CAS.
    assert rows == {
        ("117-81-7", "204-211-0"),
        ("10043-35-3", "233-139-2"),
        ("11113-50-1", "234-343-4"),
        ("", "473-390-7"),
    }


@pytest.mark.parametrize(
    ("ec", "cas", "expected"),
    [
        (("1",), ("a", "b"), {("a", "1"), ("b", "1")}),
        (("1", "2"), ("a",), {("a", "1"), ("a", "2")}),
        (("1", "2"), ("a", "b", "c"), {("a", ""), ("b", ""), ("c", ""), ("", "1"), ("", "2")}),
        (("1",), (), {("", "1")}),
        ((), ("a",), {("a", "")}),
        ((), (), {("", "")}),
    ],
)
def test_identifiers_become_register_rows(ec, cas, expected):
    entry = svhc.SvhcEntry(1, "Name", "", ec, cas, None, "")
    assert {(r.cas, r.ec_number) for r in svhc.register_rows([entry])} == expected


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_export_in_any_of_excels_separators(delimiter):
    export = svhc.read_export(_csv([LEAD, BORIC_ACID], delimiter))
    assert export.ok, [str(p) for p in export.problems]
    assert [e.name for e in export.entries] == ["Lead", "Boric acid"]
    assert export.entries[0].listed_on == date(2018, 6, 27)
    assert export.entries[0].reason == "Toxic for reproduction (Article 57c)"


def test_a_bad_cas_check_digit_is_reported_with_its_row_number():
    bad = [*LEAD[:3], "7439-92-2", *LEAD[4:]]
    for data in (_xlsx([DEHP, bad], title_lines=2), _csv([DEHP, bad])):
        export = svhc.read_export(data)
        (problem,) = export.problems
        assert problem.code == "svhc.cas_check_digit"
        assert problem.row == (5 if data.startswith(b"PK") else 4)
        assert str(problem) == f"row {problem.row} (CAS No.): CAS number 7439-92-2 has a wrong check digit."


def test_every_problem_of_a_file_is_reported_at_once():
    rows = [
        [*DEHP[:3], "117-81-7, not-a-cas", *DEHP[4:]],
        [*LEAD[:2], "2311004", *LEAD[3:]],
        [*LEAD[:4], "sometime in 2018", LEAD[5]],
        ["", "", "200-001-8", "50-00-0", "", ""],
    ]
    export = svhc.read_export(_csv(rows))
    assert [(p.row, p.code) for p in export.problems] == [
        (3, "svhc.cas_format"),
        (4, "svhc.ec_format"),
        (5, "svhc.date_invalid"),
        (6, "svhc.name_missing"),
    ]


def test_a_file_without_the_header_row_says_which_columns_it_needs():
    export = svhc.read_export(b"Name,Number\nLead,7439-92-1\n")
    (problem,) = export.problems
    assert problem.code == "svhc.header_missing"
    assert '"Substance name", "EC No.", "CAS No."' in problem.message()


def test_blank_rows_keep_their_numbers_and_a_long_blank_tail_ends_the_table():
    rows = [["Title"], [], HEADER, DEHP, [], [], LEAD, *([[]] * (svhc.MAX_BLANK_RUN + 1)), ["Lead", "", "x"]]
    export = svhc.read_rows(rows)
    assert export.ok
    assert [(e.row, e.name) for e in export.entries] == [(4, DEHP[0]), (7, "Lead")]


def test_dates_in_the_spellings_seen_in_exports():
    assert svhc.parse_date("27-Jun-2018") == date(2018, 6, 27)
    assert svhc.parse_date("2018-06-27") == date(2018, 6, 27)
    assert svhc.parse_date("27/06/2018") == date(2018, 6, 27)
    assert svhc.parse_date("2018-06-27 00:00:00") == date(2018, 6, 27)
    assert svhc.parse_date("-") is None
    with pytest.raises(ValueError):
        svhc.parse_date("27-Foo-2018")


def test_a_workbook_that_is_not_safe_to_open_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (5 * 1024 * 1024))  # compresses > 200:1
    (problem,) = svhc.read_export(out.getvalue()).problems
    assert problem.code == "svhc.xlsx_unsafe"
    assert "compressed more than" in problem.message()


def test_non_utf8_csv_is_refused_rather_than_garbled():
    (problem,) = svhc.read_export(_csv([LEAD]).decode().encode("utf-16")).problems
    assert problem.code == "svhc.encoding"


def test_the_shipped_example_reads_without_problems():
    export = svhc.read_export(EXAMPLE.read_bytes())
    assert export.ok, [str(p) for p in export.problems]
    assert len(export.entries) == 9
    by_name = {e.name: e for e in export.entries}
    assert by_name["Boric acid"].cas_numbers == ("10043-35-3", "11113-50-1")
    assert len(export.register_rows()) == 11


# --- Import into the register ---------------------------------------------------------------------


def _register() -> set[tuple[str, str, str]]:
    return set(ControlledSubstance.objects.filter(register="svhc").values_list("cas", "ec_number", "name"))


def test_import_replaces_the_register_and_counts_the_changes(db):
    ControlledSubstance.objects.create(register="ods", cas="75-69-4", name="CFC-11", group="Class I")
    first = svhc.read_export(_xlsx([DEHP, BORIC_ACID]))
    counts = services.svhc_register_replace(first.register_rows(), source="first.xlsx")
    assert (counts.added, counts.removed, counts.updated, counts.unchanged) == (3, 0, 0, 0)

    corrected_dehp = [*DEHP[:5], "Toxic for reproduction (Article 57c)"]
    second = svhc.read_export(_csv([corrected_dehp, LEAD]))
    counts = services.svhc_register_replace(second.register_rows(), source="second.csv")
    assert (counts.added, counts.removed, counts.updated, counts.unchanged) == (1, 2, 1, 0)
    assert _register() == {("117-81-7", "204-211-0", DEHP[0]), ("7439-92-1", "231-100-4", "Lead")}
    dehp = ControlledSubstance.objects.get(register="svhc", cas="117-81-7")
    assert (dehp.reason, dehp.listed_on, dehp.source) == (
        "Toxic for reproduction (Article 57c)",
        date(2008, 10, 28),
        "second.csv",
    )
    assert ControlledSubstance.objects.filter(register="ods").count() == 1  # other registers untouched

    counts = services.svhc_register_replace(second.register_rows(), source="second.csv")
    assert (counts.added, counts.removed, counts.updated, counts.unchanged) == (0, 0, 0, 2)


def test_an_import_that_would_empty_most_of_the_register_is_refused(db):
    many = [[f"Substance {i}", "", "", "-", "2020-01-16", "PBT"] for i in range(20)]
    services.svhc_register_replace(svhc.read_export(_csv(many)).register_rows(), source="full")
    partial = svhc.read_export(_csv(many[:5])).register_rows()
    with pytest.raises(services.SvhcImportRefused, match="would remove 15 of the 20"):
        services.svhc_register_replace(partial, source="page 1")
    assert len(_register()) == 20
    services.svhc_register_replace(partial, source="page 1", max_removed=None)
    assert len(_register()) == 5


def test_command_prints_the_counts(db, tmp_path):
    out = io.StringIO()
    call_command("import_svhc", str(EXAMPLE), stdout=out)
    assert out.getvalue().strip() == (
        "candidate-list-example.csv: 9 candidate list entries, 11 register rows; "
        "added 11, removed 0, updated 0, unchanged 0"
    )
    lead = ControlledSubstance.objects.get(register="svhc", cas="7439-92-1")
    assert lead.source.startswith("ECHA candidate list export candidate-list-example.csv (sha256 ")
    path = tmp_path / "export.xlsx"
    path.write_bytes(_xlsx([DEHP, LEAD]))
    out = io.StringIO()
    call_command("import_svhc", str(path), "--allow-removals", stdout=out)
    assert "added 0, removed 9, updated 1, unchanged 1" in out.getvalue()


def test_command_reports_every_problem_and_changes_nothing(db, tmp_path):
    call_command("import_svhc", str(EXAMPLE), stdout=io.StringIO())
    before = _register()
    path: Path = tmp_path / "broken.csv"
    path.write_bytes(_csv([DEHP, [*LEAD[:3], "7439-92-2", *LEAD[4:]]]))
    with pytest.raises(CommandError) as raised:
        call_command("import_svhc", str(path))
    message = str(raised.value)
    assert "the register was not changed" in message
    assert "row 4 (CAS No.): CAS number 7439-92-2 has a wrong check digit." in message
    assert _register() == before


def test_stored_names_are_verbatim_and_exports_neutralise_formulas(db):
    rows = svhc.read_export(
        _csv([['=HYPERLINK("http://evil.example")', "", "-", "-", "", ""]])
    ).register_rows()
    services.svhc_register_replace(rows, source="evil.csv")
    (name,) = ControlledSubstance.objects.filter(register="svhc").values_list("name", flat=True)
    assert name == '=HYPERLINK("http://evil.example")'
    exported = to_csv(["Name"], [[name]]).decode("utf-8-sig")
    assert "'=HYPERLINK" in exported
