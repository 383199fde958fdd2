"""Problems found while reading and validating a declaration: stable code, location, parameters.

A Problem stores its code and parameters, not a rendered sentence, so the report of a file uploaded
by a Japanese supplier reads in Chinese for a reviewer in Shanghai. MESSAGES is the one catalogue of
codes; a test checks that every code the parsers raise is in it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

ERROR, WARNING = "error", "warning"

MESSAGES: dict[str, Any] = {
    # container / reading (chemicals/formats/safe_input.py raises these as InputRejected)
    "format.unknown": _(
        "This file is not a declaration the portal can read (root element %(root)s). "
        "Please send a chemSHERPA-AI (.shai) or chemSHERPA-CI (.shci) file, or use the Excel template."
    ),
    "format.chemsherpa_v1": _(
        "This is a chemSHERPA 1.x file (%(version)s). The portal reads chemSHERPA data scheme 2.x only: "
        "please open it in the current chemSHERPA tool, save it again and upload the new file."
    ),
    "format.jamp_ais": _(
        "This is a JAMP AIS / MSDSplus file. These formats were replaced by chemSHERPA: please send a "
        "chemSHERPA-AI file (for articles) or chemSHERPA-CI file (for chemical products)."
    ),
    "format.ipc1752": _(
        "This is an IPC-1752 declaration. The portal does not read IPC-1752 yet: please send a "
        "chemSHERPA-AI file or use the Excel template."
    ),
    "format.iec62474_generic": _(
        "This is an IEC 62474 declaration that was not written by the chemSHERPA tool (%(tool)s). "
        "Please send the declaration as a chemSHERPA-AI or chemSHERPA-CI file."
    ),
    "format.temporary_file": _(
        "This looks like a chemSHERPA temporary save file (%(name)s). Please export the declaration "
        "from the chemSHERPA tool as .shai or .shci and upload that."
    ),
    "format.no_product": _("The file declares no product."),
    "format.json_invalid": _("The composition is not valid JSON: %(detail)s"),
    "format.field_invalid": _("%(field)s: %(detail)s"),
    "xlsx.sheet_missing": _("The workbook has no sheet named %(sheet)s. Please start from the template."),
    "xlsx.header_mismatch": _(
        "The header row of sheet %(sheet)s does not match the template (expected %(expected)s)."
    ),
    "xlsx.level_invalid": _("Level %(level)s cannot follow level %(previous)s."),
    # evaluation (chemicals/evaluation.py)
    "evaluation.file_says_above": _(
        "The file's compliance section says %(name)s (IEC 62474 DSL %(dsl_id)s) is above its threshold, "
        "but the declared substances stay within %(group)s. Please check the declaration."
    ),
    "evaluation.file_says_below": _(
        "The file's compliance section says %(name)s (IEC 62474 DSL %(dsl_id)s) is below its threshold, "
        "but the declared substances exceed %(group)s. Please check the declaration."
    ),
    # values
    "mass.unit_unknown": _("Unknown unit of mass %(unit)s: use mg, g or kg."),
    "mass.not_a_number": _("%(value)s is not a number."),
    "mass.missing": _("%(what)s %(name)s has no mass."),
    "mass.zero": _("%(what)s %(name)s has a mass of zero."),
    "mass.negative": _("%(what)s %(name)s has a negative mass (%(value)s)."),
    "mass.rollup_mismatch": _(
        "%(what)s %(name)s is declared as %(declared)s mg but its contents add up to %(computed)s mg "
        "(%(difference)s %% off; tolerance %(tolerance)s %%)."
    ),
    "units.invalid": _("Number of units %(value)s of part %(name)s must be greater than zero."),
    "unit_type.unknown": _("Unknown reporting unit %(value)s."),
    "percent.out_of_range": _("Substance %(name)s: %(value)s %% is not between 0 and 100."),
    "percent.sum_over_100": _("The substances of %(name)s add up to %(value)s %%, more than 100 %%."),
    "percent.missing": _("Substance %(name)s has neither a percentage nor a mass."),
    "substance.mass_over_material": _(
        "The substances of %(name)s weigh %(value)s mg, more than the material itself (%(mass)s mg)."
    ),
    "cas.format": _("%(cas)s is not a CAS number (expected digits-digits-digit) or a chemSHERPA SN number."),
    "cas.check_digit": _("%(cas)s is not a valid CAS number: its check digit should be %(expected)s."),
    "cas.missing": _("Substance %(name)s has no CAS number."),
    "cas.name_mismatch": _(
        "CAS %(cas)s is %(cas_name)s, not %(name)s. The portal evaluates the CAS number; "
        "please correct whichever is wrong."
    ),
    "part_number.missing": _("The product has no part number."),
    "part_number.duplicate": _("Part number %(part_number)s is declared more than once in this upload."),
    "declaration.failed": _(
        "The portal could not read this file because of an internal error. Nothing was stored; "
        "the support team has been told. Please try again later."
    ),
    "number.out_of_range": _("%(value)s is too large, too small or too long to be read as a number."),
    "number.ambiguous": _(
        "%(value)s is ambiguous: write it without a thousands separator (1234) or with a decimal point "
        "(1.234)."
    ),
    "composition.mixture_has_parts": _(
        "A mixture (chemical product) declares substances only, not parts or materials."
    ),
    "composition.too_deep": _("Parts are nested more than %(limit)s levels deep."),
    "composition.too_many_substances": _(
        "The declaration lists more than %(limit)s substances. Split it into several declarations."
    ),
    "xlsx.unreadable": _(
        "The workbook could not be read (%(detail)s). Open it in Excel, save it again as .xlsx and upload "
        "the new file."
    ),
    "xlsx.too_many_rows": _(
        "The sheet Composition has more than %(limit)s rows. Split the declaration into several workbooks."
    ),
    "xlsx.type_unknown": _("Unknown row type %(value)s: use Part, Material or Substance."),
    "xlsx.kind_unknown": _("Unknown kind %(value)s: use Article or Mixture."),
    "xlsx.yes_no_invalid": _("%(value)s is not yes or no."),
    "xlsx.formula_uncalculated": _(
        "This cell holds a formula that was never calculated. The portal does not calculate formulas: save "
        "the workbook in Excel and upload it again, or type the value."
    ),
    "xlsx.cell_ignored": _("Column %(column)s is not used for a %(what)s row; its value was not read."),
    "xlsx.exemption_mismatch": _(
        "%(lists)s exemption lists for %(items)s exemption items: give one list for all items or one list "
        "per item."
    ),
    "editor.too_large": _("The composition is %(size)s; the editor accepts up to %(limit)s."),
    "editor.part_number_taken": _(
        "Part number %(part_number)s already exists: open that product and edit it instead."
    ),
    "editor.part_number_changed": _(
        "The part number of a saved product cannot change (it was %(was)s, now %(part_number)s)."
    ),
    "exemption.unknown": _("Exemption %(item)s of %(list)s is not known to the portal."),
    "exemption.expired": _("Exemption %(item)s of %(list)s expired on %(date)s."),
}


# The "what" parameter is stored as a key and named in the reader's language.
WHAT_LABELS: dict[str, Any] = {
    "product": _("Product"),
    "part": _("Part"),
    "material": _("Material"),
    "substance": _("Substance"),
}


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str = ERROR
    params: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # file name or archive member
    line: int | None = None  # XML line
    cell: str = ""  # Sheet!A1
    path: str = ""  # Product > Part > Material > Substance

    @property
    def location(self) -> str:
        where = self.source
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        if self.cell:
            where = f"{where} {self.cell}".strip()
        return where

    def message(self) -> str:
        template = MESSAGES.get(self.code)
        if template is None:
            # Container checks (formats/safe_input.py) word their own message.
            return str(self.params.get("detail", self.code))
        try:
            params = {k: _display(v) for k, v in self.params.items()}
            if "what" in params:
                params["what"] = str(WHAT_LABELS.get(params["what"], params["what"]))
            return str(template) % params
        except (KeyError, TypeError, ValueError):
            return str(template)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["params"] = {k: _display(v) for k, v in self.params.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def _display(value: Any) -> Any:
    # Decimals print without exponent noise (1E+3) in messages and JSON.
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, float):
        return repr(value)
    return value


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)


def render(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored problem dicts with their message in the current language, errors first."""
    rendered = []
    for data in problems:
        problem = Problem.from_dict(data)
        rendered.append({**data, "message": problem.message(), "location": problem.location})
    rendered.sort(key=lambda p: p["severity"] != ERROR)
    return rendered
