"""Staff open the dashboard on the demo data and every chart draws (Chart.js from the portal's static
files): the chart holds data and its canvas is not blank.

seed_demo brings the buyer group, suppliers and survey campaigns; the chemical side (declarations,
verdicts, a certificate, a new list version and its re-evaluation) is added here through the same
services and tasks the pages use, so the figures come from the real pipeline.
"""

from __future__ import annotations

import io
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from chemicals import composition as tree
from chemicals import declaration_services, evaluation_services, services
from chemicals.formats import json_tree
from chemicals.models import RegulatedList
from chemicals.reference_data import FIXTURES
from chemicals.tasks import enqueue_reevaluation, process_declaration
from compliance import certificate_services
from suppliers.models import Membership, Supplier
from suppliers.reference_data import read_fixture
from suppliers.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"


def _part(part_number: str, name: str, lead_mg: str | None = None, unknown: bool = False) -> tree.Product:
    """A 1 g part: a steel body and a 10 mg solder joint with LEAD_MG of lead in it."""
    solder = [tree.Substance("7440-31-5", "Tin", mass_mg=Decimal(10) - Decimal(lead_mg or 0))]
    if lead_mg:
        solder.append(tree.Substance("7439-92-1", "Lead", mass_mg=Decimal(lead_mg)))
    body = [tree.Substance("7439-89-6", "Iron", mass_mg=Decimal(990))]
    if unknown:
        # A valid CAS number the portal cannot identify: it could hide a Table 1 substance (UNKNOWN).
        body = [
            tree.Substance("7439-89-6", "Iron", mass_mg=Decimal(980)),
            tree.Substance("1234-56-6", "Additive X", mass_mg=Decimal(10)),
        ]
    return tree.Product(
        part_number,
        name=name,
        mass_mg=Decimal(1000),
        destination_markets=["EU", "JP"],
        materials=[
            tree.Material("Steel body", mass_mg=Decimal(990), substances=body),
            tree.Material("Solder", mass_mg=Decimal(10), substances=solder),
        ],
    )


PARTS = [
    # part number, name, lead (mg in 10 mg of solder), unknown substance
    ("PS-100", "Terminal block", None, False),
    ("PS-200", "Relay", "0.008", False),  # 800 ppm: compliant under 13.0, not under the tightened demo list
    ("PS-300", "Connector", "0.5", False),  # 5 % lead: a Table 1 breach
    ("PS-400", "Bracket", None, True),
]


def add_chemical_demo() -> None:
    """Declarations for every demo supplier (evaluated by the real engine), one certificate, then a
    list version with a lower lead limit activated and re-evaluated, as the staff pages do it."""
    for n, supplier in enumerate(Supplier.objects.order_by("pk")):
        admin = (
            Membership.objects.filter(supplier=supplier, role=Role.SUPPLIER_ADMIN)
            .select_related("user")
            .first()
        )
        for i, (number, name, lead, unknown) in enumerate(PARTS):
            if (n + i) % 5 == 4:
                continue  # not every supplier delivers every part
            data = json.dumps(json_tree.dump(_part(f"{number}-{n}", name, lead, unknown))).encode()
            declaration, _ = declaration_services.declaration_upload(
                supplier_id=supplier.pk,
                by=admin.user if admin else None,
                name=f"{number}.json",
                chunks=[data],
                size=len(data),
            )
            process_declaration.delay(declaration.pk)
        if admin and n < 2:
            certificate = certificate_services.certificate_request_signed(
                by=admin.user,
                supplier=supplier,
                product_ids=list(
                    supplier.products.filter(
                        verdict="compliant", part_number__startswith="PS-100"
                    ).values_list("pk", flat=True)
                ),
                language="en",
                signer_name=admin.user.full_name,
                signer_title="Quality Manager",
                confirmed=True,
                ip="192.0.2.1",
                user_agent="demo",
            )
            certificate_services.certificate_render(certificate.pk)
    # A rejected file, as suppliers do send.
    first = Supplier.objects.order_by("pk").first()
    declaration_services.declaration_upload(
        supplier_id=first.pk, by=None, name="broken.xml", chunks=[b"<not xml"], size=8
    )
    declaration = first.declarations.get(original_name="broken.xml")
    process_declaration.delay(declaration.pk)

    current = RegulatedList.objects.get(status=RegulatedList.Status.ACTIVE)
    document = json.loads((FIXTURES / "lists" / f"{current.code.lower()}.json").read_text(encoding="utf-8"))
    document["code"], document["version"] = f"{current.code}-DEMO", f"{document['version']}-demo"
    for group in document["groups"]:
        if group["code"] == "T1-3":
            group["thresholds"][0]["ppm"] = 500
    tightened = services.regulated_list_load(json.dumps(document).encode()).regulated_list
    services.regulated_list_activate(regulated_list=tightened, by=None)
    run, batches = evaluation_services.reevaluation_start(tightened, previous=current, by=None)
    enqueue_reevaluation(run, batches)


def log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("button[type=submit]", has_text="Log in").click()
    page.wait_for_load_state()


CHART_STATE = """
(canvas) => {
  const chart = window.Chart && window.Chart.getChart(canvas);
  if (!chart) return null;
  const points = chart.data.datasets.reduce((n, d) => n + d.data.filter((v) => v).length, 0);
  const ctx = canvas.getContext("2d");
  const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted += 1;
  return {type: chart.config.type, datasets: chart.data.datasets.length, points, painted};
}
"""


def test_staff_dashboard_draws_every_chart_on_demo_data(live_server, page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    add_chemical_demo()
    demo = read_fixture("demo/demo.json")

    log_in(page, live_server.url, "admin@buyer.example", demo["password"])
    page.goto(f"{live_server.url}/staff/dashboard/")
    # The weakest sections arrive separately, after the rest of the page is drawn.
    page.wait_for_function("document.documentElement.dataset.lazyChartsDrawn !== undefined")
    assert page.evaluate("document.documentElement.dataset.lazyChartsDrawn") == "1"
    canvases = page.locator("canvas[data-chart]")
    names = [canvases.nth(i).get_attribute("data-chart") for i in range(canvases.count())]
    expected = {
        "campaigns",
        "risk_unit",
        "risk_category",
        "risk_country",
        "weak_sections",
        "verdicts",
        "breaches",
        "certificates",
        "impact",
    }
    assert expected <= set(names), names
    assert page.evaluate("document.documentElement.dataset.chartsDrawn") == str(len(names) - 1)
    assert page.locator("#table-weak_items tbody tr").count() == 10
    for i, name in enumerate(names):
        state = canvases.nth(i).evaluate(CHART_STATE)
        assert state is not None, f"{name}: no Chart.js chart on the canvas"
        assert state["datasets"] >= 1 and state["points"] >= 1, (name, state)
        assert state["painted"] > 500, (name, state)  # not a blank canvas

    # The figures are the seeded ones, and the drill-down links work.
    assert page.locator("#table-breaches").get_by_text("T1-3").first.is_visible()
    page.locator("#table-verdicts").get_by_role("link").first.click()
    page.wait_for_url("**/staff/products/?verdict=*")

    page.goto(f"{live_server.url}/staff/dashboard/")
    page.wait_for_function("document.documentElement.dataset.lazyChartsDrawn !== undefined")
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    if os.environ.get("DASHBOARD_SCREENSHOT") == "1":  # refresh the README picture on purpose only
        page.set_viewport_size({"width": 1280, "height": 1400})
        page.screenshot(path=str(DOCS_SCREENSHOT), full_page=False)
