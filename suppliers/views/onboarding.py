"""Public pages: accepting an invitation and asking to register a company."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from suppliers import services
from suppliers.forms import AcceptInvitationForm, RegistrationRequestForm
from suppliers.models import User


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_from_token(token)
    if invitation is None:
        return render(request, "suppliers/invitation_invalid.html", status=404)
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        # A first-time visitor has no language choice yet: greet them in the invitation's language.
        translation.activate(invitation.language)
        request.LANGUAGE_CODE = invitation.language
    existing = User.objects.filter(email__iexact=invitation.email).exists()
    form = AcceptInvitationForm(
        request.POST or None,
        invitation=invitation,
        existing_user=existing,
        initial={"full_name": invitation.full_name, "language": invitation.language},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if not existing:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Welcome! Please complete your company profile and sites."))
                return redirect("supplier:profile_edit")
            messages.success(
                request,
                _("You have joined %(supplier)s. Please log in.")
                % {"supplier": invitation.supplier.legal_name},
            )
            return redirect("login")
    return render(
        request,
        "suppliers/invitation_accept.html",
        {"form": form, "invitation": invitation, "existing": existing},
    )


def registration_request(request: HttpRequest) -> HttpResponse:
    form = RegistrationRequestForm(request.POST or None, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        services.registration_request_submit(**form.cleaned_data)
        return render(request, "suppliers/registration_thanks.html")
    return render(request, "suppliers/registration_request.html", {"form": form})
