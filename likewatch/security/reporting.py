"""Error reports (the DEBUG page, e-mails to ADMINS) that never show a posted secret.

Django hides the POST fields a view marks with `sensitive_post_parameters`, and the locals of
functions marked `sensitive_variables`. A secret also travels through frames nobody can mark
(the cryptography library, a bug's own frame): this filter blanks every frame variable whose
value contains one of the request's sensitive POST values.
"""

from __future__ import annotations

from django.views.debug import SafeExceptionReporterFilter

# Shorter values are not secrets worth hunting (and would match everywhere).
MIN_SECRET_LENGTH = 8


class SecretScrubbingFilter(SafeExceptionReporterFilter):
    def is_active(self, request) -> bool:
        # Django shows everything when DEBUG is on; a debug page seen over a shoulder or
        # pasted into an issue must not carry a token either.
        return True

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        secrets = self._posted_secrets(request)
        if not secrets:
            return variables
        return [
            (name, self.cleansed_substitute if _holds(value, secrets) else value)
            for name, value in variables
        ]

    @staticmethod
    def _posted_secrets(request) -> list[str]:
        if request is None or request.method != "POST":
            return []
        names = getattr(request, "sensitive_post_parameters", [])
        if names == "__ALL__":
            names = list(request.POST)
        values = []
        for name in names:
            values += [v for v in request.POST.getlist(name) if len(v) >= MIN_SECRET_LENGTH]
        for line in list(values):
            # A multi-line field (Apprise URLs) holds one secret a line.
            values += [part for part in line.splitlines() if len(part) >= MIN_SECRET_LENGTH]
        return values


def _holds(value, secrets: list[str]) -> bool:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not break the error report
        return True
    return any(secret in text for secret in secrets)
