"""A supplier logs in, switches to Japanese and sees the translated home page; the choice is remembered."""

from __future__ import annotations

import pytest
from django.utils import translation

from suppliers.models import User
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ja(text: str) -> str:
    with translation.override("ja"):
        translated = translation.gettext(text)
    assert translated != text, f"no Japanese translation for {text!r}"
    return translated


def log_in(page, base_url: str, email: str, landing: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]", has_text="Log in").click()
    page.wait_for_url(f"{base_url}{landing}")


def test_supplier_logs_in_switches_to_japanese_and_it_sticks(live_server, page, world):
    page.goto(f"{live_server.url}/")
    page.get_by_label("E-mail address").fill(world.sup_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/supplier/")
    assert page.get_by_role("heading", name="Sites").is_visible()

    # Switch language: the select submits itself.
    page.get_by_label("Language").select_option("ja")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "ja"
    for text in ("Sites", "Members", "Company", "Pending invitations"):
        assert page.get_by_role("heading", name=_ja(text)).is_visible()
    assert page.get_by_role("link", name=_ja("Invite a colleague")).is_visible()
    assert User.objects.get(pk=world.sup_a.pk).language == "ja"

    # Log out and in again from a fresh browser: the account remembers Japanese.
    page.get_by_role("button", name=_ja("Log out")).click()
    fresh = page.context.browser.new_context(locale="en-US")
    other = fresh.new_page()
    log_in(other, live_server.url, world.sup_a.email, "/supplier/")
    assert other.get_by_role("heading", name=_ja("Sites")).is_visible()
    fresh.close()


def test_staff_directory_in_chinese(live_server, page, world):
    log_in(page, live_server.url, world.staff_a.email, "/staff/dashboard/")
    page.goto(f"{live_server.url}/staff/suppliers/")
    page.get_by_label("Language").select_option("zh-hans")
    page.wait_for_load_state("networkidle")
    with translation.override("zh-hans"):
        heading = translation.gettext("Suppliers")
    assert heading != "Suppliers"
    assert page.get_by_role("heading", name=heading).is_visible()
    assert page.get_by_role("link", name="Alpha Parts Ltd").is_visible()
    assert page.get_by_role("link", name="Beta Metals Co").count() == 0
