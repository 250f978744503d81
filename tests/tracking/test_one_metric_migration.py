"""The migration to one metric per page keeps every page and history, and takes the second
metric of a page out of a campaign's total, keeping the platform's main one."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def latest_schema_afterwards():
    """Leave the database at the latest migration: the tests after this one expect it."""
    yield
    call_command("migrate", verbosity=0)


BEFORE = [("tracking", "0002_consumers")]
AFTER = [("tracking", "0004_one_metric_per_page_constraint")]


def test_a_campaign_adding_likes_and_followers_keeps_followers(capsys):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Page = apps.get_model("tracking", "Page")
    Campaign = apps.get_model("tracking", "Campaign")
    CampaignPage = apps.get_model("tracking", "CampaignPage")
    likes = Page.objects.create(platform="facebook", platform_id="1", metric="likes", name="MT")
    followers = Page.objects.create(
        platform="facebook", platform_id="1", metric="followers", name="MT"
    )
    other = Page.objects.create(platform="facebook", platform_id="2", metric="likes", name="inwi")
    campaign = Campaign.objects.create(
        slug="unlike", title="Unlike", starts_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    for position, page in enumerate([likes, followers, other]):
        CampaignPage.objects.create(campaign=campaign, page=page, position=position)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    CampaignPage = apps.get_model("tracking", "CampaignPage")
    Page = apps.get_model("tracking", "Page")
    kept = CampaignPage.objects.filter(campaign_id=campaign.pk).order_by("position")
    assert [(e.page.platform_id, e.page.metric) for e in kept] == [
        ("1", "followers"),
        ("2", "likes"),
    ]
    assert [e.account for e in kept] == ["facebook:1", "facebook:2"]
    assert Page.objects.count() == 3  # no page and no history is lost
    said = capsys.readouterr().out
    assert "no longer adds the likes of MT (facebook:1); it keeps its followers" in said
