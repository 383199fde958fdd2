"""Survey responses, their questionnaires and campaigns as the API shows them.

Texts come in the reader's language (the request's Accept-Language, as LocaleMiddleware chose it);
codes (question, option, status, grade) never change with the language, so an ERP keys on them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from suppliers.api.problems import ProblemFieldSerializer
from surveys import answers as answer_rules
from surveys import permissions, selectors
from surveys.answers import AnswerProblem
from surveys.models import Campaign, QuestionnaireVersion, Response, ReviewComment
from surveys.models.responses import EvidenceFile
from surveys.questionnaire import Question, Questionnaire, localized

# Values an answer may take: an option code, a number or text, or a list of option codes (multi).
SCALARS = (str, int, float, bool, type(None))


def _language() -> str:
    return get_language() or "en"


def problem_fields(problems: Iterable[AnswerProblem]) -> list[dict[str, str]]:
    """Answer problems in the shape of a problem document's `errors`: the field is the question code."""
    return [{"field": p.question, "code": p.code, "detail": p.message} for p in problems]


# --- References -----------------------------------------------------------------------------------


class CampaignRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "year", "status", "level", "opens_on", "due_on"]
        read_only_fields = fields


class QuestionnaireRefSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField(help_text="In the reader's language.")

    class Meta:
        model = QuestionnaireVersion
        fields = ["code", "version", "kind", "title"]
        read_only_fields = fields

    def get_title(self, obj: QuestionnaireVersion) -> str:
        return localized(obj.title, _language())


class SupplierRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    legal_name = serializers.CharField(read_only=True)


class SiteRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True)


class ProgressSerializer(serializers.Serializer):
    answered = serializers.IntegerField(help_text="Required questions on show that have an answer.")
    required = serializers.IntegerField(help_text="Required questions on show for the current answers.")
    percent = serializers.IntegerField()


def _progress(response: Response) -> dict[str, int]:
    progress = answer_rules.Progress(answered=response.answered, required=response.required)
    return {"answered": progress.answered, "required": progress.required, "percent": progress.percent}


# --- Responses ------------------------------------------------------------------------------------


class SurveyResponseSerializer(serializers.ModelSerializer):
    campaign = CampaignRefSerializer(read_only=True)
    questionnaire = QuestionnaireRefSerializer(source="campaign.questionnaire", read_only=True)
    supplier = SupplierRefSerializer(read_only=True)
    site = SiteRefSerializer(read_only=True, allow_null=True, help_text="Null for a company-level response.")
    level = serializers.CharField(source="campaign.level", read_only=True)
    due_on = serializers.DateField(source="campaign.due_on", read_only=True)
    progress = serializers.SerializerMethodField()
    grade = serializers.CharField(
        read_only=True,
        help_text="Risk band (self-assessment) or rating (environmental surveys); may be empty.",
    )

    class Meta:
        model = Response
        fields = [
            "id",
            "campaign",
            "questionnaire",
            "level",
            "supplier",
            "site",
            "status",
            "due_on",
            "progress",
            "score",
            "grade",
            "revision",
            "updated_at",
            "submitted_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, obj: Response) -> dict[str, int]:
        return _progress(obj)


class ReviewCommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    question = serializers.CharField(read_only=True, help_text="Question code; empty for the whole response.")

    class Meta:
        model = ReviewComment
        fields = ["id", "question", "body", "revision", "author", "created_at"]
        read_only_fields = fields

    def get_author(self, obj: ReviewComment) -> str:
        return (obj.author.full_name or obj.author.email) if obj.author else ""


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceFile
        fields = ["id", "question", "name", "size", "uploaded_at"]
        read_only_fields = fields


class SurveyResponseDetailSerializer(SurveyResponseSerializer):
    answers = serializers.DictField(
        child=serializers.JSONField(),
        read_only=True,
        help_text="Question code -> value: an option code, a list of option codes (multi), or text.",
    )
    problems = serializers.SerializerMethodField(
        help_text="What is wrong with the values given so far (while the response is a draft); what is "
        "still missing is reported by submit."
    )
    comments = ReviewCommentSerializer(many=True, read_only=True, help_text="Reviewers' comments.")
    documents = DocumentSerializer(many=True, read_only=True, source="evidence")
    submitted_by = serializers.SerializerMethodField()
    editable = serializers.SerializerMethodField(help_text="Whether you may change the answers now.")
    may_submit = serializers.SerializerMethodField(help_text="Whether you may submit the response now.")

    class Meta(SurveyResponseSerializer.Meta):
        fields = [
            *SurveyResponseSerializer.Meta.fields,
            "answers",
            "problems",
            "comments",
            "documents",
            "submitted_by",
            "reviewed_at",
            "editable",
            "may_submit",
        ]
        read_only_fields = fields

    @extend_schema_field(ProblemFieldSerializer(many=True))
    def get_problems(self, obj: Response) -> list[dict[str, str]]:
        if not obj.is_editable_by_supplier:
            return []
        questionnaire = obj.campaign.questionnaire.questionnaire
        return problem_fields(answer_rules.draft_problems(questionnaire, obj.answers))

    @extend_schema_field(OpenApiTypes.STR)
    def get_submitted_by(self, obj: Response) -> str | None:
        user = obj.submitted_by
        return (user.full_name or user.email) if user else None

    def get_editable(self, obj: Response) -> bool:
        return permissions.may_answer(self.context["request"].user, obj)

    def get_may_submit(self, obj: Response) -> bool:
        return permissions.may_submit(self.context["request"].user, obj)


class AnswersPatchSerializer(serializers.BaseSerializer):
    """{question code: value}; a null or empty value clears the answer. Checked for shape only (known
    question codes, scalar values or lists of them): the values are judged by the same rules as the
    browser's, and a value that breaks them is kept in the draft and reported."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(_('Send an object {"question code": value, ...}.'))
        questionnaire: Questionnaire = self.context["questionnaire"]
        errors: dict[str, list[serializers.ErrorDetail]] = {}
        for code, value in data.items():
            question = questionnaire.question(str(code))
            if question is None:
                errors[str(code)] = [
                    serializers.ErrorDetail(_("There is no question %(code)s.") % {"code": code}, "unknown")
                ]
            elif question.type == "file":
                errors[str(code)] = [
                    serializers.ErrorDetail(
                        _("This question is answered with documents, in the portal."), "file-question"
                    )
                ]
            elif not all(isinstance(v, SCALARS) for v in (value if isinstance(value, list) else [value])):
                errors[str(code)] = [
                    serializers.ErrorDetail(
                        _("Give a text, a number, an option code or a list of option codes."), "invalid"
                    )
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return {str(code): value for code, value in data.items()}


class AnswersSavedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Response.Status.choices)
    revision = serializers.IntegerField()
    changed = serializers.BooleanField(help_text="False when the answers were already these.")
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text="The values as saved (normalised) for the question codes sent; null when cleared.",
    )
    problems = ProblemFieldSerializer(
        many=True,
        help_text="What is wrong with the values sent. They are kept in the draft; submission refuses them.",
    )
    progress = ProgressSerializer()
    score = serializers.FloatField(allow_null=True)
    grade = serializers.CharField()
    updated_at = serializers.DateTimeField()


def answers_saved(
    response: Response, codes: Iterable[str], problems: list[AnswerProblem], changed: bool
) -> dict:
    return {
        "id": response.pk,
        "status": response.status,
        "revision": response.revision,
        "changed": changed,
        "answers": {code: response.answers.get(code) for code in codes},
        "problems": problem_fields(problems),
        "progress": _progress(response),
        "score": response.score,
        "grade": response.grade,
        "updated_at": response.updated_at,
    }


# --- The questionnaire ----------------------------------------------------------------------------


class OptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class ShowIfSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="The question whose answer decides.")
    values = serializers.ListField(child=serializers.CharField(), help_text="Shown when it has one of these.")


class NumberSpecSerializer(serializers.Serializer):
    unit = serializers.CharField()
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    decimals = serializers.IntegerField()


class EvidenceSpecSerializer(serializers.Serializer):
    label = serializers.CharField()
    required_when = serializers.ListField(
        child=serializers.CharField(), help_text="Option codes for which a document must be uploaded."
    )


class QuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    type = serializers.ChoiceField(choices=["ynpna", "single", "multi", "number", "text", "date", "file"])
    text = serializers.CharField()
    help = serializers.CharField()
    required = serializers.BooleanField(help_text="Required when shown.")
    options = OptionSerializer(many=True)
    show_if = ShowIfSerializer(allow_null=True, help_text="Null: always shown.")
    number = NumberSpecSerializer(allow_null=True)
    evidence = EvidenceSpecSerializer(allow_null=True)


class SectionSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    questions = QuestionSerializer(many=True)


class QuestionnaireSerializer(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.CharField()
    kind = serializers.CharField()
    language = serializers.CharField(help_text="The language of the texts (from Accept-Language).")
    title = serializers.CharField()
    description = serializers.CharField()
    level = serializers.CharField()
    scored = serializers.BooleanField()
    sections = SectionSerializer(many=True)


def _question(question: Question, language: str) -> dict[str, Any]:
    spec, evidence, gate = question.number, question.evidence, question.show_if
    return {
        "code": question.code,
        "type": question.type,
        "text": localized(question.text, language),
        "help": localized(question.help, language),
        "required": question.required,
        "options": [{"code": o.code, "label": localized(o.label, language)} for o in question.options],
        "show_if": {"question": gate.question, "values": sorted(gate.values)} if gate else None,
        "number": (
            {"unit": spec.unit, "min": spec.min, "max": spec.max, "decimals": spec.decimals} if spec else None
        ),
        "evidence": (
            {"label": localized(evidence.label, language), "required_when": sorted(evidence.required_when)}
            if evidence
            else None
        ),
    }


def questionnaire_data(questionnaire: Questionnaire) -> dict[str, Any]:
    language = _language()
    return {
        "code": questionnaire.code,
        "version": questionnaire.version,
        "kind": questionnaire.kind,
        "language": language,
        "title": localized(questionnaire.title, language),
        "description": localized(questionnaire.description, language),
        "level": questionnaire.level,
        "scored": questionnaire.scoring is not None,
        "sections": [
            {
                "code": section.code,
                "title": localized(section.title, language),
                "questions": [_question(q, language) for q in section.questions],
            }
            for section in questionnaire.sections
        ],
    }


# --- Campaigns ------------------------------------------------------------------------------------

StatusCountsSerializer = type(
    "StatusCountsSerializer",
    (serializers.Serializer,),
    {status: serializers.IntegerField() for status in selectors.STATUSES},
)


class CampaignFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Responses of the suppliers you see.")
    answered = serializers.IntegerField(help_text="Submitted or accepted.")
    overdue = serializers.IntegerField(help_text="Not answered although the due date has passed.")
    response_rate = serializers.FloatField(allow_null=True, help_text="answered / total (0..1).")
    by_status = StatusCountsSerializer()


class CampaignSerializer(serializers.ModelSerializer):
    questionnaire = QuestionnaireRefSerializer(read_only=True)
    buyer_unit = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Null: run for the whole group."
    )
    responses = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "year",
            "questionnaire",
            "level",
            "buyer_unit",
            "status",
            "opens_on",
            "due_on",
            "created_at",
            "closed_at",
            "responses",
        ]
        read_only_fields = fields

    @extend_schema_field(CampaignFiguresSerializer)
    def get_responses(self, obj: Campaign) -> dict[str, Any]:
        today: datetime.date = self.context.get("today") or timezone.localdate()
        figures = selectors.campaign_figures(obj, today)
        return {
            "total": figures.total,
            "answered": figures.answered,
            "overdue": figures.overdue,
            "response_rate": figures.response_rate,
            "by_status": figures.by_status,
        }
