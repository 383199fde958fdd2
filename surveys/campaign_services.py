"""Creating, closing and reopening campaigns. A campaign's responses are written in bulk."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from suppliers.models import Site, Supplier
from surveys import answers as answer_rules
from surveys import permissions
from surveys.models import Campaign, QuestionnaireVersion, Response, ResponseVersion

BATCH = 2000


@dataclass(frozen=True)
class CampaignCreated:
    campaign: Campaign
    responses: int
    # Targeted suppliers that got no response: at site level, those with no registered site.
    skipped_suppliers: int


def campaign_targets(user: Any, mode: str, values: Sequence[Any] = ()) -> QuerySet[Supplier]:
    """The active suppliers USER may see that the targeting MODE and VALUES select."""
    qs = Supplier.objects.visible_to(user).filter(status=Supplier.Status.ACTIVE)
    if mode == Campaign.Targeting.ALL:
        return qs
    if mode == Campaign.Targeting.UNITS:
        return qs.filter(buyer_units__in=list(values)).distinct()
    if mode == Campaign.Targeting.CATEGORIES:
        return qs.filter(categories__in=list(values)).distinct()
    if mode == Campaign.Targeting.COUNTRIES:
        return qs.filter(country__in=[str(v).upper() for v in values])
    if mode == Campaign.Targeting.SUPPLIERS:
        return qs.filter(pk__in=list(values))
    raise ValidationError(_("Unknown way of choosing the targets."))


def campaign_create(
    *,
    by: Any,
    name: str,
    year: int,
    questionnaire: QuestionnaireVersion,
    level: str,
    opens_on: datetime.date,
    due_on: datetime.date,
    mode: str,
    values: Sequence[Any] = (),
    buyer_unit: Any = None,
) -> CampaignCreated:
    """Create the campaign and one response per target (per site at site level), in bulk."""
    if not permissions.may_manage_campaigns(by):
        raise PermissionDenied
    if due_on < opens_on:
        raise ValidationError({"due_on": _("The due date cannot be before the opening date.")})
    if questionnaire.level != "either" and level != questionnaire.level:
        raise ValidationError(
            {
                "level": _("This questionnaire is answered at %(level)s level only.")
                % {"level": questionnaire.level}
            }
        )
    targets = campaign_targets(by, mode, values)
    required = answer_rules.progress(questionnaire.questionnaire, {}).required
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            year=year,
            questionnaire=questionnaire,
            level=level,
            opens_on=opens_on,
            due_on=due_on,
            buyer_unit=buyer_unit,
            targeting={"mode": mode, "values": [str(v) for v in values]},
            created_by=by,
        )
        if level == Campaign.Level.SITE:
            pairs = list(
                Site.objects.filter(supplier__in=targets.values("pk"))
                .order_by("supplier_id", "pk")
                .values_list("supplier_id", "pk")
            )
            skipped = targets.exclude(pk__in=Site.objects.values("supplier_id")).count()
        else:
            pairs = [(pk, None) for pk in targets.order_by("pk").values_list("pk", flat=True)]
            skipped = 0
        now = timezone.now()
        created = 0
        for start in range(0, len(pairs), BATCH):
            rows = Response.objects.bulk_create(
                [
                    Response(campaign=campaign, supplier_id=s, site_id=site, required=required, updated_by=by)
                    for s, site in pairs[start : start + BATCH]
                ]
            )
            # The audit trail covers bulk writes too: every response starts with its "created" version.
            ResponseVersion.objects.bulk_create(
                [
                    ResponseVersion(
                        response_id=r.pk,
                        number=1,
                        event=ResponseVersion.Event.CREATED,
                        status=Response.Status.NOT_STARTED,
                        by=by,
                        at=now,
                    )
                    for r in rows
                ]
            )
            created += len(rows)
    return CampaignCreated(campaign=campaign, responses=created, skipped_suppliers=skipped)


def campaign_close(campaign: Campaign, *, by: Any) -> None:
    """Stop answering: drafts stay as they are and reminders stop until the campaign is reopened."""
    if not permissions.may_manage_campaign(by, campaign):
        raise PermissionDenied
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED, closed_at=timezone.now())
    campaign.refresh_from_db()


def campaign_reopen(campaign: Campaign, *, by: Any, due_on: datetime.date | None = None) -> None:
    if not permissions.may_manage_campaign(by, campaign):
        raise PermissionDenied
    if due_on is not None and due_on < campaign.opens_on:
        raise ValidationError({"due_on": _("The due date cannot be before the opening date.")})
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.OPEN, closed_at=None, due_on=due_on or campaign.due_on
    )
    campaign.refresh_from_db()
