"""Staff pages for the regulated substance lists: versions, groups, upload, comparison, activation."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chemicals import services
from chemicals.models import GroupMember, RegulatedList, SubstanceGroup
from chemicals.reference_data import FIXTURES, load_regulated_list
from suppliers.roles import Role
from tests.conftest import make_user

GPG = FIXTURES / "lists" / "gpg-13.0.json"
INDEX = reverse("staff:substance_list_index")
UPLOAD = reverse("staff:substance_list_upload")


def _url(name: str, regulated_list: RegulatedList) -> str:
    return reverse(f"staff:{name}", kwargs={"list_pk": regulated_list.pk})


def _gpg_data() -> dict[str, Any]:
    return json.loads(GPG.read_text(encoding="utf-8"))


def _revision() -> bytes:
    """GPG 13.1: T1-1 tightened to 50 ppm, formaldehyde added to T1-19, T2-27 dropped."""
    data = _gpg_data()
    data["code"] = "GPG-13.1"
    data["version"] = "13.1"
    data["title"]["en"] = "Green Procurement Guidelines Ver. 13.1"
    data["groups"][0]["thresholds"][0]["ppm"] = 50
    assert data["groups"][18]["code"] == "T1-19"
    data["groups"][18]["members"]["cas"].append({"cas": "50-00-0", "name": "Formaldehyde", "formula": "CH2O"})
    assert data["groups"][-1]["code"] == "T2-27"
    del data["groups"][-1]
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def _upload(client, raw: bytes, name: str = "list.json", **extra):
    return client.post(
        UPLOAD, {"file": SimpleUploadedFile(name, raw, content_type="application/json")}, **extra
    )


@pytest.fixture
def gpg(world) -> RegulatedList:
    regulated_list, _ = load_regulated_list(GPG)
    assert regulated_list.status == RegulatedList.Status.ACTIVE
    return regulated_list


@pytest.fixture
def draft(gpg) -> RegulatedList:
    return services.regulated_list_load(_revision()).regulated_list


@pytest.fixture
def reviewer_a(world):
    return make_user("reviewer-a@buyer.example", Role.REVIEWER, unit=world.unit_a)


# --- Who may do what ------------------------------------------------------------------------------


def test_every_staff_role_reads_the_same_pages(world, draft, reviewer_a):
    pages = [
        INDEX,
        _url("substance_list_detail", draft),
        _url("substance_list_diff", draft),
        _url("substance_list_export", draft),
    ]
    seen = {}
    for user in (world.staff_a, world.staff_b, world.auditor_a, reviewer_a, world.admin):
        client = world.client_for(user)
        for page in pages:
            assert client.get(page).status_code == 200, (user.email, page)
        response = client.get(_url("substance_list_detail", draft))
        seen[user.email] = [row.group.code for row in response.context["table1"] + response.context["table2"]]
    # Group-wide reference data: staff of unit B see exactly what staff of unit A see.
    assert len({tuple(codes) for codes in seen.values()}) == 1
    for supplier_user in (world.sup_a, world.sup_b):
        assert world.client_for(supplier_user).get(INDEX).status_code == 403
        assert world.client_for(supplier_user).get(_url("substance_list_detail", draft)).status_code == 403


@pytest.mark.parametrize("persona", ["auditor", "reviewer"])
def test_read_only_staff_cannot_draft_activate_or_delete(world, gpg, draft, reviewer_a, persona):
    user = world.auditor_a if persona == "auditor" else reviewer_a
    client = world.client_for(user)
    assert client.get(UPLOAD).status_code == 403
    other = _gpg_data()
    other["code"] = "GPG-99"
    assert _upload(client, json.dumps(other).encode()).status_code == 403
    assert not RegulatedList.objects.filter(code="GPG-99").exists()
    assert client.post(_url("substance_list_activate", draft), {"confirm": "yes"}).status_code == 403
    assert client.post(_url("substance_list_delete", draft)).status_code == 403
    draft.refresh_from_db()
    gpg.refresh_from_db()
    assert (draft.status, gpg.status) == (RegulatedList.Status.DRAFT, RegulatedList.Status.ACTIVE)
    # No write buttons on the pages either.
    assert b"Upload a new draft" not in client.get(INDEX).content
    assert b'name="confirm"' not in client.get(_url("substance_list_diff", draft)).content


def test_writers_see_the_actions(world, draft):
    client = world.client_for(world.staff_a)
    assert b"Upload a new draft" in client.get(INDEX).content
    assert b'name="confirm"' in client.get(_url("substance_list_diff", draft)).content
    assert b"Delete draft" in client.get(_url("substance_list_detail", draft)).content


# --- Index and detail -----------------------------------------------------------------------------


def test_index_lists_versions_with_status_and_group_counts(world, draft):
    response = world.client_for(world.staff_a).get(INDEX)
    rows = {row.code: row for row in response.context["lists"]}
    assert [row.code for row in response.context["lists"]] == ["GPG-13.0", "GPG-13.1"]  # active first
    assert (rows["GPG-13.0"].table1_groups, rows["GPG-13.0"].table2_groups) == (27, 27)
    assert (rows["GPG-13.1"].table1_groups, rows["GPG-13.1"].table2_groups) == (27, 26)
    assert "Green Procurement Guidelines Ver. 13.0 (2023-07)" in response.content.decode()


def test_titles_and_names_follow_the_users_language(world, gpg):
    client = world.client_for(world.staff_a)
    client.cookies["django_language"] = "ja"
    title = "グリーン調達ガイドライン Ver. 13.0（2023年7月）"
    assert title in client.get(INDEX).content.decode()
    page = client.get(_url("substance_list_detail", gpg)).content.decode()
    assert "カドミウム及びその化合物" in page
    client.cookies["django_language"] = "zh-hans"
    assert "镉及其化合物" in client.get(_url("substance_list_detail", gpg)).content.decode()


def test_detail_shows_group_facts_and_footnotes(world, gpg):
    response = world.client_for(world.staff_a).get(_url("substance_list_detail", gpg))
    page = response.content.decode()
    assert len(response.context["table1"]) == 27 and len(response.context["table2"]) == 27
    assert "Cadmium and its compounds" in page
    assert "≤ 100 ppm, as Cd, in each homogeneous material" in page  # applies_to, English
    assert "EU RoHS Directive 2011/65/EU, Annex II" in page  # legal reference
    assert "SN0015" in page  # chemSHERPA group of T2-6
    assert "For metals, their alloys are included." in page  # footnote ※1


def test_detail_filters_by_table_and_searches_code_name_and_cas(world, gpg):
    client = world.client_for(world.staff_a)
    url = _url("substance_list_detail", gpg)

    def codes(**params) -> list[str]:
        response = client.get(url, params)
        return [row.group.code for row in response.context["table1"] + response.context["table2"]]

    assert codes(table=2) == [f"T2-{i}" for i in range(1, 28)]
    assert codes(q="T2-7") == ["T2-7"]
    assert codes(q="cadmium and its") == ["T1-1"]
    assert codes(q="镉及其化合物") == ["T1-1"]  # a name in another language than the page's
    # DEHP by CAS, with and without hyphens: the matching member is shown.
    assert "T1-19" in codes(q="117-81-7")
    assert codes(q="117817") == codes(q="117-81-7")
    response = client.get(url, {"q": "117-81-7"})
    row = next(r for r in response.context["table1"] if r.group.code == "T1-19")
    assert [m.cas for m in row.matched_members] == ["117-81-7"]
    assert codes(q="no such substance") == []
    assert "No group matches these filters." in client.get(url, {"q": "no such substance"}).content.decode()


def test_export_is_csv_of_the_filtered_groups(world, gpg):
    response = world.client_for(world.staff_b).get(_url("substance_list_export", gpg), {"table": 1})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="gpg-130-groups.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Code", "Table", "Name"]
    assert [r[0] for r in rows[1:]] == [f"T1-{i}" for i in range(1, 28)]
    cadmium = rows[1]
    assert cadmium[2] == "Cadmium and its compounds"
    assert cadmium[3].startswith("≤ 100 ppm: ≤ 100 ppm, as Cd, in each homogeneous material")
    assert "1306-19-0" in cadmium[9].split()  # CdO among the member CAS numbers


def test_export_escapes_cells_that_a_spreadsheet_would_run(world, gpg):
    data = _gpg_data()
    data["code"] = "GPG-EVIL"
    data["groups"][0]["name"]["en"] = '=HYPERLINK("http://evil.example","x")'
    evil = services.regulated_list_load(json.dumps(data).encode()).regulated_list
    body = (
        world.client_for(world.staff_a).get(_url("substance_list_export", evil)).content.decode("utf-8-sig")
    )
    row = next(r for r in csv.reader(io.StringIO(body)) if r[0] == "T1-1")
    assert row[2] == '\'=HYPERLINK("http://evil.example","x")'


# --- Upload ---------------------------------------------------------------------------------------


def test_upload_of_a_valid_file_stores_a_draft_and_shows_the_changes(world, gpg):
    client = world.client_for(world.staff_a)
    response = _upload(client, _revision(), follow=True)
    draft = RegulatedList.objects.get(code="GPG-13.1")
    assert response.redirect_chain[-1][0] == _url("substance_list_diff", draft)
    assert draft.status == RegulatedList.Status.DRAFT
    assert draft.groups.count() == 53
    gpg.refresh_from_db()
    assert gpg.status == RegulatedList.Status.ACTIVE  # nothing changes before activation
    assert "Draft GPG-13.1 stored." in response.content.decode()


def test_broken_json_is_refused_with_the_exact_place(world, gpg):
    client = world.client_for(world.staff_a)
    data = _gpg_data()
    data["code"] = "GPG-13.1"
    data["groups"][3]["thresholds"][0]["ppm"] = "fifty"
    data["groups"][5]["members"]["cas"][0]["cas"] = "7440-43-8"
    response = _upload(client, json.dumps(data).encode())
    assert response.status_code == 200
    page = response.content.decode()
    assert "groups[3].thresholds[0].ppm must be a number" in page
    assert "groups[5].members.cas[0].cas: 7440-43-8 is not a valid CAS number (wrong check digit)" in page
    assert "The file was not stored." in page
    assert not RegulatedList.objects.filter(code="GPG-13.1").exists()

    response = _upload(client, b'{"code": "X",\n  "groups": [}')
    assert "The file is not valid JSON: Expecting value (line 2, column 14)" in response.content.decode()
    assert RegulatedList.objects.count() == 1


def test_a_file_over_the_size_limit_is_refused_before_parsing(world, gpg, monkeypatch):
    monkeypatch.setattr(services, "MAX_LIST_BYTES", 1000)
    response = _upload(world.client_for(world.staff_a), _revision())
    assert "a list file may be at most" in response.content.decode()
    assert RegulatedList.objects.count() == 1


def test_the_same_bytes_twice_are_recognised(world, gpg):
    client = world.client_for(world.staff_a)
    _upload(client, _revision())
    response = _upload(client, _revision(), follow=True)
    assert RegulatedList.objects.filter(code="GPG-13.1").count() == 1
    assert "This exact file was uploaded before, as GPG-13.1 (Draft). Nothing was added." in (
        response.content.decode()
    )
    # The fixture file itself is the active list already.
    response = _upload(client, GPG.read_bytes(), follow=True)
    assert "as GPG-13.0 (Active)" in response.content.decode()
    assert RegulatedList.objects.count() == 2


def test_a_changed_file_replaces_a_draft_but_never_an_active_list(world, gpg, draft):
    client = world.client_for(world.staff_a)
    data = json.loads(_revision())
    data["groups"][0]["thresholds"][0]["ppm"] = 20
    response = _upload(client, json.dumps(data).encode(), follow=True)
    assert "Draft GPG-13.1 replaced." in response.content.decode()
    assert RegulatedList.objects.get(code="GPG-13.1").groups.get(code="T1-1").thresholds[0]["ppm"] == 20

    data = _gpg_data()
    data["groups"][0]["thresholds"][0]["ppm"] = 20
    response = _upload(client, json.dumps(data).encode())
    assert (
        "List GPG-13.0 is active and cannot change; give the revision a new code" in response.content.decode()
    )
    assert gpg.groups.get(code="T1-1").thresholds[0]["ppm"] == 100


def _rows(regulated_list: RegulatedList) -> dict[str, Any]:
    fields = ("code", "title", "version", "published", "packaging_rule", "footnotes", "source_sha256")
    group_fields = [f.name for f in SubstanceGroup._meta.fields if f.name not in ("id", "regulated_list")]
    member_fields = ["cas", "name", "formula", "element_mass_fraction"]
    return {
        "list": {f: getattr(regulated_list, f) for f in fields},
        "groups": list(regulated_list.groups.order_by("code").values(*group_fields)),
        "members": list(
            GroupMember.objects.filter(group__regulated_list=regulated_list)
            .order_by("group__code", "cas")
            .values("group__code", *member_fields)
        ),
    }


def test_a_fixture_file_and_an_upload_produce_identical_rows(world):
    from_fixture, _ = load_regulated_list(GPG)
    expected = _rows(from_fixture)
    from_fixture.delete()
    uploaded = services.regulated_list_load(GPG.read_bytes(), by=world.admin).regulated_list
    assert _rows(uploaded) == expected
    assert len(expected["groups"]) == 54 and len(expected["members"]) == 274


# --- Comparison, activation, deletion -------------------------------------------------------------


def test_the_comparison_names_groups_fields_and_substances(world, gpg, draft):
    response = world.client_for(world.staff_a).get(_url("substance_list_diff", draft))
    comparison = response.context["comparison"]
    assert (comparison.added, comparison.removed, comparison.changed) == (0, 1, 2)
    assert (comparison.members_added, comparison.members_removed) == (1, 0)
    by_code = {g.code: g for g in comparison.groups}
    (threshold_change,) = by_code["T1-1"].fields
    assert threshold_change.label == "Thresholds"
    assert threshold_change.before[0].startswith("≤ 100 ppm")
    assert threshold_change.after[0].startswith("≤ 50 ppm")
    assert by_code["T1-19"].members_added == [("50-00-0", "Formaldehyde")]
    assert by_code["T2-27"].change == "removed"
    page = response.content.decode()
    for text in ("1 group removed", "2 groups changed", "1 listed substance added", "Group removed"):
        assert text in page
    assert "Formaldehyde" in page and "50-00-0" in page


def test_comparison_without_an_active_list(world):
    draft = services.regulated_list_load(_revision()).regulated_list
    response = world.client_for(world.staff_a).get(_url("substance_list_diff", draft))
    assert response.context["comparison"].added == 53
    assert "There is no active list yet" in response.content.decode()


def test_activation_needs_confirmation_and_retires_the_previous_list(world, gpg, draft):
    client = world.client_for(world.staff_a)
    url = _url("substance_list_activate", draft)
    assert client.get(url).status_code == 405

    response = client.post(url, {"compared_with": gpg.pk}, follow=True)
    assert "Tick the confirmation box" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RegulatedList.Status.DRAFT

    response = client.post(url, {"confirm": "yes", "compared_with": gpg.pk}, follow=True)
    assert "GPG-13.1 is now the active list; GPG-13.0 is retired." in response.content.decode()
    draft.refresh_from_db()
    gpg.refresh_from_db()
    assert (draft.status, gpg.status) == (RegulatedList.Status.ACTIVE, RegulatedList.Status.RETIRED)
    assert draft.activated_by == world.staff_a and draft.activated_at is not None

    response = client.post(url, {"confirm": "yes", "compared_with": draft.pk}, follow=True)
    assert "Only a draft list can be activated." in response.content.decode()


def test_activation_is_refused_when_the_active_list_changed_during_review(world, gpg, draft):
    other = _gpg_data()
    other["code"] = "GPG-13.2"
    newer = services.regulated_list_load(json.dumps(other).encode()).regulated_list
    services.regulated_list_activate(regulated_list=newer, by=world.admin)  # while staff_a reviewed
    response = world.client_for(world.staff_a).post(
        _url("substance_list_activate", draft), {"confirm": "yes", "compared_with": gpg.pk}, follow=True
    )
    assert "The active list changed while you were reviewing." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RegulatedList.Status.DRAFT


def test_a_draft_can_be_deleted_but_an_active_list_cannot(world, gpg, draft):
    client = world.client_for(world.admin)
    response = client.post(_url("substance_list_delete", draft), follow=True)
    assert "Draft GPG-13.1 deleted." in response.content.decode()
    assert not RegulatedList.objects.filter(pk=draft.pk).exists()
    response = client.post(_url("substance_list_delete", gpg), follow=True)
    assert "Only a draft list can be deleted." in response.content.decode()
    assert RegulatedList.objects.filter(pk=gpg.pk).exists()


# --- The list-file check (pure) -------------------------------------------------------------------


def test_the_shipped_fixture_passes_the_check():
    data, problems = services.parse_list_file(GPG.read_bytes())
    assert problems == [] and data["code"] == "GPG-13.0"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["groups"][1].update(kind="managed"),
            "groups[1].kind must be prohibited for a group of table 1",
        ),
        (
            lambda d: d["groups"][2].update(code="T1-9"),
            "groups[2].code is T1-9, but table 1 and number 3 make it T1-3",
        ),
        (
            lambda d: d["groups"][0].update(basis="weight"),
            "groups[0].basis must be one of homogeneous_material",
        ),
        (lambda d: d["groups"][0].pop("name"), "groups[0].name is required"),
        (lambda d: d["groups"][0]["name"].pop("en"), "groups[0].name needs an English text (en)"),
        (
            lambda d: d["groups"][0].update(intentional_use_prohibited="yes"),
            "groups[0].intentional_use_prohibited must be true or false",
        ),
        (
            lambda d: d["groups"][0]["thresholds"][0].update(ppm=True),
            "groups[0].thresholds[0].ppm must be a number",
        ),
        (lambda d: d["groups"][0]["thresholds"][0].update(ppm=-1), "groups[0].thresholds[0].ppm must not be"),
        (lambda d: d.update(schema_version=2), "schema_version must be 1"),
        (lambda d: d.update(groups=[]), "groups must not be empty"),
    ],
)
def test_the_check_reports_each_problem_with_its_location(edit, message):
    data = _gpg_data()
    edit(data)
    _, problems = services.parse_list_file(json.dumps(data).encode())
    assert any(p.message().startswith(message) for p in problems), [p.message() for p in problems]


def test_duplicate_keys_and_non_numbers_are_refused():
    assert [p.code for p in services.parse_list_file(b'{"code": "A", "code": "B"}')[1]] == [
        "list.json_duplicate_key"
    ]
    assert [p.code for p in services.parse_list_file(b'{"ppm": NaN}')[1]] == ["list.json_constant"]
    assert [p.code for p in services.parse_list_file("[1]".encode("utf-16"))[1]] == ["list.encoding"]
    assert [p.code for p in services.parse_list_file(b"[" * 100_000)[1]] in (
        ["list.json_too_deep"],
        ["list.json_invalid"],
    )
