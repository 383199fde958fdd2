"""python manage.py evaluate PATH... [--list VERSION] [--as-of DATE] [--json]

Reads and evaluates declaration files without storing anything. Exit status: 0 when every product is
compliant, 1 when any is not or is incomplete, 2 when any file is refused (unreadable, unsupported or
hostile). The JSON form is documented in the README ("Evaluate files from the command line").
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from chemicals.evaluation import COMPLIANT, ProductResult, evaluate
from chemicals.evaluation_selectors import active_list, list_by_code, rules_for_list
from chemicals.finding_text import explain, status_label
from chemicals.formats.registry import read_upload, rejection
from chemicals.formats.safe_input import InputRejected, check_upload_size
from chemicals.models import RegulatedList
from chemicals.problems import ERROR, Problem
from chemicals.reference_data import load_all
from chemicals.validation import validate

EXIT_OK, EXIT_NOT_COMPLIANT, EXIT_REFUSED = 0, 1, 2


def _issue(problem: Problem) -> dict[str, Any]:
    location = problem.location
    if problem.path:
        location = f"{location} ({problem.path})" if location else problem.path
    return {"code": problem.code, "message": problem.message(), "location": location}


def _mass_g(mg: Decimal | None) -> float | None:
    return None if mg is None else float(f"{mg / 1000:.9g}")


class Command(BaseCommand):
    help = "Evaluate declaration files (.shai, .shci, .xml, .xlsx, .json) against a substance list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--list", dest="list_code", help="list version code, e.g. GPG-13.0 (default: active)"
        )
        parser.add_argument("--as-of", dest="as_of", help="judge exemption expiry on this date (YYYY-MM-DD)")
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args: Any, **options: Any) -> None:
        regulated_list = self._list(options["list_code"])
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else date.today()
        except ValueError as exc:
            raise CommandError(f"--as-of: {exc}") from exc
        rules = rules_for_list(regulated_list)
        tolerance = Decimal(str(settings.MASS_BALANCE_TOLERANCE_PERCENT))
        files, status = [], EXIT_OK
        with translation.override("en"):
            for raw_path in options["paths"]:
                entry, file_status = self._file(Path(raw_path), rules, as_of, tolerance)
                files.append(entry)
                status = max(status, file_status)
            if options["json"]:
                self.stdout.write(
                    json.dumps({"list": regulated_list.code, "files": files}, ensure_ascii=False, indent=2)
                )
            else:
                self._print(regulated_list, files)
        sys.exit(status)

    def _list(self, code: str | None) -> RegulatedList:
        if not RegulatedList.objects.exists():
            load_all()  # the first run on a fresh database loads the shipped reference data
        if code:
            found = list_by_code(code) or RegulatedList.objects.filter(version=code).first()
            if found is None:
                known = ", ".join(RegulatedList.objects.values_list("code", flat=True))
                raise CommandError(f"no list version {code!r} (known: {known})")
            return found
        current = active_list()
        if current is None:
            raise CommandError("no active substance list; pass --list")
        return current

    def _file(self, path: Path, rules: Any, as_of: date, tolerance: Decimal) -> tuple[dict[str, Any], int]:
        entry: dict[str, Any] = {"file": str(path), "errors": [], "products": []}
        try:
            # The size is checked before reading, as the upload page does: a 10 GB file is refused unread.
            check_upload_size(path.stat().st_size, name=path.name)
            data = path.read_bytes()
        except InputRejected as exc:
            entry["errors"].append(_issue(rejection(exc)))
            return entry, EXIT_REFUSED
        except OSError as exc:
            entry["errors"].append({"code": "file.unreadable", "message": str(exc), "location": str(path)})
            return entry, EXIT_REFUSED
        result = read_upload(data, name=path.name)
        problems = result.problems + validate(result.products, tolerance_percent=tolerance)
        errors = [p for p in problems if p.severity == ERROR]
        if errors or not result.products:
            entry["errors"] = [_issue(p) for p in errors] or [
                _issue(Problem("format.no_product", ERROR, source=path.name))
            ]
            return entry, EXIT_REFUSED
        status = EXIT_OK
        for product in result.products:
            outcome = evaluate(product, rules, as_of)
            warnings = [_issue(p) for p in problems if p.path.split(" > ")[0] == product.part_number]
            warnings += [_issue(Problem.from_dict(w)) for w in outcome.warnings]
            entry["products"].append(self._product(outcome, warnings))
            if outcome.verdict != COMPLIANT:
                status = EXIT_NOT_COMPLIANT
        return entry, status

    def _product(self, outcome: ProductResult, warnings: list[dict[str, Any]]) -> dict[str, Any]:
        findings = []
        for finding in outcome.findings:
            data = finding.as_dict()
            findings.append(
                {
                    "group": data["group"],
                    "status": data["status"],
                    "cas": data["cas"],
                    "substance": data["substance"],
                    "path": data["path"],
                    "ppm": data["ppm"],
                    "threshold_ppm": data["threshold_ppm"],
                    "basis": data["basis"],
                    "mass_g": data["mass_g"],
                    "exemption": data["exemption"],
                    "reason": data["reason"],
                    "explanation": explain(data),
                }
            )
        return {
            "part_number": outcome.part_number,
            "name": outcome.name,
            "mass_g": _mass_g(outcome.mass_mg),
            "verdict": outcome.verdict,
            "warnings": warnings,
            "findings": findings,
        }

    def _print(self, regulated_list: RegulatedList, files: list[dict[str, Any]]) -> None:
        out = self.stdout
        out.write(f"List: {regulated_list.code}")
        for entry in files:
            out.write("")
            out.write(entry["file"])
            for error in entry["errors"]:
                out.write(f"  REFUSED {error['location']}: {error['message']}")
            for product in entry["products"]:
                out.write(f"  {product['part_number']} {product['name']}: {product['verdict'].upper()}")
                for finding in product["findings"]:
                    label = status_label(finding["status"])
                    out.write(f"    {label:<10} {finding['group'] or '-':<6} {finding['explanation']}")
                for warning in product["warnings"]:
                    out.write(f"    warning    {warning['location']}: {warning['message']}")
