"""Django admin views of the organisers' data, for operators. Secrets are never shown:
tokens and alert addresses are edited in /manage/, where they are encrypted on save."""

from django.contrib import admin

from likewatch.organisers.models import (
    Annotation,
    ApiToken,
    AuditEntry,
    CampaignSettings,
    Invitation,
    Membership,
    PlatformCredential,
)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["campaign", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["campaign__slug", "user__username"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["campaign", "email", "role", "created_at", "expires_at", "accepted_at"]
    exclude = ["token_hash"]
    readonly_fields = ["accepted_at", "accepted_by"]


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["campaign", "at", "text", "author"]
    search_fields = ["text"]


@admin.register(CampaignSettings)
class CampaignSettingsAdmin(admin.ModelAdmin):
    list_display = ["campaign", "milestone_every"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PlatformCredential)
class PlatformCredentialAdmin(ReadOnly):
    list_display = ["platform", "masked", "expires_at", "check_ok", "updated_at"]
    exclude = ["ciphertext"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnly):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    exclude = ["token_hash"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly):
    list_display = ["at", "actor_name", "campaign_slug", "action", "summary", "via"]
    list_filter = ["action", "via"]
    search_fields = ["summary", "actor_name", "campaign_slug"]

    def has_delete_permission(self, request, obj=None):
        return False
