"""/api/v1/declarations/: files and JSON documents sent by a supplier's system, read by the same task as
a browser upload, with idempotent retries, size limits, status polling and the problem report."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from chemicals import composition as tree
from chemicals.api.serializers import api_status
from chemicals.formats import xlsx_template
from chemicals.models import Declaration, Product, RegulatedList
from chemicals.reference_data import load_all
from tests.api.test_products import DOCUMENT, clean_document
from tests.chemicals import declaration_files as files

LIST = "/api/v1/declarations/"
PROBLEM = "application/problem+json"


@pytest.fixture
def gpg(world) -> RegulatedList:
    load_all()
    return RegulatedList.objects.get(code="GPG-13.0", status=RegulatedList.Status.ACTIVE)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """POST a declaration and run what is queued on commit (the parse task, then the evaluation), as
    a worker would after the request."""

    def post(client, *, file: tuple[str, bytes] | None = None, body: object = None, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            if file is not None:
                return client.post(LIST, {"file": SimpleUploadedFile(*file)}, format="multipart", **headers)
            data = body if isinstance(body, bytes | str) else json.dumps(body)
            return client.post(LIST, data, content_type="application/json", **headers)

    return post


def status_of(client, response) -> dict:
    polled = client.get(response["Location"])
    assert polled.status_code == 200, polled.content
    return polled.json()


def test_a_file_is_accepted_read_evaluated_and_linked_to_its_products(world, keys, gpg, send):
    client = keys.client("sup_a")
    response = send(client, file=("capacitor.xml", files.capacitor_ai()))
    assert response.status_code == 202, response.content
    declaration = Declaration.objects.get(supplier=world.supplier_a)
    body = response.json()
    assert body == {
        "id": declaration.pk,
        "status": "received",
        "status_url": f"http://testserver/api/v1/declarations/{declaration.pk}/",
        "duplicate": False,
    }
    assert response["Location"] == body["status_url"]
    assert (declaration.source, declaration.uploaded_by, declaration.original_name) == (
        "api",
        world.sup_a,
        "capacitor.xml",
    )

    status = status_of(client, response)
    assert status["status"] == "evaluated" and status["finished"] and status["progress"] == 100
    assert status["error_count"] == 0 and status["product_count"] == 1
    (link,) = status["products"]
    product = Product.objects.get(pk=link["id"])
    assert (link["part_number"], link["verdict"]) == ("AEC-16V47-SEED", "non_compliant")
    assert product.declaration == declaration
    findings = client.get(link["url"].replace("http://testserver", "") + "findings/").json()
    assert findings["breached_groups"] == ["T1-3", "T1-19"]


def test_a_json_declaration_is_evaluated_and_its_findings_read_through_the_api(world, keys, gpg, send):
    client = keys.client("sup_a")
    response = send(client, body=DOCUMENT)
    assert response.status_code == 202, response.content
    status = status_of(client, response)
    assert status["status"] == "evaluated" and status["file_name"] == "composition.json"
    assert status["format"] == "json"
    (link,) = status["products"]
    findings = client.get(reverse("api:product-findings", args=[link["id"]])).json()
    assert findings["verdict"] == "non_compliant" and findings["breached_groups"] == ["T1-19"]
    assert {(f["group"], f["status"]) for f in findings["findings"]} >= {("T1-19", "EXCEEDS")}
    # The stored bytes are exactly what was sent.
    declaration = Declaration.objects.get(pk=status["id"])
    with declaration.file.open("rb") as handle:
        assert json.loads(handle.read()) == DOCUMENT


def test_processing_status_maps_the_stored_states():
    declaration = Declaration(status=Declaration.Status.QUEUED, progress=0)
    assert api_status(declaration, False) == ("received", "", 0)
    declaration.status, declaration.stage, declaration.progress = Declaration.Status.PARSING, "checking", 55
    assert api_status(declaration, False) == ("parsing", "checking", 55)
    declaration.status, declaration.progress = Declaration.Status.STORED, 100
    assert api_status(declaration, True) == ("parsing", "evaluating", 95)
    assert api_status(declaration, False) == ("evaluated", "", 100)
    for stored in (Declaration.Status.REJECTED, Declaration.Status.FAILED):
        declaration.status = stored
        assert api_status(declaration, False) == ("rejected", "", 100)


def test_stored_but_not_yet_evaluated_is_still_being_processed(world, keys, gpg):
    client = keys.client("sup_a")
    # No commit callbacks run: the declaration stays as the request left it.
    response = client.post(LIST, json.dumps(DOCUMENT), content_type="application/json")
    declaration = Declaration.objects.get(pk=response.json()["id"])
    assert status_of(client, response)["status"] == "received"
    from chemicals.declaration_services import declaration_process

    assert declaration_process(declaration.pk) == "stored"
    status = status_of(client, response)
    assert (status["status"], status["stage"], status["finished"]) == ("parsing", "evaluating", False)
    assert [d["id"] for d in client.get(LIST, {"status": "parsing"}).json()["results"]] == [declaration.pk]
    assert client.get(LIST, {"status": "evaluated"}).json()["results"] == []


@pytest.mark.parametrize("kind", ["multipart", "json"])
def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(world, keys, send, kind):
    client = keys.client("sup_a")
    if kind == "multipart":
        first_body, other_body = (
            {"file": ("switch.xml", files.touch_switch_ai())},
            {"file": ("wire.xml", files.wire_ai())},
        )
    else:
        first_body, other_body = {"body": DOCUMENT}, {"body": clean_document("OTHER-1")}
    first = send(client, **first_body, HTTP_IDEMPOTENCY_KEY="erp-batch-7")
    again = send(client, **first_body, HTTP_IDEMPOTENCY_KEY="erp-batch-7")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Declaration.objects.filter(supplier=world.supplier_a).count() == 1

    conflict = send(client, **other_body, HTTP_IDEMPOTENCY_KEY="erp-batch-7")
    assert conflict.status_code == 409 and conflict["Content-Type"].startswith(PROBLEM)
    assert conflict.json()["type"].endswith("/idempotency-key-reused")
    assert Declaration.objects.filter(supplier=world.supplier_a).count() == 1


def test_an_idempotency_key_older_than_its_lifetime_is_taken_anew(world, keys, send, settings):
    from suppliers.models import IdempotencyRecord

    client = keys.client("sup_a")
    first = send(client, body=DOCUMENT, HTTP_IDEMPOTENCY_KEY="erp-batch-8")
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS, minutes=1)
    )
    # Another body under the same, expired key: a new request, not a 409 and not a replay.
    later = send(client, body=clean_document("OTHER-2"), HTTP_IDEMPOTENCY_KEY="erp-batch-8")
    assert (first.status_code, later.status_code) == (202, 202)
    assert "Idempotent-Replayed" not in later and later.json()["id"] != first.json()["id"]
    assert IdempotencyRecord.objects.filter(key="erp-batch-8").count() == 1
    assert (
        send(client, body=clean_document("OTHER-2"), HTTP_IDEMPOTENCY_KEY="erp-batch-8")[
            "Idempotent-Replayed"
        ]
        == "true"
    )


def test_the_same_bytes_again_are_recognised(world, keys, send):
    client = keys.client("sup_a")
    first = send(client, file=("a.xml", files.touch_switch_ai()))
    stored = Declaration.objects.get()
    folder = Path(stored.file.path).parent
    before = sorted(p.name for p in folder.iterdir())
    again = send(client, file=("renamed.xml", files.touch_switch_ai()))
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["duplicate"] is True
    assert again.json()["status"] == "evaluated"  # no list is active: nothing more to wait for
    assert Declaration.objects.count() == 1
    # The repeat's copy of the bytes was written and removed; the first file is still there.
    assert sorted(p.name for p in folder.iterdir()) == before
    with stored.file.open("rb") as handle:
        assert handle.read() == files.touch_switch_ai()


def test_a_rejected_xml_file_reports_each_problem_at_its_line(world, keys, send):
    client = keys.client("sup_a")
    data = files.ai_with_bad_cas_check_digit()
    response = send(client, file=("switch.xml", data))
    assert response.status_code == 202
    status = status_of(client, response)
    assert status["status"] == "rejected" and status["finished"] and status["products"] == []
    problem = next(p for p in status["problems"] if p["code"] == "cas.check_digit")
    # Content problems are located at the element of the node they concern: the <Substance>.
    line = files.line_of(data, 'entryIdentity="7439-92-7"') - 2
    assert data.decode().splitlines()[line - 1].strip() == '<Substance name="Lead" comment="@0">'
    assert problem["severity"] == "error"
    assert problem["location"] == f"switch.xml:{line}" and problem["line"] == line
    assert "7439-92-7" in problem["message"] and "1" in problem["message"]
    assert not Product.objects.exists()
    assert [d["id"] for d in client.get(LIST, {"status": "rejected"}).json()["results"]] == [status["id"]]


def test_rejected_json_and_workbook_problems_carry_json_paths_and_cells(world, keys, send):
    client = keys.client("sup_a")
    bad = json.loads(json.dumps(DOCUMENT))
    bad["product"]["parts"][0]["mass"] = {"value": "0.3g", "unit": "g"}
    status = status_of(client, send(client, body=bad))
    assert status["status"] == "rejected"
    assert [(p["code"], p["location"]) for p in status["problems"] if p["severity"] == "error"] == [
        ("mass.not_a_number", "product.parts[0].mass.value")
    ]

    product = tree.Product(
        "XL-1",
        name="Workbook product",
        mass_mg=Decimal(1000),
        declared_mass="1 g",
        materials=[
            tree.Material(
                "Brass",
                mass_mg=Decimal(1000),
                declared_mass="1 g",
                substances=[tree.Substance("7440-50-9", "Copper", mass_percent=Decimal(100))],
            )
        ],
    )
    workbook = xlsx_template.build_template(product=product)
    status = status_of(client, send(client, file=("decl.xlsx", workbook)))
    assert status["status"] == "rejected"
    (problem,) = [p for p in status["problems"] if p["code"] == "cas.check_digit"]
    assert problem["location"].startswith("Composition!") and problem["cell"] == problem["location"]


def test_oversized_bodies_are_refused_with_413_before_anything_is_stored(world, keys, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    client = keys.client("sup_a")
    response = client.post(
        LIST, {"file": SimpleUploadedFile("big.xml", b"<a>" + b" " * 5000 + b"</a>")}, format="multipart"
    )
    assert response.status_code == 413 and response["Content-Type"].startswith(PROBLEM)
    assert response.json()["type"].endswith("/payload-too-large")
    body = json.dumps(DOCUMENT, indent=4)
    assert len(body) > 1000
    response = client.post(LIST, body, content_type="application/json")
    assert response.status_code == 413 and "1000" in response.json()["detail"]
    # Just over the file limit but within the multipart allowance: the upload service's own check.
    response = client.post(LIST, {"file": SimpleUploadedFile("big.xml", b"x" * 1500)}, format="multipart")
    assert response.status_code == 413 and "limit" in response.json()["detail"]
    assert not Declaration.objects.exists()


def test_a_request_without_a_file_or_with_an_empty_one_is_400(world, keys):
    client = keys.client("sup_a")
    response = client.post(LIST, {"other": "x"}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "file"
    response = client.post(LIST, {"file": SimpleUploadedFile("empty.xml", b"")}, format="multipart")
    assert response.status_code == 400
    response = client.post(LIST, "", content_type="application/json")
    assert response.status_code == 400
    assert client.post(LIST, "a=b", content_type="text/plain").status_code == 415
    assert not Declaration.objects.exists()


def test_who_may_send_and_read_declarations(world, keys, send):
    accepted = send(keys.client("sup_a"), body=DOCUMENT)
    declaration_url, declaration_id = accepted["Location"], accepted.json()["id"]
    # Read-only keys and buyer-side keys cannot send.
    for who in ("sup_a_read", "staff_a", "admin"):
        response = send(keys.client(who), body=clean_document("X-1"))
        assert response.status_code == 403 and response["Content-Type"].startswith(PROBLEM), who
    assert keys.client("sup_a_read").get(declaration_url).status_code == 200
    # Staff follow the declarations of their units' suppliers; unit B's staff and supplier B do not
    # see A's at all.
    for who in ("staff_a", "admin"):
        assert keys.client(who).get(declaration_url).json()["supplier"] == world.supplier_a.pk
        assert [r["id"] for r in keys.client(who).get(LIST).json()["results"]] == [declaration_id]
    for who in ("sup_b", "staff_b"):
        response = keys.client(who).get(declaration_url)
        assert response.status_code == 404 and response["Content-Type"].startswith(PROBLEM), who
        assert keys.client(who).get(LIST).json()["results"] == [], who
    assert Declaration.objects.count() == 1


def test_list_filters_and_query_bound(world, keys, send, django_assert_max_num_queries):
    client = keys.client("sup_a")
    rejected = send(client, file=("bad.xml", files.ai_with_bad_cas_check_digit())).json()["id"]
    stored = send(client, body=DOCUMENT).json()["id"]
    for n in range(8):
        send(client, body=clean_document(f"P-{n}"))
    other = send(keys.client("sup_b"), body=DOCUMENT).json()["id"]
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    results = response.json()["results"]
    assert len(results) == 10 and all(r["status"] in ("evaluated", "rejected") for r in results)
    assert all(len(r["products"]) == (0 if r["id"] == rejected else 1) for r in results)
    assert [r["id"] for r in client.get(LIST, {"status": "rejected"}).json()["results"]] == [rejected]
    assert client.get(LIST, {"status": "received"}).json()["results"] == []
    assert len(client.get(LIST, {"status": "evaluated"}).json()["results"]) == 9

    Declaration.objects.exclude(pk=stored).update(
        created_at=timezone.now() - timedelta(days=9),
        started_at=None,
        finished_at=timezone.now() - timedelta(days=9),
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert [r["id"] for r in client.get(LIST, {"changed_since": since}).json()["results"]] == [stored]
    assert client.get(LIST, {"status": "lost"}).status_code == 400
    admin = keys.client("admin")
    assert [r["id"] for r in admin.get(LIST, {"supplier": world.supplier_b.pk}).json()["results"]] == [other]
    with django_assert_max_num_queries(8):
        assert len(keys.client("staff_a").get(LIST).json()["results"]) == 10
