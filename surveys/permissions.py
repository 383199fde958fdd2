"""Who may do what with surveys. What they see is decided by the tenancy rule (suppliers/access.py)."""

from __future__ import annotations

from typing import Any

from suppliers import access
from suppliers.roles import STAFF_WRITE_ROLES, Role

# Staff roles that may comment on, return and accept responses (auditors only read).
REVIEW_ROLES = frozenset({Role.REVIEWER, Role.PROCUREMENT_MANAGER, Role.ADMINISTRATOR})


def may_answer(user: Any, response: Any) -> bool:
    """Any member of the supplier may fill in a draft; the response must still be open for answers."""
    viewer = access.viewer_for(user)
    return (
        viewer.supplier_id == response.supplier_id
        and response.is_editable_by_supplier
        and response.campaign.is_open_for_answers()
    )


def may_submit(user: Any, response: Any) -> bool:
    """Submission commits the company: only its supplier administrator confirms it."""
    viewer = access.viewer_for(user)
    return may_answer(user, response) and viewer.supplier_role == Role.SUPPLIER_ADMIN


def may_review(user: Any, supplier_id: int) -> bool:
    """Reviewers and managers of one of the supplier's buyer units, or an administrator."""
    viewer = access.viewer_for(user)
    if viewer.sees_whole_group:
        return True
    if not viewer.unit_roles:
        return False
    from suppliers.models import Supplier

    units = {u for u, roles in viewer.unit_roles.items() if roles & REVIEW_ROLES}
    return (
        bool(units)
        and Supplier.buyer_units.through.objects.filter(
            supplier_id=supplier_id, buyerunit_id__in=units
        ).exists()
    )


def may_manage_campaigns(user: Any) -> bool:
    viewer = access.viewer_for(user)
    return viewer.sees_whole_group or any(roles & STAFF_WRITE_ROLES for roles in viewer.unit_roles.values())


def may_manage_campaign(user: Any, campaign: Any) -> bool:
    """The campaign's unit's managers; a group-wide campaign belongs to the administrators."""
    viewer = access.viewer_for(user)
    if viewer.sees_whole_group:
        return True
    if campaign.buyer_unit_id is None:
        return False
    return bool(viewer.unit_roles.get(campaign.buyer_unit_id, frozenset()) & STAFF_WRITE_ROLES)
