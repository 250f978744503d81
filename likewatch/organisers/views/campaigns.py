"""Creating, editing and publishing campaigns."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from likewatch.organisers import audit
from likewatch.organisers.forms import CampaignForm
from likewatch.organisers.models import CampaignSettings, Membership, PlatformCredential, Role
from likewatch.organisers.roles import campaign_view, campaigns_for, has_role
from likewatch.tracking.models import Campaign

TRACKED = ["title", "slug", "description", "language", "starts_at", "ends_at", "target"]


def _state(campaign: Campaign, options: CampaignSettings | None) -> dict:
    state = {name: getattr(campaign, name) for name in TRACKED}
    state["milestone_every"] = options.milestone_every if options else None
    state["milestones"] = ", ".join(map(str, options.milestones)) if options else ""
    return state


@login_required
def dashboard(request):
    campaigns = campaigns_for(request.user).order_by("-starts_at")
    roles = dict(Membership.objects.filter(user=request.user).values_list("campaign_id", "role"))
    rows = [(c, Role.OWNER if request.user.is_staff else roles.get(c.pk)) for c in campaigns]
    expiring = (
        [c for c in PlatformCredential.objects.all() if c.expires_soon]
        if request.user.is_staff
        else []
    )
    return render(request, "organisers/dashboard.html", {"rows": rows, "expiring": expiring})


@login_required
def create(request):
    form = CampaignForm(request.POST or None, initial={"starts_at": timezone.now()})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # A new campaign stays private until its owner publishes it.
            campaign = form.save(commit=False)
            campaign.public = False
            campaign.save()
            CampaignSettings.objects.create(
                campaign=campaign,
                milestone_every=form.cleaned_data["milestone_every"],
                milestones=form.cleaned_data["milestones"],
            )
            Membership.objects.create(campaign=campaign, user=request.user, role=Role.OWNER)
            audit.record(
                request.user,
                "campaign.create",
                _("Created the campaign “%(title)s”.") % {"title": campaign.title},
                campaign=campaign,
                changes=audit.diff({}, _state(campaign, campaign.organiser_settings)),
            )
        messages.success(request, _("Campaign created. Now add the pages to watch."))
        return redirect("manage:pages_add", slug=campaign.slug)
    return render(request, "organisers/campaign_form.html", {"form": form, "creating": True})


@campaign_view(Role.EDITOR)
def overview(request, campaign):
    entries = campaign.entries.select_related("page").order_by("position", "id")
    return render(
        request,
        "organisers/campaign.html",
        {
            "campaign": campaign,
            "entries": entries,
            "is_owner": has_role(request.user, campaign, Role.OWNER),
            "annotations": campaign.annotations.order_by("-at")[:5],
        },
    )


@campaign_view(Role.EDITOR)
def edit(request, campaign):
    options, _created = CampaignSettings.objects.get_or_create(campaign=campaign)
    before = _state(campaign, options)
    form = CampaignForm(
        request.POST or None,
        instance=campaign,
        initial={
            "milestone_every": options.milestone_every,
            "milestones": ", ".join(map(str, options.milestones)),
        },
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            campaign = form.save()
            options.milestone_every = form.cleaned_data["milestone_every"]
            options.milestones = form.cleaned_data["milestones"]
            options.save()
            changes = audit.diff(before, _state(campaign, options))
            if changes:
                audit.record(
                    request.user,
                    "campaign.edit",
                    _("Changed %(changes)s.") % {"changes": audit.describe(changes)},
                    campaign=campaign,
                    changes=changes,
                )
        messages.success(request, _("Campaign saved."))
        return redirect("manage:campaign", slug=campaign.slug)
    return render(request, "organisers/campaign_form.html", {"form": form, "campaign": campaign})


@require_POST
@campaign_view(Role.OWNER)
def publish(request, campaign):
    public = request.POST.get("public") == "1"
    if campaign.public != public:
        campaign.public = public
        campaign.save(update_fields=["public"])
        audit.record(
            request.user,
            "campaign.publish" if public else "campaign.unpublish",
            _("Published the board.") if public else _("Unpublished the board."),
            campaign=campaign,
            changes={"public": [not public, public]},
        )
    messages.success(request, _("The board is public.") if public else _("The board is private."))
    return redirect("manage:campaign", slug=campaign.slug)
