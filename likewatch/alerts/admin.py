from django.contrib import admin

from likewatch.alerts.models import Alert, AlertSettings


@admin.register(AlertSettings)
class AlertSettingsAdmin(admin.ModelAdmin):
    list_display = ["campaign", "enabled", "digest_seconds", "updated_at"]
    # The addresses hold bot tokens: edited (and encrypted) in /manage/ only.
    exclude = ["urls_ciphertext"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["campaign", "kind", "key", "created_at", "sent_at", "attempts"]
    list_filter = ["kind"]
    readonly_fields = ["campaign", "key", "kind", "params", "created_at", "sent_at", "attempts"]
