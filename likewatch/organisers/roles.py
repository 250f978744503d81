"""Who may do what to a campaign.

Staff accounts run the installation (platform credentials, every campaign). Otherwise a
person acts on a campaign only through a `Membership`: owners manage people, alerts and
publication; editors manage pages, times, targets and annotations.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from likewatch.organisers.models import Membership, Role
from likewatch.tracking.models import Campaign

RANK = {Role.EDITOR: 1, Role.OWNER: 2}


def role_for(user, campaign: Campaign) -> str | None:
    """The user's role in the campaign, or None. Staff count as owners everywhere."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_staff:
        return Role.OWNER
    membership = Membership.objects.filter(campaign=campaign, user=user).first()
    return membership.role if membership else None


def has_role(user, campaign: Campaign, role: str = Role.EDITOR) -> bool:
    """True when the user holds `role` or a higher one in the campaign."""
    held = role_for(user, campaign)
    return held is not None and RANK[held] >= RANK[role]


def may_change_page(user, page) -> bool:
    """True when the user edits EVERY campaign that tracks `page` (staff always may).

    Pages are shared between campaigns: pausing a page, or confirming or dismissing one of its
    events (a verdict every campaign's board shows), acts on all of them, so the right to do it
    must hold on all of them. Attaching someone else's page to one's own campaign grants nothing.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    tracking = set(Campaign.objects.filter(entries__page=page).values_list("pk", flat=True))
    editable = set(
        Membership.objects.filter(user=user, campaign_id__in=tracking).values_list(
            "campaign_id", flat=True
        )
    )
    return bool(tracking) and tracking == editable


def campaigns_for(user):
    """The campaigns a user may manage."""
    if user.is_staff:
        return Campaign.objects.all()
    return Campaign.objects.filter(memberships__user=user).distinct()


def campaign_view(role: str = Role.EDITOR):
    """Decorate a view taking `slug`: sign-in required, then `role`; passes the campaign."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            campaign = get_object_or_404(Campaign, slug=slug)
            if not has_role(request.user, campaign, role):
                raise PermissionDenied
            request.campaign_role = role_for(request.user, campaign)
            return view(request, campaign, *args, **kwargs)

        return wrapper

    return decorate


def staff_view(view):
    """Decorate a view only staff (the installation's operators) may use."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
