"""Survey reminders: invitation, 14/7/1-day reminders, weekly overdue notices; once each, in the
recipient's language, recorded, and retried when the mail server refused them."""

from __future__ import annotations

import datetime
import hashlib
import json
import smtplib
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suppliers.models import Supplier
from suppliers.roles import Role
from surveys import reminder_services, reminders
from surveys.models import Campaign, QuestionnaireVersion, ReminderSent, Response, ReviewComment
from surveys.questionnaire import questionnaire_from_document
from surveys.reminders import reminders_due
from surveys.tasks import notify_response_returned, send_reminders
from tests.conftest import make_user

TODAY = datetime.date(2026, 6, 1)  # a Monday
DAY = datetime.timedelta(days=1)
QUESTIONNAIRE_FILE = Path(settings.BASE_DIR) / "fixtures/surveys/questionnaires/env-activity-2026.1.json"
TITLE = {"en": "Environmental Activity Survey", "ja": "環境保全活動調査", "zh-hans": "环保活动情况调查"}
INVITED = {(reminders.INVITATION, "")}


# --- Which reminders are due (pure) ---------------------------------------------------------------


def due(days_left: int, *, today: datetime.date = TODAY, already_sent=INVITED, status="draft", **extra):
    return reminders_due(
        opens_on=extra.get("opens_on", today - 60 * DAY),
        due_on=today + days_left * DAY,
        today=today,
        status=status,
        campaign_open=extra.get("campaign_open", True),
        already_sent=already_sent,
    )


@pytest.mark.parametrize(
    "days_left, expected",
    [
        (60, []),
        (15, []),
        (14, [("due_14", "")]),
        (8, [("due_14", "")]),
        (7, [("due_7", "")]),
        (2, [("due_7", "")]),
        (1, [("due_1", "")]),
        (0, [("due_1", "")]),  # due today
        (-1, [("overdue", "2026-W23")]),
        (-6, [("overdue", "2026-W23")]),  # still a Monday: same week as the day before
    ],
)
def test_each_window(days_left, expected):
    assert due(days_left) == expected


def test_a_reminder_already_sent_is_not_due_again():
    assert due(10, already_sent=INVITED | {("due_14", "")}) == []
    assert due(-1, already_sent=INVITED | {("overdue", "2026-W23")}) == []
    assert due(-1, already_sent=INVITED | {("overdue", "2026-W22")}) == [("overdue", "2026-W23")]


def test_overdue_period_is_the_iso_week_of_today():
    monday, sunday, next_monday = TODAY, TODAY + 6 * DAY, TODAY + 7 * DAY
    assert reminders.overdue_period(monday) == reminders.overdue_period(sunday) == "2026-W23"
    assert reminders.overdue_period(next_monday) == "2026-W24"
    # The ISO year, not the calendar year: both days are in the last week of 2026.
    assert reminders.overdue_period(datetime.date(2026, 12, 31)) == "2026-W53"
    assert reminders.overdue_period(datetime.date(2027, 1, 1)) == "2026-W53"
    assert reminders.overdue_period(datetime.date(2027, 1, 4)) == "2027-W01"
    assert (
        len(reminders.overdue_period(datetime.date(2026, 12, 31)))
        <= ReminderSent._meta.get_field("period").max_length
    )


def test_the_invitation_goes_on_the_opening_day_and_holds_back_the_due_reminder():
    assert due(10, already_sent=set(), opens_on=TODAY) == [("invitation", "")]
    # opened earlier but never sent (beat was down): still invited, and the 14-day reminder waits a day
    assert due(10, already_sent=set()) == [("invitation", "")]
    assert due(10, already_sent=INVITED) == [("due_14", "")]


def test_the_invitation_of_a_late_response_comes_with_the_overdue_notice():
    assert due(-3, already_sent=set()) == [("invitation", ""), ("overdue", "2026-W23")]


@pytest.mark.parametrize(
    "reason",
    [
        {"campaign_open": False},
        {"opens_on": TODAY + DAY},
        {"status": "submitted"},
        {"status": "accepted"},
    ],
)
def test_nothing_is_due(reason):
    assert due(7, already_sent=set(), **reason) == []
    assert due(-8, already_sent=INVITED, **reason) == []


@pytest.mark.parametrize("status", ["not_started", "draft", "returned"])
def test_open_work_is_reminded(status):
    assert due(7, status=status) == [("due_7", "")]


def simulate(opens_on: datetime.date, due_on: datetime.date, last_day: datetime.date) -> list:
    """What a daily run sends from OPENS_ON to LAST_DAY, day by day."""
    sent: list = []
    day = opens_on
    while day <= last_day:
        sent += reminders_due(
            opens_on=opens_on,
            due_on=due_on,
            today=day,
            status="draft",
            campaign_open=True,
            already_sent=set(sent),
        )
        day += DAY
    return sent


def test_a_whole_campaign_sends_each_reminder_once_and_one_overdue_notice_a_week():
    sent = simulate(TODAY, TODAY + 30 * DAY, TODAY + 30 * DAY + 14 * DAY)
    assert sent == [
        ("invitation", ""),
        ("due_14", ""),
        ("due_7", ""),
        ("due_1", ""),
        ("overdue", "2026-W27"),  # due Wednesday 1 July; overdue from Thursday
        ("overdue", "2026-W28"),
        ("overdue", "2026-W29"),
    ]


def test_a_campaign_created_five_days_before_its_due_date_never_sends_the_14_day_reminder():
    assert simulate(TODAY, TODAY + 5 * DAY, TODAY + 5 * DAY) == [
        ("invitation", ""),
        ("due_7", ""),
        ("due_1", ""),
    ]


def test_the_kinds_are_the_models():
    assert set(reminders.KINDS) == set(ReminderSent.Kind.values)
    assert {Response.Status.SUBMITTED, Response.Status.ACCEPTED} == reminders.DONE_STATUSES


# --- Sending (database) ---------------------------------------------------------------------------


class RefusingBackend(locmem.EmailBackend):
    """The mail server refuses each address in `refuse` once, as an SMTP server would."""

    refuse: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            for address in message.recipients():
                if address in self.refuse:
                    self.refuse.discard(address)
                    raise smtplib.SMTPRecipientsRefused({address: (550, b"mailbox unavailable")})
        return super().send_messages(messages)


def publish_env_activity() -> QuestionnaireVersion:
    document = json.loads(QUESTIONNAIRE_FILE.read_text(encoding="utf-8"))
    return QuestionnaireVersion.objects.create(
        code=document["code"],
        version=document["version"],
        kind=document["kind"],
        level=document["level"],
        title=document["title"],
        document=document,
        # A real digest: parsed questionnaires are cached per (pk, checksum).
        checksum=hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest(),
        question_count=len(questionnaire_from_document(document).questions),
    )


@pytest.fixture
def people(world):
    """A's admin reads Japanese, B's admin Chinese; A's contributor stays in English."""
    world.sup_a.language = "ja"
    world.sup_a.save(update_fields=["language"])
    world.sup_b.language = "zh-hans"
    world.sup_b.save(update_fields=["language"])
    # never written to: a deactivated supplier user
    make_user("a-gone@alpha.example", Role.SUPPLIER_CONTRIBUTOR, supplier=world.supplier_a, is_active=False)
    return world


@pytest.fixture
def questionnaire(db):
    return publish_env_activity()


def make_campaign(world, questionnaire, *, opens_on=TODAY, due_on=TODAY + 30 * DAY, **extra):
    campaign = Campaign.objects.create(
        name=extra.pop("name", "Environment 2026"),
        year=2026,
        questionnaire=questionnaire,
        opens_on=opens_on,
        due_on=due_on,
        created_by=world.admin,
        **extra,
    )
    for supplier in (world.supplier_a, world.supplier_b):
        Response.objects.create(campaign=campaign, supplier=supplier)
    return campaign


def response_of(campaign, supplier) -> Response:
    return Response.objects.get(campaign=campaign, supplier=supplier)


def sent() -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject) for m in mail.outbox)


def recorded() -> list[tuple[str, str, str]]:
    return sorted(ReminderSent.objects.values_list("response__supplier__legal_name", "kind", "period"))


def counts(**sent_kinds: int) -> dict[str, int]:
    return {**dict.fromkeys(reminders.KINDS, 0), "failed": 0, **sent_kinds}


def test_the_invitation_goes_once_to_each_active_supplier_user_in_their_language(people, questionnaire):
    campaign = make_campaign(people, questionnaire)
    assert reminder_services.survey_reminders_send(TODAY) == counts(invitation=2)
    assert reminder_services.survey_reminders_send(TODAY) == counts()  # the task ran twice

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [people.sup_a.email, people.sup_a_contrib.email, people.sup_b.email]
    )
    by_recipient = {m.to[0]: m for m in mail.outbox}
    japanese, english, chinese = (
        by_recipient[people.sup_a.email],
        by_recipient[people.sup_a_contrib.email],
        by_recipient[people.sup_b.email],
    )
    assert TITLE["ja"] in japanese.subject and TITLE["ja"] in japanese.body
    assert TITLE["zh-hans"] in chinese.subject and TITLE["zh-hans"] in chinese.body
    assert TITLE["en"] in english.subject and TITLE["ja"] not in english.body
    assert "2026-07-01" in english.subject and "Alpha Parts Ltd" in english.body
    assert "Environment 2026" in english.body
    response_a = response_of(campaign, people.supplier_a)
    assert f"{settings.PORTAL_BASE_URL}/supplier/surveys/{response_a.pk}/" in english.body
    assert f"/supplier/surveys/{response_of(campaign, people.supplier_b).pk}/" in chinese.body

    rows = {r.response.supplier_id: r for r in ReminderSent.objects.select_related("response")}
    assert len(rows) == 2
    assert sorted(rows[people.supplier_a.pk].recipients) == sorted(
        [people.sup_a.email, people.sup_a_contrib.email]
    )
    assert rows[people.supplier_b.pk].recipients == [people.sup_b.email]
    assert {(r.kind, r.period) for r in rows.values()} == {("invitation", "")}


def test_a_whole_campaign_day_by_day(people, questionnaire):
    make_campaign(people, questionnaire)
    day = TODAY
    while day <= TODAY + 44 * DAY:
        reminder_services.survey_reminders_send(day)
        reminder_services.survey_reminders_send(day)
        day += DAY
    per_supplier = [
        ("invitation", ""),
        ("due_14", ""),
        ("due_7", ""),
        ("due_1", ""),
        ("overdue", "2026-W27"),
        ("overdue", "2026-W28"),
        ("overdue", "2026-W29"),
    ]
    assert recorded() == sorted(
        (name, kind, period)
        for name in ("Alpha Parts Ltd", "Beta Metals Co")
        for kind, period in per_supplier
    )
    assert len(mail.outbox) == 3 * len(per_supplier)  # A has two active users, B one
    english = [m for m in mail.outbox if m.to == [people.sup_a_contrib.email]]
    assert [m.subject for m in english[1:4]] == [
        f'The survey "{TITLE["en"]} 2026.1" is due in 14 days',
        f'The survey "{TITLE["en"]} 2026.1" is due in 7 days',
        f'The survey "{TITLE["en"]} 2026.1" is due in 1 day',
    ]
    assert "1 day ago" in english[4].body and "once a week" in english[4].body
    assert "5 days ago" in english[5].body  # Monday of the next week


def test_the_overdue_notice_goes_once_a_week(people, questionnaire):
    campaign = make_campaign(people, questionnaire, opens_on=TODAY - 40 * DAY, due_on=TODAY - 3 * DAY)
    response_a = response_of(campaign, people.supplier_a)
    ReminderSent.objects.create(response=response_a, kind="invitation", recipients=[])
    response_of(campaign, people.supplier_b).delete()

    for offset in range(7):  # Monday to Sunday
        reminder_services.survey_reminders_send(TODAY + offset * DAY)
    assert recorded() == [("Alpha Parts Ltd", "invitation", ""), ("Alpha Parts Ltd", "overdue", "2026-W23")]
    assert len(mail.outbox) == 2

    assert reminder_services.survey_reminders_send(TODAY + 7 * DAY) == counts(overdue=1)
    assert reminder_services.survey_reminders_send(TODAY + 8 * DAY) == counts()
    assert ("Alpha Parts Ltd", "overdue", "2026-W24") in recorded()
    assert len(mail.outbox) == 4


def test_a_refused_e_mail_records_nothing_and_is_sent_on_the_next_run(people, questionnaire, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.refuse = {people.sup_b.email}
    campaign = make_campaign(people, questionnaire)

    assert reminder_services.survey_reminders_send(TODAY) == counts(invitation=1, failed=1)
    assert recorded() == [("Alpha Parts Ltd", "invitation", "")]
    assert people.sup_b.email not in [m.to[0] for m in mail.outbox]

    assert reminder_services.survey_reminders_send(TODAY) == counts(invitation=1)
    assert recorded() == [("Alpha Parts Ltd", "invitation", ""), ("Beta Metals Co", "invitation", "")]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [people.sup_a.email, people.sup_a_contrib.email, people.sup_b.email]
    )
    row_b = ReminderSent.objects.get(response=response_of(campaign, people.supplier_b))
    assert row_b.recipients == [people.sup_b.email]


def test_the_task_sends_once_when_run_twice(people, questionnaire):
    today = timezone.localdate()
    make_campaign(people, questionnaire, opens_on=today, due_on=today + 30 * DAY)
    assert send_reminders.delay().get() == counts(invitation=2)
    assert send_reminders.delay().get() == counts()
    assert len(mail.outbox) == 3
    assert ReminderSent.objects.count() == 2
    assert send_reminders.name == "surveys.send_reminders"
    assert settings.CELERY_BEAT_SCHEDULE["surveys.send_reminders"]["task"] == "surveys.send_reminders"


@pytest.mark.parametrize("status", [Response.Status.SUBMITTED, Response.Status.ACCEPTED])
def test_nothing_for_finished_responses(people, questionnaire, status):
    campaign = make_campaign(people, questionnaire, opens_on=TODAY - 30 * DAY, due_on=TODAY - DAY)
    campaign.responses.update(status=status)
    assert reminder_services.survey_reminders_send(TODAY) == counts()
    assert mail.outbox == [] and not ReminderSent.objects.exists()


def test_a_returned_response_is_reminded(people, questionnaire):
    campaign = make_campaign(people, questionnaire, due_on=TODAY + 7 * DAY)
    campaign.responses.update(status=Response.Status.SUBMITTED)
    campaign.responses.filter(supplier=people.supplier_b).update(status=Response.Status.RETURNED)
    assert reminder_services.survey_reminders_send(TODAY) == counts(invitation=1)
    assert reminder_services.survey_reminders_send(TODAY + DAY) == counts(due_7=1)
    assert [m.to[0] for m in mail.outbox] == [people.sup_b.email, people.sup_b.email]


def test_a_closed_campaign_or_one_not_yet_open_sends_nothing(people, questionnaire):
    make_campaign(people, questionnaire, status=Campaign.Status.CLOSED, opens_on=TODAY - 30 * DAY)
    make_campaign(people, questionnaire, name="Next", opens_on=TODAY + DAY, due_on=TODAY + 30 * DAY)
    assert reminder_services.survey_reminders_send(TODAY) == counts()
    assert mail.outbox == [] and not ReminderSent.objects.exists()


def test_a_supplier_without_users_gets_its_invitation_once_it_has_one(people, questionnaire):
    lonely = Supplier.objects.create(legal_name="Gamma Plastics", country="DE")
    campaign = make_campaign(people, questionnaire)
    Response.objects.create(campaign=campaign, supplier=lonely)
    assert reminder_services.survey_reminders_send(TODAY) == counts(invitation=2)
    user = make_user("g@gamma.example", Role.SUPPLIER_ADMIN, supplier=lonely)
    assert reminder_services.survey_reminders_send(TODAY + DAY) == counts(invitation=1)
    assert mail.outbox[-1].to == [user.email]


def test_recipients_are_read_once_however_many_responses(people, questionnaire):
    campaign = make_campaign(people, questionnaire)
    for n in range(8):
        supplier = Supplier.objects.create(legal_name=f"Extra {n}", country="JP")
        make_user(f"admin{n}@extra{n}.example", Role.SUPPLIER_ADMIN, supplier=supplier)
        make_user(f"contrib{n}@extra{n}.example", Role.SUPPLIER_CONTRIBUTOR, supplier=supplier)
        Response.objects.create(campaign=campaign, supplier=supplier)
    with CaptureQueriesContext(connection) as sending:
        assert reminder_services.survey_reminders_send(TODAY) == counts(invitation=10)
    with CaptureQueriesContext(connection) as idle:
        assert reminder_services.survey_reminders_send(TODAY) == counts()
    # campaigns, responses, reminders already sent, recipients; then per reminder one insert (with its
    # savepoint), whatever the number of recipients
    assert len(idle) == 4
    inserts = [q for q in sending.captured_queries if q["sql"].startswith("INSERT")]
    reads = [q for q in sending.captured_queries if q["sql"].startswith("SELECT")]
    assert len(inserts) == 10 and len(reads) == 4


# --- Returned for correction ----------------------------------------------------------------------


def test_returned_notice_lists_the_note_and_this_round_s_comments_in_the_reader_s_language(
    people, questionnaire
):
    campaign = make_campaign(people, questionnaire)
    response = response_of(campaign, people.supplier_a)
    submitted_at = timezone.now() - datetime.timedelta(hours=1)
    Response.objects.filter(pk=response.pk).update(
        status=Response.Status.RETURNED, submitted_at=submitted_at, revision=2
    )
    old = ReviewComment.objects.create(response=response, question="A1", body="Old remark", revision=1)
    ReviewComment.objects.filter(pk=old.pk).update(created_at=submitted_at - datetime.timedelta(days=3))
    ReviewComment.objects.create(response=response, question="A1", body="Attach the certificate", revision=2)
    ReviewComment.objects.create(response=response, question="", body="Check the units", revision=2)

    assert notify_response_returned.delay(response.pk, "Please correct A1.").get() == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {people.sup_a.email, people.sup_a_contrib.email}
    japanese, english = by_recipient[people.sup_a.email], by_recipient[people.sup_a_contrib.email]
    assert TITLE["ja"] in japanese.subject and "returned for correction" in english.subject
    for message in (japanese, english):
        assert "Please correct A1." in message.body
        assert "Attach the certificate" in message.body and "Check the units" in message.body
        assert "Old remark" not in message.body
        assert f"/supplier/surveys/{response.pk}/" in message.body
    assert "ISO 14001" in english.body and "環境マネジメントシステム認証" in japanese.body


def test_no_returned_notice_once_the_response_is_no_longer_returned(people, questionnaire):
    campaign = make_campaign(people, questionnaire)
    response = response_of(campaign, people.supplier_a)
    Response.objects.filter(pk=response.pk).update(status=Response.Status.SUBMITTED)
    assert notify_response_returned.delay(response.pk, "late").get() == 0
    assert notify_response_returned.delay(response.pk + 1000, "gone").get() == 0
    assert mail.outbox == []
