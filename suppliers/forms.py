"""Forms for onboarding, the company profile, sites, invitations and API keys."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suppliers.models import (
    ApiKey,
    BuyerUnit,
    Invitation,
    RegistrationRequest,
    Site,
    Supplier,
    SupplierCategory,
    User,
)
from suppliers.roles import Role

_COUNTRY_HELP = _("Two-letter ISO code, e.g. JP, CN, DE, US")


class CountryField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("min_length", 2)
        kwargs.setdefault("help_text", _COUNTRY_HELP)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value and not value.isalpha():
            raise forms.ValidationError(_("Use a two-letter country code such as JP."))
        return value.upper() if value else value


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: SupplierCategory) -> str:
        from django.utils.translation import get_language

        return obj.name_in(get_language() or "en")


class SupplierProfileForm(forms.ModelForm):
    country = CountryField(label=_("Country"))
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    # Accept the common "12-345-6789" spelling; clean_duns keeps the nine digits.
    duns = forms.CharField(label=_("DUNS number"), max_length=11, required=False)
    categories = CategoryChoiceField(
        queryset=SupplierCategory.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("What you supply"),
    )

    class Meta:
        model = Supplier
        fields = ["legal_name", "local_name", "country", "address", "duns", "tax_id", "website", "categories"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_duns(self) -> str:
        duns = self.cleaned_data.get("duns", "").replace("-", "").strip()
        if duns and (len(duns) != 9 or not duns.isdigit()):
            raise forms.ValidationError(_("A DUNS number has nine digits."))
        return duns


class StaffSupplierForm(SupplierProfileForm):
    buyer_units = forms.ModelMultipleChoiceField(
        queryset=BuyerUnit.objects.all(), widget=forms.CheckboxSelectMultiple, label=_("Buyer units supplied")
    )

    class Meta(SupplierProfileForm.Meta):
        fields = [*SupplierProfileForm.Meta.fields, "buyer_units"]


class SiteForm(forms.ModelForm):
    country = CountryField(label=_("Country"))

    class Meta:
        model = Site
        fields = ["name", "address", "country"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.SUPPLIER_ADMIN.value, Role.SUPPLIER_ADMIN.label),
            (Role.SUPPLIER_CONTRIBUTOR.value, Role.SUPPLIER_CONTRIBUTOR.label),
        ],
        initial=Role.SUPPLIER_CONTRIBUTOR,
    )
    language = forms.ChoiceField(label=_("Language of the e-mail"), choices=settings.LANGUAGES)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, invitation: Invitation, existing_user: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.existing_user = existing_user
        if existing_user:
            # The person already has an account: joining only needs a confirmation.
            for name in ("full_name", "password1", "password2"):
                self.fields[name].required = False
                self.fields[name].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if self.existing_user:
            return data
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                validate_password(p1, User(email=self.invitation.email, full_name=data.get("full_name", "")))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class RegistrationRequestForm(forms.ModelForm):
    country = CountryField(label=_("Country"))

    class Meta:
        model = RegistrationRequest
        fields = [
            "legal_name",
            "local_name",
            "country",
            "address",
            "duns",
            "contact_name",
            "contact_email",
            "language",
            "buyer_unit",
            "message",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "message": forms.Textarea(attrs={"rows": 3})}


class RejectRegistrationForm(forms.Form):
    note = forms.CharField(
        label=_("Reason (sent to the applicant)"), widget=forms.Textarea(attrs={"rows": 3})
    )


# A key that never expires outlives the ERP project it was made for; offer a quarter by default.
API_KEY_DEFAULT_DAYS = 90


def _default_api_key_expiry() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=API_KEY_DEFAULT_DAYS)


class ApiKeyForm(forms.Form):
    """A new API key. The expiry is a date and the key works until the end of that day (in the portal's
    time zone), so the date the list shows is the last day it works."""

    name = forms.CharField(
        label=_("Name"),
        max_length=ApiKey._meta.get_field("name").max_length,
        help_text=_('Say which system uses it, e.g. "SAP production".'),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiKey.Scope.choices,
        initial=ApiKey.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_("A read-only key can fetch data but cannot create or change anything."),
    )
    # Named like the model field so that the service's ValidationError lands on this field.
    expires_at = forms.DateField(
        label=_("Expires on"),
        required=False,
        initial=_default_api_key_expiry,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Last day the key works. Leave empty for a key that does not expire."),
    )

    def clean_expires_at(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        if day <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date after today."), code="past")
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
