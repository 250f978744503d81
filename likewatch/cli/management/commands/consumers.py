import json

from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.cli.format import moment, number, table
from likewatch.tracking import consumers


class Command(LikewatchCommand):
    help = (
        "The consumers of the history (rollups, live boards, alerts, events…): how far each "
        "has read, and catching them up after a crash or an outage."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        status = sub.add_parser(
            "status", help="each consumer's cursor and how many rounds it is behind"
        )
        status.add_argument("--json", action="store_true", help="print JSON (for monitoring)")
        catch_up = sub.add_parser(
            "catch-up",
            help="process every round a consumer has not read yet (what a poller does when "
            "it starts; safe next to running pollers)",
        )
        catch_up.add_argument(
            "names", nargs="*", metavar="NAME", help="consumers to catch up (default: all)"
        )
        forget = sub.add_parser(
            "forget",
            help="drop the cursor of a consumer that no longer exists, so the journal it "
            "holds back can be pruned",
        )
        forget.add_argument("name", metavar="NAME")

    def handle(self, *args, **options):
        getattr(self, "do_" + options["action"].replace("-", "_"))(options)

    def do_status(self, options):
        if options["json"]:
            rows = [
                {
                    "consumer": s.name,
                    "position": s.position,
                    "behind": s.behind,
                    "registered": s.registered,
                    "moved_at": s.updated_at.isoformat() if s.updated_at else None,
                }
                for s in consumers.status()
            ]
            self.stdout.write(json.dumps(rows, indent=2))
            return
        rows = [
            [
                s.name,
                number(s.position),
                number(s.behind),
                moment(s.updated_at),
                "" if s.registered else "not registered: see `consumers forget`",
            ]
            for s in consumers.status()
        ]
        self.stdout.write(
            table(rows, ["consumer", "last round read", "rounds behind", "moved at", "note"])
        )

    def do_catch_up(self, options):
        known = {c.name for c in consumers.registered()}
        unknown = [name for name in options["names"] if name not in known]
        if unknown:
            raise CommandError(
                f"No consumer named {', '.join(unknown)}; the consumers are: "
                f"{', '.join(sorted(known))}."
            )
        done = consumers.catch_up(options["names"] or None)
        failed = [name for name, count in done.items() if count < 0]
        for name, count in done.items():
            if count >= 0:
                self.stdout.write(f"{name}: caught up {count} record(s).")
        consumers.prune()
        if failed:
            raise CommandError(
                f"Could not catch up {', '.join(failed)} (see the log above); "
                "it stays at its cursor and will be retried."
            )

    def do_forget(self, options):
        name = options["name"]
        if name in {c.name for c in consumers.registered()}:
            raise CommandError(f"{name} is a registered consumer; only a removed one can go.")
        if not consumers.forget(name):
            raise CommandError(f"No cursor named {name!r}: see `likewatch consumers status`.")
        pruned = consumers.prune()
        self.stdout.write(f"Forgot {name}; pruned {pruned} round(s) from the journal.")
