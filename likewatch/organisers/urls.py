"""/manage/: the organisers' interface. Every view checks sign-in and role itself."""

from django.apps import apps
from django.urls import path

from likewatch.organisers.views import (
    alerts,
    annotations,
    audit_log,
    campaigns,
    credentials,
    pages,
    people,
    tokens,
)

app_name = "manage"
urlpatterns = [
    path("", campaigns.dashboard, name="dashboard"),
    path("new/", campaigns.create, name="create"),
    path("c/<slug:slug>/", campaigns.overview, name="campaign"),
    path("c/<slug:slug>/edit/", campaigns.edit, name="edit"),
    path("c/<slug:slug>/publish/", campaigns.publish, name="publish"),
    path("c/<slug:slug>/pages/add/", pages.add, name="pages_add"),
    path("c/<slug:slug>/pages/<int:entry_id>/pause/", pages.pause, name="page_pause"),
    path("c/<slug:slug>/pages/<int:entry_id>/remove/", pages.remove, name="page_remove"),
    path("c/<slug:slug>/pages/<int:entry_id>/direction/", pages.direction, name="page_direction"),
    path("c/<slug:slug>/annotations/", annotations.annotations, name="annotations"),
    path(
        "c/<slug:slug>/annotations/<int:annotation_id>/delete/",
        annotations.delete,
        name="annotation_delete",
    ),
    path("c/<slug:slug>/people/", people.members, name="members"),
    path(
        "c/<slug:slug>/people/<int:membership_id>/remove/",
        people.remove_member,
        name="member_remove",
    ),
    path(
        "c/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        people.revoke_invitation,
        name="invitation_revoke",
    ),
    path("c/<slug:slug>/alerts/", alerts.alert_settings, name="alerts"),
    path("c/<slug:slug>/alerts/test/", alerts.send_test, name="alerts_test"),
    path("c/<slug:slug>/audit/", audit_log.campaign_log, name="campaign_audit"),
    path("invitations/<str:token>/", people.accept, name="invitation"),
    path("credentials/", credentials.credentials, name="credentials"),
    path("credentials/<str:platform>/test/", credentials.test, name="credential_test"),
    path("credentials/<str:platform>/delete/", credentials.delete, name="credential_delete"),
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", tokens.revoke, name="token_revoke"),
    path("audit/", audit_log.full_log, name="audit"),
]

# Reviewing flagged events needs the events app.
if apps.is_installed("likewatch.events"):
    from likewatch.organisers.views import events

    urlpatterns += [
        path("c/<slug:slug>/events/", events.events, name="events"),
        path("c/<slug:slug>/events/<int:event_id>/review/", events.review, name="event_review"),
    ]
