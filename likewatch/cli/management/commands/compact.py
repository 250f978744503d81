from likewatch.cli.base import LikewatchCommand
from likewatch.tracking import segments


class Command(LikewatchCommand):
    help = (
        "Pack every page's sealed history into compressed segments now (the poller does it "
        "as it goes; safe to run at any time, next to running pollers)."
    )

    def handle(self, *args, **options):
        moved = segments.compact(keep=0)
        self.stdout.write(f"Moved {moved} record(s) into segments.")
