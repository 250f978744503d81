"""Reviewing the events the detector flagged on a campaign's pages: confirm or dismiss, with a
note the public sees. Needs the events app (likewatch.events); without it the routes are absent.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from likewatch.events.models import Event, Status
from likewatch.organisers import audit
from likewatch.organisers.models import Role
from likewatch.organisers.roles import campaign_view, may_change_page
from likewatch.tracking.models import Campaign

PER_PAGE = 50


class ReviewForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, label=gettext_lazy("Verdict"))
    note = forms.CharField(
        label=gettext_lazy("Note (shown to the public)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def campaign_events(campaign):
    """Events of the campaign's pages since its start, newest first."""
    page_ids = list(campaign.pages.values_list("pk", flat=True))
    return Event.objects.for_pages(page_ids, since=campaign.starts_at).select_related(
        "page", "reviewed_by"
    )


@campaign_view(Role.EDITOR)
def events(request, campaign):
    shown = request.GET.get("status", Status.OPEN)
    queryset = campaign_events(campaign)
    if shown in Status.values:
        queryset = queryset.filter(status=shown)
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        (event, ReviewForm(initial={"status": event.status, "note": event.note})) for event in page
    ]
    return render(
        request,
        "organisers/events.html",
        {
            "campaign": campaign,
            "page": page,
            "rows": rows,
            "shown": shown,
            "statuses": Status.choices,
        },
    )


@require_POST
@campaign_view(Role.EDITOR)
def review(request, campaign, event_id: int):
    event = get_object_or_404(campaign_events(campaign), pk=event_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a verdict."))
        return redirect("manage:events", slug=campaign.slug)
    if not may_change_page(request.user, event.page):
        # A verdict shows on every board that tracks the page, so it needs the right on all of
        # them. Said without naming (or confirming) any other campaign.
        messages.error(
            request,
            _("You may not give a verdict on this event. Ask the installation's operators."),
        )
        return redirect("manage:events", slug=campaign.slug)
    before = {"status": event.status, "note": event.note}
    with transaction.atomic():
        event.review(form.cleaned_data["status"], form.cleaned_data["note"], request.user)
        summary = _("Marked the %(kind)s on %(page)s as %(status)s.") % {
            "kind": event.get_kind_display(),
            "page": event.page.label,
            "status": event.get_status_display(),
        }
        changes = {
            "event": event.pk,
            **audit.diff(before, {"status": event.status, "note": event.note}),
        }
        # Filed under every campaign the verdict shows on, so each one's log tells it.
        for tracking in Campaign.objects.filter(entries__page=event.page).distinct():
            audit.record(request.user, "event.review", summary, campaign=tracking, changes=changes)
    messages.success(request, _("Verdict saved."))
    return redirect("manage:events", slug=campaign.slug)
