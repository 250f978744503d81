"""Platform tokens entered in the interface: encrypted, masked, tested, warned about."""

from datetime import timedelta

import pytest
from django.utils import timezone

from likewatch.organisers.credentials import source_config
from likewatch.organisers.models import AuditEntry, PlatformCredential
from likewatch.simulator.server import GraphSimulator, SimClock
from likewatch.sources import registry
from likewatch.sources.facebook import FacebookSource
from likewatch.tracking.models import Page

TOKEN = "EAAGsimulated" + "T" * 24 + "w7k2"


@pytest.fixture
def graph(scenario, settings):
    """The Graph API simulator accepting only TOKEN, and no token in the settings."""
    clock = SimClock(scenario.acceleration)
    clock.freeze(0.0)
    with GraphSimulator(scenario, clock=clock, token=TOKEN) as sim:
        settings.LIKEWATCH_SOURCES = {
            **settings.LIKEWATCH_SOURCES,
            "facebook": {"base_url": sim.base_url, "api_version": "v24.0", "token": ""},
        }
        yield sim


@pytest.fixture
def known_page(db):
    return Page.objects.create(
        platform="facebook", platform_id="110380648982071", metric="followers", name="Maroc Telecom"
    )


def _save(client, token=TOKEN, expires=""):
    return client.post(
        "/manage/credentials/", {"platform": "facebook", "token": token, "expires_at": expires}
    )


def test_a_saved_token_is_shown_by_its_last_four_characters_only(as_staff, staff):
    assert _save(as_staff).status_code == 302
    body = as_staff.get("/manage/credentials/").content.decode()
    assert TOKEN not in body and "••••w7k2" in body
    assert AuditEntry.objects.get(action="credential.add").actor == staff
    assert TOKEN not in str(AuditEntry.objects.get().changes)


def test_only_staff_manage_platform_tokens(as_owner):
    assert _save(as_owner).status_code == 403
    assert not PlatformCredential.objects.exists()


def test_the_test_button_reads_a_known_page_with_the_stored_token(as_staff, graph, known_page):
    _save(as_staff)
    answer = as_staff.post("/manage/credentials/facebook/test/", follow=True)
    assert "The token works: Maroc Telecom was read." in answer.content.decode()
    credential = PlatformCredential.objects.get()
    assert credential.check_ok is True and credential.checked_at


def test_the_test_button_reports_a_refused_token(as_staff, graph, known_page):
    _save(as_staff, token="EAAGwrong" + "W" * 30)
    answer = as_staff.post("/manage/credentials/facebook/test/", follow=True)
    body = answer.content.decode()
    assert "The platform refused the token" in body and "Graph API error 190" in body
    assert "EAAGwrong" not in body
    assert PlatformCredential.objects.get().check_ok is False


def test_the_test_button_needs_a_known_page(as_staff, graph):
    _save(as_staff)
    answer = as_staff.post("/manage/credentials/facebook/test/", follow=True)
    assert "Add a page of this platform first" in answer.content.decode()


def test_an_expiring_token_is_announced_clearly(as_staff):
    soon = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    _save(as_staff, expires=soon)
    assert "replace it before then" in as_staff.get("/manage/credentials/").content.decode()
    assert "replace it before then" in as_staff.get("/manage/").content.decode()
    later = (timezone.now() + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M")
    _save(as_staff, expires=later)
    assert "replace it before then" not in as_staff.get("/manage/").content.decode()


def test_deleting_a_token(as_staff):
    _save(as_staff)
    as_staff.post("/manage/credentials/facebook/delete/")
    assert not PlatformCredential.objects.exists()
    assert AuditEntry.objects.filter(action="credential.delete").exists()


# What the sources are handed ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_stored_token_wins_over_the_settings(settings):
    settings.LIKEWATCH_SOURCES = {
        **settings.LIKEWATCH_SOURCES,
        "facebook": {"base_url": "http://127.0.0.1:9", "api_version": "v24.0", "token": "from-env"},
    }
    assert source_config("facebook")["token"] == "from-env"
    credential = PlatformCredential(platform="facebook")
    credential.token = TOKEN
    credential.save()
    assert source_config("facebook") == {**settings.LIKEWATCH_SOURCES["facebook"], "token": TOKEN}
    assert registry.make_source("facebook", source_config("facebook")).token == TOKEN


def test_without_database_access_the_settings_configure_the_sources(settings):
    settings.LIKEWATCH_SOURCES = {
        **settings.LIKEWATCH_SOURCES,
        "facebook": {"base_url": "http://127.0.0.1:9", "api_version": "v24.0", "token": "from-env"},
    }
    assert source_config("facebook")["token"] == "from-env"
    assert FacebookSource().token == "from-env"


@pytest.mark.django_db(transaction=True)
def test_the_poller_reads_with_the_stored_token(graph, known_page):
    from likewatch.poller.loop import Poller
    from likewatch.tracking.models import Observation

    credential = PlatformCredential(platform="facebook")
    credential.token = TOKEN
    credential.save()
    poller = Poller(owner="test")
    try:
        assert poller.run_once() == 1
    finally:
        poller.close()
    assert Observation.objects.filter(page=known_page).exists()


@pytest.mark.django_db(transaction=True)
def test_pages_added_from_the_interface_use_the_stored_token(graph):
    """The interface hands add_pages every platform's configuration, stored tokens included."""
    from likewatch.organisers.credentials import source_configs
    from likewatch.tracking.adding import add_pages

    credential = PlatformCredential(platform="facebook")
    credential.token = TOKEN
    credential.save()
    [result] = add_pages(["https://www.facebook.com/MarocTelecom"], configs=source_configs())
    assert result.ok, result.error
    # What the history keeps as the answering address carries no token.
    from likewatch.tracking.models import Observation

    kept = list(Observation.objects.values_list("source_url", flat=True))
    assert kept and all(TOKEN not in url for url in kept)


def test_only_platforms_that_read_a_token_are_offered(as_staff):
    choices = dict(as_staff.get("/manage/credentials/").context["form"].fields["platform"].choices)
    assert "facebook" in choices and "youtube" in choices
    assert not {"web", "json", "mastodon", "bluesky"} & set(choices)
