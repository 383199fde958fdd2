"""Survey fixtures: the real questionnaire files, published, and a campaign sent to both suppliers."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from surveys import campaign_services
from surveys.models import Campaign, QuestionnaireVersion, Response
from surveys.reference_data import questionnaire_publish

QUESTIONNAIRES = Path(settings.BASE_DIR) / "fixtures" / "surveys" / "questionnaires"


def publish(name: str) -> QuestionnaireVersion:
    version, _ = questionnaire_publish(json.loads((QUESTIONNAIRES / name).read_text(encoding="utf-8")))
    return version


@pytest.fixture
def env_activity(db) -> QuestionnaireVersion:
    return publish("env-activity-2026.1.json")


@pytest.fixture
def saq(db) -> QuestionnaireVersion:
    return publish("saq-2026.1.json")


def open_campaign(world, questionnaire: QuestionnaireVersion, *, year: int = 2026, **extra) -> Campaign:
    """A campaign run by the administrator for both test suppliers, open since yesterday."""
    today = timezone.localdate()
    created = campaign_services.campaign_create(
        by=world.admin,
        name=extra.pop("name", f"{questionnaire.code} {year}"),
        year=year,
        questionnaire=questionnaire,
        level=extra.pop("level", Campaign.Level.COMPANY),
        opens_on=extra.pop("opens_on", today - datetime.timedelta(days=1)),
        due_on=extra.pop("due_on", today + datetime.timedelta(days=30)),
        mode=Campaign.Targeting.ALL,
        **extra,
    )
    return created.campaign


@pytest.fixture
def env_campaign(world, env_activity) -> Campaign:
    return open_campaign(world, env_activity)


@pytest.fixture
def response_a(world, env_campaign) -> Response:
    return Response.objects.get(campaign=env_campaign, supplier=world.supplier_a)


@pytest.fixture
def response_b(world, env_campaign) -> Response:
    return Response.objects.get(campaign=env_campaign, supplier=world.supplier_b)
