"""Demo survey campaigns (fixtures/demo/surveys.json), written through the same services as the pages."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from suppliers.models import Membership, Supplier, User
from suppliers.roles import Role
from surveys import campaign_services, response_services
from surveys.models import Campaign, QuestionnaireVersion, Response
from surveys.reference_data import load_questionnaires

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo" / "surveys.json"


def _supplier_admin(supplier: Supplier) -> User:
    return (
        Membership.objects.filter(supplier=supplier, role=Role.SUPPLIER_ADMIN)
        .select_related("user")
        .first()
        .user
    )


def _fill(response: Response, spec: dict, reviewer: User) -> None:
    admin = _supplier_admin(response.supplier)
    # A closed campaign of last year is reopened for the moment it takes to write its history.
    response_services.response_save(response, by=admin, values=spec.get("answers", {}))
    for question in spec.get("files", []):
        upload = SimpleUploadedFile("certificate.pdf", b"%PDF-1.4\n% demo certificate\n", "application/pdf")
        response_services.evidence_add(response, by=admin, question=question, upload=upload)
    if spec["status"] in ("submitted", "accepted"):
        problems = response_services.response_submit(response, by=admin)
        if problems:
            raise ValueError(f"demo response of {response.supplier}: {[p.question for p in problems]}")
    if spec["status"] == "accepted":
        response_services.response_accept(response, by=reviewer, note="")


@transaction.atomic
def load_demo_surveys() -> list[str]:
    """Create the demo campaigns that do not exist yet (matched by name and year); return their names."""
    load_questionnaires()
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    creator = User.objects.get(email=data["created_by"])
    reviewer = User.objects.get(email=data["reviewed_by"])
    today = timezone.localdate()
    created = []
    for spec in data["campaigns"]:
        if Campaign.objects.filter(name=spec["name"], year=spec["year"]).exists():
            continue
        questionnaire = QuestionnaireVersion.objects.get(code=spec["questionnaire"], version=spec["version"])
        campaign = campaign_services.campaign_create(
            by=creator,
            name=spec["name"],
            year=spec["year"],
            questionnaire=questionnaire,
            level=spec["level"],
            opens_on=today + datetime.timedelta(days=spec["opens_in_days"]),
            due_on=today + datetime.timedelta(days=spec["due_in_days"]),
            mode=Campaign.Targeting.ALL,
        ).campaign
        for duns, response_spec in spec["responses"].items():
            response = Response.objects.get(campaign=campaign, supplier__duns=duns, site__isnull=True)
            _fill(response, response_spec, reviewer)
        if spec.get("closed"):
            campaign_services.campaign_close(campaign, by=creator)
        created.append(campaign.name)
    return created
