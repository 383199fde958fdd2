"""Roles a membership can carry. Kept apart from the models so access rules can import it freely."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SUPPLIER_ADMIN = "supplier_admin", _("Supplier administrator")
    SUPPLIER_CONTRIBUTOR = "supplier_contributor", _("Supplier contributor")
    PROCUREMENT_MANAGER = "procurement_manager", _("Procurement manager")
    REVIEWER = "reviewer", _("Reviewer")
    AUDITOR = "auditor", _("Auditor (read-only)")
    ADMINISTRATOR = "administrator", _("Administrator")


SUPPLIER_ROLES = frozenset({Role.SUPPLIER_ADMIN, Role.SUPPLIER_CONTRIBUTOR})
STAFF_ROLES = frozenset({Role.PROCUREMENT_MANAGER, Role.REVIEWER, Role.AUDITOR, Role.ADMINISTRATOR})
# Staff roles that may change supplier master data and send invitations.
STAFF_WRITE_ROLES = frozenset({Role.PROCUREMENT_MANAGER, Role.ADMINISTRATOR})
