"""Events in the admin: organisers confirm or dismiss them with a note (Event.review)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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
