import os
import signal
import subprocess
import sys

from likewatch.cli.base import LikewatchCommand
from likewatch.site import served_at


class Command(LikewatchCommand):
    help = "Run the web server, the poller and the alerts together (the usual way to run it)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options):
        web = ["serve", "--host", options["host"], "--port", str(options["port"])]
        env = os.environ.copy()
        if not env.get("SITE_URL"):
            # Alerts are sent outside any request: give them the address this server is at.
            env["SITE_URL"] = served_at(options["host"], options["port"])
        raise SystemExit(run_together([["poll"], ["alerts"], web], env))


def run_together(commands: list[list[str]], env: dict | None = None) -> int:
    """Start each likewatch command as a child; stop them all when one ends or on Ctrl-C."""
    children = [
        subprocess.Popen([sys.executable, "-m", "likewatch", *argv], env=env or os.environ.copy())
        for argv in commands
    ]

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        os.wait()  # returns when the first child ends
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    return max((child.returncode or 0) for child in children)
