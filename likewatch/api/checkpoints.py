"""API: the transparency log's signed checkpoints, with their cosignatures.

Anyone may keep them: a checkpoint kept today is what catches a history rewritten tomorrow.
Their form is the evidence app's (likewatch.evidence.checkpoints.describe), the one also
published at /evidence/checkpoints.json.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from likewatch.api import schemas
from likewatch.evidence import checkpoints

router = Router(tags=["checkpoints"])
# A checkpoint is signed after every poll round: a few seconds' cache at most.
FRESH = "public, max-age=5"


@router.get("", response=schemas.CheckpointList, url_name="checkpoints")
def list_checkpoints(request: HttpRequest, response: HttpResponse):
    """The log's origin and key, and its newest checkpoints with their cosignatures."""
    response["Cache-Control"] = FRESH
    return checkpoints.listing()


@router.get(
    "/latest",
    response={200: schemas.Checkpoint, 404: schemas.Error},
    url_name="checkpoint_latest",
)
def latest_checkpoint(request: HttpRequest, response: HttpResponse):
    """The newest checkpoint, with its cosignatures (404 before the first is signed)."""
    newest = checkpoints.latest()
    if newest is None:
        raise Http404(_("No checkpoint has been signed yet."))
    response["Cache-Control"] = FRESH
    return checkpoints.describe(newest)
