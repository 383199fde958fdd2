"""Login throttling, password reset, sessions ending on logout and on password change."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def _login(client: Client, email: str, password: str, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def test_login_with_email_case_insensitive(world):
    client = Client()
    response = _login(client, "A-ADMIN@alpha.example", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("supplier:home")).status_code == 200


def test_login_sets_the_users_language(world):
    world.sup_a.language = "ja"
    world.sup_a.save()
    client = Client()
    response = _login(client, world.sup_a.email, PASSWORD)
    assert response.cookies["django_language"].value == "ja"


def test_brute_force_locks_the_account_even_from_rotating_ips(world, settings):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = _login(
            client,
            world.sup_a.email,
            f"wrong-{attempt}",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}",
            REMOTE_ADDR=f"198.51.100.{attempt}",
        )
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    # The right password from yet another address is refused while locked.
    response = _login(Client(), world.sup_a.email, PASSWORD, REMOTE_ADDR="192.0.2.77")
    assert response.status_code == 429
    assert "_auth_user_id" not in Client().session


def test_other_accounts_are_not_locked(world, settings):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, world.sup_a.email, f"wrong-{attempt}")
    assert _login(Client(), world.sup_b.email, PASSWORD).status_code == 302


def test_password_reset_sends_link_and_unlocks(world, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), world.sup_a.email, f"wrong-{attempt}")
    client = Client()
    client.post(reverse("password_reset"), {"email": world.sup_a.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    new_password = "Another-Strong-Passphrase-42"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    assert _login(Client(), world.sup_a.email, new_password).status_code == 302


def test_password_reset_for_unknown_address_reveals_nothing(db):
    response = Client().post(reverse("password_reset"), {"email": "nobody@nowhere.example"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_logout_ends_the_session(world):
    client = Client()
    _login(client, world.sup_a.email, PASSWORD)
    session_key = client.session.session_key
    client.post(reverse("logout"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get(reverse("supplier:home")).status_code == 302


def test_password_change_ends_other_sessions(world):
    laptop, phone = Client(), Client()
    _login(laptop, world.sup_a.email, PASSWORD)
    _login(phone, world.sup_a.email, PASSWORD)
    new_password = "Brand-New-Passphrase-77"
    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert laptop.get(reverse("supplier:home")).status_code == 200  # the session that changed it stays
    assert phone.get(reverse("supplier:home")).status_code == 302  # every other session is signed out
