"""Adding pages in bulk (against the Graph API simulator), pausing and removing them."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from likewatch.organisers.models import AuditEntry, Membership, Role
from likewatch.tracking.models import Campaign, CampaignPage, Page

from .conftest import HOSTILE

PASTE = "\n".join(
    [
        "https://www.facebook.com/MarocTelecom",
        "https://example.org/not-a-platform",
        "facebook.com/meditel",
        "https://www.facebook.com/NoSuchPageAnywhere",
        "",
    ]
)


def test_each_line_says_what_it_became_and_bad_lines_stay_for_correction(
    as_editor, campaign, facebook_settings
):
    answer = as_editor.post("/manage/c/unlike/pages/add/", {"lines": PASTE, "direction": "leave"})
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "Maroc Telecom" in body and "Meditel" in body
    assert "is not a page address likewatch recognises" in body
    results = {r.line: r for r in answer.context["results"]}
    assert results["https://www.facebook.com/MarocTelecom"].ok
    assert not results["https://www.facebook.com/NoSuchPageAnywhere"].ok
    # Only the failed lines remain in the box.
    assert answer.context["form"].initial["lines"] == (
        "https://example.org/not-a-platform\nhttps://www.facebook.com/NoSuchPageAnywhere"
    )
    names = set(campaign.pages.values_list("name", flat=True))
    assert names == {"Maroc Telecom", "Meditel"}
    assert set(CampaignPage.objects.values_list("direction", flat=True)) == {"leave"}
    entry = AuditEntry.objects.get(action="pages.add")
    assert entry.changes["lines"] == [
        "https://www.facebook.com/MarocTelecom",
        "facebook.com/meditel",
    ]


def test_adding_the_same_page_twice_keeps_one_entry(as_editor, campaign, facebook_settings):
    for _ in range(2):
        as_editor.post(
            "/manage/c/unlike/pages/add/", {"lines": "facebook.com/meditel", "direction": "join"}
        )
    # One count per page, the platform's main audience figure: followers on Facebook.
    entries = CampaignPage.objects.filter(campaign=campaign)
    assert [e.page.metric for e in entries] == ["followers"]
    assert Page.objects.filter(handle="meditel").count() == 1


def test_the_form_offers_the_count_to_follow(as_editor, campaign):
    html = as_editor.get("/manage/c/unlike/pages/add/").content.decode()
    assert 'name="metric"' in html and "main audience figure" in html


def test_a_second_count_of_a_page_is_refused_with_the_reason(
    as_editor, campaign, facebook_settings
):
    form = {"lines": "facebook.com/meditel", "direction": "leave"}
    as_editor.post("/manage/c/unlike/pages/add/", form)
    answer = as_editor.post("/manage/c/unlike/pages/add/", {**form, "metric": "likes"})
    assert answer.context["form"].errors == {}, answer.context["form"].errors
    [result] = answer.context["results"]
    assert not result.ok and "one metric per page" in result.error
    # The line stays in the box to be changed, and the total never adds two counts.
    assert answer.context["form"].initial["lines"] == "facebook.com/meditel"
    assert [e.page.metric for e in CampaignPage.objects.filter(campaign=campaign)] == ["followers"]


def test_the_model_refuses_two_counts_of_one_page(campaign):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    likes = Page.objects.create(platform="facebook", platform_id="9", metric="likes", name="A")
    followers = Page.objects.create(
        platform="facebook", platform_id="9", metric="followers", name="A"
    )
    CampaignPage.objects.create(campaign=campaign, page=followers)
    second = CampaignPage(campaign=campaign, page=likes)
    with pytest.raises(ValidationError):
        second.clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_an_empty_paste_is_refused_with_a_message(as_editor, campaign):
    answer = as_editor.post("/manage/c/unlike/pages/add/", {"lines": "  \n \n"})
    assert answer.context["form"].errors["lines"] == ["Paste at least one address."]


@pytest.fixture
def tracked(campaign):
    page = Page.objects.create(
        platform="facebook", platform_id="42", metric="followers", name=HOSTILE
    )
    return CampaignPage.objects.create(campaign=campaign, page=page)


def test_pausing_and_resuming_a_page(as_editor, campaign, tracked):
    as_editor.post(f"/manage/c/unlike/pages/{tracked.pk}/pause/", {"paused": "1"})
    tracked.page.refresh_from_db()
    assert tracked.page.paused is True
    as_editor.post(f"/manage/c/unlike/pages/{tracked.pk}/pause/", {"paused": "0"})
    tracked.page.refresh_from_db()
    assert tracked.page.paused is False
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["page.pause", "page.resume"]


def test_a_page_shared_with_a_campaign_i_do_not_edit_cannot_be_paused(as_editor, tracked):
    other = Campaign.objects.create(slug="other", title="Other", starts_at=timezone.now())
    CampaignPage.objects.create(campaign=other, page=tracked.page)
    answer = as_editor.post(f"/manage/c/unlike/pages/{tracked.pk}/pause/", {"paused": "1"})
    assert answer.status_code == 403
    tracked.page.refresh_from_db()
    assert tracked.page.paused is False


def test_removing_a_page_asks_first_without_javascript(as_editor, campaign, tracked):
    for ask in (
        as_editor.get(f"/manage/c/unlike/pages/{tracked.pk}/remove/"),
        as_editor.post(f"/manage/c/unlike/pages/{tracked.pk}/remove/"),
    ):
        assert ask.status_code == 200
        html = ask.content.decode()
        assert 'name="confirm" value="1"' in html and "<script" not in html
    assert CampaignPage.objects.filter(pk=tracked.pk).exists()
    assert not AuditEntry.objects.filter(action="page.remove").exists()


def test_removing_a_page_keeps_its_history(as_editor, campaign, tracked):
    answer = as_editor.post(f"/manage/c/unlike/pages/{tracked.pk}/remove/", {"confirm": "1"})
    assert answer.status_code == 302
    assert not CampaignPage.objects.exists()
    assert Page.objects.filter(pk=tracked.page_id).exists()
    assert AuditEntry.objects.get(action="page.remove").campaign == campaign


def test_changing_a_page_direction(as_editor, tracked):
    as_editor.post(f"/manage/c/unlike/pages/{tracked.pk}/direction/", {"direction": "join"})
    tracked.refresh_from_db()
    assert tracked.direction == "join"
    as_editor.post(f"/manage/c/unlike/pages/{tracked.pk}/direction/", {"direction": "sideways"})
    tracked.refresh_from_db()
    assert tracked.direction == "join"


def test_an_entry_of_another_campaign_is_not_found(as_editor, tracked):
    other = Campaign.objects.create(slug="other", title="Other", starts_at=timezone.now())
    mine = get_user_model().objects.get(username="eddie")
    Membership.objects.create(campaign=other, user=mine, role=Role.EDITOR)
    answer = as_editor.post(f"/manage/c/other/pages/{tracked.pk}/remove/", {"confirm": "1"})
    assert answer.status_code == 404
    assert CampaignPage.objects.filter(pk=tracked.pk).exists()


def test_hostile_page_names_are_escaped(as_editor, tracked):
    body = as_editor.get("/manage/c/unlike/").content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body
