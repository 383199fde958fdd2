"""Reads on surveys that more than one page (or the API) needs. All go through `visible_to(user)`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from surveys.filters import ANSWERED
from surveys.models import (
    Campaign,
    EvidenceFile,
    QuestionnaireVersion,
    Response,
    ResponseVersion,
    ReviewComment,
)

STATUSES = [s for s, _ in Response.Status.choices]


def responses_visible(user: Any) -> QuerySet[Response]:
    """Responses USER may open, with what a page header needs (the questionnaire document is loaded
    only where the questions are shown)."""
    return Response.objects.visible_to(user).select_related(
        "campaign", "campaign__questionnaire", "supplier", "site"
    )


def supplier_todo(user: Any) -> QuerySet[Response]:
    """The supplier's responses, open campaigns first, soonest due first."""
    return (
        responses_visible(user)
        .defer("campaign__questionnaire__document", "answers", "score_detail")
        # "open" sorts after "closed", so descending puts the open campaigns first.
        .order_by("-campaign__status", "campaign__due_on", "campaign__name", "site__name")
    )


def campaigns_visible(user: Any) -> QuerySet[Campaign]:
    """Campaigns USER may see, with response counts per status over the suppliers USER sees."""
    in_scope = Response.objects.visible_to(user).values("pk")
    counts = {
        f"n_{status}": Count("responses", filter=Q(responses__status=status, responses__in=in_scope))
        for status in STATUSES
    }
    return (
        Campaign.objects.visible_to(user)
        .select_related("questionnaire", "buyer_unit")
        .defer("questionnaire__document")
        .annotate(n_total=Count("responses", filter=Q(responses__in=in_scope)), **counts)
    )


@dataclass(frozen=True)
class CampaignFigures:
    total: int
    answered: int
    overdue: int
    # status -> how many responses are in it
    by_status: dict[str, int]

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.total if self.total else None


def campaign_figures(campaign: Campaign, today: datetime.date) -> CampaignFigures:
    """The figures of a campaign from campaigns_visible's counts (no further query)."""
    by_status = {status: getattr(campaign, f"n_{status}") for status in STATUSES}
    answered = sum(by_status[status] for status in ANSWERED)
    total = campaign.n_total
    # Every response not yet answered is late once the due date has passed.
    overdue = total - answered if campaign.due_on < today else 0
    return CampaignFigures(total=total, answered=answered, overdue=overdue, by_status=by_status)


def campaign_responses(campaign: Campaign, user: Any) -> QuerySet[Response]:
    """The responses of CAMPAIGN for suppliers USER sees (a unit's staff see only their suppliers)."""
    return (
        Response.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("supplier", "site")
        .defer("answers", "score_detail")
    )


def questionnaires_published() -> QuerySet[QuestionnaireVersion]:
    return QuestionnaireVersion.objects.defer("document").order_by("kind", "-version")


def response_versions(response: Response) -> QuerySet[ResponseVersion]:
    return response.versions.select_related("by").defer("answers").order_by("-number")


def response_comments(response: Response) -> QuerySet[ReviewComment]:
    return response.comments.select_related("author")


def response_evidence(response: Response) -> QuerySet[EvidenceFile]:
    return response.evidence.select_related("uploaded_by")
