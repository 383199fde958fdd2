"""A finding's explanation in the reader's language, written from the numbers the finding carries.

Findings are stored as data (chemicals/evaluation.py) and explained when shown, so a Japanese
supplier and a Chinese reviewer read the same finding each in their own language.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

STATUS_LABELS = {
    "OK": gettext_lazy("OK"),
    "EXCEEDS": gettext_lazy("Exceeds"),
    "PROHIBITED": gettext_lazy("Prohibited"),
    "EXEMPTED": gettext_lazy("Exempted"),
    "DECLARED": gettext_lazy("To report"),
    "UNKNOWN": gettext_lazy("Unknown"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def number(value: float | None) -> str:
    """166666.7 -> '166,667'; 0.025 -> '0.025'; 0.0009 -> '0.0009' (grouped in the active locale)."""
    if value is None:
        return "?"
    if abs(value) >= 100:
        return number_format(Decimal(round(value)), 0, force_grouping=True)
    text = f"{value:.4g}"
    if "e" in text:
        text = f"{Decimal(text):f}"
    places = len(text.split(".")[1]) if "." in text else 0
    return number_format(Decimal(text), places, force_grouping=True)


def table_reference(finding: dict[str, Any]) -> str:
    group = finding.get("group") or ""
    if "+" in group:
        return _("Table 1 No. 1-4, packaging")
    if finding.get("table") and finding.get("number"):
        return _("Table %(table)s No. %(number)s") % {"table": finding["table"], "number": finding["number"]}
    return group


def _what(finding: dict[str, Any]) -> str:
    name = finding.get("substance") or finding.get("cas") or ""
    element = finding.get("counted_element")
    if element and finding.get("group") and "+" not in finding["group"]:
        return _("%(element)s in %(name)s") % {"element": element, "name": name}
    if "+" in (finding.get("group") or ""):
        return "Cd + Cr(VI) + Pb + Hg"  # element symbols read the same in every language
    if finding.get("contributors"):
        return _("%(name)s and %(count)s more") % {"name": name, "count": len(finding["contributors"]) - 1}
    return name


def _arithmetic(finding: dict[str, Any]) -> str:
    path = finding.get("path") or []
    container = path[-1] if path else ""
    ppm = finding.get("ppm")
    threshold = finding.get("threshold_ppm")
    comparison = finding.get("comparison") or "lte"
    passes = (
        ppm is not None
        and threshold is not None
        and (ppm < threshold if comparison == "lt" else ppm <= threshold)
    )
    operator = {(True, "lt"): "<", (False, "lt"): "≥", (True, "lte"): "≤"}.get((passes, comparison), ">")
    numerator = finding.get("mass_g")
    if not finding.get("denominator_g") and ppm is not None:
        # A mixture declared in percentages: the concentration without masses.
        return _("%(what)s %(percent)s %% = %(ppm)s ppm %(op)s %(limit)s ppm (%(ref)s)") % {
            "what": _what(finding),
            "percent": number(ppm / 10_000),
            "ppm": number(ppm),
            "op": operator,
            "limit": number(threshold),
            "ref": table_reference(finding),
        }
    # mass_g is per product unit; the arithmetic divides the mass in one unit of the denominator.
    return _(
        "%(what)s %(mass)s g / %(container)s %(denominator)s g = %(ppm)s ppm %(op)s %(limit)s ppm (%(ref)s)"
    ) % {
        "what": _what(finding),
        "mass": number(_per_denominator_mass(finding, numerator)),
        "container": container,
        "denominator": number(finding.get("denominator_g")),
        "ppm": number(ppm),
        "op": operator,
        "limit": number(threshold),
        "ref": table_reference(finding),
    }


def _per_denominator_mass(finding: dict[str, Any], mass_g: float | None) -> float | None:
    ppm, denominator = finding.get("ppm"), finding.get("denominator_g")
    if ppm is not None and denominator:
        return ppm * denominator / 1_000_000
    return mass_g


REASONS = {
    "mass_missing": gettext_lazy("a mass is missing, so the content cannot be computed in full"),
    "denominator_missing": gettext_lazy("the mass of the material or layer is missing"),
    "fraction_unknown": gettext_lazy(
        "the formula is unknown, so the element's share could not be computed and the whole mass exceeds"
    ),
    "upper_bound": gettext_lazy(
        "the whole substance mass was counted as the element (formula unknown): an upper bound"
    ),
    "intentional_unknown": gettext_lazy(
        "the list prohibits intentional use; the declaration does not say whether it was added on purpose"
    ),
    "impurity": gettext_lazy(
        "declared as an unintentional impurity; the list prohibits intentional use only"
    ),
    "markets_unknown": gettext_lazy(
        "the product's destination markets are not declared, so a regional rule cannot be checked"
    ),
    "unknown_sn": gettext_lazy("this substance group number is not known to the list"),
    "invalid_identifier": gettext_lazy("this is not a valid CAS number"),
    "unidentified": gettext_lazy(
        "this CAS number is not in the identifier table, so it cannot be checked against the element rules"
    ),
}


def explain(finding: dict[str, Any]) -> str:
    """One sentence with the arithmetic, e.g. 'Bis(2-ethylhexyl) phthalate 0.05 g / PVC sleeve 0.3 g =
    166,667 ppm > 1,000 ppm (Table 1 No. 19)'."""
    status = finding.get("status")
    reason = finding.get("reason") or ""
    exemption = finding.get("exemption") or {}
    label = f"{exemption.get('list', '')} {exemption.get('item', '')}".strip()
    ref = table_reference(finding)
    name = finding.get("substance") or finding.get("cas") or ""
    if status == "PROHIBITED":
        if reason == "region_prohibited":
            return _("%(name)s: use prohibited in products for %(markets)s (%(ref)s)") % {
                "name": name,
                "markets": _("the United States"),
                "ref": ref,
            }
        return _("%(name)s is intentionally added; intentional use is prohibited (%(ref)s)") % {
            "name": name,
            "ref": ref,
        }
    if status == "DECLARED":
        if finding.get("mass_g") is None and finding.get("ppm") is not None:
            return _("%(name)s %(ppm)s ppm of the product: to be reported (%(ref)s)") % {
                "name": name,
                "ppm": number(finding["ppm"]),
                "ref": ref,
            }
        if finding.get("mass_g") is None:
            return _("%(name)s, mass not given: to be reported (%(ref)s)") % {"name": name, "ref": ref}
        return _(
            "%(name)s %(mass)s g per product unit (%(ppm)s ppm of the product): to be reported (%(ref)s)"
        ) % {
            "name": name,
            "mass": number(finding["mass_g"]),
            "ppm": number(finding.get("ppm")),
            "ref": ref,
        }
    if status == "UNKNOWN" and (finding.get("ppm") is None or finding.get("threshold_ppm") is None):
        return _("%(name)s: cannot be judged, %(reason)s") % {
            "name": name,
            "reason": str(REASONS.get(reason, reason)),
        }
    text = _arithmetic(finding)
    if status == "EXEMPTED":
        text += " " + _("- exempted under %(exemption)s") % {"exemption": label}
    elif reason == "exemption_expired":
        text += " " + _("- exemption %(exemption)s expired on %(date)s") % {
            "exemption": label,
            "date": exemption.get("expires_on") or "?",
        }
    elif reason == "pseudo_exemption":
        text += " " + _("- '%(exemption)s' is a statement, not an exemption") % {"exemption": label}
    elif reason in REASONS:
        text += "; " + str(REASONS[reason])
    return text
