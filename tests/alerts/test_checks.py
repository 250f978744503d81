"""What raises an alert, and that each happening is raised once."""

from datetime import timedelta

from django.utils import timezone

from likewatch.alerts import checks
from likewatch.alerts.models import Alert, Kind
from likewatch.organisers.models import PlatformCredential
from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking import history

from .conftest import drop


def test_the_highest_milestone_crossed_is_raised_once(campaign, page, alerting):
    drop(page, 97_500)
    assert checks.check_campaign(campaign) == 1
    assert checks.check_campaign(campaign) == 0  # a second look (or a restart) adds nothing
    alert = Alert.objects.get()
    assert alert.key == "milestone:2000" and alert.params == {
        "milestone": 2000,
        "moved": 2500,
        "passed": 2,
    }


def test_falling_back_and_crossing_again_raises_nothing_new(campaign, page, alerting):
    drop(page, 98_900)
    checks.check_campaign(campaign)
    drop(page, 99_500)
    drop(page, 98_800)
    checks.check_campaign(campaign)
    assert list(Alert.objects.values_list("key", flat=True)) == ["milestone:1000"]


def test_reaching_the_target(campaign, page, alerting):
    drop(page, 94_000)
    checks.check_campaign(campaign)
    assert set(Alert.objects.values_list("kind", flat=True)) == {Kind.MILESTONE, Kind.TARGET}
    assert Alert.objects.get(kind=Kind.TARGET).params == {"target": 5000, "moved": 6000}


def test_a_page_failing_three_times_is_one_alert_per_episode(campaign, page, alerting):
    for minute in range(5):
        history.record_failure(
            page, Transient("HTTP 502"), timezone.now() + timedelta(minutes=minute)
        )
    page.refresh_from_db()
    checks.check_campaign(campaign)
    checks.check_campaign(campaign)
    failing = Alert.objects.get(kind=Kind.FAILING)
    assert failing.params["page"] == "Opérateur" and "HTTP 502" in failing.params["error"]
    # It recovers and fails again later: a new episode, a new alert.
    drop(page, 99_990, timezone.now() + timedelta(minutes=10))
    for minute in range(11, 14):
        history.record_failure(
            page, Transient("HTTP 503"), timezone.now() + timedelta(minutes=minute)
        )
    checks.check_campaign(campaign)
    assert Alert.objects.filter(kind=Kind.FAILING).count() == 2


def test_a_page_not_read_for_three_intervals_is_stale(campaign, page, alerting, start):
    checks.check_campaign(campaign, now=start + timedelta(minutes=10))
    assert not Alert.objects.filter(kind=Kind.STALE).exists()
    checks.check_campaign(campaign, now=start + timedelta(minutes=16))
    assert Alert.objects.get(kind=Kind.STALE).params["page"] == "Opérateur"


def test_a_paused_page_is_not_stale(campaign, page, alerting, start):
    page.paused = True
    page.save()
    checks.check_campaign(campaign, now=start + timedelta(hours=5))
    assert not Alert.objects.exists()


def test_a_token_about_to_expire(campaign, page, alerting):
    credential = PlatformCredential(
        platform="facebook", expires_at=timezone.now() + timedelta(days=3)
    )
    credential.token = "EAAGexpiring" + "E" * 30
    credential.save()
    checks.check_campaign(campaign)
    alert = Alert.objects.get(kind=Kind.TOKEN)
    assert alert.params["platform"] == "facebook"
    assert "EAAG" not in str(alert.params)


def test_a_far_expiry_raises_nothing(campaign, page, alerting):
    credential = PlatformCredential(
        platform="facebook", expires_at=timezone.now() + timedelta(days=60)
    )
    credential.token = "EAAGlater" + "L" * 30
    credential.save()
    checks.check_campaign(campaign)
    assert not Alert.objects.filter(kind=Kind.TOKEN).exists()


def test_campaigns_without_channels_raise_nothing(campaign, page):
    drop(page, 90_000)
    assert checks.check_all() == 0
    assert not Alert.objects.exists()


def test_signals_raise_milestones_and_failures_as_history_is_written(
    campaign, page, alerting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        drop(page, 98_000)
    assert Alert.objects.filter(key="milestone:2000").exists()
    with django_capture_on_commit_callbacks(execute=True):
        for minute in range(3):
            history.record_failure(
                page, Transient("timeout"), timezone.now() + timedelta(minutes=minute)
            )
    assert Alert.objects.filter(kind=Kind.FAILING).exists()


def test_flagged_events_raise_an_alert_with_the_detector_s_sentence(campaign, page, alerting):
    import pytest
    from django.apps import apps

    if not apps.is_installed("likewatch.events"):
        pytest.skip("the events app (issue 7) is not installed")
    from likewatch.alerts.messages import digest
    from likewatch.events.models import Event
    from likewatch.events.models import Kind as EventKind

    start = campaign.starts_at + timedelta(hours=1)
    common = {"page": page, "start": start, "end": start + timedelta(minutes=5)}
    numbers = {"size": 9000, "expected": -100, "seen": 8900, "confidence": 0.95}
    gain = Event.objects.create(kind=EventKind.GAIN, **common, **numbers)
    Event.objects.create(kind=EventKind.GAP, **common, **numbers)
    checks.check_campaign(campaign)
    [alert] = Alert.objects.filter(kind=Kind.EVENT)
    assert alert.key == f"event:{gain.pk}"
    _title, body = digest(campaign, [alert])
    from django.utils import translation

    with translation.override("fr"):
        assert gain.sentence() in body
    gain.review("dismissed", "known")
    checks.check_campaign(campaign)
    assert Alert.objects.filter(kind=Kind.EVENT).count() == 1


def test_a_round_checks_its_campaigns_once_after_its_commit(
    campaign, page, alerting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        history.record_batch(
            [
                history.Entry(page, Count(99_000), timezone.now() - timedelta(minutes=1)),
                history.Entry(page, Count(98_000), timezone.now()),
            ]
        )
    assert not Alert.objects.exists()
    for callback in callbacks:
        callback()

    assert list(Alert.objects.values_list("key", flat=True)) == ["milestone:2000"]
