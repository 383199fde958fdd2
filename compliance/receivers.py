"""Receivers for other apps' signals; they only hand over to the services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compliance import certificate_services


def revoke_on_verdict_change(
    sender: Any, changes: Sequence[tuple[int, str, str]] = (), **kwargs: Any
) -> None:
    """chemicals.signals.verdicts_changed: certificates naming a no-longer-compliant product go."""
    certificate_services.certificates_revoke_for_verdicts(changes)
