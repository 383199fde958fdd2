from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from chemicals import urls as chemicals_urls
from compliance import urls as compliance_urls
from procurement_portal.api_urls import api_v1_patterns, docs_patterns
from procurement_portal.views import health
from suppliers import urls as suppliers_urls
from suppliers.views import accounts, onboarding
from surveys import urls as surveys_urls

urlpatterns = [
    path("", accounts.home, name="home"),
    path("health/", health, name="health"),
    path("accounts/login/", accounts.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(html_email_template_name=None, extra_email_context=None),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        accounts.PortalPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("language/", accounts.set_language, name="set_language"),
    path("register/", onboarding.registration_request, name="registration_request"),
    path("invitations/<str:token>/", onboarding.invitation_accept, name="invitation_accept"),
    # Each app contributes pages to the two namespaces; the tenancy rule is per namespace.
    path(
        "supplier/",
        include(
            (
                suppliers_urls.supplier_urlpatterns
                + chemicals_urls.supplier_urlpatterns
                + compliance_urls.supplier_urlpatterns
                + surveys_urls.supplier_urlpatterns,
                "supplier",
            )
        ),
    ),
    path(
        "staff/",
        include(
            (
                suppliers_urls.staff_urlpatterns
                + chemicals_urls.staff_urlpatterns
                + compliance_urls.staff_urlpatterns
                + surveys_urls.staff_urlpatterns,
                "staff",
            )
        ),
    ),
    *compliance_urls.public_urlpatterns,
    path("api/v1/", include((api_v1_patterns, "api"))),
    path("api/", include(docs_patterns)),
    path("admin/", admin.site.urls),
]
