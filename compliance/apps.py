from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        # chemicals may not import compliance; it announces verdict changes and we listen here.
        from chemicals.signals import verdicts_changed
        from compliance import receivers

        verdicts_changed.connect(
            receivers.revoke_on_verdict_change, dispatch_uid="compliance.revoke_on_verdict_change"
        )
