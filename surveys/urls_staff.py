"""Staff survey pages: campaigns and the review of responses (joined under /staff/, namespace "staff")."""

from django.urls import path

from surveys.views import campaigns, review

staff_urlpatterns: list = [
    path("surveys/campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("surveys/campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("surveys/campaigns/<int:campaign_pk>/", campaigns.campaign_detail, name="campaign_detail"),
    path(
        "surveys/campaigns/<int:campaign_pk>/answers.xlsx", campaigns.campaign_export, name="campaign_export"
    ),
    path("surveys/campaigns/<int:campaign_pk>/close/", campaigns.campaign_close, name="campaign_close"),
    path("surveys/campaigns/<int:campaign_pk>/reopen/", campaigns.campaign_reopen, name="campaign_reopen"),
    path("surveys/responses/<int:response_pk>/", review.response_review, name="response_review"),
    path("surveys/responses/<int:response_pk>/comment/", review.response_comment, name="response_comment"),
    path("surveys/responses/<int:response_pk>/return/", review.response_return, name="response_return"),
    path("surveys/responses/<int:response_pk>/accept/", review.response_accept, name="response_accept"),
    path("surveys/responses/<int:response_pk>/reopen/", review.response_reopen, name="response_reopen"),
    path(
        "surveys/responses/<int:response_pk>/versions/<int:number>/",
        review.response_version,
        name="response_version",
    ),
    path(
        "surveys/responses/<int:response_pk>/evidence/<int:evidence_pk>/",
        review.response_evidence,
        name="response_evidence",
    ),
]
