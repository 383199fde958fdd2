"""Writes on non-inclusion guarantee certificates: request, sign, render, revoke, remind.

The flow (Green Procurement Guidelines Ver. 13.0, §2.2 / §2.3): a supplier administrator picks
current, submitted product revisions that the evaluation found compliant under the active list,
signs (name and title typed, confirmation ticked), and the worker renders the PDF. When a later
evaluation finds one of those part numbers no longer compliant, the certificate is revoked.

Callers enqueue the render task after commit (views; see compliance.tasks): domain modules never
import tasks.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chemicals.models import Product, ProductEvaluation, RegulatedList, Verdict
from chemicals.selectors import active_list
from compliance import emails
from compliance.models import Certificate, CertificateProduct, CertificateReminder
from suppliers import access
from suppliers.models import Membership, Supplier, User
from suppliers.roles import Role

log = logging.getLogger(__name__)

MAX_PRODUCTS = 200
MAX_RENDER_ATTEMPTS = 3
# A render that started this long ago without finishing belongs to a worker that died.
RENDER_STALE_AFTER = datetime.timedelta(minutes=10)
# Sending the "expired" notice is still worth it this long after the date (beat may have been down).
EXPIRED_NOTICE_WINDOW_DAYS = 30
LIVE_STATUSES = (Certificate.Status.REQUESTED, Certificate.Status.RENDERING, Certificate.Status.ISSUED)


def new_verification_code() -> str:
    """160 random bits as 32 base32 characters: unguessable, and easy to read off paper."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def is_supplier_admin(user: Any, supplier: Supplier) -> bool:
    viewer = access.viewer_for(user)
    return viewer.supplier_id == supplier.pk and viewer.supplier_role == Role.SUPPLIER_ADMIN


# --- Request and sign -----------------------------------------------------------------------------


def _product_problem(product: Product, current_list: RegulatedList) -> str | None:
    label = f"{product.part_number} ({_('revision')} {product.revision})"
    if product.status != Product.Status.SUBMITTED:
        return _("%(product)s is a draft: submit it before asking for a certificate.") % {"product": label}
    if not product.is_current:
        return _("%(product)s has been replaced by a newer revision.") % {"product": label}
    if product.verdict != Verdict.COMPLIANT:
        if not product.verdict:
            return _("%(product)s has not been evaluated yet.") % {"product": label}
        return _("%(product)s is not compliant with %(list)s.") % {
            "product": label,
            "list": current_list.code,
        }
    if product.verdict_list_id != current_list.pk:
        return _("%(product)s has not been evaluated against the active list %(list)s yet.") % {
            "product": label,
            "list": current_list.code,
        }
    return None


def _exemptions_for(product_ids: Sequence[int], regulated_list: RegulatedList) -> dict[int, list[dict]]:
    rows = ProductEvaluation.objects.filter(product_id__in=product_ids, regulated_list=regulated_list)
    return {
        pid: list(exemptions or [])
        for pid, exemptions in rows.values_list("product_id", "exemptions_relied_on")
    }


@transaction.atomic
def certificate_request(
    *, by: User, supplier: Supplier, product_ids: Iterable[int], language: str
) -> Certificate:
    """Create a certificate (status requested) for products of BY's own supplier.

    Only a supplier administrator may ask; every product must be the current, submitted revision
    and compliant under the active list. Refusals are ValidationErrors on the "products" field.
    """
    if not is_supplier_admin(by, supplier):
        raise PermissionDenied
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose English, Japanese or Simplified Chinese.")})
    ids = sorted({int(pk) for pk in product_ids})
    if not ids:
        raise ValidationError({"products": _("Choose at least one product.")})
    if len(ids) > MAX_PRODUCTS:
        raise ValidationError(
            {"products": _("One certificate can list at most %(n)d products.") % {"n": MAX_PRODUCTS}}
        )
    current_list = active_list()
    if current_list is None:
        raise ValidationError({"products": _("There is no active substance list to certify against.")})
    # Lock the rows: a verdict that changes while we read must not slip through.
    products = list(
        Product.objects.visible_to(by)
        .filter(supplier=supplier, pk__in=ids)
        .select_for_update()
        .order_by("part_number", "revision")
    )
    problems = []
    if len(products) != len(ids):
        # Another supplier's product or a deleted one: say so without naming it.
        problems.append(_("Some of the selected products do not exist or are not yours."))
    problems += [p for p in (_product_problem(product, current_list) for product in products) if p]
    if problems:
        raise ValidationError({"products": problems})

    code = new_verification_code()
    certificate = Certificate.objects.create(
        # A unique placeholder until the primary key gives the real number below.
        number=f"NIG-PENDING-{code[:12]}",
        supplier=supplier,
        language=language,
        regulated_list=current_list,
        verification_code=code,
        requested_by=by,
    )
    certificate.number = f"NIG-{timezone.localdate().year}-{certificate.pk:06d}"
    certificate.save(update_fields=["number"])
    exemptions = _exemptions_for([p.pk for p in products], current_list)
    CertificateProduct.objects.bulk_create(
        CertificateProduct(
            certificate=certificate,
            product=p,
            part_number=p.part_number,
            name=p.name,
            revision=p.revision,
            exemptions=exemptions.get(p.pk, []),
        )
        for p in products
    )
    return certificate


def _ip_address(value: str | None) -> str | None:
    # A Unix socket gives no address at all; anything that is not an address is not recorded.
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None


@transaction.atomic
def certificate_sign(
    *,
    certificate: Certificate,
    by: User,
    signer_name: str,
    signer_title: str,
    confirmed: bool,
    ip: str | None,
    user_agent: str,
) -> Certificate:
    """Record the signature and hand the certificate to the renderer (status rendering).

    The caller enqueues compliance.render_certificate after commit.
    """
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not is_supplier_admin(by, certificate.supplier):
        raise PermissionDenied
    if certificate.status != Certificate.Status.REQUESTED:
        raise ValidationError(_("This certificate has already been signed."))
    errors: dict[str, str] = {}
    signer_name, signer_title = signer_name.strip(), signer_title.strip()
    if not signer_name:
        errors["signer_name"] = _("Type the name of the person who signs.")
    if not signer_title:
        errors["signer_title"] = _("Type the title of the person who signs.")
    if not confirmed:
        errors["confirm"] = _("Tick the confirmation to sign the guarantee.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    today = timezone.localdate(now)
    certificate.signer_name = signer_name[:200]
    certificate.signer_title = signer_title[:200]
    certificate.signed_by = by
    certificate.signed_at = now
    certificate.signed_ip = _ip_address(ip)
    certificate.signed_user_agent = (user_agent or "")[:300]
    certificate.issued_on = today
    certificate.valid_until = today + datetime.timedelta(days=settings.CERTIFICATE_VALIDITY_DAYS)
    certificate.status = Certificate.Status.RENDERING
    certificate.save()
    return certificate


def certificate_request_signed(
    *,
    by: User,
    supplier: Supplier,
    product_ids: Iterable[int],
    language: str,
    signer_name: str,
    signer_title: str,
    confirmed: bool,
    ip: str | None,
    user_agent: str,
) -> Certificate:
    """Request and sign in one go, as the request page and the API do: a refused signature leaves
    no half-made certificate behind. The caller enqueues compliance.render_certificate after commit."""
    with transaction.atomic():
        certificate = certificate_request(
            by=by, supplier=supplier, product_ids=product_ids, language=language
        )
        return certificate_sign(
            certificate=certificate,
            by=by,
            signer_name=signer_name,
            signer_title=signer_title,
            confirmed=confirmed,
            ip=ip,
            user_agent=user_agent,
        )


def certificate_retry(*, certificate: Certificate, by: User) -> Certificate:
    """Send a certificate whose rendering failed back to the renderer (the caller enqueues it)."""
    if not is_supplier_admin(by, certificate.supplier):
        raise PermissionDenied
    updated = Certificate.objects.filter(pk=certificate.pk, status=Certificate.Status.FAILED).update(
        status=Certificate.Status.RENDERING, render_attempts=0, render_started_at=None, render_error=""
    )
    if not updated:
        raise ValidationError(_("Only a certificate whose preparation failed can be tried again."))
    certificate.refresh_from_db()
    return certificate


# --- Render ---------------------------------------------------------------------------------------


def _claim_render(certificate_id: int) -> Certificate | None:
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("supplier", "regulated_list")
            .filter(pk=certificate_id)
            .first()
        )
        if certificate is None or certificate.status != Certificate.Status.RENDERING:
            return None
        started = certificate.render_started_at
        if started and timezone.now() - started < RENDER_STALE_AFTER:
            return None  # another worker is on it
        certificate.render_started_at = timezone.now()
        certificate.render_attempts += 1
        certificate.save(update_fields=["render_started_at", "render_attempts"])
        return certificate


def certificate_render(certificate_id: int) -> str:
    """Render and store the PDF of a signed certificate. Safe to call twice; returns what happened."""
    from compliance.certificate_pdf import certificate_pdf  # WeasyPrint only in the rendering process

    certificate = _claim_render(certificate_id)
    if certificate is None:
        return "skipped"
    try:
        pdf = certificate_pdf(certificate)
        with transaction.atomic():
            certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
            if certificate.status != Certificate.Status.RENDERING:
                return "skipped"  # revoked while it was being rendered: no PDF for it
            certificate.pdf.save(f"{certificate.number}.pdf", ContentFile(pdf), save=False)
            certificate.status = Certificate.Status.ISSUED
            certificate.issued_at = timezone.now()
            certificate.render_started_at = None
            certificate.render_error = ""
            certificate.save()
    except Exception as exc:
        log.exception("certificate %s: rendering failed", certificate_id)
        # OSError (storage full or unreachable) may pass; a template or data error will not.
        retry = isinstance(exc, OSError) and certificate.render_attempts < MAX_RENDER_ATTEMPTS
        Certificate.objects.filter(pk=certificate_id, status=Certificate.Status.RENDERING).update(
            status=Certificate.Status.RENDERING if retry else Certificate.Status.FAILED,
            render_started_at=None,
            render_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        if retry:
            raise  # the task retries it with a backoff
        return Certificate.Status.FAILED
    return Certificate.Status.ISSUED


def stale_certificate_ids() -> list[int]:
    """Certificates waiting for a renderer that never came, or whose renderer died."""
    cutoff = timezone.now() - RENDER_STALE_AFTER
    stuck = Certificate.objects.filter(status=Certificate.Status.RENDERING).filter(
        Q(render_started_at__lt=cutoff) | Q(render_started_at__isnull=True, signed_at__lt=cutoff)
    )
    return list(stuck.values_list("pk", flat=True))


# --- Revoke ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revocation:
    certificate_id: int
    number: str
    reason: str


def certificates_revoke_for_verdicts(changes: Iterable[Sequence[Any]]) -> list[Revocation]:
    """Revoke the live certificates naming a product whose verdict stopped being compliant.

    CHANGES is what chemicals.signals.verdicts_changed carries: (product_id, old, new) tuples. A
    certificate is revoked when it lists that revision or any revision of the same supplier's part
    number: the guarantee is given for the part number the buyer receives. Certificates already
    expired are left as they are: they were true while they were valid.
    """
    bad = {int(change[0]): change[2] for change in changes if change[2] != Verdict.COMPLIANT}
    if not bad:
        return []
    products = (
        Product.objects.filter(pk__in=list(bad))
        .select_related("verdict_list")
        .defer("verdict_list__document")
    )
    parts_by_supplier: dict[int, set[str]] = defaultdict(set)
    why: dict[tuple[int, str], Product] = {}
    for product in products:
        parts_by_supplier[product.supplier_id].add(product.part_number)
        why[(product.supplier_id, product.part_number)] = product
    if not parts_by_supplier:
        return []
    named = Q(product_id__in=list(bad))
    for supplier_id, parts in parts_by_supplier.items():
        named |= Q(certificate__supplier_id=supplier_id, part_number__in=sorted(parts))
    today = timezone.localdate()
    revoked: list[Revocation] = []
    with transaction.atomic():
        rows = (
            CertificateProduct.objects.filter(named)
            .filter(certificate__status__in=LIVE_STATUSES)
            .filter(Q(certificate__valid_until__isnull=True) | Q(certificate__valid_until__gte=today))
            .values_list("certificate_id", "certificate__supplier_id", "part_number")
        )
        causes: dict[int, list[Product]] = defaultdict(list)
        for certificate_id, supplier_id, part_number in rows:
            product = why.get((supplier_id, part_number))
            if product is not None and product not in causes[certificate_id]:
                causes[certificate_id].append(product)
        certificates = Certificate.objects.select_for_update().filter(
            pk__in=list(causes), status__in=LIVE_STATUSES
        )
        now = timezone.now()
        for certificate in certificates:
            reason = _revocation_reason(causes[certificate.pk], bad)
            certificate.status = Certificate.Status.REVOKED
            certificate.revoked_at = now
            certificate.revoked_reason = reason
            certificate.save(update_fields=["status", "revoked_at", "revoked_reason"])
            revoked.append(Revocation(certificate.pk, certificate.number, reason))
    for revocation in revoked:
        log.info("certificate %s revoked: %s", revocation.number, revocation.reason)
    return revoked


def _revocation_reason(products: list[Product], verdicts: dict[int, str]) -> str:
    # Stored once, in the portal's default language: it is a record, shown to staff and supplier alike.
    with translation.override(settings.LANGUAGE_CODE):
        labels = dict(Verdict.choices)
        if not products:
            return _("A product on this certificate is no longer compliant.")
        return " ".join(
            _("%(part)s revision %(revision)s was evaluated as “%(verdict)s” under %(list)s.")
            % {
                "part": p.part_number,
                "revision": p.revision,
                "verdict": labels.get(verdicts.get(p.pk, p.verdict), verdicts.get(p.pk, p.verdict) or "?"),
                "list": p.verdict_list.code if p.verdict_list else "?",
            }
            for p in products
        )


# --- Expiry reminders -----------------------------------------------------------------------------


def reminder_kind(valid_until: datetime.date, today: datetime.date) -> str | None:
    """Which reminder is due for a certificate valid until VALID_UNTIL (inclusive), if any.

    Windows rather than exact days: a reminder still goes out if the daily task missed its day.
    """
    days_left = (valid_until - today).days
    if days_left < 0:
        return CertificateReminder.Kind.EXPIRED if -days_left <= EXPIRED_NOTICE_WINDOW_DAYS else None
    if days_left <= 7:
        return CertificateReminder.Kind.EXPIRY_7
    if days_left <= 30:
        return CertificateReminder.Kind.EXPIRY_30
    return None


def _admins_of(supplier_ids: Iterable[int]) -> dict[int, list[User]]:
    admins: dict[int, list[User]] = defaultdict(list)
    memberships = Membership.objects.filter(
        supplier_id__in=list(supplier_ids), role=Role.SUPPLIER_ADMIN, user__is_active=True
    ).select_related("user")
    for membership in memberships.order_by("user__email"):
        admins[membership.supplier_id].append(membership.user)
    return admins


def certificate_reminders_send(today: datetime.date | None = None) -> int:
    """Send the due expiry reminders to each supplier's administrators; returns how many went out.

    Each (certificate, kind, recipient) is sent once: the reminder row is written in the same
    transaction as the sending, so a second run, or a run beside it, finds the row and skips.
    """
    today = today or timezone.localdate()
    candidates = list(
        Certificate.objects.filter(
            status=Certificate.Status.ISSUED,
            valid_until__lte=today + datetime.timedelta(days=30),
            valid_until__gte=today - datetime.timedelta(days=EXPIRED_NOTICE_WINDOW_DAYS),
        )
        .select_related("supplier", "regulated_list")
        .prefetch_related("products")
    )
    admins = _admins_of({c.supplier_id for c in candidates})
    sent = 0
    for certificate in candidates:
        kind = reminder_kind(certificate.valid_until, today)
        if kind is None:
            continue
        for user in admins.get(certificate.supplier_id, []):
            if CertificateReminder.objects.filter(
                certificate=certificate, kind=kind, recipient=user.email
            ).exists():
                continue
            try:
                with transaction.atomic():
                    CertificateReminder.objects.create(
                        certificate=certificate, kind=kind, recipient=user.email
                    )
                    emails.send_certificate_reminder(certificate, kind=kind, user=user, today=today)
            except IntegrityError:
                continue  # a parallel run sent this one
            except OSError:
                # The mail server refused: the row rolled back with it, so tomorrow's run tries again.
                log.exception("certificate %s: %s reminder to %s not sent", certificate.pk, kind, user.pk)
                continue
            sent += 1
    return sent
