"""Writes on the regulated lists."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chemicals.models import RegulatedList
from suppliers import access
from suppliers.models import User


@transaction.atomic
def regulated_list_activate(*, regulated_list: RegulatedList, by: User | None) -> RegulatedList:
    """Make REGULATED_LIST the one active list; the previous one is retired."""
    if by is not None and not access.staff_may_write(by):
        raise PermissionDenied
    regulated_list = RegulatedList.objects.select_for_update().get(pk=regulated_list.pk)
    if regulated_list.status != RegulatedList.Status.DRAFT:
        raise ValidationError(_("Only a draft list can be activated."))
    RegulatedList.objects.filter(status=RegulatedList.Status.ACTIVE).update(
        status=RegulatedList.Status.RETIRED
    )
    regulated_list.status = RegulatedList.Status.ACTIVE
    regulated_list.activated_at = timezone.now()
    regulated_list.activated_by = by
    regulated_list.save(update_fields=["status", "activated_at", "activated_by"])
    return regulated_list
