"""Events in the admin: organisers confirm or dismiss them with a note (Event.review).

Every way the admin changes a flag goes through `likewatch.events.apart.changed`: a review
through Event.review, a deletion (one event or the selected ones) here, so the pages' stored
effect estimates are marked stale and their open boards redraw. Reviewing or deleting an event
of another kind (a change of pace, a stale count) redraws the boards that list it
(`likewatch.events.publish.shown_changed`)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from likewatch.events import apart, publish
from likewatch.events.models import Event, Status


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("start", "page", "kind", "size", "confidence", "ongoing", "status")
    list_filter = ("kind", "status", "ongoing")
    search_fields = ("page__name", "page__handle", "page__platform_id", "note")
    date_hierarchy = "start"
    # What detection measured is evidence: only the verdict is the organisers' to edit.
    readonly_fields = (
        "page",
        "kind",
        "start",
        "end",
        "size",
        "expected",
        "seen",
        "confidence",
        "ongoing",
        "seq_from",
        "seq_to",
        "details",
        "detected_at",
        "updated_at",
        "reviewed_by",
        "reviewed_at",
    )
    fields = (*readonly_fields[:14], "status", "note", "reviewed_by", "reviewed_at")
    actions = ("confirm", "dismiss")

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.review(obj.status, obj.note, request.user)

    @admin.action(description=_("Confirm the selected events"))
    def confirm(self, request, queryset) -> None:
        for event in queryset:
            event.review(Status.CONFIRMED, event.note, request.user)

    @admin.action(description=_("Dismiss the selected events"))
    def dismiss(self, request, queryset) -> None:
        for event in queryset:
            event.review(Status.DISMISSED, event.note, request.user)

    def delete_model(self, request, obj: Event) -> None:
        super().delete_model(request, obj)
        _deleted([(obj.page_id, obj.kind)])

    def delete_queryset(self, request, queryset: QuerySet[Event]) -> None:
        deleted = list(queryset.values_list("page_id", "kind"))
        super().delete_queryset(request, queryset)
        _deleted(deleted)


def _deleted(events: list[tuple[int, str]]) -> None:
    """Tell what the deleted events' pages show: their effect estimates, where a flagged gain
    or drop went, and their boards, which listed every one."""
    apart.changed(page for page, kind in events if kind in apart.KINDS)
    publish.shown_changed(page for page, kind in events if kind not in apart.KINDS)
