"""Expiry reminders: 30 and 7 days before, and on expiry; once each, to the supplier's admins."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from compliance import certificate_services
from compliance.certificate_texts import texts_for
from compliance.models import Certificate, CertificateReminder
from compliance.tasks import send_certificate_reminders
from suppliers.roles import Role
from tests.compliance.conftest import issued_without_pdf
from tests.conftest import make_user

TODAY = datetime.date(2026, 6, 1)
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    "days_left, kind",
    [
        (365, None),
        (31, None),
        (30, "expiry-30"),
        (8, "expiry-30"),
        (7, "expiry-7"),
        (1, "expiry-7"),
        (0, "expiry-7"),  # valid through its last day
        (-1, "expired"),
        (-30, "expired"),
        (-31, None),  # long expired: no late notice
    ],
)
def test_reminder_kind(days_left, kind):
    assert certificate_services.reminder_kind(TODAY + days_left * DAY, TODAY) == kind


@pytest.fixture
def ja_admin(world):
    return make_user("a-admin2@alpha.example", Role.SUPPLIER_ADMIN, supplier=world.supplier_a, language="ja")


def _certificate(world, gpg, valid_until, **fields):
    return issued_without_pdf(world.supplier_a, gpg, ["SW-100", "CAP-1"], valid_until=valid_until, **fields)


def _sent_to():
    return sorted(m.to[0] for m in mail.outbox)


def test_each_reminder_goes_once_to_each_admin_in_their_language(world, gpg, ja_admin):
    certificate = _certificate(world, gpg, TODAY + 30 * DAY)
    assert certificate_services.certificate_reminders_send(TODAY) == 2
    assert certificate_services.certificate_reminders_send(TODAY) == 0  # the task ran twice
    assert certificate_services.certificate_reminders_send(TODAY + DAY) == 0  # and the next day
    # the admins of A only: not the contributor, not B's admin
    assert _sent_to() == sorted([world.sup_a.email, ja_admin.email])
    by_recipient = {m.to[0]: m for m in mail.outbox}
    english, japanese = by_recipient[world.sup_a.email], by_recipient[ja_admin.email]
    assert certificate.number in english.subject and "expires on" in english.subject
    assert texts_for("en")["title"] in english.body and "CAP-1, SW-100" in english.body
    assert texts_for("ja")["title"] in japanese.body
    assert f"/supplier/certificates/{certificate.pk}/" in english.body
    assert set(CertificateReminder.objects.values_list("kind", "recipient")) == {
        ("expiry-30", world.sup_a.email),
        ("expiry-30", ja_admin.email),
    }

    mail.outbox.clear()
    assert certificate_services.certificate_reminders_send(TODAY + 23 * DAY) == 2  # 7 days left
    assert certificate_services.certificate_reminders_send(TODAY + 24 * DAY) == 0
    assert all("expires in 7 days" in m.body for m in mail.outbox if m.to == [world.sup_a.email])

    mail.outbox.clear()
    assert certificate_services.certificate_reminders_send(TODAY + 31 * DAY) == 2  # expired yesterday
    assert certificate_services.certificate_reminders_send(TODAY + 31 * DAY) == 0
    assert any("has expired" in m.subject for m in mail.outbox)
    assert CertificateReminder.objects.count() == 6


def test_the_daily_task_sends_once_when_run_twice(world, gpg):
    today = timezone.localdate()
    _certificate(world, gpg, today + 7 * DAY)
    assert send_certificate_reminders.delay().get() == 1
    assert send_certificate_reminders.delay().get() == 0
    assert _sent_to() == [world.sup_a.email]


def test_revoked_and_unissued_certificates_get_no_reminder(world, gpg):
    _certificate(world, gpg, TODAY + 7 * DAY, status=Certificate.Status.REVOKED, revoked_at=timezone.now())
    _certificate(world, gpg, TODAY + 7 * DAY, status=Certificate.Status.RENDERING, issued_at=None)
    assert certificate_services.certificate_reminders_send(TODAY) == 0
    assert mail.outbox == []


def test_a_new_admin_still_gets_the_current_reminder(world, gpg):
    _certificate(world, gpg, TODAY + 20 * DAY)
    assert certificate_services.certificate_reminders_send(TODAY) == 1
    newcomer = make_user("late@alpha.example", Role.SUPPLIER_ADMIN, supplier=world.supplier_a)
    assert certificate_services.certificate_reminders_send(TODAY) == 1
    assert _sent_to() == sorted([world.sup_a.email, newcomer.email])


def test_a_failing_mail_server_leaves_the_reminder_for_the_next_run(world, gpg, settings, monkeypatch):
    _certificate(world, gpg, TODAY + 20 * DAY)
    from compliance import emails

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    # The mail server is an outside service that the test cannot make fail otherwise.
    monkeypatch.setattr(emails, "send_mail", refuse)
    assert certificate_services.certificate_reminders_send(TODAY) == 0
    assert not CertificateReminder.objects.exists()
    monkeypatch.undo()
    assert certificate_services.certificate_reminders_send(TODAY) == 1
