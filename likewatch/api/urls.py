"""/api/: the NinjaAPI, and a JSON 404 for any other address under it."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _

from likewatch.api.main import api


def unknown(request, rest: str = ""):
    """Anything under /api/ that is not an endpoint: a JSON 404, like every API error."""
    body = {"detail": _("There is no such API endpoint."), "code": "not_found", "errors": []}
    return JsonResponse(body, status=404)


urlpatterns = [
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", unknown),
]
