"""Models of the chemicals app, one module per subject."""

from chemicals.models.declarations import Declaration
from chemicals.models.evaluations import ProductEvaluation, ReevaluationRun, Verdict, VerdictChange
from chemicals.models.products import Material, Product, ProductPart, SubstanceEntry
from chemicals.models.regulated_lists import (
    ControlledSubstance,
    Exemption,
    GroupMember,
    NamedSubstance,
    RegulatedList,
    SubstanceGroup,
)

__all__ = [
    "ControlledSubstance",
    "Declaration",
    "Exemption",
    "GroupMember",
    "Material",
    "NamedSubstance",
    "Product",
    "ProductEvaluation",
    "ProductPart",
    "ReevaluationRun",
    "RegulatedList",
    "SubstanceEntry",
    "SubstanceGroup",
    "Verdict",
    "VerdictChange",
]
