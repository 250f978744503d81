"""Digests in the admin, read only: a signed statement is never edited."""

from django.contrib import admin

from likewatch.evidence.models import Digest


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("day", "pages", "key_id", "created_at")
    readonly_fields = ("day", "created_at", "body", "signature", "key_id", "pages")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
