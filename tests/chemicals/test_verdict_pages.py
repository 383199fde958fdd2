"""Verdicts and findings on the product pages, the declaration page, and the staff re-evaluation pages.

Products are stored from the example capacitor (fixtures/chemicals/examples/capacitor.json) and given a
stored evaluation the way the evaluation service stores one: the findings come from the real engine run
on the same tree against GPG Ver. 13.0, so the pages are tested on findings the engine really writes.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from chemicals import evaluation, finding_text
from chemicals.composition import ComplianceAnswer
from chemicals.formats import json_tree
from chemicals.models import (
    Product,
    ProductEvaluation,
    ReevaluationRun,
    RegulatedList,
    SubstanceGroup,
    Verdict,
    VerdictChange,
)
from chemicals.problems import render as render_problems
from chemicals.product_services import product_tree_store
from chemicals.reference_data import FIXTURES, load_regulated_list
from chemicals.rules import rules_from_files

GPG = FIXTURES / "lists" / "gpg-13.0.json"
CAPACITOR = FIXTURES / "examples" / "capacitor.json"
ROOT = "Aluminium electrolytic capacitor"
_RULES: list[Any] = []


def _rules():
    if not _RULES:
        _RULES.append(rules_from_files(GPG, FIXTURES))
    return _RULES[0]


@pytest.fixture
def gpg(world) -> RegulatedList:
    regulated_list, _ = load_regulated_list(GPG)
    assert regulated_list.status == RegulatedList.Status.ACTIVE
    return regulated_list


def store(supplier, part_number: str = "CAP-100", **changes: Any) -> Product:
    data = json_tree.read(CAPACITOR.read_bytes()).products[0]
    data.part_number = part_number
    for key, value in changes.items():
        setattr(data, key, value)
    return product_tree_store(data, supplier=supplier)


def evaluate(
    product: Product, regulated_list: RegulatedList, compliance: list[ComplianceAnswer] | None = None
) -> ProductEvaluation:
    """Store what the evaluation service stores: the engine's result and the verdict on the product."""
    tree = json_tree.read(CAPACITOR.read_bytes()).products[0]
    tree.name = product.name
    tree.compliance = compliance or []
    result = evaluation.evaluate(tree, _rules(), date(2026, 1, 1))
    stored = ProductEvaluation.objects.create(
        product=product,
        regulated_list=regulated_list,
        as_of=date(2026, 1, 1),
        verdict=result.verdict,
        findings=[f.as_dict() for f in result.findings],
        warnings=result.warnings,
        breached_groups=result.breached_groups,
        exemptions_relied_on=result.exemptions_relied_on,
        unknown_count=result.count(evaluation.UNKNOWN),
        declared_count=result.count(evaluation.DECLARED),
    )
    set_verdict(product, result.verdict, regulated_list)
    return stored


def set_verdict(product: Product, verdict: str, regulated_list: RegulatedList) -> None:
    product.verdict, product.verdict_list, product.evaluated_at = verdict, regulated_list, timezone.now()
    product.save(update_fields=["verdict", "verdict_list", "evaluated_at"])


def supplier_detail(product: Product) -> str:
    return reverse("supplier:product_detail", kwargs={"product_pk": product.pk})


def staff_detail(product: Product) -> str:
    return reverse("staff:product_detail", kwargs={"product_pk": product.pk})


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def capacitor(world, gpg) -> Product:
    product = store(world.supplier_a)
    evaluate(product, gpg)
    return product


# --- Product detail ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sup_a", "staff_a"])
def test_detail_shows_the_verdict_and_every_finding_explained(world, gpg, capacitor, persona):
    url = supplier_detail(capacitor) if persona == "sup_a" else staff_detail(capacitor)
    response = world.client_for(getattr(world, persona)).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not compliant" in html
    assert gpg.code in html
    stored = ProductEvaluation.objects.get(product=capacitor).findings
    phthalate = next(f for f in stored if f["group"] == "T1-19")
    assert phthalate["status"] == "EXCEEDS"
    # The explanation with its arithmetic, as finding_text writes it in the reader's language.
    assert escape(finding_text.explain(phthalate)) in html
    assert "166,667 ppm" in finding_text.explain(phthalate)
    group_name = SubstanceGroup.objects.get(regulated_list=gpg, code="T1-19").name["en"]
    assert escape(group_name) in html
    assert "Bis(2-ethylhexyl) phthalate" in html and "117-81-7" in html
    assert "Sleeve › PVC sleeve" in html
    shown = response.context["findings"]
    assert len(shown) == len(stored)
    # Table 1 breaches come first, whatever order the engine wrote them in.
    statuses = [f["status"] for f in shown]
    assert statuses[:2] == ["EXCEEDS", "EXCEEDS"]
    assert {f["group"] for f in shown[:2]} == {"T1-3", "T1-19"}
    assert statuses.index("OK") > 1 and statuses.index("DECLARED") > 1


def test_findings_filter_by_status_on_the_server(world, capacitor):
    client = world.client_for(world.sup_a)
    declared = client.get(supplier_detail(capacitor), {"status": "DECLARED"})
    assert [f["group"] for f in declared.context["findings"]] == ["T2-7"]
    assert "Polyvinyl chloride" in declared.content.decode()
    phthalate = next(f for f in ProductEvaluation.objects.get().findings if f["group"] == "T1-19")
    assert escape(finding_text.explain(phthalate)) not in declared.content.decode()
    exceeds = client.get(supplier_detail(capacitor), {"status": "EXCEEDS"})
    assert {f["group"] for f in exceeds.context["findings"]} == {"T1-3", "T1-19"}
    # An unknown status is no filter at all, not an empty table.
    everything = client.get(supplier_detail(capacitor), {"status": "<script>"})
    assert len(everything.context["findings"]) == 4
    assert everything.context["finding_status"] == ""
    counts = {s["value"]: s["count"] for s in everything.context["status_counts"]}
    assert counts == {"EXCEEDS": 2, "OK": 1, "DECLARED": 1}


def test_tree_rows_carry_the_worst_status_of_the_findings_at_their_path(world, capacitor):
    response = world.client_for(world.staff_a).get(staff_detail(capacitor))
    marked = {
        tuple(row["path"]): row["status"] for row in response.context["rows"] if row["type"] != "substance"
    }
    # The PVC sleeve has a Table 1 breach (DEHP) and a Table 2 report (PVC): the breach shows.
    assert marked[(ROOT, "Sleeve", "PVC sleeve")] == "EXCEEDS"
    assert marked[(ROOT, "Lead wires", "Solder plating")] == "EXCEEDS"
    # A part and a material may share a name; only the material's path has the finding.
    assert marked[(ROOT, "Capacitor element", "Capacitor element")] == "OK"
    assert marked[(ROOT, "Capacitor element")] == ""
    assert marked[(ROOT, "Sleeve")] == ""
    html = response.content.decode()
    assert html.count('data-tree-marker="EXCEEDS"') == 2
    assert html.count('data-tree-marker="OK"') == 1
    # Markers follow every finding even when the findings table is filtered.
    filtered = world.client_for(world.staff_a).get(staff_detail(capacitor), {"status": "OK"})
    assert filtered.content.decode().count('data-tree-marker="EXCEEDS"') == 2


def test_compliance_section_disagreements_are_rendered_as_warnings(world, gpg):
    product = store(world.supplier_a)
    # The file says DEHP is below its threshold; the declared substances give 166,667 ppm.
    stored = evaluate(product, gpg, compliance=[ComplianceAnswer("00038", "DEHP", above_threshold=False)])
    assert len(stored.warnings) == 1
    (message,) = [w["message"] for w in render_problems(stored.warnings)]
    assert "00038" in message and message != stored.warnings[0]["code"]
    html = world.client_for(world.sup_a).get(supplier_detail(product)).content.decode()
    assert escape(message) in html
    assert "1 disagreement with the file" in html


def test_a_product_without_an_evaluation_says_so(world, gpg):
    product = store(world.supplier_a)
    response = world.client_for(world.sup_a).get(supplier_detail(product))
    html = response.content.decode()
    assert response.context["evaluation"] is None
    assert "Not evaluated yet" in html
    assert "has not been evaluated" in html
    assert "data-tree-marker" not in html


def test_another_suppliers_product_detail_is_404(world, capacitor):
    assert world.client_for(world.sup_b).get(supplier_detail(capacitor)).status_code == 404
    assert world.client_for(world.staff_b).get(staff_detail(capacitor)).status_code == 404
    assert (
        world.client_for(world.staff_b).get(staff_detail(capacitor), {"status": "EXCEEDS"}).status_code == 404
    )


# --- Product lists ----------------------------------------------------------------------------------


@pytest.fixture
def three_products(world, gpg, capacitor) -> dict[str, Product]:
    compliant = store(world.supplier_a, "OK-200", name="Resistor")
    set_verdict(compliant, Verdict.COMPLIANT, gpg)
    fresh = store(world.supplier_a, "NEW-300", name="Connector")
    return {"non_compliant": capacitor, "compliant": compliant, "none": fresh}


@pytest.mark.parametrize(("persona", "namespace"), [("sup_a", "supplier"), ("staff_a", "staff")])
def test_lists_filter_and_sort_by_verdict(world, three_products, persona, namespace):
    client = world.client_for(getattr(world, persona))
    url = reverse(f"{namespace}:product_list")
    html = client.get(url).content.decode()
    assert "Not compliant" in html and "Compliant" in html and "Not evaluated yet" in html
    for value, product in three_products.items():
        page = client.get(url, {"verdict": value}).context["page"]
        assert [p.pk for p in page] == [product.pk], value
    # The other filters still apply alongside.
    assert [p.part_number for p in client.get(url, {"verdict": "none", "q": "CAP"}).context["page"]] == []
    assert len(client.get(url, {"verdict": "bogus"}).context["page"]) == 3
    ordered = [p.part_number for p in client.get(url, {"sort": "verdict"}).context["page"]]
    assert ordered == ["CAP-100", "OK-200", "NEW-300"]


@pytest.mark.parametrize(("persona", "namespace"), [("sup_a", "supplier"), ("staff_a", "staff")])
def test_csv_export_has_the_verdict(world, gpg, three_products, persona, namespace):
    response = world.client_for(getattr(world, persona)).get(
        reverse(f"{namespace}:product_list"), {"export": "csv", "sort": "verdict"}
    )
    header, *rows = csv_rows(response)
    verdict, against = header.index("Verdict"), header.index("Evaluated against")
    assert [(r[1], r[verdict], r[against]) for r in rows] == [
        ("CAP-100", "Not compliant", gpg.code),
        ("OK-200", "Compliant", gpg.code),
        ("NEW-300", "Not evaluated yet", ""),
    ]
    filtered = world.client_for(getattr(world, persona)).get(
        reverse(f"{namespace}:product_list"), {"export": "csv", "verdict": "compliant"}
    )
    assert [r[1] for r in csv_rows(filtered)[1:]] == ["OK-200"]


@pytest.mark.parametrize(("persona", "namespace"), [("sup_a", "supplier"), ("staff_a", "staff")])
def test_list_query_count_does_not_grow_with_the_products(world, gpg, persona, namespace):
    client = world.client_for(getattr(world, persona))
    url = reverse(f"{namespace}:product_list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"sort": "verdict"}).status_code == 200
        return len(ctx.captured_queries)

    for i, verdict in enumerate([Verdict.COMPLIANT, ""]):
        set_verdict(store(world.supplier_a, f"P-{i}"), verdict, gpg)
    few = queries()
    for i, verdict in enumerate([Verdict.NON_COMPLIANT, Verdict.INCOMPLETE, ""] * 4):
        set_verdict(store(world.supplier_a, f"Q-{i}"), verdict, gpg)
    assert len(client.get(url).context["page"]) == 14
    assert queries() == few


# --- Declaration page -------------------------------------------------------------------------------


def test_declaration_detail_shows_each_stored_products_verdict(world, gpg):
    from chemicals.models import Declaration

    declaration = Declaration.objects.create(
        supplier=world.supplier_a,
        sha256="c" * 64,
        original_name="capacitor.json",
        size=1,
        status=Declaration.Status.STORED,
    )
    product = store(world.supplier_a)
    product.declaration = declaration
    product.save(update_fields=["declaration"])
    evaluate(product, gpg)
    html = (
        world.client_for(world.sup_a)
        .get(reverse("supplier:declaration_detail", kwargs={"declaration_pk": declaration.pk}))
        .content.decode()
    )
    assert f'href="{supplier_detail(product)}#verdict"' in html
    assert "Not compliant" in html


# --- Re-evaluation runs -----------------------------------------------------------------------------


def run_url(name: str, run: ReevaluationRun) -> str:
    return reverse(f"staff:{name}", kwargs={"run_pk": run.pk})


@pytest.fixture
def finished_run(world, gpg, capacitor) -> ReevaluationRun:
    """A run that turned A's capacitor and B's product non-compliant."""
    product_b = store(world.supplier_b, "B-500", name="Beta bracket")
    run = ReevaluationRun.objects.create(
        regulated_list=gpg,
        status=ReevaluationRun.Status.DONE,
        total=2,
        done=2,
        changed=2,
        finished_at=timezone.now(),
    )
    VerdictChange.objects.create(
        run=run,
        product=capacitor,
        supplier=world.supplier_a,
        old_verdict=Verdict.COMPLIANT,
        new_verdict=Verdict.NON_COMPLIANT,
        old_breached=[],
        new_breached=["T1-3", "T1-19"],
    )
    VerdictChange.objects.create(
        run=run,
        product=product_b,
        supplier=world.supplier_b,
        old_verdict="",
        new_verdict=Verdict.INCOMPLETE,
    )
    return run


def test_run_status_json_reports_progress(world, gpg):
    run = ReevaluationRun.objects.create(
        regulated_list=gpg, status=ReevaluationRun.Status.RUNNING, total=8, done=2
    )
    client = world.client_for(world.staff_a)
    data = client.get(run_url("reevaluation_status", run)).json()
    assert data["status"] == "running" and data["percent"] == 25
    assert (data["done"], data["total"], data["finished"]) == (2, 8, False)
    assert data["url"] == run_url("reevaluation_detail", run)
    page = client.get(run_url("reevaluation_detail", run)).content.decode()
    assert 'id="run-progress"' in page and 'data-finished="0"' in page
    assert "Impact report" not in page

    run.status, run.done = ReevaluationRun.Status.DONE, 8
    run.save()
    data = client.get(run_url("reevaluation_status", run)).json()
    assert (data["percent"], data["finished"], data["status_label"]) == (100, True, "Done")
    page = client.get(run_url("reevaluation_detail", run)).content.decode()
    assert 'id="run-progress"' not in page and "Impact report" in page


def test_impact_report_is_scoped_to_the_users_suppliers(world, finished_run, capacitor):
    seen = {}
    for persona in ("staff_a", "staff_b", "admin"):
        client = world.client_for(getattr(world, persona))
        response = client.get(run_url("reevaluation_detail", finished_run))
        assert response.status_code == 200
        seen[persona] = {c.supplier.legal_name for c in response.context["page"]}
        body = csv_rows(client.get(run_url("reevaluation_impact_export", finished_run)))
        assert {r[0] for r in body[1:]} == seen[persona]
        assert client.get(run_url("reevaluation_status", finished_run)).json()["changed"] == len(
            seen[persona]
        )
    assert seen == {
        "staff_a": {"Alpha Parts Ltd"},
        "staff_b": {"Beta Metals Co"},
        "admin": {"Alpha Parts Ltd", "Beta Metals Co"},
    }
    html = world.client_for(world.staff_b).get(run_url("reevaluation_detail", finished_run)).content.decode()
    assert "CAP-100" not in html and "Alpha" not in html
    html = world.client_for(world.staff_a).get(run_url("reevaluation_detail", finished_run)).content.decode()
    assert staff_detail(capacitor) in html and "T1-3, T1-19" in html
    # The runs page counts only the changes the user may see.
    runs = world.client_for(world.staff_b).get(
        reverse("staff:reevaluation_list", kwargs={"list_pk": finished_run.regulated_list_id})
    )
    assert [(r.pk, r.visible_changed) for r in runs.context["page"]] == [(finished_run.pk, 1)]


def test_impact_report_filters_and_sorts(world, finished_run):
    client = world.client_for(world.admin)
    url = run_url("reevaluation_detail", finished_run)

    def parts(**params: str) -> list[str]:
        return [c.product.part_number for c in client.get(url, params).context["page"]]

    assert parts(q="beta") == ["B-500"]
    assert parts(q="CAP-1") == ["CAP-100"]
    assert parts(verdict="incomplete") == ["B-500"]
    assert parts(verdict="compliant") == []
    assert parts(sort="new_verdict") == ["CAP-100", "B-500"]
    assert parts(sort="supplier") == ["CAP-100", "B-500"]
    assert parts(sort="part_number") == ["B-500", "CAP-100"]
    rows = csv_rows(
        client.get(run_url("reevaluation_impact_export", finished_run), {"verdict": "incomplete"})
    )
    assert rows[0][:2] == ["Supplier", "Part number"]
    assert [r[1] for r in rows[1:]] == ["B-500"]
    assert rows[1][4:6] == ["Not evaluated yet", "Incomplete"]


def test_impact_csv_escapes_formulas(world, finished_run, capacitor):
    world.supplier_a.legal_name = '=HYPERLINK("http://evil.example")'
    world.supplier_a.save(update_fields=["legal_name"])
    Product.objects.filter(pk=capacitor.pk).update(name="@SUM(A1:A2)")
    rows = csv_rows(world.client_for(world.staff_a).get(run_url("reevaluation_impact_export", finished_run)))
    (row,) = rows[1:]
    assert row[0] == '\'=HYPERLINK("http://evil.example")'
    assert row[3] == "'@SUM(A1:A2)"
    assert row[5] == "Not compliant" and row[7] == "T1-3, T1-19"


def test_runs_of_a_list_are_listed_and_linked_from_the_list_page(world, finished_run):
    client = world.client_for(world.staff_a)
    list_pk = finished_run.regulated_list_id
    html = client.get(reverse("staff:reevaluation_list", kwargs={"list_pk": list_pk})).content.decode()
    assert run_url("reevaluation_detail", finished_run) in html
    detail = client.get(reverse("staff:substance_list_detail", kwargs={"list_pk": list_pk})).content.decode()
    assert run_url("reevaluation_detail", finished_run) in detail
    assert reverse("staff:reevaluation_list", kwargs={"list_pk": list_pk}) in detail


def test_run_pages_are_staff_only_and_unknown_runs_are_404(world, finished_run):
    for user in (world.sup_a, world.sup_b):
        client = world.client_for(user)
        for name in ("reevaluation_detail", "reevaluation_status", "reevaluation_impact_export"):
            assert client.get(run_url(name, finished_run)).status_code == 403
    missing = reverse("staff:reevaluation_detail", kwargs={"run_pk": finished_run.pk + 1000})
    assert world.client_for(world.staff_a).get(missing).status_code == 404
    missing_list = reverse("staff:reevaluation_list", kwargs={"list_pk": 987654})
    assert world.client_for(world.staff_a).get(missing_list).status_code == 404
