"""The supplier's Excel round trip through the pages: download, fill in, upload; broken and oversized
workbooks are refused whole, with every problem named by sheet and cell."""

from __future__ import annotations

import datetime
import io
import json
import re

import lxml.html
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from surveys.models import Response, ResponseVersion

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(name: str, response: Response) -> str:
    return reverse(f"supplier:{name}", kwargs={"response_pk": response.pk})


def client_in(world, user, language: str = "en"):
    client = world.client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def download(client, response: Response, *, blank: bool = False) -> bytes:
    reply = client.get(url("survey_excel", response), {"blank": "1"} if blank else {})
    assert reply.status_code == 200
    assert reply["Content-Type"] == XLSX
    return reply.content


def fill(data: bytes, answers: dict) -> tuple[bytes, dict[str, str]]:
    """DATA with ANSWERS (code -> cell value) written in column D of each question's row, and where
    each went ("Sheet!D7"). Rows are found by the key in column A, as the import finds them."""
    workbook = load_workbook(io.BytesIO(data))
    where: dict[str, str] = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(min_col=1, max_col=1):
            code = row[0].value
            if code in answers:
                sheet[f"D{row[0].row}"] = answers[code]
                where[code] = f"{sheet.title}!D{row[0].row}"
    assert set(where) == set(answers), "every answer found its row"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), where


def upload(client, response: Response, data: bytes, name: str = "answers.xlsx"):
    return client.post(
        url("survey_excel_upload", response), {"file": SimpleUploadedFile(name, data, content_type=XLSX)}
    )


def test_the_workbook_is_named_after_the_questionnaire_and_the_supplier(world, response_a):
    client = client_in(world, world.sup_a)
    reply = client.get(url("survey_excel", response_a))
    assert reply["Content-Disposition"] == 'attachment; filename="env_activity-2026.1-alpha-parts-ltd.xlsx"'
    reply = client.get(url("survey_excel", response_a), {"blank": "1"})
    assert "env_activity-2026.1-alpha-parts-ltd-blank.xlsx" in reply["Content-Disposition"]


def test_a_filled_in_workbook_is_imported(world, env_activity, response_a):
    client = client_in(world, world.sup_a)
    q = env_activity.questionnaire
    data, _ = fill(
        download(client, response_a, blank=True),
        {
            "A1": q.question("A1").option("preparing").label["en"],  # the label, as the drop-down writes it
            "A5": datetime.date(2027, 3, 31),
            "B1": "implemented",  # the option code is understood too
            "C01": q.question("C01").option("planned").label["ja"],  # and a label in another language
        },
    )
    reply = upload(client, response_a, data)
    assert reply.status_code == 302 and reply["Location"] == url("survey_response", response_a)
    response_a.refresh_from_db()
    assert response_a.answers == {
        "A1": "preparing",
        "A5": "2027-03-31",
        "B1": "implemented",
        "C01": "planned",
    }
    assert response_a.versions.order_by("-number").first().event == ResponseVersion.Event.IMPORTED
    # Required and shown: A1, B1, C01-C20, D1 = 23 (A5 is optional); answered: A1, B1, C01 -> 20 open.
    html = client.get(reply["Location"]).content.decode()
    assert "4 answers imported from the workbook. 20 required questions are still open." in html


def test_the_workbook_with_my_answers_round_trips_unchanged(world, response_a):
    client = client_in(world, world.sup_a, "ja")
    answers = {"A1": "other_ems", "A2": "エコアクション21", "A4": "2027-06-30", "B1": "planned"}
    client.post(
        url("survey_autosave", response_a),
        data=json.dumps({"answers": answers}),
        content_type="application/json",
    )
    assert upload(client, response_a, download(client, response_a)).status_code == 302
    response_a.refresh_from_db()
    assert response_a.answers == answers


def test_a_broken_workbook_lists_every_problem_and_saves_nothing(world, response_a):
    client = client_in(world, world.sup_a)
    client.post(
        url("survey_autosave", response_a),
        data=json.dumps({"answers": {"B1": "planned"}}),
        content_type="application/json",
    )
    response_a.refresh_from_db()
    before = (dict(response_a.answers), response_a.revision)
    data, where = fill(
        download(client, response_a),
        {"A1": "maybe", "A4": "31.12.2027", "C01": "sometimes", "C02": "implemented"},
    )
    reply = upload(client, response_a, data)
    assert reply.status_code == 400
    doc = lxml.html.fromstring(reply.content.decode())
    rows = [[" ".join(td.text_content().split()) for td in tr.iter("td")] for tr in doc.iter("tr")][1:]
    assert [(r[1], r[2]) for r in rows] == [(where["A1"], "A1"), (where["A4"], "A4"), (where["C01"], "C01")]
    assert rows[0][0] == where["A1"].split("!")[0]
    assert rows[0][3] == "maybe is not one of the choices."
    assert rows[1][3] == "31.12.2027 is not a date: use the form YYYY-MM-DD."
    assert "Nothing was saved." in doc.text_content()
    response_a.refresh_from_db()
    assert (response_a.answers, response_a.revision) == before


def test_a_file_that_is_not_a_workbook_is_refused(world, response_a):
    reply = upload(client_in(world, world.sup_a), response_a, b"name,answer\nA1,yes\n", name="answers.csv")
    assert reply.status_code == 400
    assert "The file is not an Excel workbook (.xlsx)." in reply.content.decode()


def test_an_oversized_upload_is_refused_before_it_is_read(world, response_a):
    client = client_in(world, world.sup_a)
    reply = upload(client, response_a, b"PK" + b"\0" * (5 * 1024 * 1024))
    assert reply.status_code == 413
    html = reply.content.decode()
    assert "larger than 5 MB" in html and "Nothing was saved." in html
    response_a.refresh_from_db()
    assert response_a.answers == {} and response_a.status == Response.Status.NOT_STARTED


def test_a_submitted_response_takes_no_workbook(world, response_a):
    client = client_in(world, world.sup_a)
    data = download(client, response_a, blank=True)
    complete = {"A1": "none", "B1": "implemented", **{f"C{n:02d}": "implemented" for n in range(1, 21)}}
    complete["D1"] = "not_used"
    client.post(
        url("survey_autosave", response_a),
        data=json.dumps({"answers": complete}),
        content_type="application/json",
    )
    assert client.post(url("survey_submit", response_a), {"confirm": "1"}).status_code == 302
    filled, _ = fill(data, {"B1": "planned"})
    reply = upload(client, response_a, filled)
    assert reply.status_code == 302
    assert "read-only" in client.get(reply["Location"]).content.decode()
    response_a.refresh_from_db()
    assert response_a.answers["B1"] == "implemented"


@pytest.mark.parametrize("name", ["survey_excel", "survey_excel_upload"])
def test_another_supplier_gets_404(world, response_a, name):
    client_b = client_in(world, world.sup_b)
    assert client_b.get(url(name, response_a)).status_code == 404
    assert client_b.post(url(name, response_a)).status_code == 404


def test_the_upload_takes_post_only(world, response_a):
    assert client_in(world, world.sup_a).get(url("survey_excel_upload", response_a)).status_code == 405


def test_the_page_offers_both_downloads_and_the_upload(world, response_a):
    html = client_in(world, world.sup_a).get(url("survey_response", response_a)).content.decode()
    assert f"{url('survey_excel', response_a)}?blank=1" in html
    assert re.search(rf'action="{re.escape(url("survey_excel_upload", response_a))}"', html)
