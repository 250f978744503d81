import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.cli.management.commands.run import run_together
from likewatch.simulator.scenario import ScenarioError, load
from likewatch.simulator.server import GraphSimulator, SimClock

SLUG = "morocco-2016"
PAGES = [
    "https://www.facebook.com/MarocTelecom",
    "https://www.facebook.com/meditel",
    "https://www.facebook.com/inwi.ma",
]


class Command(LikewatchCommand):
    help = "Replay the 2016 Moroccan unlike campaign live: simulator, poller and board."
    needs_database = False

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="the board's port (8000)")
        parser.add_argument("--acceleration", type=float, help="simulated seconds per second")
        parser.add_argument("--interval", type=int, default=10, help="seconds between fetches")
        parser.add_argument("--keep", action="store_true", help="keep the last demo's history")

    def handle(self, *args, **options):
        try:
            scenario = load(SLUG)
        except ScenarioError as exc:
            raise CommandError(str(exc)) from None
        clock = SimClock(options["acceleration"] or scenario.acceleration)
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        database = settings.VAR_DIR / "demo.sqlite3"
        if not options["keep"]:
            for suffix in ("", "-wal", "-shm"):
                database.with_name(database.name + suffix).unlink(missing_ok=True)
        with GraphSimulator(scenario, clock=clock, token="demo-token") as sim:
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{database}",
                "FACEBOOK_BASE_URL": sim.base_url,
                "FACEBOOK_TOKEN": "demo-token",
                # The simulator listens on loopback, which the outbound guard refuses unless
                # the operator allows it: the demo allows exactly the simulator's address.
                "LIKEWATCH_OUTBOUND_ALLOW": "127.0.0.1",
                "LIKEWATCH_MIN_INTERVAL": "5",
                "LIKEWATCH_DEFAULT_INTERVAL": str(options["interval"]),
                "SITE_URL": settings.SITE_URL or f"http://127.0.0.1:{options['port']}",
            }
            if not options["keep"] or not database.exists():
                self.set_up(env, scenario)
            board = f"http://127.0.0.1:{options['port']}/c/{SLUG}/"
            self.stdout.write(
                f"\n{scenario.title}\nSimulated Graph API at {sim.base_url}, "
                f"{clock.acceleration:g}x real time: one simulated day every "
                f"{24 * 60 / clock.acceleration:g} minutes.\n\nOpen {board}\n(Ctrl-C stops.)\n"
            )
            code = run_together([["poll"], ["serve", "--port", str(options["port"])]], env)
        raise SystemExit(code)

    def set_up(self, env: dict, scenario) -> None:
        steps = [
            ["init", "--no-input"],
            [
                "campaign",
                "create",
                SLUG,
                "--title",
                scenario.title,
                "--description",
                scenario.note,
                "--target",
                "150000",
                "--public",
            ],
            ["campaign", "add", SLUG, *PAGES, "--metric", "likes"],
        ]
        for step in steps:
            done = subprocess.run([sys.executable, "-m", "likewatch", *step], env=env)
            if done.returncode:
                raise CommandError(f"Setting up the demo failed at `likewatch {step[0]}`.")
