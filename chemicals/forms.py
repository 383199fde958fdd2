"""Forms of the chemical-content pages."""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from chemicals import services


class RegulatedListUploadForm(forms.Form):
    file = forms.FileField(label=_("List file (JSON)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted per request so that the text follows the reader's language.
        self.fields["file"].help_text = _(
            "The same layout as fixtures/chemicals/lists/gpg-13.0.json; at most %(size)s."
        ) % {"size": filesizeformat(services.MAX_LIST_BYTES)}

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        # Checked before reading, so an oversized upload is never held in memory whole.
        if upload.size > services.MAX_LIST_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; a list file may be at most %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(services.MAX_LIST_BYTES)}
            )
        return upload.read()


class SubstanceListFilterForm(forms.Form):
    table = forms.TypedChoiceField(
        label=_("Table"),
        choices=[("", _("Both tables")), ("1", _("Table 1 (prohibited)")), ("2", _("Table 2 (managed)"))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    q = forms.CharField(
        label=_("Search"),
        help_text=_("Group code, name or CAS number"),
        max_length=100,
        required=False,
    )
