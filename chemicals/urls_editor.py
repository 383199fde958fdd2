"""Routes of the composition editor (supplier namespace).

A new product's draft is posted to the routes without a key; once saved, the page posts to the routes
of that product, so another supplier's id answers 404 on every route that names a product.
"""

from django.urls import path

from chemicals.views import editor

editor_urlpatterns: list = [
    path("products/new/", editor.product_editor_new, name="product_editor_new"),
    path("products/<int:product_pk>/edit/", editor.product_editor, name="product_editor"),
    path("products/editor/save/", editor.product_editor_save, name="product_editor_save_new"),
    path("products/<int:product_pk>/edit/save/", editor.product_editor_save, name="product_editor_save"),
    path("products/editor/submit/", editor.product_editor_submit, name="product_editor_submit_new"),
    path(
        "products/<int:product_pk>/edit/submit/", editor.product_editor_submit, name="product_editor_submit"
    ),
]
