"""Writes on declaration files: accept an upload, then read, validate and store it (the task's work).

The row is the source of truth for progress: the Celery task only calls declaration_process(id), which
claims the row, so a redelivered task finds it finished and does nothing. The stored file is kept
whatever happens (the supplier can download what they sent); a rejected file stores no product.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chemicals.composition import count_substances
from chemicals.formats.registry import read_upload
from chemicals.models import Declaration
from chemicals.problems import ERROR, WARNING, Problem
from chemicals.product_services import product_tree_store
from chemicals.validation import validate
from suppliers.models import User

log = logging.getLogger(__name__)

# A task that has not reported for this long is presumed lost (worker killed) and is re-queued.
STALE_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 3


def _digest(chunks: Iterable[bytes]) -> tuple[bytes, str]:
    data = b"".join(chunks)
    return data, hashlib.sha256(data).hexdigest()


def declaration_upload(
    *,
    supplier_id: int,
    by: User | None,
    name: str,
    chunks: Iterable[bytes],
    size: int,
    source: str = "upload",
) -> tuple[Declaration, bool]:
    """Store the uploaded bytes; (declaration, False) when the same bytes were already uploaded."""
    limit = settings.MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(size / 2**20, 1), "limit": round(limit / 2**20)},
            code="upload.too_large",
        )
    data, sha256 = _digest(chunks)
    if len(data) > limit:  # the declared size can lie
        raise ValidationError(_("The file is larger than the upload limit."), code="upload.too_large")
    if not data:
        raise ValidationError(_("The file is empty."), code="upload.empty")
    # By id: the API knows its caller's supplier from the key's memberships and needs no Supplier row.
    declaration = Declaration(
        supplier_id=supplier_id,
        uploaded_by=by,
        source=source,
        original_name=name[:255] or "upload",
        sha256=sha256,
        size=len(data),
    )
    # Insert first and let the unique (supplier, sha256) index find a repeat: new files are the common
    # case, and an ERP pushing hundreds a minute saves a query on each. A repeat (or the same bytes
    # arriving twice at once) costs a file written and removed.
    declaration.file.save(sha256, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError:
        declaration.file.delete(save=False)
        return Declaration.objects.get(supplier_id=supplier_id, sha256=sha256), False
    return declaration, True


def _claim(declaration_id: int) -> Declaration | None:
    with transaction.atomic():
        declaration = (
            Declaration.objects.select_for_update(of=("self",))
            .select_related("supplier", "uploaded_by")
            .filter(pk=declaration_id)
            .first()
        )
        if declaration is None or declaration.is_finished:
            return None
        if (
            declaration.status == Declaration.Status.PARSING
            and declaration.started_at
            and timezone.now() - declaration.started_at < STALE_AFTER
        ):
            return None  # another worker is on it
        declaration.status = Declaration.Status.PARSING
        declaration.started_at = timezone.now()
        declaration.attempts += 1
        declaration.progress = 5
        declaration.stage = "reading"
        declaration.save(update_fields=["status", "started_at", "attempts", "progress", "stage"])
        return declaration


def _report(declaration: Declaration, progress: int, stage: str) -> None:
    Declaration.objects.filter(pk=declaration.pk).update(progress=progress, stage=stage)


def _finish(declaration: Declaration, status: str, problems: list[Problem], **counts: int) -> None:
    declaration.status = status
    declaration.problems = [p.as_dict() for p in problems]
    declaration.error_count = sum(p.severity == ERROR for p in problems)
    declaration.warning_count = sum(p.severity == WARNING for p in problems)
    declaration.progress = 100
    declaration.stage = ""
    declaration.finished_at = timezone.now()
    for name, value in counts.items():
        setattr(declaration, name, value)
    declaration.save()


def declaration_process(declaration_id: int) -> str:
    """Read, validate and store one declaration. Safe to call twice; returns the final status."""
    declaration = _claim(declaration_id)
    if declaration is None:
        return "skipped"
    try:
        with declaration.file.open("rb") as handle:
            data = handle.read()
        result = read_upload(
            data,
            name=declaration.original_name,
            on_document=lambda i, n: _report(declaration, 5 + int(45 * i / n), "reading"),
        )
        declaration.format = result.format_key[:60]
        _report(declaration, 55, "checking")
        tolerance = Decimal(str(settings.MASS_BALANCE_TOLERANCE_PERCENT))
        problems = result.problems + validate(result.products, tolerance_percent=tolerance)
        if not result.products and not any(p.severity == ERROR for p in problems):
            problems.append(Problem("format.no_product", ERROR, source=declaration.original_name))
        if any(p.severity == ERROR for p in problems):
            # A rejected file leaves nothing behind but its report: no product, no stored bytes.
            declaration.file.delete(save=False)
            _finish(declaration, Declaration.Status.REJECTED, problems, product_count=len(result.products))
            return declaration.status
        _report(declaration, 70, "storing")
        # Each product keeps the warnings whose tree path starts at its part number.
        by_product: dict[str, list[dict]] = defaultdict(list)
        for problem in problems:
            by_product[problem.path.split(" > ")[0]].append(problem.as_dict())
        with transaction.atomic():
            for product in result.products:
                product_tree_store(
                    product,
                    supplier=declaration.supplier,
                    declaration=declaration,
                    by=declaration.uploaded_by,
                    warnings=by_product[product.part_number],
                )
            substance_total = sum(count_substances(p) for p in result.products)
            _finish(
                declaration,
                Declaration.Status.STORED,
                problems,
                product_count=len(result.products),
                substance_count=substance_total,
            )
        return declaration.status
    except Exception:
        log.exception("declaration %s failed", declaration_id)
        if declaration.attempts >= MAX_ATTEMPTS:
            _finish(declaration, Declaration.Status.FAILED, [Problem("declaration.failed", ERROR)])
            return declaration.status
        Declaration.objects.filter(pk=declaration.pk).update(status=Declaration.Status.QUEUED, stage="")
        raise


def stale_declaration_ids() -> list[int]:
    """Declarations stuck in an intermediate state: queued and never started, or parsing too long."""
    cutoff = timezone.now() - STALE_AFTER
    stuck = Declaration.objects.filter(
        status=Declaration.Status.QUEUED, created_at__lt=cutoff
    ) | Declaration.objects.filter(status=Declaration.Status.PARSING, started_at__lt=cutoff)
    return list(stuck.values_list("pk", flat=True))
