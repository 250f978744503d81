from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.evidence import digests, keys


class Command(LikewatchCommand):
    help = "Sign today's digest of every page's chain head (once a day; the poller does it too)."

    def handle(self, *args, **options):
        try:
            digest, created = digests.make()
        except keys.KeyMissing as exc:
            raise CommandError(f"Cannot sign: {exc}.") from None
        state = "signed" if created else "already signed"
        self.stdout.write(
            f"Digest of {digest.day} {state}: {digest.pages} page(s), key {digest.key_id}."
        )
