"""Adding pages in bulk, pausing and removing them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from likewatch.organisers import audit
from likewatch.organisers.credentials import source_configs
from likewatch.organisers.forms import BulkAddForm
from likewatch.organisers.models import Role
from likewatch.organisers.roles import campaign_view, may_change_page
from likewatch.tracking.adding import AddResult, add_pages
from likewatch.tracking.models import CampaignPage


def attach(campaign, results: list[AddResult], direction: str) -> int:
    """Put every page that resolved into the campaign; returns how many were new to it.

    A page whose other metric the campaign already follows is refused (its line gets the
    reason): a campaign counts one metric per page."""
    position = campaign.entries.aggregate(top=Max("position"))["top"] or 0
    added = 0
    with transaction.atomic():
        for result in results:
            for page in result.pages:
                if campaign.entries.filter(page=page).exists():
                    continue
                position += 1
                entry = CampaignPage(
                    campaign=campaign, page=page, direction=direction, position=position
                )
                try:
                    entry.clean()
                except ValidationError as exc:
                    result.error = " ".join(exc.messages)
                    continue
                entry.save()
                added += 1
    return added


@campaign_view(Role.EDITOR)
def add(request, campaign):
    form = BulkAddForm(request.POST or None)
    results: list[AddResult] = []
    if request.method == "POST" and form.is_valid():
        results = add_pages(
            form.cleaned_data["lines"],
            metric=form.cleaned_data["metric"] or None,
            configs=source_configs(),
        )
        # "Already here" is said of this campaign only: that another campaign tracks a page
        # (whether the page existed before) is that campaign's business.
        here = set(campaign.entries.values_list("page_id", flat=True))
        for result in results:
            result.already_here = bool(result.pages) and all(p.pk in here for p in result.pages)
        added = attach(campaign, results, form.cleaned_data["direction"])
        good = [r for r in results if r.ok]
        bad = [r for r in results if not r.ok]
        if good:
            audit.record(
                request.user,
                "pages.add",
                _("Added %(count)d page(s).") % {"count": added},
                campaign=campaign,
                changes={"lines": [r.line for r in good]},
            )
        # The lines that failed stay in the box, to be corrected and sent again.
        form = BulkAddForm(
            initial={
                "lines": "\n".join(r.line for r in bad),
                "direction": form.cleaned_data["direction"],
                "metric": form.cleaned_data["metric"],
            }
        )
        if good and not bad:
            messages.success(request, _("Every line was added."))
    return render(
        request,
        "organisers/pages_add.html",
        {"campaign": campaign, "form": form, "results": results},
    )


def _entry(campaign, entry_id: int) -> CampaignPage:
    return get_object_or_404(
        CampaignPage.objects.select_related("page"), pk=entry_id, campaign=campaign
    )


@require_POST
@campaign_view(Role.EDITOR)
def pause(request, campaign, entry_id: int):
    entry = _entry(campaign, entry_id)
    page = entry.page
    # Pausing stops fetching for every campaign that shares the page: the editor must be
    # allowed to change all of them.
    if not may_change_page(request.user, page):
        # Said without naming (or confirming) any other campaign: that is their business.
        raise PermissionDenied(_("You may not pause this page. Ask the installation's operators."))
    paused = request.POST.get("paused") == "1"
    if page.paused != paused:
        page.paused = paused
        page.save(update_fields=["paused"])
        audit.record(
            request.user,
            "page.pause" if paused else "page.resume",
            (_("Paused %(page)s.") if paused else _("Resumed %(page)s.")) % {"page": page.label},
            campaign=campaign,
            changes={"page": page.pk, "paused": [not paused, paused]},
        )
    return redirect("manage:campaign", slug=campaign.slug)


@require_http_methods(["GET", "POST"])
@campaign_view(Role.EDITOR)
def remove(request, campaign, entry_id: int):
    """Ask first (a page of its own, so it works without JavaScript), then remove."""
    entry = _entry(campaign, entry_id)
    if request.method != "POST" or request.POST.get("confirm") != "1":
        return render(
            request, "organisers/page_remove.html", {"campaign": campaign, "entry": entry}
        )
    label = entry.page.label
    # Only the link goes: the page's history is evidence and stays.
    entry.delete()
    audit.record(
        request.user,
        "page.remove",
        _("Removed %(page)s from the campaign.") % {"page": label},
        campaign=campaign,
        changes={"page": entry.page_id},
    )
    messages.success(request, _("%(page)s removed; its history is kept.") % {"page": label})
    return redirect("manage:campaign", slug=campaign.slug)


@require_POST
@campaign_view(Role.EDITOR)
def direction(request, campaign, entry_id: int):
    entry = _entry(campaign, entry_id)
    new = request.POST.get("direction")
    if new in ("leave", "join") and new != entry.direction:
        old, entry.direction = entry.direction, new
        entry.save(update_fields=["direction"])
        audit.record(
            request.user,
            "page.direction",
            _("%(page)s now counts people who %(direction)s.")
            % {"page": entry.page.label, "direction": entry.get_direction_display()},
            campaign=campaign,
            changes={"page": entry.page_id, "direction": [old, new]},
        )
    return redirect("manage:campaign", slug=campaign.slug)
