"""The three languages: complete catalogues and translated pages."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

LOCALES = {"ja": "ja", "zh_Hans": "zh-hans"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}|<[^>]+>")


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_catalogue_is_complete_and_placeholders_match(locale):
    catalog = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / locale / "LC_MESSAGES" / "django.po"))
    entries = [e for e in catalog if not e.obsolete]
    assert len(entries) > 200
    assert [e.msgid for e in entries if not e.translated() or "fuzzy" in e.flags] == []
    for entry in entries:
        translated = entry.msgstr or entry.msgstr_plural.get(0, "")
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(translated)), (
            entry.msgid
        )
        # Real translations, not English copies (short codes such as "CSV" may stay).
        if len(entry.msgid) > 12 and " " in entry.msgid:
            assert translated != entry.msgid, entry.msgid


@pytest.mark.parametrize("language, expected", [("ja", "拠点"), ("zh-hans", "场所")])
def test_supplier_home_in_each_language(world, language, expected):
    client = world.client_for(world.sup_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("supplier:home")).content.decode()
    assert f'<html lang="{language}">' in html
    assert expected in html
    assert ">Sites<" not in html and "Invite a colleague" not in html


@pytest.mark.parametrize("language", ["en", "ja", "zh-hans"])
@pytest.mark.parametrize("name", ["login", "registration_request", "password_reset"])
def test_public_pages_render_in_every_language(client, db, language, name):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language


def test_language_switch_saves_the_choice_on_the_account(world):
    client = world.client_for(world.sup_a)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/supplier/"})
    assert response.status_code == 302 and response["Location"] == "/supplier/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    world.sup_a.refresh_from_db()
    assert world.sup_a.language == "zh-hans"


def test_language_switch_refuses_open_redirects(client, db):
    response = client.post(reverse("set_language"), {"language": "ja", "next": "https://evil.example/"})
    assert response["Location"] == "/"
