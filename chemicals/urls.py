"""Chemical-content pages. They join the suppliers' `supplier` and `staff` namespaces (see the root
urls), so the tenancy walk in tests/suppliers covers them with the same rules."""

from django.urls import path

from chemicals.urls_editor import editor_urlpatterns
from chemicals.views import declarations, products, reevaluations, substance_lists

supplier_urlpatterns: list = [
    path("products/", products.product_list, name="product_list"),
    path("products/<int:product_pk>/", products.product_detail, name="product_detail"),
    path("declarations/", declarations.declaration_list, name="declaration_list"),
    path("declarations/upload/", declarations.declaration_upload, name="declaration_upload"),
    path("declarations/template.xlsx", declarations.composition_template, name="declaration_template"),
    path("declarations/<int:declaration_pk>/", declarations.declaration_detail, name="declaration_detail"),
    path(
        "declarations/<int:declaration_pk>/status/",
        declarations.declaration_status,
        name="declaration_status",
    ),
    *editor_urlpatterns,
]

staff_urlpatterns: list = [
    path("products/", products.staff_product_list, name="product_list"),
    path("products/<int:product_pk>/", products.staff_product_detail, name="product_detail"),
    # Regulated lists are group-wide reference data: the same pages for every buyer unit.
    path("substance-lists/", substance_lists.substance_list_index, name="substance_list_index"),
    path("substance-lists/upload/", substance_lists.substance_list_upload, name="substance_list_upload"),
    path(
        "substance-lists/<int:list_pk>/", substance_lists.substance_list_detail, name="substance_list_detail"
    ),
    path(
        "substance-lists/<int:list_pk>/groups.csv",
        substance_lists.substance_list_export,
        name="substance_list_export",
    ),
    path(
        "substance-lists/<int:list_pk>/changes/",
        substance_lists.substance_list_diff,
        name="substance_list_diff",
    ),
    path(
        "substance-lists/<int:list_pk>/activate/",
        substance_lists.substance_list_activate,
        name="substance_list_activate",
    ),
    path(
        "substance-lists/<int:list_pk>/delete/",
        substance_lists.substance_list_delete,
        name="substance_list_delete",
    ),
    # Re-evaluation runs are group-wide like their list; the impact rows are scoped per supplier.
    path(
        "substance-lists/<int:list_pk>/reevaluations/",
        reevaluations.reevaluation_list,
        name="reevaluation_list",
    ),
    path("reevaluations/<int:run_pk>/", reevaluations.reevaluation_detail, name="reevaluation_detail"),
    path("reevaluations/<int:run_pk>/status/", reevaluations.reevaluation_status, name="reevaluation_status"),
    path(
        "reevaluations/<int:run_pk>/impact.csv",
        reevaluations.reevaluation_impact_export,
        name="reevaluation_impact_export",
    ),
]
