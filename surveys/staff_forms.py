"""Forms of the staff survey pages: a new campaign, reopening one, and the review actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from suppliers import access
from suppliers.models import BuyerUnit, Supplier, SupplierCategory
from suppliers.roles import STAFF_WRITE_ROLES
from surveys import selectors
from surveys.models import Campaign, QuestionnaireVersion

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
Targeting = Campaign.Targeting
# The multi-select that holds the values of each targeting mode.
MODE_FIELDS = {
    Targeting.UNITS: "units",
    Targeting.CATEGORIES: "categories",
    Targeting.COUNTRIES: "countries",
    Targeting.SUPPLIERS: "suppliers",
}


class QuestionnaireChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: QuestionnaireVersion) -> str:
        return obj.display_title(get_language() or "en")


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: SupplierCategory) -> str:
        return obj.name_in(get_language() or "en")


class SupplierChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Supplier) -> str:
        local = f" / {obj.local_name}" if obj.local_name else ""
        return f"{obj.legal_name}{local} ({obj.country})"


def managed_units(user: Any):
    """The buyer units USER may run a campaign for: all for administrators, else those they manage."""
    viewer = access.viewer_for(user)
    if viewer.sees_whole_group:
        return BuyerUnit.objects.all()
    return BuyerUnit.objects.filter(
        pk__in=[u for u, roles in viewer.unit_roles.items() if roles & STAFF_WRITE_ROLES]
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    questionnaire = QuestionnaireChoiceField(
        queryset=QuestionnaireVersion.objects.none(), label=_("Questionnaire"), empty_label=None
    )
    level = forms.ChoiceField(
        label=_("Answered per"),
        choices=Campaign.Level.choices,
        help_text=_("Site level sends one response to each registered site of a supplier."),
    )
    buyer_unit = forms.ModelChoiceField(
        queryset=BuyerUnit.objects.none(),
        label=_("Run by buyer unit"),
        required=False,
        help_text=_(
            "Its procurement managers manage the campaign. Empty: group-wide, run by administrators."
        ),
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=DATE_INPUT)
    due_on = forms.DateField(label=_("Due on"), widget=DATE_INPUT)
    mode = forms.ChoiceField(
        label=_("Send to"), choices=Targeting.choices, widget=forms.RadioSelect, initial=Targeting.ALL
    )
    units = forms.ModelMultipleChoiceField(
        queryset=BuyerUnit.objects.none(), required=False, label=_("Buyer units")
    )
    categories = CategoryChoiceField(
        queryset=SupplierCategory.objects.none(), required=False, label=_("Categories")
    )
    countries = forms.MultipleChoiceField(choices=(), required=False, label=_("Countries"))
    suppliers = SupplierChoiceField(queryset=Supplier.objects.none(), required=False, label=_("Suppliers"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"year": timezone.localdate().year, "opens_on": timezone.localdate(), "mode": "all"}
        )
        super().__init__(*args, **kwargs)
        self.user = user
        self.whole_group = access.viewer_for(user).sees_whole_group
        self.fields["questionnaire"].queryset = selectors.questionnaires_published()
        self.fields["buyer_unit"].queryset = managed_units(user)
        if not self.whole_group:
            # A unit's manager runs campaigns for one of their units, never group-wide ones.
            self.fields["buyer_unit"].required = True
            self.fields["buyer_unit"].empty_label = None
            self.fields["buyer_unit"].help_text = _("Its procurement managers manage the campaign.")
        visible_units = access.buyer_unit_ids_visible_to(user)
        units = BuyerUnit.objects.all()
        self.fields["units"].queryset = units if visible_units is None else units.filter(pk__in=visible_units)
        self.fields["categories"].queryset = SupplierCategory.objects.all()
        suppliers = Supplier.objects.visible_to(user).filter(status=Supplier.Status.ACTIVE)
        self.fields["suppliers"].queryset = suppliers.order_by("legal_name")
        countries = suppliers.order_by("country").values_list("country", flat=True).distinct()
        self.fields["countries"].choices = [(c, c) for c in countries]
        for name in MODE_FIELDS.values():
            self.fields[name].widget.attrs["size"] = 8

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opens_on, due_on = data.get("opens_on"), data.get("due_on")
        if opens_on and due_on and due_on < opens_on:
            self.add_error("due_on", _("The due date cannot be before the opening date."))
        questionnaire, level = data.get("questionnaire"), data.get("level")
        if questionnaire and level and questionnaire.level not in ("either", level):
            self.add_error(
                "level",
                _("This questionnaire is answered at %(level)s level only.")
                % {"level": Campaign.Level(questionnaire.level).label},
            )
        mode = data.get("mode")
        field = MODE_FIELDS.get(mode)
        if field and not data.get(field) and field not in self.errors:
            self.add_error(field, _("Choose at least one."))
        return data

    @property
    def target_values(self) -> list[Any]:
        """The values of the chosen targeting mode, as campaign_services.campaign_targets takes them."""
        field = MODE_FIELDS.get(self.cleaned_data["mode"])
        if field is None:
            return []
        values = self.cleaned_data[field]
        return list(values) if field == "countries" else [obj.pk for obj in values]


class ReopenCampaignForm(forms.Form):
    due_on = forms.DateField(
        label=_("New due date"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Leave empty to keep the current due date."),
    )


class CommentForm(forms.Form):
    # Checked against the questionnaire by response_services.comment_add.
    question = forms.CharField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    MAX_LENGTH = 5000
    note = forms.CharField(
        label=_("Note"), required=False, max_length=MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
