import time

from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.simulator.scenario import ScenarioError, load
from likewatch.simulator.server import GraphSimulator, SimClock


class Command(LikewatchCommand):
    help = "Run the Graph API simulator on 127.0.0.1, driven by a scenario file."
    needs_database = False

    def add_arguments(self, parser):
        parser.add_argument("--scenario", default="morocco-2016", help="file or bundled name")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--acceleration", type=float, help="override the scenario's speed-up")
        parser.add_argument("--start-hour", type=float, default=0.0, help="begin at this hour")
        parser.add_argument(
            "--past",
            type=float,
            metavar="DAYS",
            help="instead of serving: write DAYS of the scenario's traffic before now into the "
            "history of its tracked pages, fetched every --interval seconds, and exit",
        )
        parser.add_argument("--interval", type=float, default=10, help="with --past (10)")
        parser.add_argument(
            "--metric", default="likes", choices=["likes", "followers"], help="with --past (likes)"
        )
        parser.add_argument(
            "--hour-zero",
            type=float,
            metavar="EPOCH",
            help="with --past: the real time (epoch seconds) of the scenario's hour 0 (now)",
        )

    def handle(self, *args, **options):
        try:
            scenario = load(options["scenario"])
        except ScenarioError as exc:
            raise CommandError(str(exc)) from None
        acceleration = options["acceleration"] or scenario.acceleration
        if options["past"] is not None:
            self.write_past(scenario, acceleration, options)
            return
        clock = SimClock(acceleration, options["start_hour"])
        try:
            sim = GraphSimulator(scenario, port=options["port"], clock=clock)
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on 127.0.0.1:{options['port']}: {exc.strerror}."
            ) from None
        self.stdout.write(
            f"{scenario.title}: Graph API simulator on {sim.base_url} "
            f"(x{clock.acceleration:g}); point FACEBOOK_BASE_URL at it."
        )
        try:
            sim.httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sim.httpd.server_close()

    def write_past(self, scenario, acceleration: float, options: dict) -> None:
        from likewatch.simulator import past

        self.check_database()
        if options["past"] < 0 or options["interval"] <= 0:
            raise CommandError("--past and --interval must be positive.")
        hour_zero = options["hour_zero"]
        timeline = past.Timeline(
            hour_zero=time.time() if hour_zero is None else hour_zero,
            acceleration=acceleration,
            interval=options["interval"],
        )
        started = time.monotonic()
        try:
            pairs = past.track(scenario, options["metric"], timeline, options["past"], time.time())
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not pairs:
            raise CommandError(f"The scenario has no page with a {options['metric']} count.")
        written = past.seed(pairs, timeline, options["past"])
        self.stdout.write(
            f"{len(pairs)} pages given {options['past']:g} days of past ({written:,} fetches "
            f"every {options['interval']:g} s) in {time.monotonic() - started:.1f} s."
        )
