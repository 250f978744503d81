"""The write API: create a campaign, add pages, annotate. Bearer tokens from /manage/tokens/.

A token acts with its owner's roles: creating a campaign makes the owner its owner; adding
pages and annotating need the editor role. Every change lands in the audit log (via "api").
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import field_validator

from likewatch.organisers import audit
from likewatch.organisers.credentials import source_configs
from likewatch.organisers.models import (
    Annotation,
    ApiToken,
    CampaignSettings,
    Membership,
    Role,
    digest,
)
from likewatch.organisers.roles import has_role
from likewatch.organisers.views.pages import attach
from likewatch.security import throttling
from likewatch.tracking.adding import add_pages
from likewatch.tracking.models import Campaign
from likewatch.tracking.moments import storable


class TokenAuth(HttpBearer):
    """Accept an active token of an active user; remember when it was last used."""

    def authenticate(self, request, token: str):
        # Guessing tokens counts as failed sign-ins of the client (django-axes).
        if throttling.token_locked(request):
            raise HttpError(
                429, _("Too many failed attempts from your address. Please wait and try again.")
            )
        row = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            throttling.token_failed(request)
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        return row


router = Router(auth=TokenAuth(), tags=["manage"])
MAX_BIG = 2**63 - 1


class CampaignIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    slug: str = Field("", max_length=80)
    description: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    # Stored as 64-bit integers: a larger number is refused here with a clear 400.
    target: int | None = Field(None, ge=1, le=MAX_BIG)
    milestone_every: int | None = Field(None, ge=1, le=MAX_BIG)
    # Numbers of people of the organisers' own to announce too (e.g. [60000]).
    milestones: list[Annotated[int, Field(ge=1, le=MAX_BIG)]] = Field(
        default_factory=list, max_length=100
    )
    language: str = "en"

    @field_validator("starts_at", "ends_at")
    @classmethod
    def storable(cls, moment: datetime | None) -> datetime | None:
        return storable_moment(moment)


def storable_moment(moment: datetime | None) -> datetime | None:
    """A moment the store can hold (UTC if naive); a ValueError (a clear 400) otherwise."""
    if moment is None:
        return None
    utc = storable(moment)
    if utc is None:
        raise ValueError("the time is out of range")
    return utc  # PostgreSQL refuses offsets past ±15:59, which ISO 8601 allows


class CampaignOut(Schema):
    slug: str
    title: str
    starts_at: datetime
    public: bool


class PagesIn(Schema):
    lines: list[str] = Field(min_length=1, max_length=200)
    direction: str = Field("leave", pattern="^(leave|join)$")
    # Which count to follow; default: the platform's main audience figure. One per page.
    metric: str | None = Field(None, pattern="^(followers|likes|subscribers|members)$")


class LineOut(Schema):
    line: str
    ok: bool
    error: str
    pages: list[dict]


class AnnotationIn(Schema):
    at: datetime
    text: str = Field(min_length=1, max_length=500)

    @field_validator("at")
    @classmethod
    def storable(cls, moment: datetime) -> datetime:
        return storable_moment(moment)


class AnnotationOut(Schema):
    id: int
    at: datetime
    text: str


def _campaign(request, slug: str, role: str = Role.EDITOR) -> Campaign:
    campaign = get_object_or_404(Campaign, slug=slug)
    if not has_role(request.user, campaign, role):
        raise HttpError(403, "This token may not change this campaign.")
    return campaign


@router.post("/campaigns", response={201: CampaignOut})
def create_campaign(request, data: CampaignIn):
    """Create a private campaign owned by the token's owner."""
    from django.conf import settings

    if data.language not in dict(settings.LANGUAGES):
        raise HttpError(422, f"language must be one of {', '.join(dict(settings.LANGUAGES))}")
    slug = slugify(data.slug or data.title)[:80]
    if not slug:
        raise HttpError(422, "The title or slug must contain letters or digits.")
    starts_at = data.starts_at or timezone.now()
    if data.ends_at and data.ends_at <= starts_at:
        raise HttpError(422, "ends_at must come after starts_at.")
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                slug=slug,
                title=data.title,
                description=data.description,
                starts_at=starts_at,
                ends_at=data.ends_at,
                target=data.target,
                language=data.language,
                public=False,
            )
            CampaignSettings.objects.create(
                campaign=campaign,
                milestone_every=data.milestone_every,
                milestones=sorted({m for m in data.milestones if m > 0}),
            )
            Membership.objects.create(campaign=campaign, user=request.user, role=Role.OWNER)
    except IntegrityError:
        raise HttpError(409, f"A campaign with the address {slug!r} already exists.") from None
    audit.record(
        request.user,
        "campaign.create",
        f"Created the campaign “{campaign.title}”.",
        campaign=campaign,
        via="api",
    )
    return Status(201, campaign)


class PublishIn(Schema):
    public: bool


@router.post("/campaigns/{slug}/publish", response=CampaignOut)
def publish_campaign(request, slug: str, data: PublishIn):
    """Publish (public: true) or unpublish (false) a campaign's board. Needs the owner role,
    as on the web."""
    campaign = _campaign(request, slug, Role.OWNER)
    if campaign.public != data.public:
        campaign.public = data.public
        campaign.save(update_fields=["public"])
        audit.record(
            request.user,
            "campaign.publish" if data.public else "campaign.unpublish",
            "Published the board." if data.public else "Unpublished the board.",
            campaign=campaign,
            changes={"public": [not data.public, data.public]},
            via="api",
        )
    return campaign


@router.post("/campaigns/{slug}/pages", response=list[LineOut])
def add_campaign_pages(request, slug: str, data: PagesIn):
    """Resolve each line and add what resolved; every line says what became of it."""
    campaign = _campaign(request, slug)
    results = add_pages(data.lines, metric=data.metric, configs=source_configs())
    added = attach(campaign, results, data.direction)
    good = [r.line for r in results if r.ok]
    if good:
        audit.record(
            request.user,
            "pages.add",
            f"Added {added} page(s).",
            campaign=campaign,
            changes={"lines": good},
            via="api",
        )
    return [
        {
            "line": r.line,
            "ok": r.ok,
            "error": r.error,
            "pages": [
                {"id": p.pk, "platform": p.platform, "metric": p.metric, "name": p.name}
                for p in r.pages
            ],
        }
        for r in results
    ]


@router.post("/campaigns/{slug}/annotations", response={201: AnnotationOut})
def annotate(request, slug: str, data: AnnotationIn):
    """Note what happened at a moment of the campaign."""
    campaign = _campaign(request, slug)
    note = Annotation.objects.create(
        campaign=campaign, at=data.at, text=data.text, author=request.user
    )
    audit.record(
        request.user,
        "annotation.add",
        f"Annotated {note.at:%Y-%m-%d %H:%M}: {note.text}",
        campaign=campaign,
        changes={"annotation": note.pk},
        via="api",
    )
    return Status(201, note)
