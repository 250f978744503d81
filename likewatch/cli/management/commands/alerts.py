import signal
import threading

from likewatch.alerts import checks, delivery
from likewatch.cli.base import LikewatchCommand


class Command(LikewatchCommand):
    help = "Check campaigns for alerts and send them through Apprise (safe to run several)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one check and send, then exit")
        parser.add_argument(
            "--every", type=int, default=60, help="seconds between two rounds (default 60)"
        )
        parser.add_argument(
            "--now", action="store_true", help="send pending alerts without waiting for the digest"
        )

    def handle(self, *args, **options):
        if options["once"]:
            self.round(options["now"])
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.is_set():
            self.round(options["now"])
            stop.wait(max(5, options["every"]))

    def round(self, force: bool) -> None:
        raised = checks.check_all()
        sent = delivery.send_due(force=force)
        for item in sent:
            outcome = "sent" if item.ok else f"not sent ({item.error})"
            self.stdout.write(f"{item.campaign}: {item.alerts} alert(s) {outcome}")
        if raised or not sent:
            self.stdout.write(f"{raised} new alert(s) raised, {len(sent)} digest(s) handled.")
