"""Forms of the organisers' interface. Times are entered and shown in UTC."""

from __future__ import annotations

import re
from datetime import UTC

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from likewatch.organisers.models import Annotation, Role
from likewatch.tracking.models import Campaign, Metric

MAX_LINES = 200


class UTCDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class UTCDateTimeField(forms.DateTimeField):
    """A date and time typed in UTC, whatever the reader's own zone."""

    widget = UTCDateTimeInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("UTC"))
        super().__init__(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], **kwargs)

    def to_python(self, value):
        result = super().to_python(value)
        return result.replace(tzinfo=UTC) if result and result.tzinfo is None else result

    def prepare_value(self, value):
        if hasattr(value, "astimezone"):
            return value.astimezone(UTC).replace(tzinfo=None)
        return value


class CampaignForm(forms.ModelForm):
    """Everything about a campaign an editor may change (publishing is separate)."""

    starts_at = UTCDateTimeField(label=_("Start (the baseline)"))
    ends_at = UTCDateTimeField(label=_("End"), required=False)
    milestone_every = forms.IntegerField(
        label=_("Milestone every"),
        required=False,
        min_value=1,
        help_text=_("Alert every time this many more people have moved (e.g. 1000)."),
    )
    milestones = forms.CharField(
        label=_("Also announce"),
        required=False,
        help_text=_(
            "Numbers of people of your own, separated by commas or spaces (e.g. 60000). "
            "Without a step or numbers: 1,000, 2,000, 5,000, 10,000…"
        ),
    )

    def clean_milestones(self) -> list[int]:
        text = self.cleaned_data.get("milestones") or ""
        words = [w for w in re.split(r"[\s,;]+", text.replace("_", "")) if w]
        numbers = []
        for word in words:
            if not word.isdigit() or int(word) < 1:
                raise forms.ValidationError(
                    _("%(word)s is not a number of people (write 60000, not 60k).")
                    % {"word": word[:20]}
                )
            numbers.append(int(word))
        return sorted(set(numbers))

    class Meta:
        model = Campaign
        fields = ["title", "slug", "description", "language", "starts_at", "ends_at", "target"]
        labels = {
            "title": _("Title"),
            "slug": _("Address"),
            "description": _("Description"),
            "language": _("Language of the board and alerts"),
            "target": _("Target"),
        }
        help_texts = {"slug": _("Letters, digits and dashes: the board is at /c/<address>/.")}


class BulkAddForm(forms.Form):
    lines = forms.CharField(
        label=_("Pages"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Paste page addresses or handles, one a line."),
        error_messages={"required": _("Paste at least one address.")},
    )
    direction = forms.ChoiceField(
        label=_("These pages should"),
        choices=[("leave", _("lose people (leave)")), ("join", _("gain people (join)"))],
        initial="leave",
    )
    metric = forms.ChoiceField(
        label=_("Count to follow"),
        choices=[
            ("", _("The platform's main audience figure (followers on Facebook)")),
            *Metric.choices,
        ],
        required=False,
        initial="",
        help_text=_(
            "One count per page: a person who unlikes and unfollows a page is counted once."
        ),
    )

    def clean_lines(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["lines"].splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError(_("Paste at least one address."))
        if len(lines) > MAX_LINES:
            raise forms.ValidationError(
                _("At most %(max)d lines at a time; you pasted %(count)d.")
                % {"max": MAX_LINES, "count": len(lines)}
            )
        return list(dict.fromkeys(lines))


class AnnotationForm(forms.ModelForm):
    at = UTCDateTimeField(label=_("Moment"))

    class Meta:
        model = Annotation
        fields = ["at", "text"]
        labels = {"text": _("What happened")}
        widgets = {"text": forms.TextInput(attrs={"maxlength": 500})}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EDITOR)


class SignUpForm(UserCreationForm):
    """The account an invited person creates when following their invitation."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]


class CredentialForm(forms.Form):
    platform = forms.ChoiceField(label=_("Platform"))
    token = forms.CharField(
        label=_("Access token"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        strip=True,
        max_length=2000,
    )
    expires_at = UTCDateTimeField(
        label=_("Expires"),
        required=False,
        help_text=_("UTC; leave empty if the token does not expire or you do not know."),
    )

    def __init__(self, *args, platforms: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = [(p, p.title()) for p in platforms]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What will use it, e.g. 'newsroom script'.")
    )


class AlertSettingsForm(forms.Form):
    urls = forms.CharField(
        label=_("Apprise addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        help_text=_(
            "One a line, e.g. tgram://bot-token/chat-id or mailto://user:pass@example.org. "
            "Leave empty to keep the addresses already saved."
        ),
    )
    clear = forms.BooleanField(label=_("Remove every saved address"), required=False)
    enabled = forms.BooleanField(label=_("Send alerts"), required=False)
    digest_seconds = forms.IntegerField(
        label=_("Group alerts arriving within (seconds)"), min_value=0, max_value=86400
    )

    def clean_urls(self) -> list[str]:
        import apprise

        urls = [u.strip() for u in self.cleaned_data["urls"].splitlines() if u.strip()]
        from likewatch.alerts.delivery import refused_lines

        bad = [u for u in urls if apprise.Apprise.instantiate(u) is None]
        if bad:
            raise forms.ValidationError(
                _("Apprise does not recognise line %(lines)s.")
                % {"lines": ", ".join(str(urls.index(u) + 1) for u in bad)}
            )
        refused = refused_lines(urls)
        if refused:
            raise forms.ValidationError(
                _(
                    "Line %(lines)s sends to an address that is not on the public internet; "
                    "likewatch only sends alerts to public addresses unless the operator "
                    "allows others."
                )
                % {"lines": ", ".join(map(str, refused))}
            )
        return urls


def language_name(code: str) -> str:
    return dict(settings.LANGUAGES).get(code, code)
