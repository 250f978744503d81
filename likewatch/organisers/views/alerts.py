"""A campaign's alert channels (Apprise URLs), set by its owners."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from likewatch.alerts import delivery
from likewatch.alerts.messages import board_url
from likewatch.alerts.models import AlertSettings
from likewatch.organisers import audit
from likewatch.organisers.encryption import UnreadableSecret
from likewatch.organisers.forms import AlertSettingsForm
from likewatch.organisers.models import Role
from likewatch.organisers.roles import campaign_view


@sensitive_post_parameters("urls")
@campaign_view(Role.OWNER)
def alert_settings(request, campaign):
    config, _created = AlertSettings.objects.get_or_create(campaign=campaign)
    form = AlertSettingsForm(
        request.POST or None,
        initial={"enabled": config.enabled, "digest_seconds": config.digest_seconds},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {}
        if data["clear"]:
            config.urls = []
            changes["urls"] = "cleared"
        elif data["urls"]:
            config.urls = data["urls"]
            changes["urls"] = f"{len(data['urls'])} address(es)"
        changes.update(
            audit.diff(
                {"enabled": config.enabled, "digest_seconds": config.digest_seconds},
                {"enabled": data["enabled"], "digest_seconds": data["digest_seconds"]},
            )
        )
        config.enabled, config.digest_seconds = data["enabled"], data["digest_seconds"]
        config.updated_at = timezone.now()
        config.save()
        audit.record(
            request.user, "alerts.edit", _("Changed the alert settings."), campaign, changes
        )
        messages.success(request, _("Alert settings saved."))
        return redirect("manage:alerts", slug=campaign.slug)
    response = render(
        request,
        "organisers/alerts.html",
        {
            "campaign": campaign,
            "form": form,
            "config": config,
            "recent": campaign.alerts.order_by("-created_at")[:20],
        },
    )
    # The form may hold the addresses just typed (with their bot tokens) after an error.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@campaign_view(Role.OWNER)
def send_test(request, campaign):
    config, _created = AlertSettings.objects.get_or_create(campaign=campaign)
    with translation.override(campaign.language):
        title = _("likewatch: test alert for %(campaign)s") % {"campaign": campaign.title}
        body = _("Alerts for this campaign reach you here.\nLive board: %(url)s") % {
            "url": board_url(campaign)
        }
    try:
        ok, error = delivery.notify(config.urls, title, body, campaign=campaign)
    except UnreadableSecret as exc:
        ok, error = False, str(exc)
    if ok:
        messages.success(request, _("Test alert sent."))
    else:
        messages.error(request, _("The test alert failed: %(error)s") % {"error": error})
    return redirect("manage:alerts", slug=campaign.slug)
