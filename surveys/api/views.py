"""Survey endpoints: a supplier reads its responses and the questionnaires, fills them in and submits
them; staff read their units' responses with scores, and the campaigns with their figures.

Every response is found through `selectors.responses_visible(user)` before anything else is checked,
so another tenant's response is 404 whatever is asked of it; who may write is decided after that.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse

from suppliers.api.filters import ChangedSinceFilter, IdFilter
from suppliers.api.idempotency import idempotent
from suppliers.api.permissions import IsStaffUser, KeyScopeAllows, SupplierWritesStaffReads
from suppliers.api.problems import ProblemConflict, ProblemSerializer, problem
from surveys import response_services, selectors
from surveys.api.serializers import (
    AnswersPatchSerializer,
    AnswersSavedSerializer,
    CampaignSerializer,
    QuestionnaireSerializer,
    SurveyResponseDetailSerializer,
    SurveyResponseSerializer,
    answers_saved,
    problem_fields,
    questionnaire_data,
)
from surveys.models import Campaign, Response, ReviewComment
from surveys.models.questionnaires import Kind

TAG = "surveys"
NOT_FOUND = {404: ProblemSerializer}
ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    str,
    OpenApiParameter.HEADER,
    description="en, ja or zh-hans: the language of question texts, option labels and messages.",
)


class SupplierWritesOnVisibleObject(SupplierWritesStaffReads):
    """SupplierWritesStaffReads, checked on the object after the tenancy lookup: staff of another unit
    get the same 404 as for a response that does not exist; staff who see it get 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return super().has_permission(request, view)


class SurveyResponseFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id")
    supplier = IdFilter(field_name="supplier_id")
    status = django_filters.ChoiceFilter(choices=Response.Status.choices)
    grade = django_filters.CharFilter(
        field_name="grade", help_text="A risk band (high, medium, low) or rating (A-D)."
    )
    changed_since = ChangedSinceFilter(
        "updated_at", help_text="Responses changed at or after this ISO date-time."
    )

    class Meta:
        model = Response
        fields = ["campaign", "supplier", "status", "grade", "changed_since"]


# --- Examples -------------------------------------------------------------------------------------

RESPONSE_EXAMPLE = {
    "id": 412,
    "campaign": {
        "id": 7,
        "name": "Environmental activity survey 2026",
        "year": 2026,
        "status": "open",
        "level": "company",
        "opens_on": "2026-04-01",
        "due_on": "2026-06-30",
    },
    "questionnaire": {
        "code": "env_activity",
        "version": "2026.1",
        "kind": "env_activity",
        "title": "Environmental activity survey",
    },
    "level": "company",
    "supplier": {"id": 31, "legal_name": "Alpha Parts Ltd"},
    "site": None,
    "status": "draft",
    "due_on": "2026-06-30",
    "progress": {"answered": 12, "required": 27, "percent": 44},
    "score": 71.5,
    "grade": "B",
    "revision": 5,
    "updated_at": "2026-05-02T08:14:03Z",
    "submitted_at": None,
}
DETAIL_EXAMPLE = {
    **RESPONSE_EXAMPLE,
    "answers": {"A1": "iso14001", "A4": "next spring", "B1": "implemented"},
    "problems": [
        {
            "field": "A4",
            "code": "answer.date_invalid",
            "detail": "next spring is not a date: use the form YYYY-MM-DD.",
        }
    ],
    "comments": [
        {
            "id": 3,
            "question": "B1",
            "body": "Please attach the policy.",
            "revision": 4,
            "author": "Procurement team",
            "created_at": "2026-04-20T10:00:00Z",
        }
    ],
    "documents": [
        {
            "id": 9,
            "question": "A3",
            "name": "iso14001.pdf",
            "size": 182044,
            "uploaded_at": "2026-04-12T09:30:00Z",
        }
    ],
    "submitted_by": None,
    "reviewed_at": None,
    "editable": True,
    "may_submit": True,
}
SAVED_EXAMPLE = {
    "id": 412,
    "status": "draft",
    "revision": 6,
    "changed": True,
    "answers": {"B1": "implemented", "A4": "next spring", "A5": None},
    "problems": [
        {
            "field": "A4",
            "code": "answer.date_invalid",
            "detail": "next spring is not a date: use the form YYYY-MM-DD.",
        }
    ],
    "progress": {"answered": 13, "required": 27, "percent": 48},
    "score": 73.0,
    "grade": "B",
    "updated_at": "2026-05-02T08:15:40Z",
}
QUESTIONNAIRE_EXAMPLE = {
    "code": "env_activity",
    "version": "2026.1",
    "kind": "env_activity",
    "language": "en",
    "title": "Environmental activity survey",
    "description": "Your environmental management, year by year.",
    "level": "either",
    "scored": True,
    "sections": [
        {
            "code": "A",
            "title": "Environmental management system",
            "questions": [
                {
                    "code": "A1",
                    "type": "single",
                    "text": "Do you have an environmental management system?",
                    "help": "",
                    "required": True,
                    "options": [
                        {"code": "iso14001", "label": "ISO 14001 certified"},
                        {"code": "none", "label": "None"},
                    ],
                    "show_if": None,
                    "number": None,
                    "evidence": None,
                },
                {
                    "code": "A4",
                    "type": "date",
                    "text": "Until when is the certificate valid?",
                    "help": "",
                    "required": True,
                    "options": [],
                    "show_if": {"question": "A1", "values": ["iso14001", "other_ems"]},
                    "number": None,
                    "evidence": None,
                },
            ],
        }
    ],
}
SUBMIT_REFUSED_EXAMPLE = {
    "type": "https://procurement-portal.invalid/problems/submission-incomplete",
    "title": "Bad Request",
    "status": 400,
    "detail": "The answers have 2 problems; nothing was submitted.",
    "instance": "/api/v1/survey-responses/412/submit/",
    "errors": [
        {"field": "B1", "code": "answer.required", "detail": "This question needs an answer."},
        {"field": "A3", "code": "answer.file_required", "detail": "Please upload a file."},
    ],
}
READ_ONLY_EXAMPLE = {
    "type": "https://procurement-portal.invalid/problems/response-read-only",
    "title": "Conflict",
    "status": 409,
    "detail": "This response was submitted and is read-only until it is returned.",
    "instance": "/api/v1/survey-responses/412/answers/",
}


@extend_schema_view(
    list=extend_schema(
        summary="Survey responses you may see",
        description="A supplier: its own responses (one per campaign, or per site for site-level "
        "campaigns). Staff: the responses of their units' suppliers, with scores.",
        tags=[TAG],
        examples=[OpenApiExample("A page of responses", value=RESPONSE_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One survey response with its answers, problems, comments and documents",
        tags=[TAG],
        parameters=[ACCEPT_LANGUAGE],
        responses={200: SurveyResponseDetailSerializer, **NOT_FOUND},
        examples=[OpenApiExample("A draft", value=DETAIL_EXAMPLE, response_only=True)],
    ),
)
class SurveyResponseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SurveyResponseSerializer
    filterset_class = SurveyResponseFilter
    permission_classes = [IsAuthenticated, KeyScopeAllows, SupplierWritesOnVisibleObject]

    def get_queryset(self) -> QuerySet[Response]:
        queryset = selectors.responses_visible(self.request.user)
        if self.action == "list":
            return queryset.defer("answers", "score_detail", "campaign__questionnaire__document")
        if self.action == "retrieve":
            return self._with_details(queryset)
        return queryset.defer("score_detail")

    @staticmethod
    def _with_details(queryset: QuerySet[Response]) -> QuerySet[Response]:
        # One query each for the comments and the documents, whatever their number.
        return (
            queryset.defer("score_detail")
            .select_related("submitted_by")
            .prefetch_related(
                Prefetch("comments", queryset=ReviewComment.objects.select_related("author")), "evidence"
            )
        )

    def get_serializer_class(self) -> type:
        return SurveyResponseDetailSerializer if self.action == "retrieve" else SurveyResponseSerializer

    def _detail(self, response: Response) -> dict:
        fresh = self._with_details(selectors.responses_visible(self.request.user)).get(pk=response.pk)
        return SurveyResponseDetailSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(
        summary="The response's questionnaire: what to fill in",
        description="Questions with their codes, types, options, number limits and display conditions, "
        "in the language of Accept-Language. A question with `show_if` is asked only when the named "
        "question has one of the values.",
        tags=[TAG],
        parameters=[ACCEPT_LANGUAGE],
        responses={200: QuestionnaireSerializer, **NOT_FOUND},
        examples=[
            OpenApiExample("Environmental activity survey", value=QUESTIONNAIRE_EXAMPLE, response_only=True)
        ],
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def questionnaire(self, request: Request, pk: str | None = None) -> ApiResponse:
        response = self.get_object()
        return ApiResponse(questionnaire_data(response.campaign.questionnaire.questionnaire))

    @extend_schema(
        summary="Save some answers to the draft",
        description="Send `{question code: value}` for the questions to change (null clears one). The "
        "values are normalised and judged as in the portal: a value that breaks a rule is kept in the "
        "draft and reported in `problems`; submission refuses it. Suppliers only; refused with 409 "
        "once the response is submitted or the campaign closed.",
        tags=[TAG],
        parameters=[ACCEPT_LANGUAGE],
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses={
            200: AnswersSavedSerializer,
            400: ProblemSerializer,
            403: ProblemSerializer,
            404: ProblemSerializer,
            409: ProblemSerializer,
        },
        examples=[
            OpenApiExample(
                "Some answers",
                value={"B1": "implemented", "A4": "next spring", "A5": None},
                request_only=True,
            ),
            OpenApiExample(
                "Saved, one value needs attention",
                value=SAVED_EXAMPLE,
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Already submitted", value=READ_ONLY_EXAMPLE, response_only=True, status_codes=["409"]
            ),
        ],
    )
    @action(detail=True, methods=["patch"], parser_classes=[JSONParser], filterset_class=None)
    def answers(self, request: Request, pk: str | None = None) -> ApiResponse:
        response = self.get_object()
        questionnaire = response.campaign.questionnaire.questionnaire
        patch = AnswersPatchSerializer(data=request.data, context={"questionnaire": questionnaire})
        patch.is_valid(raise_exception=True)
        values = patch.validated_data
        try:
            result = response_services.response_save(response, by=request.user, values=values)
        except DjangoValidationError as exc:
            raise ProblemConflict(" ".join(exc.messages), code="response-read-only") from exc
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(_("You may not change these answers.")) from exc
        return ApiResponse(answers_saved(result.response, values, result.problems, result.changed))

    @extend_schema(
        summary="Submit the response for review",
        description="Only the supplier's administrator (a key they created) submits, as in the portal. "
        "Every problem that stops the submission is reported at once, by question code; nothing "
        "changes then. Send an Idempotency-Key to retry safely.",
        tags=[TAG],
        request=None,
        responses={
            200: SurveyResponseDetailSerializer,
            400: ProblemSerializer,
            403: ProblemSerializer,
            404: ProblemSerializer,
            409: ProblemSerializer,
        },
        examples=[
            OpenApiExample(
                "Submitted",
                value={**DETAIL_EXAMPLE, "status": "submitted", "problems": []},
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Not complete", value=SUBMIT_REFUSED_EXAMPLE, response_only=True, status_codes=["400"]
            ),
        ],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def submit(self, request: Request, pk: str | None = None) -> ApiResponse:
        response = self.get_object()
        try:
            problems = response_services.response_submit(response, by=request.user)
        except DjangoValidationError as exc:
            raise ProblemConflict(" ".join(exc.messages), code="response-read-only") from exc
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(
                _("Only the supplier's administrator may submit the answers (use a key they created).")
            ) from exc
        if problems:
            return problem(
                400,
                "submission-incomplete",
                _("The answers have %(n)d problems; nothing was submitted.") % {"n": len(problems)},
                errors=problem_fields(problems),
                instance=request.get_full_path(),
            )
        return ApiResponse(self._detail(response))


# --- Campaigns ------------------------------------------------------------------------------------


class CampaignFilter(django_filters.FilterSet):
    year = IdFilter(field_name="year", min_value=1900, max_value=9999)
    status = django_filters.ChoiceFilter(choices=Campaign.Status.choices)
    kind = django_filters.ChoiceFilter(field_name="questionnaire__kind", choices=Kind.choices)

    class Meta:
        model = Campaign
        fields = ["year", "status", "kind"]


CAMPAIGN_EXAMPLE = {
    "id": 7,
    "name": "Environmental activity survey 2026",
    "year": 2026,
    "questionnaire": {
        "code": "env_activity",
        "version": "2026.1",
        "kind": "env_activity",
        "title": "Environmental activity survey",
    },
    "level": "company",
    "buyer_unit": "unit-a",
    "status": "open",
    "opens_on": "2026-04-01",
    "due_on": "2026-06-30",
    "created_at": "2026-03-20T09:00:00Z",
    "closed_at": None,
    "responses": {
        "total": 40,
        "answered": 22,
        "overdue": 0,
        "response_rate": 0.55,
        "by_status": {"not_started": 6, "draft": 10, "submitted": 12, "returned": 2, "accepted": 10},
    },
}


@extend_schema_view(
    list=extend_schema(
        summary="Survey campaigns with their figures",
        description="Staff only. Counts cover the responses of the suppliers you see.",
        tags=[TAG],
        examples=[OpenApiExample("A campaign", value=CAMPAIGN_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One campaign with counts per status, response rate and overdue count",
        tags=[TAG],
        responses={200: CampaignSerializer, 403: ProblemSerializer, **NOT_FOUND},
        examples=[OpenApiExample("A campaign", value=CAMPAIGN_EXAMPLE, response_only=True)],
    ),
)
class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    permission_classes = [IsAuthenticated, KeyScopeAllows, IsStaffUser]

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaigns_visible(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}
