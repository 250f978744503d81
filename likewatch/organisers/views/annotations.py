"""Annotating moments of a campaign ("the operator announced new prices")."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from likewatch.organisers import audit
from likewatch.organisers.forms import AnnotationForm
from likewatch.organisers.models import Annotation, Role
from likewatch.organisers.roles import campaign_view


@campaign_view(Role.EDITOR)
def annotations(request, campaign):
    form = AnnotationForm(request.POST or None, initial={"at": timezone.now()})
    if request.method == "POST" and form.is_valid():
        note = form.save(commit=False)
        note.campaign, note.author = campaign, request.user
        note.save()
        audit.record(
            request.user,
            "annotation.add",
            _("Annotated %(at)s: %(text)s")
            % {"at": f"{note.at:%Y-%m-%d %H:%M}", "text": note.text},
            campaign=campaign,
            changes={"annotation": note.pk},
        )
        messages.success(request, _("Annotation added."))
        return redirect("manage:annotations", slug=campaign.slug)
    notes = campaign.annotations.select_related("author").order_by("-at")
    return render(
        request, "organisers/annotations.html", {"campaign": campaign, "form": form, "notes": notes}
    )


@require_POST
@campaign_view(Role.EDITOR)
def delete(request, campaign, annotation_id: int):
    note = get_object_or_404(Annotation, pk=annotation_id, campaign=campaign)
    text = note.text
    note.delete()
    audit.record(
        request.user,
        "annotation.delete",
        _("Deleted the annotation: %(text)s") % {"text": text},
        campaign=campaign,
        changes={"annotation": annotation_id},
    )
    messages.success(request, _("Annotation deleted."))
    return redirect("manage:annotations", slug=campaign.slug)
