"""Declaration files: upload, list, progress (polled as JSON) and the problem report."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from chemicals import declaration_services, product_selectors
from chemicals.models import Declaration
from chemicals.problems import render as render_problems
from chemicals.tasks import process_declaration
from suppliers.selectors import supplier_for_user
from suppliers.views.guards import supplier_required

ACCEPT = ".shai,.shci,.xml,.zip,.xlsx"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Declaration file"),
        help_text=gettext_lazy(
            "chemSHERPA-AI (.shai), chemSHERPA-CI (.shci), their XML, or the Excel template."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


def _list_page(request: HttpRequest, form: UploadForm, *, status: int = 200) -> HttpResponse:
    page = Paginator(product_selectors.declaration_list(request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "chemicals/declarations/list.html",
        {"page": page, "form": form, "limit_mb": settings.MAX_UPLOAD_BYTES // 2**20},
        status=status,
    )


@supplier_required
def declaration_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, UploadForm())


@supplier_required
def declaration_upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("supplier:declaration_list")
    form = UploadForm(request.POST, request.FILES)
    supplier = supplier_for_user(request.user)
    if form.is_valid() and supplier is not None:
        upload = form.cleaned_data["file"]
        try:
            declaration, created = declaration_services.declaration_upload(
                supplier_id=supplier.pk,
                by=request.user,
                name=upload.name,
                chunks=upload.chunks(),
                size=upload.size,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if created:
                process_declaration.delay_on_commit(declaration.pk)
            else:
                messages.info(
                    request,
                    _("This file was already uploaded on %(date)s; here is what the portal made of it.")
                    % {"date": formats.date_format(declaration.created_at, "SHORT_DATETIME_FORMAT")},
                )
            return redirect("supplier:declaration_detail", declaration_pk=declaration.pk)
    # The form with its error above the list of files sent; the file itself was not stored.
    return _list_page(request, form, status=400)


def _own(request: HttpRequest, declaration_pk: int) -> Declaration:
    return get_object_or_404(product_selectors.declaration_list(request.user), pk=declaration_pk)


@supplier_required
def declaration_detail(request: HttpRequest, declaration_pk: int) -> HttpResponse:
    declaration = _own(request, declaration_pk)
    return render(
        request,
        "chemicals/declarations/detail.html",
        {
            "declaration": declaration,
            # The page keeps polling until the verdicts are in, not only until the file is stored.
            "finished": declaration.is_finished
            and not product_selectors.declaration_awaits_verdict(declaration),
            "problems": render_problems(declaration.problems),
            "products": declaration.products.order_by("part_number"),
        },
    )


@supplier_required
def declaration_status(request: HttpRequest, declaration_pk: int) -> JsonResponse:
    """What the detail page polls while the worker reads the file."""
    declaration = _own(request, declaration_pk)
    return JsonResponse(
        {
            "status": declaration.status,
            "status_label": declaration.get_status_display(),
            "progress": declaration.progress,
            "stage": declaration.stage,
            "finished": declaration.is_finished
            and not product_selectors.declaration_awaits_verdict(declaration),
            "errors": declaration.error_count,
            "warnings": declaration.warning_count,
            "products": declaration.product_count,
            "url": reverse("supplier:declaration_detail", kwargs={"declaration_pk": declaration.pk}),
        }
    )


@supplier_required
def composition_template(request: HttpRequest) -> HttpResponse:
    from chemicals.formats import xlsx_template  # openpyxl is only loaded when the template is asked for

    content = xlsx_template.build_template(language=get_language() or "en")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="composition-template.xlsx"'
    return response
