"""The one visibility rule: public campaigns, the pages they track, and what hangs off those."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from likewatch.tracking import visibility
from likewatch.tracking.models import Campaign, CampaignPage, Page


@pytest.fixture
def world(db):
    now = timezone.now()
    public = Campaign.objects.create(slug="open", title="Open", starts_at=now, public=True)
    private = Campaign.objects.create(slug="hidden", title="Hidden", starts_at=now, public=False)
    shared = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    secret = Page.objects.create(platform="facebook", platform_id="2", metric="likes")
    loose = Page.objects.create(platform="facebook", platform_id="3", metric="likes")
    CampaignPage.objects.create(campaign=public, page=shared)
    CampaignPage.objects.create(campaign=private, page=shared)
    CampaignPage.objects.create(campaign=private, page=secret)
    return public, private, shared, secret, loose


def test_strangers_see_public_campaigns_and_their_pages_only(world):
    public, private, shared, secret, loose = world
    for viewer in (None, AnonymousUser()):
        assert list(visibility.campaigns(viewer)) == [public]
        # A page on two campaigns appears once.
        assert list(visibility.pages(viewer)) == [shared]
    assert visibility.page_is_public(shared)
    assert not visibility.page_is_public(secret) and not visibility.page_is_public(loose.pk)


def test_a_page_s_campaigns_never_include_a_private_one(world):
    public, private, shared, _secret, _loose = world
    assert list(visibility.campaigns_of_page(shared)) == [public]


def test_staff_see_everything_and_an_inactive_staff_account_does_not(world):
    public, private, shared, secret, loose = world
    ops = get_user_model().objects.create_user("ops", password="x", is_staff=True)
    assert set(visibility.campaigns(ops)) == {public, private}
    assert set(visibility.pages(ops)) == {shared, secret, loose}
    ops.is_active = False
    assert list(visibility.campaigns(ops)) == [public]


def test_rows_hanging_off_pages_and_campaigns_follow_them(world):
    public, private, shared, secret, _loose = world
    entries = CampaignPage.objects.all()
    assert {e.campaign_id for e in visibility.filter_by_campaign(entries)} == {public.pk}
    assert {e.page_id for e in visibility.filter_by_page(entries)} == {shared.pk}


def test_unpublishing_hides_everything_at_once(world):
    public, _private, _shared, _secret, _loose = world
    public.public = False
    public.save()
    assert not visibility.public_campaigns().exists()
    assert not visibility.public_pages().exists()
