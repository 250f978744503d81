"""What deserves an alert right now. Each check turns the current state into drafts with keys
that identify the happening, so checking twice (or from two processes) raises it once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from likewatch.alerts.models import Alert, AlertSettings, Kind
from likewatch.analytics import milestones
from likewatch.analytics.change import campaign_change
from likewatch.organisers.models import PlatformCredential
from likewatch.tracking.models import Campaign, Health

# One failed fetch is noise (a network blip); this many in a row is a page in trouble.
FAILURES_BEFORE_ALERT = 3
# A detector run gone wild must not flood the channels: the digest names this many at most.
MAX_EVENTS = 20


@dataclass(frozen=True)
class Draft:
    kind: str
    key: str
    params: dict = field(default_factory=dict, hash=False, compare=False)


def raise_alerts(campaign: Campaign, drafts: list[Draft], now: datetime | None = None) -> int:
    """Store the drafts not raised before; returns how many were new."""
    if not drafts:
        return 0
    now = now or timezone.now()
    known = set(
        Alert.objects.filter(campaign=campaign, key__in=[d.key for d in drafts]).values_list(
            "key", flat=True
        )
    )
    fresh = [
        Alert(campaign=campaign, key=d.key, kind=d.kind, params=d.params, created_at=now)
        for d in dict.fromkeys(drafts)
        if d.key not in known
    ]
    # ignore_conflicts: another process may raise the same key between the query and here.
    Alert.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def alerting_campaigns():
    """Campaigns whose organisers configured at least one channel and left alerts on."""
    return Campaign.objects.filter(alert_settings__enabled=True).exclude(
        alert_settings__urls_ciphertext=""
    )


def wants_alerts(campaign: Campaign) -> bool:
    return (
        AlertSettings.objects.filter(campaign=campaign, enabled=True)
        .exclude(urls_ciphertext="")
        .exists()
    )


def announced_milestone(campaign: Campaign) -> int:
    """The highest milestone already alerted for the campaign (0 before the first)."""
    values = Alert.objects.filter(campaign=campaign, kind=Kind.MILESTONE).values_list(
        "params", flat=True
    )
    return max((int(p.get("milestone", 0)) for p in values), default=0)


def milestone_drafts(campaign: Campaign, now: datetime | None = None) -> list[Draft]:
    """The highest milestone passed since the last one announced, and the target if reached.

    Milestones only go up (likewatch.analytics.milestones): when the total falls back and
    rises again, nothing is announced until it passes a milestone never announced. A jump past
    several milestones is one alert naming the highest, and a milestone at or above the target
    not above the target is left to the target's alert, which says the same and more.
    """
    moved = campaign_change(campaign, now).total_moved
    steps = milestones.ladder(campaign)
    drafts = []
    target_reached = bool(campaign.target) and moved >= campaign.target
    before = announced_milestone(campaign)
    passed = steps.crossed(before, moved)
    if passed and not (target_reached and passed[-1] <= campaign.target):
        milestone = passed[-1]
        drafts.append(
            Draft(
                Kind.MILESTONE,
                f"milestone:{milestone}",
                {"milestone": milestone, "moved": moved, "passed": len(passed)},
            )
        )
    if target_reached:
        drafts.append(
            Draft(
                Kind.TARGET,
                f"target:{campaign.target}",
                {"target": campaign.target, "moved": moved},
            )
        )
    return drafts


def page_drafts(campaign: Campaign, pages=None, now: datetime | None = None) -> list[Draft]:
    """Pages failing several fetches in a row, or not read for three intervals."""
    now = now or timezone.now()
    pages = pages if pages is not None else campaign.pages.filter(paused=False)
    drafts = []
    for page in pages:
        # The episode is named by the last success, so a page that recovers and fails again
        # alerts again, but one long failure alerts once.
        episode = (page.last_success_at or page.created_at).isoformat()
        params = {"page": page.label, "page_id": page.pk, "since": episode}
        if page.health == Health.FAILING and page.failures_in_row >= FAILURES_BEFORE_ALERT:
            params["error"] = page.last_error[:300]
            drafts.append(Draft(Kind.FAILING, f"failing:{page.pk}:{episode}", params))
        elif page.last_success_at and not page.paused and page.is_stale(now):
            drafts.append(Draft(Kind.STALE, f"stale:{page.pk}:{episode}", params))
    return drafts


def token_drafts(campaign: Campaign, now: datetime | None = None) -> list[Draft]:
    """Platform tokens this campaign's pages need that expire soon."""
    now = now or timezone.now()
    platforms = set(campaign.pages.values_list("platform", flat=True))
    soon = now + timezone.timedelta(days=settings.LIKEWATCH_TOKEN_WARNING_DAYS)
    drafts = []
    for credential in PlatformCredential.objects.filter(
        platform__in=platforms, expires_at__isnull=False, expires_at__lte=soon
    ):
        expires = credential.expires_at.isoformat()
        drafts.append(
            Draft(
                Kind.TOKEN,
                f"token:{credential.platform}:{expires}",
                {"platform": credential.platform, "expires_at": expires},
            )
        )
    return drafts


def event_drafts(campaign: Campaign) -> list[Draft]:
    """Events flagged on this campaign's pages since its start and not reviewed yet.

    Gaps and stale counts are left out: the page alerts already say so.
    """
    from django.apps import apps

    if not apps.is_installed("likewatch.events"):
        return []
    from likewatch.events.models import Event, Status
    from likewatch.events.models import Kind as EventKind

    page_ids = list(campaign.pages.values_list("pk", flat=True))
    events = (
        Event.objects.for_pages(page_ids, since=campaign.starts_at)
        .filter(status=Status.OPEN)
        .exclude(kind__in=[EventKind.GAP, EventKind.STALE])
        .select_related("page")
    )
    return [
        Draft(Kind.EVENT, f"event:{event.pk}", {"event_id": event.pk, "page": event.page.label})
        for event in events[:MAX_EVENTS]
    ]


def check_campaign(campaign: Campaign, now: datetime | None = None) -> int:
    """Run every check on one campaign; returns how many new alerts were raised."""
    drafts = [
        *milestone_drafts(campaign, now),
        *page_drafts(campaign, now=now),
        *token_drafts(campaign, now),
        *event_drafts(campaign),
    ]
    return raise_alerts(campaign, drafts, now)


def check_all(now: datetime | None = None) -> int:
    """Check every campaign that has alerts configured."""
    return sum(check_campaign(c, now) for c in alerting_campaigns())
