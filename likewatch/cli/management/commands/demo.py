import os
import subprocess
import sys
from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.cli.management.commands.run import run_together
from likewatch.simulator.scenario import ScenarioError, load
from likewatch.simulator.server import GraphSimulator, SimClock

SLUG = "morocco-2016"
# The pages' past (likewatch.simulator.past), in real days: what judging the live burst needs.
# The detector fits a page's tails once it has MIN_DAYS of history (before that, "too little
# history to say how rare such a change is"; likewatch.events.detect), and the campaign's effect
# forecasts from MIN_PRE_HOURS before the start (likewatch.analytics.effect). RARE_DAYS only
# changes how a direction the page rarely bursts in is judged: these pages' jitter bursts both
# ways many times a day, and a past of 31 days judged the bought likes alike (Maroc Telecom's
# +5,961 at hour 16: strength 43.5 against a bar of 2.1, with 3 days 31.9 against 2.8; nothing
# else flagged either way). But a day of past is 8,640 fetches a page at the demo's 10 seconds:
# 31 days took 58 s of detection for one page alone (about 6 minutes of set-up for the three),
# 3 days 8 s, and the whole past of 3 days 35 s to write and detect on a busy two-core machine.
PAST_DAYS = 3.0
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
        parser.add_argument(
            "--past",
            type=float,
            default=PAST_DAYS,
            metavar="DAYS",
            help=f"days of ordinary traffic the pages had before the demo ({PAST_DAYS:g}; 0: none)",
        )

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
                self.set_up(env, scenario, clock, options)
            board = f"http://127.0.0.1:{options['port']}/c/{SLUG}/"
            self.stdout.write(
                f"\n{scenario.title}\nSimulated Graph API at {sim.base_url}, "
                f"{clock.acceleration:g}x real time: one simulated day every "
                f"{24 * 60 / clock.acceleration:g} minutes.\n\nOpen {board}\n(Ctrl-C stops.)\n"
            )
            code = run_together([["poll"], ["serve", "--port", str(options["port"])]], env)
        raise SystemExit(code)

    def set_up(self, env: dict, scenario, clock: SimClock, options: dict) -> None:
        # The campaign begins at the scenario's hour 0 (its waves' start); the pages' past
        # (likewatch.simulator.past) is written before `campaign add`, which then finds them
        # tracked with their history and adds them to the campaign.
        start = datetime.fromtimestamp(clock.hour_zero, tz=UTC).isoformat()
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
                "--start",
                start,
                "--target",
                "150000",
                "--public",
            ],
        ]
        if options["past"] > 0:
            steps.append(
                [
                    "simulate",
                    "--scenario",
                    SLUG,
                    "--past",
                    f"{options['past']:g}",
                    "--metric",
                    "likes",
                    "--interval",
                    str(options["interval"]),
                    "--acceleration",
                    f"{clock.acceleration:g}",
                    "--hour-zero",
                    repr(clock.hour_zero),
                ]
            )
        steps.append(["campaign", "add", SLUG, *PAGES, "--metric", "likes"])
        for step in steps:
            done = subprocess.run([sys.executable, "-m", "likewatch", *step], env=env)
            if done.returncode:
                raise CommandError(f"Setting up the demo failed at `likewatch {step[0]}`.")
