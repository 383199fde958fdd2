"""Staff review of a response: comments, return (with the supplier's e-mail), resubmission, accept,
reopen, version history and versions, documents, tenancy and the read-only auditor."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from surveys import response_services
from surveys.models import Response, ReviewComment
from tests.surveys.conftest import open_campaign

# A complete, valid env-activity answer set without uploads: no certification, no ODS.
FULL = {"A1": "none", "B1": "implemented", "D1": "not_used"} | {
    f"C{n:02d}": "implemented" for n in range(1, 21)
}


def _url(name: str, response: Response, **kwargs) -> str:
    return reverse(f"staff:{name}", kwargs={"response_pk": response.pk, **kwargs})


def _submit(response: Response, user, values: dict | None = None) -> Response:
    response_services.response_save(response, by=user, values=values or FULL)
    assert response_services.response_submit(response, by=user) == []
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED
    return response


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _upload(response: Response, user, name: str = "iso.pdf", question: str = "A3"):
    return response_services.evidence_add(
        response,
        by=user,
        question=question,
        upload=SimpleUploadedFile(name, b"%PDF-1.4 certificate", content_type="application/pdf"),
    )


def test_review_round_trip(world, response_a, django_capture_on_commit_callbacks):
    _submit(response_a, world.sup_a)
    client = world.client_for(world.staff_a)
    page = client.get(_url("response_review", response_a))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="q-C05"' in body and _url("response_return", response_a) in body
    assert page.context["can_decide"] and page.context["breakdown"]

    comment = client.post(_url("response_comment", response_a), {"question": "C05", "body": "Which plan?"})
    assert comment.status_code == 302 and comment["Location"].endswith("#q-C05")
    assert ReviewComment.objects.get().question == "C05"

    with django_capture_on_commit_callbacks(execute=True):
        returned = client.post(_url("response_return", response_a), {"note": "Please explain C05."})
    assert returned.status_code == 302
    response_a.refresh_from_db()
    assert response_a.status == Response.Status.RETURNED and response_a.reviewed_by == world.staff_a
    last = response_a.versions.order_by("-number").first()
    assert (last.event, last.note, last.by) == ("returned", "Please explain C05.", world.staff_a)
    # The supplier's users are told by e-mail, each in a message of their own.
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([world.sup_a.email, world.sup_a_contrib.email])

    # The supplier sees the comment next to the question.
    try:
        supplier_url = reverse("supplier:survey_response", kwargs={"response_pk": response_a.pk})
    except NoReverseMatch:
        supplier_url = None
    if supplier_url is not None:
        supplier_page = world.client_for(world.sup_a).get(supplier_url)
        assert supplier_page.status_code == 200 and "Which plan?" in supplier_page.content.decode()

    _submit(response_a, world.sup_a, {"C05": "planned"})
    accepted = client.post(_url("response_accept", response_a), {"note": ""}, follow=True)
    response_a.refresh_from_db()
    assert response_a.status == Response.Status.ACCEPTED
    history = [(v.event, v.by) for v in reversed(accepted.context["versions"])]
    assert history == [
        ("created", world.admin),
        ("saved", world.sup_a),
        ("submitted", world.sup_a),
        ("returned", world.staff_a),
        ("saved", world.sup_a),
        ("submitted", world.sup_a),
        ("accepted", world.staff_a),
    ]
    # Accepted: no more return/accept; reopening needs a reason.
    assert not accepted.context["can_decide"] and accepted.context["can_reopen"]
    client.post(_url("response_reopen", response_a), {"note": ""})
    response_a.refresh_from_db()
    assert response_a.status == Response.Status.ACCEPTED
    sent_before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("response_reopen", response_a), {"note": "The certificate expired."})
    response_a.refresh_from_db()
    assert response_a.status == Response.Status.RETURNED
    # Reopened means back with the supplier: they are told, with the reason, as for a return.
    reopened_mail = mail.outbox[sent_before:]
    assert len(reopened_mail) == 2 and all("The certificate expired." in m.body for m in reopened_mail)


def test_version_page_lists_the_changes(world, response_a):
    _submit(response_a, world.sup_a)
    client = world.client_for(world.staff_a)
    client.post(_url("response_return", response_a), {"note": "C05?"})
    _submit(response_a, world.sup_a, {"C05": "planned"})
    saved = response_a.versions.filter(event="saved").order_by("-number").first()
    page = client.get(_url("response_version", response_a, number=saved.number))
    assert page.status_code == 200
    (change,) = page.context["changes"]
    assert (change["code"], change["old"], change["new"]) == ("C05", "Implemented", "Planned")
    assert 'id="q-C05"' in page.content.decode()
    first = client.get(_url("response_version", response_a, number=1))
    assert first.status_code == 200 and first.context["previous"] is None
    assert client.get(_url("response_version", response_a, number=99)).status_code == 404


def test_return_needs_a_reason_and_a_submitted_response(world, response_a):
    client = world.client_for(world.staff_a)
    # Not submitted yet: nothing to return.
    page = client.post(_url("response_return", response_a), {"note": "x"}, follow=True)
    assert "Only a submitted response can be returned." in page.content.decode()
    _submit(response_a, world.sup_a)
    page = client.post(_url("response_return", response_a), {"note": ""}, follow=True)
    response_a.refresh_from_db()
    assert response_a.status == Response.Status.SUBMITTED
    assert "add a note or comment" in page.content.decode()
    # An empty comment is refused too.
    client.post(_url("response_comment", response_a), {"question": "", "body": "  "})
    assert not ReviewComment.objects.exists()
    general = client.post(_url("response_comment", response_a), {"question": "", "body": "Looks fine."})
    assert general["Location"].endswith("#comments")
    assert "Looks fine." in client.get(_url("response_review", response_a)).content.decode()


def test_evidence_download(world, response_a, media):
    evidence = _upload(response_a, world.sup_a, name="ISO 14001 証明書.pdf")
    url = _url("response_evidence", response_a, evidence_pk=evidence.pk)
    response_services.response_save(response_a, by=world.sup_a, values={"A1": "iso14001"})
    page = world.client_for(world.staff_a).get(_url("response_review", response_a)).content.decode()
    assert url in page
    download = world.client_for(world.staff_a).get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 certificate"
    assert world.client_for(world.staff_b).get(url).status_code == 404


def test_another_units_staff_get_404_everywhere(world, response_a, media):
    _submit(response_a, world.sup_a)
    evidence = _stored_document(response_a, world)
    client = world.client_for(world.staff_b)
    urls = [
        _url(name, response_a)
        for name in (
            "response_review",
            "response_comment",
            "response_return",
            "response_accept",
            "response_reopen",
        )
    ] + [
        _url("response_version", response_a, number=1),
        _url("response_evidence", response_a, evidence_pk=evidence.pk),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"note": "x", "body": "x", "question": ""}).status_code == 404, url
    response_a.refresh_from_db()
    assert response_a.status == Response.Status.SUBMITTED and not ReviewComment.objects.exists()


def _stored_document(response: Response, world):
    """A stored document on a submitted response (the supplier uploads before submitting)."""
    from surveys.models import EvidenceFile

    return EvidenceFile.objects.create(
        response=response,
        question="A3",
        file=SimpleUploadedFile("x.pdf", b"%PDF"),
        name="x.pdf",
        size=4,
        uploaded_by=world.sup_a,
    )


def test_auditor_reads_but_cannot_review(world, response_a):
    _submit(response_a, world.sup_a)
    client = world.client_for(world.auditor_a)
    page = client.get(_url("response_review", response_a))
    assert page.status_code == 200
    body = page.content.decode()
    assert (
        _url("response_return", response_a) not in body and _url("response_comment", response_a) not in body
    )
    assert client.post(_url("response_return", response_a), {"note": "x"}).status_code == 403
    assert client.post(_url("response_comment", response_a), {"body": "x"}).status_code == 403
    assert client.post(_url("response_accept", response_a)).status_code == 403
    response_a.refresh_from_db()
    assert response_a.status == Response.Status.SUBMITTED
    assert client.get(_url("response_return", response_a)).status_code == 405


def test_review_page_queries_are_bounded_for_the_saq(world, saq, media, django_assert_max_num_queries):
    campaign = open_campaign(world, saq)
    response = campaign.responses.get(supplier=world.supplier_a)
    questionnaire = saq.questionnaire
    codes = [q.code for q in questionnaire.questions if q.type == "ynpna"]
    response_services.response_save(response, by=world.sup_a, values=dict.fromkeys(codes, "yes"))
    for code in [q.code for q in questionnaire.questions if q.takes_files][:6]:
        _upload(response, world.sup_a, name=f"{code}.pdf", question=code)
    for code in codes[:15]:
        response_services.comment_add(response, by=world.staff_a, question=code, body=f"About {code}")
    client = world.client_for(world.staff_a)
    client.get(_url("response_review", response))  # warm the session and the parsed questionnaire
    # Session, user, memberships, response, comments, documents, versions, review right: 15 comments,
    # 6 documents and a dozen versions must not add a query each.
    with django_assert_max_num_queries(10):
        page = client.get(_url("response_review", response))
    assert page.status_code == 200
    assert len(page.context["versions"]) >= 8 and "About A1.1" in page.content.decode()
