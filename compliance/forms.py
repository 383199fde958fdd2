"""The certificate request form: products, language and the signature."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from chemicals.models import Product


class ProductChoiceField(forms.TypedMultipleChoiceField):
    """Checkboxes over the certifiable products. Whether a posted id may be certified is decided by
    certificate_services.certificate_request, which names the refused part number and the reason."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class CertificateRequestForm(forms.Form):
    products = ProductChoiceField(
        label=_("Products"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one product.")},
    )
    language = forms.ChoiceField(label=_("Language of the certificate"), choices=settings.LANGUAGES)
    signer_name = forms.CharField(label=_("Signer's name"), max_length=200)
    signer_title = forms.CharField(
        label=_("Signer's title"), max_length=200, help_text=_("e.g. Quality Assurance Manager")
    )
    confirm = forms.BooleanField(
        label=_(
            "I confirm that I am authorised to sign this guarantee on behalf of my company and that, to the "
            "best of my knowledge, the products chosen do not contain the prohibited substances of the "
            "active list."
        ),
        error_messages={"required": _("Tick the confirmation to sign the guarantee.")},
    )

    def __init__(self, *args: Any, products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page draws its own table of these (part number, name, revision, evaluation date).
        self.fields["products"].choices = [(p.pk, p.part_number) for p in products]
