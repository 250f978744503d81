"""Who may see what: the ONE rule every public surface asks.

The rule: a campaign is public when its organisers published it; an annotation is public when
its campaign is. Staff accounts, which run the installation, see everything.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from likewatch.tracking.models import Campaign


def sees_everything(viewer: Any) -> bool:
    """Staff (the installation's operators) see private campaigns and their pages too."""
    return bool(
        viewer is not None
        and getattr(viewer, "is_authenticated", False)
        and getattr(viewer, "is_active", False)
        and getattr(viewer, "is_staff", False)
    )


def campaigns(viewer: Any = None) -> QuerySet[Campaign]:
    """The campaigns `viewer` may see: the published ones (all of them for staff)."""
    if sees_everything(viewer):
        return Campaign.objects.all()
    return Campaign.objects.filter(public=True)


def filter_by_campaign(queryset: QuerySet, viewer: Any = None, field: str = "campaign") -> QuerySet:
    """`queryset` (rows with a campaign foreign key named `field`) keeping what `viewer` may see.

    For annotations and anything else that belongs to a campaign.
    """
    if sees_everything(viewer):
        return queryset
    return queryset.filter(**{f"{field}__public": True})
