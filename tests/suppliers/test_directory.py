"""The staff supplier directory: search, filters, sort, pagination and exports."""

from __future__ import annotations

import csv
import io

from django.urls import reverse
from openpyxl import load_workbook

from suppliers.exports import escape_cell
from suppliers.models import Site, Supplier, SupplierCategory
from suppliers.views.staff import PAGE_SIZE

DIRECTORY = reverse("staff:supplier_directory")


def _names(response) -> list[str]:
    return [s.legal_name for s in response.context["page"]]


def _add_suppliers(world, count: int, **fields) -> None:
    suppliers = Supplier.objects.bulk_create(
        Supplier(legal_name=f"Bulk Supplier {i:03d}", country=fields.get("country", "JP"))
        for i in range(count)
    )
    through = Supplier.buyer_units.through
    through.objects.bulk_create(through(supplier_id=s.pk, buyerunit_id=world.unit_a.pk) for s in suppliers)


def test_search_by_name_local_name_and_duns(world):
    client = world.client_for(world.admin)
    assert _names(client.get(DIRECTORY, {"q": "alpha"})) == ["Alpha Parts Ltd"]
    assert _names(client.get(DIRECTORY, {"q": "贝塔"})) == ["Beta Metals Co"]
    assert _names(client.get(DIRECTORY, {"q": "222-222-222"})) == ["Beta Metals Co"]


def test_filters_by_country_unit_category_and_status(world):
    category = SupplierCategory.objects.create(code="packaging", names={"en": "Packaging"})
    world.supplier_b.categories.add(category)
    client = world.client_for(world.admin)
    assert _names(client.get(DIRECTORY, {"country": "cn"})) == ["Beta Metals Co"]
    assert _names(client.get(DIRECTORY, {"buyer_unit": world.unit_a.pk})) == ["Alpha Parts Ltd"]
    assert _names(client.get(DIRECTORY, {"category": category.pk})) == ["Beta Metals Co"]
    world.supplier_a.status = Supplier.Status.INACTIVE
    world.supplier_a.save()
    assert _names(client.get(DIRECTORY, {"status": "inactive"})) == ["Alpha Parts Ltd"]


def test_sort_by_name_and_by_site_count(world):
    Site.objects.create(supplier=world.supplier_b, name="Second plant", country="CN")
    client = world.client_for(world.admin)
    assert _names(client.get(DIRECTORY, {"sort": "-name"})) == ["Beta Metals Co", "Alpha Parts Ltd"]
    assert _names(client.get(DIRECTORY, {"sort": "-sites"})) == ["Beta Metals Co", "Alpha Parts Ltd"]
    assert _names(client.get(DIRECTORY, {"sort": "sites"})) == ["Alpha Parts Ltd", "Beta Metals Co"]


def test_pagination_keeps_filters(world, django_assert_max_num_queries):
    _add_suppliers(world, PAGE_SIZE + 5)
    client = world.client_for(world.staff_a)
    # The page's query count does not grow with the number of suppliers shown.
    with django_assert_max_num_queries(15):
        first = client.get(DIRECTORY, {"country": "JP"})
    assert first.context["page"].paginator.count == PAGE_SIZE + 6
    assert len(first.context["page"]) == PAGE_SIZE
    assert "country=JP" in first.content.decode() and "page=2" in first.content.decode()
    second = client.get(DIRECTORY, {"country": "JP", "page": 2})
    assert len(second.context["page"]) == 6


def test_csv_export_follows_filters_and_escapes_formulas(world):
    world.supplier_a.legal_name = '=HYPERLINK("http://evil.example","click")'
    world.supplier_a.local_name = "@SUM(1+1)"
    world.supplier_a.save()
    response = world.client_for(world.admin).get(
        reverse("staff:supplier_export", kwargs={"fmt": "csv"}), {"country": "JP"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2  # header + supplier A only
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[1][2] == "'@SUM(1+1)"


def test_xlsx_export_has_no_live_formulas(world):
    world.supplier_b.legal_name = "=1+2"
    world.supplier_b.save()
    response = world.client_for(world.admin).get(reverse("staff:supplier_export", kwargs={"fmt": "xlsx"}))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == "Legal name"
    assert {v[1] for v in values[1:]} == {"Alpha Parts Ltd", "'=1+2"}
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_unknown_export_format_is_404(world):
    assert (
        world.client_for(world.admin).get(reverse("staff:supplier_export", kwargs={"fmt": "pdf"})).status_code
        == 404
    )


def test_escape_cell_leaves_plain_values_alone():
    assert escape_cell("Alpha") == "Alpha"
    assert escape_cell(42) == 42
    assert escape_cell("-5") == "'-5"
    assert escape_cell("\uff1dcmd") == "'\uff1dcmd"


def test_auditor_reads_but_cannot_create(world):
    client = world.client_for(world.auditor_a)
    assert client.get(DIRECTORY).status_code == 200
    assert client.get(reverse("staff:supplier_new")).status_code == 403
    assert (
        client.post(
            reverse("staff:supplier_invite", kwargs={"supplier_pk": world.supplier_a.pk}),
            {"email": "x@alpha.example", "role": "supplier_admin", "language": "en"},
        ).status_code
        == 403
    )
    assert not world.supplier_a.invitations.filter(email="x@alpha.example").exists()


def test_staff_creates_a_supplier_in_their_unit_only(world):
    client = world.client_for(world.staff_a)
    response = client.post(
        reverse("staff:supplier_new"),
        {"legal_name": "Epsilon Cables", "country": "vn", "buyer_units": [world.unit_b.pk]},
    )
    assert response.status_code == 200  # unit B is not a choice for a unit-A manager
    response = client.post(
        reverse("staff:supplier_new"),
        {"legal_name": "Epsilon Cables", "country": "vn", "buyer_units": [world.unit_a.pk]},
    )
    supplier = Supplier.objects.get(legal_name="Epsilon Cables")
    assert response["Location"] == reverse("staff:supplier_detail", kwargs={"supplier_pk": supplier.pk})
    assert supplier.country == "VN"


def test_editing_keeps_buyer_units_the_editor_cannot_see(world):
    # Given a supplier of both units, edited by a manager of unit A only
    world.supplier_a.buyer_units.add(world.unit_b)
    response = world.client_for(world.staff_a).post(
        reverse("staff:supplier_edit", kwargs={"supplier_pk": world.supplier_a.pk}),
        {"legal_name": "Alpha Parts Ltd", "country": "JP", "buyer_units": [world.unit_a.pk]},
    )
    assert response.status_code == 302
    # Then unit B's relationship survives the save
    assert set(world.supplier_a.buyer_units.all()) == {world.unit_a, world.unit_b}
