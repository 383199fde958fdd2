"""The supplier's survey pages, joined to the `supplier` namespace under /supplier/ (see the root urls)."""

from django.urls import path

from surveys.views import answering, supplier_excel

supplier_urlpatterns: list = [
    path("surveys/", answering.survey_list, name="survey_list"),
    path("surveys/<int:response_pk>/", answering.survey_response, name="survey_response"),
    path("surveys/<int:response_pk>/autosave/", answering.survey_autosave, name="survey_autosave"),
    path("surveys/<int:response_pk>/prefill/", answering.survey_prefill, name="survey_prefill"),
    path("surveys/<int:response_pk>/submit/", answering.survey_submit, name="survey_submit"),
    path("surveys/<int:response_pk>/score/", answering.survey_score, name="survey_score"),
    path("surveys/<int:response_pk>/excel/", supplier_excel.survey_excel, name="survey_excel"),
    path(
        "surveys/<int:response_pk>/excel/upload/",
        supplier_excel.survey_excel_upload,
        name="survey_excel_upload",
    ),
    path(
        "surveys/<int:response_pk>/evidence/",
        answering.survey_evidence_upload,
        name="survey_evidence_upload",
    ),
    path(
        "surveys/<int:response_pk>/evidence/<int:evidence_pk>/",
        answering.survey_evidence,
        name="survey_evidence",
    ),
    path(
        "surveys/<int:response_pk>/evidence/<int:evidence_pk>/delete/",
        answering.survey_evidence_delete,
        name="survey_evidence_delete",
    ),
]
