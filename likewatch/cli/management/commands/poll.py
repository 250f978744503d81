import signal
import threading

from likewatch.cli.base import LikewatchCommand
from likewatch.poller.loop import Poller


class Command(LikewatchCommand):
    help = "Run the poller in the foreground: fetch every page when it is due."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument("--name", help="this poller's name in leases (default host:pid)")

    def handle(self, *args, **options):
        poller = Poller(owner=options["name"])
        if options["once"]:
            fetched = poller.run_once()
            poller.close()
            # Pages claimed are not pages read: say what became of them.
            self.stdout.write(poller.last_round if fetched else "Fetched 0 page(s).")
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        poller.run_forever(stop)
