"""Invitation, registration, self-registration approval and rejection, as a new user goes through them."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from suppliers import services
from suppliers.models import Invitation, Membership, RegistrationRequest, Supplier, User
from suppliers.roles import Role
from suppliers.tasks import send_invitation_email
from tests.conftest import PASSWORD


def _link_from_mail(message) -> str:
    match = re.search(r"http://[^\s]+/invitations/[^\s]+/", message.body)
    assert match, message.body
    return match.group(0).replace("http://127.0.0.1:8000", "")


def test_staff_invites_contact_who_registers_completes_profile_and_invites_colleague(
    world, client, django_capture_on_commit_callbacks
):
    # Given a procurement manager of unit A
    staff = world.client_for(world.staff_a)
    # When they invite a contact for supplier A in Japanese
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("staff:supplier_invite", kwargs={"supplier_pk": world.supplier_a.pk}),
            {
                "email": "Hanako@Alpha.example",
                "full_name": "Hanako",
                "role": "supplier_admin",
                "language": "ja",
            },
        )
    assert response.status_code == 302
    # Then one e-mail goes out, in Japanese, with a working link
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hanako@alpha.example"]
    assert "招待" in mail.outbox[0].subject
    link = _link_from_mail(mail.outbox[0])

    # The invitee opens the link and registers
    assert client.get(link).status_code == 200
    response = client.post(
        link, {"full_name": "Hanako Yamada", "language": "ja", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("supplier:profile_edit")
    user = User.objects.get(email="hanako@alpha.example")
    assert user.memberships.get().role == Role.SUPPLIER_ADMIN
    # The link is single-use
    assert client.get(link).status_code == 404

    # completes the company profile
    response = client.post(
        reverse("supplier:profile_edit"),
        {
            "legal_name": "Alpha Parts Ltd",
            "local_name": "アルファ部品",
            "country": "jp",
            "address": "1 Example, Tokyo",
            "duns": "111-111-111",
            "tax_id": "",
            "website": "alpha.example",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    world.supplier_a.refresh_from_db()
    assert world.supplier_a.profile_completed_at is not None
    assert world.supplier_a.country == "JP" and world.supplier_a.website == "https://alpha.example"
    # adds a site
    assert (
        client.post(
            reverse("supplier:site_new"), {"name": "Osaka plant", "country": "JP", "address": "Osaka"}
        ).status_code
        == 302
    )
    assert world.supplier_a.sites.filter(name="Osaka plant").exists()
    # and invites a colleague
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("supplier:invitation_new"),
            {"email": "colleague@alpha.example", "role": "supplier_contributor", "language": "en"},
        )
    assert mail.outbox[-1].to == ["colleague@alpha.example"]
    assert Invitation.objects.get(email="colleague@alpha.example").status == Invitation.Status.PENDING


def test_expired_invitation_is_refused(world, client):
    world.invitation_a.expires_at = timezone.now()
    world.invitation_a.save()
    response = client.get(reverse("invitation_accept", kwargs={"token": world.invitation_a_token}))
    assert response.status_code == 404
    assert b"expired" in response.content


def test_tampered_token_is_refused(world, client):
    token = world.invitation_a_token
    assert client.get(reverse("invitation_accept", kwargs={"token": token[:-2] + "xx"})).status_code == 404


def test_new_invitation_replaces_the_pending_one(world):
    first = world.invitation_a
    services.invitation_create(
        supplier=world.supplier_a, email=first.email, invited_by=world.sup_a, role=Role.SUPPLIER_CONTRIBUTOR
    )
    first.refresh_from_db()
    assert first.status == Invitation.Status.REVOKED


def test_contributor_cannot_invite_or_edit(world):
    client = world.client_for(world.sup_a_contrib)
    assert client.get(reverse("supplier:invitation_new")).status_code == 403
    assert client.post(reverse("supplier:profile_edit"), {"legal_name": "x"}).status_code == 403
    assert client.get(reverse("supplier:home")).status_code == 200


def test_weak_password_is_rejected_with_all_errors(world, client):
    link = reverse("invitation_accept", kwargs={"token": world.invitation_a_token})
    response = client.post(
        link, {"full_name": "New", "language": "en", "password1": "12345", "password2": "12345"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["password1"]
    assert len(errors) >= 2  # too short AND entirely numeric / too common
    assert not User.objects.filter(email="newcomer@alpha.example").exists()


def test_last_supplier_admin_cannot_be_removed(world):
    membership = world.sup_a.memberships.get()
    world.client_for(world.sup_a).post(
        reverse("supplier:member_remove", kwargs={"membership_pk": membership.pk})
    )
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_self_registration_is_approved_and_contact_invited(world, client, django_capture_on_commit_callbacks):
    response = client.post(
        reverse("registration_request"),
        {
            "legal_name": "Delta Coatings",
            "local_name": "德尔塔涂料",
            "country": "cn",
            "address": "Shanghai",
            "duns": "",
            "contact_name": "Wang Fang",
            "contact_email": "wang@delta.example",
            "language": "zh-hans",
            "buyer_unit": world.unit_a.pk,
            "message": "We supply paint.",
        },
    )
    assert response.status_code == 200
    registration = RegistrationRequest.objects.get(legal_name="Delta Coatings")
    approve = reverse("staff:registration_approve", kwargs={"registration_pk": registration.pk})
    # Staff of another unit cannot even see it
    assert world.client_for(world.staff_b).post(approve).status_code == 404
    # An auditor sees it but cannot approve it
    world.client_for(world.auditor_a).post(approve)
    registration.refresh_from_db()
    assert registration.status == RegistrationRequest.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        world.client_for(world.staff_a).post(approve)
    registration.refresh_from_db()
    assert registration.status == RegistrationRequest.Status.APPROVED
    supplier = Supplier.objects.get(legal_name="Delta Coatings")
    assert list(supplier.buyer_units.all()) == [world.unit_a]
    assert mail.outbox[-1].to == ["wang@delta.example"]
    assert "邀请" in mail.outbox[-1].subject


def test_self_registration_rejected_with_reason(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world.client_for(world.staff_a).post(
            reverse("staff:registration_reject", kwargs={"registration_pk": world.registration_a.pk}),
            {"note": "Not a supplier of ours."},
        )
    world.registration_a.refresh_from_db()
    assert world.registration_a.status == RegistrationRequest.Status.REJECTED
    assert world.registration_a.decided_by == world.staff_a
    assert "Not a supplier of ours." in mail.outbox[-1].body
    assert not Supplier.objects.filter(legal_name="Gamma Plastics").exists()


@pytest.mark.parametrize("task_runs", [1, 2])
def test_invitation_email_is_sent_once_even_if_the_task_runs_twice(world, task_runs):
    results = [send_invitation_email(world.invitation_a.pk) for _ in range(task_runs)]
    assert results[0] == "sent" and all(r == "skipped" for r in results[1:])
    assert len(mail.outbox) == 1


def test_invitation_page_greets_a_first_visitor_in_the_invitations_language(world, client):
    world.invitation_a.language = "zh-hans"
    world.invitation_a.save()
    link = reverse("invitation_accept", kwargs={"token": world.invitation_a_token})
    assert '<html lang="zh-hans">' in client.get(link).content.decode()
    client.cookies["django_language"] = "en"
    assert '<html lang="en">' in client.get(link).content.decode()


def test_failed_staff_invitation_keeps_what_was_typed(world):
    # Given an address that already belongs to another supplier
    response = world.client_for(world.staff_a).post(
        reverse("staff:supplier_invite", kwargs={"supplier_pk": world.supplier_a.pk}),
        {"email": world.sup_b.email, "full_name": "Typed Name", "role": "supplier_admin", "language": "ja"},
    )
    # Then the page shows the error by the field and keeps the input; nothing is created
    assert response.status_code == 200
    form = response.context["invite_form"]
    assert "already belongs to a supplier" in form.errors["email"][0]
    assert 'value="Typed Name"' in response.content.decode()
    assert not Invitation.objects.filter(email=world.sup_b.email).exists()
    assert mail.outbox == []


def test_the_blank_invitation_form_follows_the_page_language_and_the_supplier(world):
    """The blank form's HTML is printed once per page language and e-mail language (staff.py
    _blank_invitation_form): each page must still get its own labels and preselected language."""
    client = world.client_for(world.staff_a)

    def form_html(supplier, language: str) -> str:
        page = client.get(
            reverse("staff:supplier_detail", kwargs={"supplier_pk": supplier.pk}),
            HTTP_ACCEPT_LANGUAGE=language,
        ).content.decode()
        start = page.index('action="' + reverse("staff:supplier_invite", kwargs={"supplier_pk": supplier.pk}))
        return page[start : page.index("</form>", start)]

    world.staff_a.language = ""
    world.staff_a.save(update_fields=["language"])
    english, japanese = form_html(world.supplier_a, "en"), form_html(world.supplier_a, "ja")
    assert "E-mail address" in english and "メールアドレス" in japanese
    # Alpha Parts is Japanese: its invitations are preselected in Japanese, whatever the page language.
    for html in (english, japanese):
        assert re.search(r'<option value="ja"[^>]*selected', html)
    world.supplier_a.country = "DE"
    world.supplier_a.save(update_fields=["country"])
    assert re.search(r'<option value="en"[^>]*selected', form_html(world.supplier_a, "en"))
