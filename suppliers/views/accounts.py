"""Login, the landing redirect and the language switcher."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from suppliers import access, services
from suppliers.forms import EmailAuthenticationForm


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    if access.is_staff_user(request.user):
        return redirect("staff:dashboard")
    if access.is_supplier_user(request.user):
        return redirect("supplier:home")
    return render(request, "suppliers/no_role.html")


class PortalLoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # The user's saved preference wins over whatever the browser had before logging in.
        language = form.get_user().language
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        return response


class PortalPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # Proving control of the mailbox is stronger than a password guess: lift any login lockout.
        axes_reset(username=form.user.email)
        return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's switcher (cookie), plus the choice saved on the account so it follows the user."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)
    # Django's view validates "next" against open redirects and sets the language cookie.
    return django_set_language(request)
