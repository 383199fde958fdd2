from __future__ import annotations

import io

from django.core.management import call_command

from surveys.models import Campaign, Response, ResponseVersion


def test_seed_demo_creates_campaigns_once_with_answers_in_every_state(db):
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Campaign.objects.count(), Response.objects.count(), ResponseVersion.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Campaign.objects.count(), Response.objects.count(), ResponseVersion.objects.count()) == counts
    assert counts[0] == 4
    states = set(Response.objects.values_list("status", flat=True))
    assert {"not_started", "draft", "submitted", "accepted"} <= states
    last_year = Campaign.objects.get(year=2025)
    assert last_year.status == Campaign.Status.CLOSED
    assert last_year.responses.filter(status="accepted").count() == 3
    assert all(r.score is not None for r in last_year.responses.filter(status="accepted"))
