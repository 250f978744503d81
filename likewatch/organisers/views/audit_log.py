"""The audit log: owners see their campaign's, staff see everything."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from likewatch.organisers.models import AuditEntry, Role
from likewatch.organisers.roles import campaign_view, staff_view

PER_PAGE = 100


@campaign_view(Role.OWNER)
def campaign_log(request, campaign):
    entries = AuditEntry.objects.filter(campaign=campaign)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "organisers/audit.html", {"campaign": campaign, "page": page})


@staff_view
def full_log(request):
    page = Paginator(AuditEntry.objects.all(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "organisers/audit.html", {"page": page})
