"""Public event pages: what looked inorganic, on which page, and what the organisers said."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from likewatch.events import sentences
from likewatch.events.models import Event, Kind, PlatformEvent
from likewatch.public import MAX_ID
from likewatch.tracking import visibility


def visible(request):
    """Events the public may see: those of pages on a public campaign (staff see all)."""
    events = Event.objects.select_related("page", "reviewed_by")
    return visibility.filter_by_page(events, request.user)


@require_safe
def event_list(request):
    events = visible(request)
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        events = events.filter(kind=kind)
    page_id = request.GET.get("page", "")
    if page_id.isdigit():
        # A number past the 64-bit keys names no page (and the database would refuse it).
        events = events.filter(page_id=int(page_id)) if int(page_id) <= MAX_ID else events.none()
    paginator = Paginator(events, 50)
    listing = paginator.get_page(request.GET.get("p"))
    return render(
        request,
        "events/list.html",
        {"events": listing, "kinds": Kind.choices, "kind": kind, "page_id": page_id},
    )


@require_safe
def event_detail(request, pk: int):
    event = get_object_or_404(visible(request), pk=pk)
    start, end = sentences.moments(event)
    return render(request, "events/detail.html", {"event": event, "start": start, "end": end})


@require_safe
def platform_event_detail(request, pk: int):
    """Many tracked pages of one platform moving at once, with those of its page events the
    reader may see (a platform event with none of them visible is not shown)."""
    platform_event = get_object_or_404(PlatformEvent, pk=pk)
    events = list(visible(request).filter(platform_event=platform_event).order_by("start"))
    if not events:
        raise Http404
    return render(
        request,
        "events/platform_detail.html",
        {
            "platform_event": platform_event,
            "events": events,
            # As the sentences name it ("YouTube", not "Youtube").
            "platform": sentences.platform_name(platform_event.platform),
        },
    )
