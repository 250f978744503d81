"""The NinjaAPI instance: its documentation served from this server, and its errors as JSON.

Every error the API can meet while reading (an unknown campaign or page, a malformed or
inverted range, an absurd resolution, a parameter of the wrong type) is answered with a 4xx
and a body `{"detail": "...", "code": "...", "errors": [...]}`, never a 500.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Swagger
from ninja.errors import HttpError, ValidationError

from likewatch.analytics.series import InvalidRange

log = logging.getLogger(__name__)


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="likewatch",
        version="1",
        description=(
            "Read-only access to what likewatch measured: public campaigns, their pages, "
            "current values, histories downsampled on the server, flagged events, and the "
            "transparency log's signed checkpoints. "
            "Every answer carries an ETag (send If-None-Match to get 304 Not Modified) "
            "and may be read from any origin."
        ),
        urls_namespace="api",
        # validatorUrl None: Swagger UI would otherwise send the document to a third-party
        # validator. The UI's files come from django-ninja's own static files.
        docs=Swagger(settings={"validatorUrl": None, "tryItOutEnabled": True}),
        # The documentation is read-only like the rest: POST and friends get 405.
        docs_decorator=require_safe,
    )
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(InvalidRange, _invalid_range)
    api.add_exception_handler(ValidationError, _invalid_parameters)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(MultiPartParserError, _malformed_body)
    api.add_exception_handler(Exception, _server_error)

    from likewatch.api import campaigns, checkpoints, pages

    api.add_router("/campaigns", campaigns.router)
    api.add_router("/pages", pages.router)
    api.add_router("/checkpoints", checkpoints.router)
    # The organisers' write API (bearer tokens from /manage/tokens/), likewatch.organisers.api.
    from likewatch.organisers.api import router as manage_router

    api.add_router("/manage", manage_router)
    return api


def error(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, detail: str, errors=None
) -> HttpResponse:
    body = {"detail": detail, "code": code, "errors": errors or []}
    return api.create_response(request, body, status=status)


def _not_found(request, exc):
    return error(api, request, 404, "not_found", str(exc) or _("Not found."))


def _invalid_range(request, exc):
    return error(api, request, 400, "invalid_range", str(exc))


def _invalid_parameters(request, exc: ValidationError):
    errors = [
        {
            "parameter": ".".join(str(part) for part in e.get("loc", ())[1:]) or "body",
            "message": e.get("msg", ""),
        }
        for e in exc.errors
    ]
    names = ", ".join(sorted({e["parameter"] for e in errors})) or "?"
    detail = _("Invalid parameter: %(names)s.") % {"names": names}
    return error(api, request, 400, "invalid_parameter", detail, errors)


def _malformed_body(request, exc: Exception):
    return error(api, request, 400, "malformed_body", _("The request body is malformed."))


def _server_error(request, exc: Exception):
    """A bug: logged with its traceback, answered in JSON like every API error (never HTML)."""
    log.error("API error on %s", request.path, exc_info=exc)
    return error(api, request, 500, "server_error", _("Something went wrong on our side."))


def _http_error(request, exc: HttpError):
    return error(api, request, exc.status_code, "http_error", str(exc))


api = build_api()
