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

    def handle(self, *args, **options):
        try:
            scenario = load(options["scenario"])
        except ScenarioError as exc:
            raise CommandError(str(exc)) from None
        clock = SimClock(options["acceleration"] or scenario.acceleration, options["start_hour"])
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
