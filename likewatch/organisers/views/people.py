"""Owners invite editors (and other owners) by e-mail, and remove them."""

from __future__ import annotations

import logging
import secrets

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from likewatch import site
from likewatch.organisers import audit
from likewatch.organisers.forms import InvitationForm, SignUpForm
from likewatch.organisers.models import Invitation, Membership, Role, digest
from likewatch.organisers.roles import campaign_view
from likewatch.security.ratelimit import limit_posts

log = logging.getLogger(__name__)


@campaign_view(Role.OWNER)
def members(request, campaign):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            invite(request, campaign, email, form.cleaned_data["role"])
        except OSError:  # the mail server refused or is unreachable: no invitation is kept
            log.exception("invitation mail to %s not sent", email)
            messages.error(
                request,
                _("The invitation could not be sent to %(email)s; nothing was changed.")
                % {"email": email},
            )
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
        return redirect("manage:members", slug=campaign.slug)
    return render(
        request,
        "organisers/members.html",
        {
            "campaign": campaign,
            "form": form,
            "memberships": campaign.memberships.select_related("user"),
            "invitations": campaign.invitations.filter(accepted_at__isnull=True),
            "now": timezone.now(),
        },
    )


def invite(request, campaign, email: str, role: str) -> Invitation:
    """Create an invitation and e-mail its link; only the link's hash is kept.

    All or nothing: when the mail cannot be sent, no invitation (and no audit entry) remains.
    """
    with transaction.atomic():
        return _invite(request, campaign, email, role)


def _invite(request, campaign, email: str, role: str) -> Invitation:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        campaign=campaign, email=email, role=role, token_hash=digest(token), invited_by=request.user
    )
    link = site.absolute(reverse("manage:invitation", args=[token]))
    # A subject is one header line: a title's line breaks would make the mail unsendable.
    title = " ".join(campaign.title.split())
    with translation.override(campaign.language):
        send_mail(
            _("You are invited to organise “%(title)s” on likewatch") % {"title": title},
            _(
                "%(inviter)s invites you to be %(role)s of the campaign “%(title)s”.\n\n"
                "Follow this link within 7 days to accept:\n%(link)s\n"
            )
            % {
                "inviter": request.user.get_username(),
                "role": Role(role).label,
                "title": campaign.title,
                "link": link,
            },
            None,
            [email],
        )
    audit.record(
        request.user,
        "member.invite",
        _("Invited %(email)s as %(role)s.") % {"email": email, "role": Role(role).label},
        campaign=campaign,
        changes={"email": email, "role": role},
    )
    return invitation


@require_POST
@campaign_view(Role.OWNER)
def remove_member(request, campaign, membership_id: int):
    membership = get_object_or_404(Membership, pk=membership_id, campaign=campaign)
    owners = campaign.memberships.filter(role=Role.OWNER)
    if membership.role == Role.OWNER and owners.count() == 1:
        messages.error(request, _("A campaign keeps at least one owner."))
        return redirect("manage:members", slug=campaign.slug)
    name = membership.user.get_username()
    membership.delete()
    audit.record(
        request.user,
        "member.remove",
        _("Removed %(name)s.") % {"name": name},
        campaign=campaign,
        changes={"user": name},
    )
    return redirect("manage:members", slug=campaign.slug)


@require_POST
@campaign_view(Role.OWNER)
def revoke_invitation(request, campaign, invitation_id: int):
    invitation = get_object_or_404(
        Invitation, pk=invitation_id, campaign=campaign, accepted_at__isnull=True
    )
    invitation.delete()
    audit.record(
        request.user,
        "member.uninvite",
        _("Withdrew the invitation of %(email)s.") % {"email": invitation.email},
        campaign=campaign,
    )
    return redirect("manage:members", slug=campaign.slug)


@sensitive_post_parameters("password1", "password2")
@limit_posts("login")
def accept(request, token: str):
    """The invitation link: a signed-in person accepts; anyone else creates an account first."""
    invitation = Invitation.objects.filter(token_hash=digest(token)).first()
    if invitation is None or not invitation.usable:
        raise Http404(_("This invitation does not exist, was used, or has expired."))
    form = None
    if not request.user.is_authenticated:
        form = SignUpForm(request.POST or None, initial={"email": invitation.email})
    if request.method == "POST":
        if form is not None and not form.is_valid():
            return render(
                request, "organisers/invitation.html", {"invitation": invitation, "form": form}
            )
        with transaction.atomic():
            # Claim the link first, in the same transaction as everything it grants: of several
            # simultaneous sign-ups through one link, exactly one claims it; the others change
            # nothing (no account, no membership).
            claimed = Invitation.objects.filter(
                pk=invitation.pk, accepted_at__isnull=True, expires_at__gt=timezone.now()
            ).update(accepted_at=timezone.now())
            if not claimed:
                raise Http404(_("This invitation does not exist, was used, or has expired."))
            user = form.save() if form is not None else request.user
            _join(user, invitation)
        if form is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Welcome to “%(title)s”.") % {"title": invitation.campaign.title}
        )
        return redirect("manage:campaign", slug=invitation.campaign.slug)
    return render(request, "organisers/invitation.html", {"invitation": invitation, "form": form})


def _join(user, invitation: Invitation) -> None:
    if not user.is_active:
        raise PermissionDenied
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            campaign=invitation.campaign, user=user, defaults={"role": invitation.role}
        )
        if not created and invitation.role == Role.OWNER and membership.role != Role.OWNER:
            membership.role = Role.OWNER
            membership.save(update_fields=["role"])
        invitation.accepted_at, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit.record(
            user,
            "member.join",
            _("Accepted the invitation as %(role)s.") % {"role": Role(membership.role).label},
            campaign=invitation.campaign,
        )
