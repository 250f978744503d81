"""An Atom feed of the log's checkpoints (/evidence/checkpoints.atom): keep them as they come.

Each entry is one checkpoint, its content the signed note with its cosignatures, so a feed
reader's archive is itself a store of checkpoints that a later rewrite cannot match.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from likewatch.evidence import checkpoints
from likewatch.evidence.models import Checkpoint


class CheckpointFeed(Feed):
    feed_type = Atom1Feed
    title = _("likewatch: signed checkpoints of the transparency log")
    subtitle = _("Each entry is a signed checkpoint (C2SP tlog-checkpoint) with its cosignatures.")

    def link(self) -> str:
        return reverse("evidence:checkpoints")

    def items(self):
        return Checkpoint.objects.prefetch_related("cosignatures")[:50]

    def item_title(self, item: Checkpoint) -> str:
        return _("Checkpoint of %(size)d records") % {"size": item.size}

    def item_description(self, item: Checkpoint) -> str:
        return checkpoints.full_note(item)

    def item_link(self, item: Checkpoint) -> str:
        return reverse("evidence:checkpoint_at", args=[item.size])

    def item_guid(self, item: Checkpoint) -> str:
        return f"{checkpoints.origin()}/{item.size}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Checkpoint):
        return item.created_at

    def item_updateddate(self, item: Checkpoint):
        return item.created_at
